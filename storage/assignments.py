"""Reading and writing customers' RMs (SPEC §4): current shares, events, the unassigned pool.

The ``assignment`` table holds the shares in force; ``assignment_event`` holds every change with the
shares before and after, so the assignment at any past moment is derivable from the events alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, case, delete, exists, func, insert, literal, select

from rm_console.domain.enums import AssignmentRole, Role, Tier
from storage.models import (
    Assignment,
    AssignmentEvent,
    Customer,
    CustomerTier,
    Institution,
    MonthlyAum,
    Staff,
)
from storage.types import new_id

_ASSIGNMENT = Assignment.__table__  # type: ignore[attr-defined]
_EVENT = AssignmentEvent.__table__  # type: ignore[attr-defined]
_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_TIER = CustomerTier.__table__  # type: ignore[attr-defined]
_INSTITUTION = Institution.__table__  # type: ignore[attr-defined]
_AUM = MonthlyAum.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]

#: A customer's shares as stored in an event: ``[{"staff": code, "role": role, "pct": pct}, …]``.
SharesJson = list[dict[str, Any]]


def ancestors(conn: Connection, institution_id: int) -> list[dict[str, Any]]:
    """``institution_id`` and every institution above it, nearest first (id, code, kind)."""
    chain: list[dict[str, Any]] = []
    current: int | None = institution_id
    while current is not None and len(chain) < 32:
        row = (
            conn.execute(
                select(
                    _INSTITUTION.c.id, _INSTITUTION.c.code, _INSTITUTION.c.kind, _INSTITUTION.c.parent_id
                ).where(_INSTITUTION.c.id == current)
            )
            .mappings()
            .first()
        )
        if row is None:
            break
        chain.append(dict(row))
        current = row["parent_id"]
    return chain


def customer_row(
    conn: Connection, cif: str, visible: Select[tuple[int]] | None = None
) -> dict[str, Any] | None:
    """A customer with institution and stored tier, or None (also when outside ``visible``)."""
    query = (
        select(
            _CUSTOMER.c.id,
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            _CUSTOMER.c.kind,
            _CUSTOMER.c.id_no,
            _CUSTOMER.c.phone,
            _CUSTOMER.c.birth_date,
            _CUSTOMER.c.institution_id,
            _INSTITUTION.c.code.label("institution_code"),
            _INSTITUTION.c.name.label("institution_name"),
            _TIER.c.tier,
            _TIER.c.status,
            _TIER.c.month.label("tier_month"),
        )
        .join(_INSTITUTION, _INSTITUTION.c.id == _CUSTOMER.c.institution_id)
        .outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
        .where(_CUSTOMER.c.cif == cif)
    )
    if visible is not None:
        query = query.where(_CUSTOMER.c.id.in_(visible))
    row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


def staff_rows(conn: Connection, codes: Collection[str]) -> dict[str, dict[str, Any]]:
    """Staff members by code, with their institution's code: id, code, name, role, institution."""
    if not codes:
        return {}
    rows = conn.execute(
        select(
            _STAFF.c.id,
            _STAFF.c.code,
            _STAFF.c.name,
            _STAFF.c.role,
            _STAFF.c.institution_id,
            _INSTITUTION.c.code.label("institution_code"),
        )
        .join(_INSTITUTION, _INSTITUTION.c.id == _STAFF.c.institution_id)
        .where(_STAFF.c.code.in_(sorted(codes)))
    ).mappings()
    return {row["code"]: dict(row) for row in rows}


def current_shares(conn: Connection, customer_ids: Collection[int]) -> dict[int, SharesJson]:
    """The shares in force of each of ``customer_ids`` (primary first); unassigned customers are absent."""
    result: dict[int, SharesJson] = {}
    ids = sorted(customer_ids)
    for start in range(0, len(ids), 5000):
        rows = conn.execute(
            select(
                _ASSIGNMENT.c.customer_id,
                _STAFF.c.code,
                _STAFF.c.name,
                _ASSIGNMENT.c.role,
                _ASSIGNMENT.c.pct,
                _ASSIGNMENT.c.since,
            )
            .join(_STAFF, _STAFF.c.id == _ASSIGNMENT.c.staff_id)
            .where(_ASSIGNMENT.c.customer_id.in_(ids[start : start + 5000]))
            .order_by(
                _ASSIGNMENT.c.customer_id,
                (_ASSIGNMENT.c.role != "primary"),
                _ASSIGNMENT.c.pct.desc(),
                _STAFF.c.code,
            )
        ).mappings()
        for row in rows:
            result.setdefault(row["customer_id"], []).append(
                {"staff": row["code"], "name": row["name"], "role": row["role"], "pct": row["pct"]}
            )
    return result


