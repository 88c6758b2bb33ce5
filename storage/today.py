"""The facts of an RM's day (SPEC §6): small indexed reads over the RM's own customers.

An RM has hundreds of customers, never a branch; every query here is bounded by the ids of those
customers (fetched once through the assignment index) and uses the per-customer indexes, so the cost
does not grow with the size of the bank.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select
from sqlalchemy.sql import Select

from storage.models import (
    Assignment,
    ContactRecord,
    Customer,
    CustomerTier,
    Holding,
    ImportantDate,
    ManualReminder,
    MonthlyAum,
    Product,
    ReminderStateRow,
    RiskAssessment,
    Txn,
    VisitPlan,
)

_ASSIGNMENT = Assignment.__table__  # type: ignore[attr-defined]
_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_TIER = CustomerTier.__table__  # type: ignore[attr-defined]
_HOLDING = Holding.__table__  # type: ignore[attr-defined]
_PRODUCT = Product.__table__  # type: ignore[attr-defined]
_TXN = Txn.__table__  # type: ignore[attr-defined]
_DATE = ImportantDate.__table__  # type: ignore[attr-defined]
_RISK = RiskAssessment.__table__  # type: ignore[attr-defined]
_PLAN = VisitPlan.__table__  # type: ignore[attr-defined]
_CONTACT = ContactRecord.__table__  # type: ignore[attr-defined]
_STATE = ReminderStateRow.__table__  # type: ignore[attr-defined]
_AUM = MonthlyAum.__table__  # type: ignore[attr-defined]
_MANUAL = ManualReminder.__table__  # type: ignore[attr-defined]

#: How many customer ids go into one IN list.
CHUNK = 900


def my_customers(conn: Connection, staff_id: int) -> list[dict[str, Any]]:
    """The customers assigned to ``staff_id`` (primary or secondary): id, cif, name, birth date, tier,
    status and the month of the stored evaluation."""
    rows = conn.execute(
        select(
            _CUSTOMER.c.id,
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            _CUSTOMER.c.birth_date,
            _TIER.c.tier,
            _TIER.c.status,
            _TIER.c.month_idx,
            _TIER.c.months_below,
            _TIER.c.churned_from,
        )
        .select_from(_ASSIGNMENT)
        .join(_CUSTOMER, _CUSTOMER.c.id == _ASSIGNMENT.c.customer_id)
        .outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
        .where(_ASSIGNMENT.c.staff_id == staff_id)
        .order_by(_CUSTOMER.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)] if ids else []


def _rows(conn: Connection, build: Any, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Run ``build(chunk)`` (a select over one chunk of customer ids) for every chunk."""
    found: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        query: Select[Any] = build(list(chunk))
        result = conn.execute(query)
        keys = list(result.keys())
        found.extend(dict(zip(keys, row, strict=True)) for row in result.fetchall())
    return found


