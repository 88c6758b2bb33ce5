"""The churn report and the tier counts: set-based SQL over a scope of customers (SQLite and PostgreSQL).

A *scope* is a select of customer ids, as :func:`storage.scope.visible_customer_ids` makes it
(optionally narrowed with :func:`customers_in_institution`). Nothing here writes a table of the store:
a month without a stored evaluation is evaluated into a temporary table and read from there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    case,
    column,
    func,
    literal,
    select,
    table,
)

from rm_console.domain.enums import AssignmentRole, Status, Tier
from storage.models import Assignment, Customer, CustomerTier, Institution, MonthlyAum, Staff, TierRule
from storage.scope import institution_and_descendants, institution_by_code, institution_is_within
from storage.tier_eval import drop_temp_table, evaluate_all
from storage.tiers import load_rule_set

_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_INSTITUTION = Institution.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]
_ASSIGNMENT = Assignment.__table__  # type: ignore[attr-defined]
_AUM = MonthlyAum.__table__  # type: ignore[attr-defined]
_TIER = CustomerTier.__table__  # type: ignore[attr-defined]
_RULE = TierRule.__table__  # type: ignore[attr-defined]

#: The temporary table the churn report evaluates a month into when the store has no evaluation of it.
REPORT_EVAL_TABLE = "report_tier_eval"

#: Where a churn report's tiers and statuses came from.
SOURCE_STORED = "stored"
SOURCE_EVALUATED = "evaluated"

#: The statuses the churn report lists, most severe first.
CHURN_STATUSES = (Status.CHURNED.value, Status.ATTENTION.value)

_TIER_RANK = {tier.value: tier.rank for tier in Tier}
_STATUS_ORDER = {status.value: n for n, status in enumerate(Status)}


def _tier_rank(expr: Any) -> Any:
    """0 for core … 5 for ordinary; unknown or NULL tiers last."""
    return case(_TIER_RANK, value=expr, else_=len(_TIER_RANK))


def stored_evaluation_month(conn: Connection) -> int | None:
    """The month index of the newest stored tier evaluation, or None when nothing was evaluated."""
    return conn.execute(select(func.max(_TIER.c.month_idx))).scalar_one_or_none()


def aum_month_range(conn: Connection) -> tuple[int, int] | None:
    """The first and last month index with monthly AUM figures, or None when there are none."""
    first, last = conn.execute(select(func.min(_AUM.c.month_idx), func.max(_AUM.c.month_idx))).one()
    return None if first is None else (int(first), int(last))


def customers_in_institution(customer_ids: Select[tuple[int]], institution_id: int) -> Select[tuple[int]]:
    """The customers of ``customer_ids`` that belong to ``institution_id`` or an institution below it."""
    scope = customer_ids.subquery()
    return select(_CUSTOMER.c.id).where(
        _CUSTOMER.c.id.in_(select(scope.c[0])),
        _CUSTOMER.c.institution_id.in_(institution_and_descendants(institution_id, name="narrowed_tree")),
    )


def _evaluation(conn: Connection, month_idx: int) -> tuple[Any, str, int | None]:
    """A subquery of (customer_id, tier, status, months_below, churned_from, rule_version) at
    ``month_idx``, where it came from, and the rule-set version it was judged by.

    The stored evaluation is read when it is of ``month_idx``; otherwise every customer is evaluated
    into the temporary table :data:`REPORT_EVAL_TABLE` with the rule set in force.
    """
    if stored_evaluation_month(conn) == month_idx:
        version = conn.execute(
            select(func.max(_TIER.c.rule_version)).where(_TIER.c.month_idx == month_idx)
        ).scalar_one_or_none()
        stored = select(
            _TIER.c.customer_id,
            _TIER.c.tier,
            _TIER.c.status,
            _TIER.c.months_below,
            _TIER.c.churned_from,
            _TIER.c.rule_version,
        ).where(_TIER.c.month_idx == month_idx)
        return stored.subquery("evaluation"), SOURCE_STORED, version
    rules = load_rule_set(conn)
    evaluate_all(conn, rules, month_idx, table=REPORT_EVAL_TABLE)
    temp = table(
        REPORT_EVAL_TABLE,
        column("customer_id"),
        column("tier"),
        column("status"),
        column("months_below"),
        column("churned_from"),
    )
    evaluated = select(
        temp.c.customer_id,
        temp.c.tier,
        temp.c.status,
        temp.c.months_below,
        temp.c.churned_from,
        literal(rules.version).label("rule_version"),
    )
    return evaluated.subquery("evaluation"), SOURCE_EVALUATED, rules.version


def churn_rows(
    conn: Connection, customer_ids: Select[tuple[int]], month_idx: int
) -> tuple[list[dict[str, Any]], str, int | None]:
    """The churned and attention customers of ``customer_ids`` at ``month_idx``.

    Returns (rows, source, rule version); ``source`` is :data:`SOURCE_STORED` or
    :data:`SOURCE_EVALUATED`. Each row has ``customer_id``, ``cif``, ``name``, ``institution_code``,
    ``institution_name``, ``tier``, ``status``, ``churned_from``, ``months_below``, ``measured_tier``
    (the tier the months below are counted against: the old tier of a churned customer),
    ``window_months`` (that tier's window), ``owner_code``, ``owner_name``, ``owner_pct`` (the primary
    RM; None when unassigned), ``secondary`` (a list of ``{"code", "name", "pct"}``, largest share
    first), ``aum_now_fen`` (the month's AUM, 0 when missing), ``peak_aum_fen`` and ``peak_month``
    (the largest AUM over the month and the ``window_months`` before it, 0 and None when there is no
    figure; the latest month when several share the peak).

    Ordered by severity (churned, then attention), the measured tier's rank (core first), months
    below (most first), then CIF.
    """
    evaluation, source, version = _evaluation(conn, month_idx)
    scope = customer_ids.subquery("scope")
    measured = func.coalesce(evaluation.c.churned_from, evaluation.c.tier)
    candidates = (
        select(
            evaluation.c.customer_id,
            evaluation.c.tier,
            evaluation.c.status,
            evaluation.c.months_below,
            evaluation.c.churned_from,
            measured.label("measured_tier"),
            func.coalesce(_RULE.c.window_months, 0).label("window_months"),
        )
        .select_from(
            evaluation.outerjoin(
                _RULE, and_(_RULE.c.version == evaluation.c.rule_version, _RULE.c.tier == measured)
            )
        )
        .where(evaluation.c.status.in_(CHURN_STATUSES), evaluation.c.customer_id.in_(select(scope.c[0])))
        .cte("candidates")
    )
    ranked = (
        select(
            candidates.c.customer_id,
            _AUM.c.aum_fen,
            _AUM.c.month,
            func.row_number()
            .over(
                partition_by=candidates.c.customer_id,
                order_by=(_AUM.c.aum_fen.desc(), _AUM.c.month_idx.desc()),
            )
            .label("place"),
        )
        .select_from(
            candidates.join(
                _AUM,
                and_(
                    _AUM.c.customer_id == candidates.c.customer_id,
                    _AUM.c.month_idx <= month_idx,
                    _AUM.c.month_idx >= literal(month_idx) - candidates.c.window_months,
                ),
            )
        )
        .subquery("ranked")
    )
    peak = (
        select(ranked.c.customer_id, ranked.c.aum_fen, ranked.c.month)
        .where(ranked.c.place == 1)
        .subquery("peak")
    )
    now = _AUM.alias("now")
    primary = _ASSIGNMENT.alias("primary_rm")
    owner = _STAFF.alias("owner")
    severity = case({status: n for n, status in enumerate(CHURN_STATUSES)}, value=candidates.c.status)
    query = (
        select(
            candidates.c.customer_id,
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            _INSTITUTION.c.code.label("institution_code"),
            _INSTITUTION.c.name.label("institution_name"),
            candidates.c.tier,
            candidates.c.status,
            candidates.c.churned_from,
            candidates.c.months_below,
            candidates.c.measured_tier,
            candidates.c.window_months,
            owner.c.code.label("owner_code"),
            owner.c.name.label("owner_name"),
            primary.c.pct.label("owner_pct"),
            func.coalesce(now.c.aum_fen, 0).label("aum_now_fen"),
            func.coalesce(peak.c.aum_fen, 0).label("peak_aum_fen"),
            peak.c.month.label("peak_month"),
        )
        .select_from(
            candidates.join(_CUSTOMER, _CUSTOMER.c.id == candidates.c.customer_id)
            .join(_INSTITUTION, _INSTITUTION.c.id == _CUSTOMER.c.institution_id)
            .outerjoin(
                primary,
                and_(
                    primary.c.customer_id == candidates.c.customer_id,
                    primary.c.role == AssignmentRole.PRIMARY.value,
                ),
            )
            .outerjoin(owner, owner.c.id == primary.c.staff_id)
            .outerjoin(now, and_(now.c.customer_id == candidates.c.customer_id, now.c.month_idx == month_idx))
            .outerjoin(peak, peak.c.customer_id == candidates.c.customer_id)
        )
        .order_by(
            severity,
            _tier_rank(candidates.c.measured_tier),
            candidates.c.months_below.desc(),
            _CUSTOMER.c.cif,
        )
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    secondary = conn.execute(
        select(candidates.c.customer_id, _STAFF.c.code, _STAFF.c.name, _ASSIGNMENT.c.pct)
        .select_from(
            candidates.join(_ASSIGNMENT, _ASSIGNMENT.c.customer_id == candidates.c.customer_id).join(
                _STAFF, _STAFF.c.id == _ASSIGNMENT.c.staff_id
            )
        )
        .where(_ASSIGNMENT.c.role == AssignmentRole.SECONDARY.value)
        .order_by(candidates.c.customer_id, _ASSIGNMENT.c.pct.desc(), _STAFF.c.code)
    ).all()
    by_customer: dict[int, list[dict[str, Any]]] = {}
    for customer_id, code, name, pct in secondary:
        by_customer.setdefault(customer_id, []).append({"code": code, "name": name, "pct": pct})
    for row in rows:
        row["secondary"] = by_customer.get(row["customer_id"], [])
    if source == SOURCE_EVALUATED:
        drop_temp_table(conn, REPORT_EVAL_TABLE)
    return rows, source, version


def tier_counts(conn: Connection, customer_ids: Select[tuple[int]]) -> list[dict[str, Any]]:
    """Customers of ``customer_ids`` by institution × tier × status, from the stored evaluation.

    Each row has ``institution_code``, ``institution_name``, ``tier``, ``status`` and ``customers``;
    customers never evaluated have tier and status None, ordinary customers status None. Ordered by
    institution code, tier rank (core first), then status (normal, watch, attention, churned, none).
    """
    scope = customer_ids.subquery("scope")
    status_order = case(_STATUS_ORDER, value=_TIER.c.status, else_=len(_STATUS_ORDER))
    query = (
        select(
            _INSTITUTION.c.code.label("institution_code"),
            _INSTITUTION.c.name.label("institution_name"),
            _TIER.c.tier,
            _TIER.c.status,
            func.count().label("customers"),
        )
        .select_from(
            scope.join(_CUSTOMER, _CUSTOMER.c.id == scope.c[0])
            .join(_INSTITUTION, _INSTITUTION.c.id == _CUSTOMER.c.institution_id)
            .outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
        )
        .group_by(_INSTITUTION.c.code, _INSTITUTION.c.name, _TIER.c.tier, _TIER.c.status)
        .order_by(_INSTITUTION.c.code, _tier_rank(_TIER.c.tier), status_order)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


__all__ = [
    "CHURN_STATUSES",
    "REPORT_EVAL_TABLE",
    "SOURCE_EVALUATED",
    "SOURCE_STORED",
    "aum_month_range",
    "churn_rows",
    "customers_in_institution",
    "institution_by_code",
    "institution_is_within",
    "stored_evaluation_month",
    "tier_counts",
]