def replace_shares(
    conn: Connection,
    changes: Sequence[tuple[int, int, SharesJson]],
    *,
    staff_ids: dict[str, int],
    since: date,
) -> None:
    """Make each ``(customer_id, institution_id, shares)`` the customer's assignment (empty: none)."""
    ids = [customer_id for customer_id, _, _ in changes]
    for start in range(0, len(ids), 5000):
        conn.execute(delete(_ASSIGNMENT).where(_ASSIGNMENT.c.customer_id.in_(ids[start : start + 5000])))
    rows = [
        {
            "customer_id": customer_id,
            "staff_id": staff_ids[share["staff"]],
            "role": share["role"],
            "pct": share["pct"],
            "institution_id": institution_id,
            "since": since,
        }
        for customer_id, institution_id, shares in changes
        for share in shares
    ]
    if rows:
        conn.execute(insert(_ASSIGNMENT), rows)


def insert_events(
    conn: Connection,
    events: Iterable[tuple[int, str, SharesJson | None, SharesJson]],
    *,
    actor_id: int,
    reason: str | None,
    effective: date,
    at: datetime,
) -> int:
    """Append one event ``(customer_id, action, before, after)`` per change; return how many."""
    rows = [
        {
            "id": new_id(),
            "customer_id": customer_id,
            "action": action,
            "actor_id": actor_id,
            "before": _plain(before),
            "after": _plain(after),
            "reason": reason,
            "effective": effective,
            "at": at,
        }
        for customer_id, action, before, after in events
    ]
    if rows:
        conn.execute(insert(_EVENT), rows)
    return len(rows)


def _plain(shares: SharesJson | None) -> SharesJson | None:
    """Shares as events store them: staff code, role and percentage only."""
    if shares is None:
        return None
    return [{"staff": s["staff"], "role": s["role"], "pct": s["pct"]} for s in shares]