def holdings(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Every holding of the customers with its product's code, name, category and risk level."""
    return _rows(
        conn,
        lambda chunk: (
            select(
                _HOLDING.c.customer_id,
                _HOLDING.c.account_no,
                _HOLDING.c.asset_class,
                _HOLDING.c.balance_fen,
                _HOLDING.c.maturity_date,
                _HOLDING.c.loan_type,
                _HOLDING.c.loan_class,
                _HOLDING.c.card_level,
                _HOLDING.c.repayment_day,
                _PRODUCT.c.code.label("product_code"),
                _PRODUCT.c.name.label("product_name"),
                _PRODUCT.c.category,
            )
            .join(_PRODUCT, _PRODUCT.c.id == _HOLDING.c.product_id)
            .where(_HOLDING.c.customer_id.in_(chunk))
        ),
        ids,
    )


def large_txns(
    conn: Connection, ids: Sequence[int], *, since: date, until: date, threshold_fen: int
) -> list[dict[str, Any]]:
    """Transactions of the customers dated in [since, until] of at least ``threshold_fen``."""
    return _rows(
        conn,
        lambda chunk: (
            select(
                _TXN.c.customer_id,
                _TXN.c.txn_id,
                _TXN.c.txn_date,
                _TXN.c.amount_fen,
                _TXN.c.direction,
                _TXN.c.channel,
                _TXN.c.counterparty,
                _PRODUCT.c.name.label("product_name"),
            )
            .outerjoin(_PRODUCT, _PRODUCT.c.id == _TXN.c.product_id)
            .where(
                _TXN.c.customer_id.in_(chunk),
                _TXN.c.txn_date >= since,
                _TXN.c.txn_date <= until,
                _TXN.c.amount_fen >= threshold_fen,
            )
        ),
        ids,
    )


def important_dates(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The important dates of the customers."""
    return _rows(
        conn,
        lambda chunk: select(
            _DATE.c.id, _DATE.c.customer_id, _DATE.c.label, _DATE.c.day, _DATE.c.lunar
        ).where(_DATE.c.customer_id.in_(chunk)),
        ids,
    )


def latest_assessments(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Each customer's assessment valid longest (the newest): customer_id, level, valid_until."""

    def build(chunk: list[int]) -> Select[Any]:
        inner = (
            select(_RISK.c.customer_id, func.max(_RISK.c.valid_until).label("valid_until"))
            .where(_RISK.c.customer_id.in_(chunk))
            .group_by(_RISK.c.customer_id)
            .subquery()
        )
        return select(_RISK.c.customer_id, _RISK.c.level, _RISK.c.valid_until).join(
            inner,
            and_(inner.c.customer_id == _RISK.c.customer_id, inner.c.valid_until == _RISK.c.valid_until),
        )

    rows = _rows(conn, build, ids)
    # Two assessments with the same expiry: the higher level wins, deterministically.
    best: dict[int, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["customer_id"], r["level"])):
        best[row["customer_id"]] = row
    return list(best.values())


def plans_between(conn: Connection, staff_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The staff member's visit plans in [start, end) with the customer, and whether a record of the
    plan exists (the visit took place)."""
    recorded = exists().where(_CONTACT.c.visit_plan_id == _PLAN.c.id)
    rows = conn.execute(
        select(
            _PLAN.c.id,
            _PLAN.c.planned_at,
            _PLAN.c.purpose,
            _PLAN.c.place,
            _PLAN.c.cancelled,
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            recorded.label("done"),
        )
        .join(_CUSTOMER, _CUSTOMER.c.id == _PLAN.c.customer_id)
        .where(_PLAN.c.staff_id == staff_id, _PLAN.c.planned_at >= start, _PLAN.c.planned_at < end)
        .order_by(_PLAN.c.planned_at)
    ).mappings()
    return [dict(row) for row in rows]


def follow_ups_due(
    conn: Connection, staff_id: int, until: date, *, since: date | None = None
) -> list[dict[str, Any]]:
    """The staff member's contact records with a follow-up date on or before ``until`` (and on or after
    ``since`` when given), by date and CIF: id, follow-up date, next step, the customer's CIF and name,
    and whether a later contact with the same customer took place (the follow-up was done)."""
    later = _CONTACT.alias("later")
    done = exists().where(
        later.c.customer_id == _CONTACT.c.customer_id,
        later.c.occurred_at > _CONTACT.c.occurred_at,
    )
    window = [_CONTACT.c.follow_up_date <= until]
    if since is not None:
        window.append(_CONTACT.c.follow_up_date >= since)
    rows = conn.execute(
        select(
            _CONTACT.c.id,
            _CONTACT.c.follow_up_date,
            _CONTACT.c.next_step,
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            done.label("done"),
        )
        .join(_CUSTOMER, _CUSTOMER.c.id == _CONTACT.c.customer_id)
        .where(_CONTACT.c.staff_id == staff_id, *window)
        .order_by(_CONTACT.c.follow_up_date, _CUSTOMER.c.cif)
    ).mappings()
    return [dict(row) for row in rows]


def manual_due(conn: Connection, staff_id: int, until: date) -> list[dict[str, Any]]:
    """The staff member's manual reminders due on or before ``until``: id, due, text, and the customer's
    CIF and name (None when the reminder is about no customer)."""
    rows = conn.execute(
        select(_MANUAL.c.id, _MANUAL.c.due, _MANUAL.c.text, _CUSTOMER.c.cif, _CUSTOMER.c.name)
        .outerjoin(_CUSTOMER, _CUSTOMER.c.id == _MANUAL.c.customer_id)
        .where(_MANUAL.c.staff_id == staff_id, _MANUAL.c.due <= until)
        .order_by(_MANUAL.c.due, _MANUAL.c.created_at)
    ).mappings()
    return [dict(row) for row in rows]


def reminder_states(conn: Connection, staff_id: int) -> list[dict[str, Any]]:
    """What the staff member did with reminders and recommendations: key, state, snooze date, when."""
    rows = conn.execute(
        select(_STATE.c.reminder_key, _STATE.c.state, _STATE.c.snooze_until, _STATE.c.updated_at).where(
            _STATE.c.staff_id == staff_id
        )
    ).mappings()
    return [dict(row) for row in rows]


def aum_series(conn: Connection, ids: Sequence[int], first: int, last: int) -> dict[int, dict[int, int]]:
    """Month-end AUM of the customers for months [first, last]: customer → month_idx → fen."""
    series: dict[int, dict[int, int]] = {}
    for row in _rows(
        conn,
        lambda chunk: select(_AUM.c.customer_id, _AUM.c.month_idx, _AUM.c.aum_fen).where(
            _AUM.c.customer_id.in_(chunk), _AUM.c.month_idx >= first, _AUM.c.month_idx <= last
        ),
        ids,
    ):
        series.setdefault(row["customer_id"], {})[row["month_idx"]] = row["aum_fen"]
    return series


def catalogue(conn: Connection) -> list[dict[str, Any]]:
    """The product catalogue: code, name, category, risk level, weight."""
    rows = conn.execute(
        select(
            _PRODUCT.c.code, _PRODUCT.c.name, _PRODUCT.c.category, _PRODUCT.c.risk_level, _PRODUCT.c.weight_bp
        ).order_by(_PRODUCT.c.code)
    ).mappings()
    return [dict(row) for row in rows]


__all__ = [
    "aum_series",
    "catalogue",
    "follow_ups_due",
    "holdings",
    "important_dates",
    "large_txns",
    "latest_assessments",
    "manual_due",
    "my_customers",
    "plans_between",
    "reminder_states",
]