def events_of(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """Every assignment event of a customer, oldest first, with the actor's code."""
    rows = conn.execute(
        select(
            _EVENT.c.action,
            _EVENT.c.before,
            _EVENT.c.after,
            _EVENT.c.reason,
            _EVENT.c.effective,
            _EVENT.c.at,
            _STAFF.c.code.label("actor"),
        )
        .outerjoin(_STAFF, _STAFF.c.id == _EVENT.c.actor_id)
        .where(_EVENT.c.customer_id == customer_id)
        .order_by(_EVENT.c.at, _EVENT.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def batch_targets(
    conn: Connection,
    institutions: Select[tuple[int]],
    *,
    tiers: Collection[str],
    unassigned_only: bool,
) -> list[dict[str, Any]]:
    """Customers of ``institutions`` whose stored tier is one of ``tiers`` (optionally only those without
    RMs): id, cif, institution_id, tier — in CIF order."""
    query = (
        select(_CUSTOMER.c.id, _CUSTOMER.c.cif, _CUSTOMER.c.institution_id, _TIER.c.tier)
        .join(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
        .where(_CUSTOMER.c.institution_id.in_(institutions), _TIER.c.tier.in_(sorted(tiers)))
        .order_by(_CUSTOMER.c.cif)
    )
    if unassigned_only:
        query = query.where(~exists().where(_ASSIGNMENT.c.customer_id == _CUSTOMER.c.id))
    return [dict(row) for row in conn.execute(query).mappings()]


def pool_rows(
    conn: Connection, institutions: Select[tuple[int]], *, tiers: Collection[str]
) -> list[dict[str, Any]]:
    """The unassigned pool (待分配客户) of ``institutions``: customers without RMs who are of ``tiers``
    (assignable) or were recycled, with tier, status, newest AUM and the last recycle, best first."""
    last_event = (
        select(func.max(_EVENT.c.at))
        .where(_EVENT.c.customer_id == _CUSTOMER.c.id)
        .correlate(_CUSTOMER)
        .scalar_subquery()
    )
    recycled = exists().where(_EVENT.c.customer_id == _CUSTOMER.c.id)
    rank = _tier_rank(_TIER.c.tier)
    query = (
        select(
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            _INSTITUTION.c.code.label("institution"),
            _TIER.c.tier,
            _TIER.c.status,
            _AUM.c.aum_fen,
            last_event.label("recycled_at"),
        )
        .join(_INSTITUTION, _INSTITUTION.c.id == _CUSTOMER.c.institution_id)
        .join(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
        .outerjoin(_AUM, and_(_AUM.c.customer_id == _CUSTOMER.c.id, _AUM.c.month_idx == _TIER.c.month_idx))
        .where(
            _CUSTOMER.c.institution_id.in_(institutions),
            ~exists().where(_ASSIGNMENT.c.customer_id == _CUSTOMER.c.id),
            _TIER.c.tier.in_(sorted(tiers)) | recycled,
        )
        .order_by(rank, func.coalesce(_AUM.c.aum_fen, 0).desc(), _CUSTOMER.c.cif)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def _tier_rank(column: Any) -> Any:
    """0 for core … 5 for ordinary, in SQL."""
    return case({tier.value: tier.rank for tier in Tier}, value=column, else_=literal(99))


# -- the RM roster and an RM's customers (the branch manager's allocation screen) ---------------------


def newest_aum_month(conn: Connection) -> int | None:
    """The newest month index with monthly AUM figures, or None when there are none."""
    value = conn.execute(select(func.max(_AUM.c.month_idx))).scalar()
    return None if value is None else int(value)


def roster_rows(
    conn: Connection,
    customers_of: Select[tuple[int]],
    staff_of: Collection[int],
    *,
    month_idx: int | None,
) -> list[dict[str, Any]]:
    """The active RMs working at an institution whose id is in ``staff_of``, each with the customers of
    an institution of ``customers_of`` they are assigned to: ``customers`` (any role), ``primary`` (as
    primary RM) and ``aum_pct_fen`` — the sum over those customers of AUM of ``month_idx`` ×
    participation percentage (divide by 100 for fen). By staff code."""
    aum = func.coalesce(_AUM.c.aum_fen, 0) if month_idx is not None else literal(0)
    book = select(
        _ASSIGNMENT.c.staff_id,
        func.count(_ASSIGNMENT.c.customer_id).label("customers"),
        func.sum(case((_ASSIGNMENT.c.role == AssignmentRole.PRIMARY.value, 1), else_=0)).label("primary"),
        func.sum(aum * _ASSIGNMENT.c.pct).label("aum_pct_fen"),
    ).join(_CUSTOMER, _CUSTOMER.c.id == _ASSIGNMENT.c.customer_id)
    if month_idx is not None:
        book = book.outerjoin(
            _AUM, and_(_AUM.c.customer_id == _ASSIGNMENT.c.customer_id, _AUM.c.month_idx == month_idx)
        )
    managed = (
        book.where(_CUSTOMER.c.institution_id.in_(customers_of)).group_by(_ASSIGNMENT.c.staff_id).subquery()
    )
    rows = conn.execute(
        select(
            _STAFF.c.code,
            _STAFF.c.name,
            _INSTITUTION.c.code.label("institution_code"),
            _INSTITUTION.c.name.label("institution_name"),
            func.coalesce(managed.c.customers, 0).label("customers"),
            func.coalesce(managed.c.primary, 0).label("primary"),
            func.coalesce(managed.c.aum_pct_fen, 0).label("aum_pct_fen"),
        )
        .join(_INSTITUTION, _INSTITUTION.c.id == _STAFF.c.institution_id)
        .outerjoin(managed, managed.c.staff_id == _STAFF.c.id)
        .where(
            _STAFF.c.role == Role.RM.value,
            _STAFF.c.active.is_(True),
            _STAFF.c.institution_id.in_(sorted(staff_of)),
        )
        .order_by(_STAFF.c.code)
    ).mappings()
    return [dict(row) for row in rows]


def book_rows(conn: Connection, staff_id: int, customers_of: Select[tuple[int]]) -> list[dict[str, Any]]:
    """The customers of an institution of ``customers_of`` assigned to ``staff_id``: id, cif, name,
    institution, tier, status, newest AUM (of the tier's month), the RM's role and percentage — primary
    customers first, then by tier (core first), AUM (largest first) and CIF."""
    rank = _tier_rank(_TIER.c.tier)
    query = (
        select(
            _CUSTOMER.c.id,
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            _INSTITUTION.c.code.label("institution"),
            _TIER.c.tier,
            _TIER.c.status,
            _AUM.c.aum_fen,
            _ASSIGNMENT.c.role,
            _ASSIGNMENT.c.pct,
        )
        .join(_CUSTOMER, _CUSTOMER.c.id == _ASSIGNMENT.c.customer_id)
        .join(_INSTITUTION, _INSTITUTION.c.id == _CUSTOMER.c.institution_id)
        .outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
        .outerjoin(_AUM, and_(_AUM.c.customer_id == _CUSTOMER.c.id, _AUM.c.month_idx == _TIER.c.month_idx))
        .where(_ASSIGNMENT.c.staff_id == staff_id, _CUSTOMER.c.institution_id.in_(customers_of))
        .order_by(
            (_ASSIGNMENT.c.role != AssignmentRole.PRIMARY.value),
            rank,
            func.coalesce(_AUM.c.aum_fen, 0).desc(),
            _CUSTOMER.c.cif,
        )
    )
    return [dict(row) for row in conn.execute(query).mappings()]


__all__ = [
    "ancestors",
    "batch_targets",
    "book_rows",
    "current_shares",
    "customer_row",
    "events_of",
    "insert_events",
    "newest_aum_month",
    "pool_rows",
    "replace_shares",
    "roster_rows",
    "staff_rows",
]
