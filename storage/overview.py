"""Counts of customers in a scope by tier and status."""

from __future__ import annotations

from sqlalchemy import Connection, Select, func, select

from storage.models import CustomerTier

_TIER = CustomerTier.__table__  # type: ignore[attr-defined]


def tier_status_counts(
    conn: Connection, customer_ids: Select[tuple[int]]
) -> tuple[int, dict[tuple[str | None, str | None], int], str | None]:
    """(customers in scope, {(tier, status): count}, newest evaluated month) for ``customer_ids``.

    Customers never evaluated are counted under the key ``(None, None)``.
    """
    scope = customer_ids.subquery()
    total = conn.execute(select(func.count()).select_from(scope)).scalar_one()
    rows = conn.execute(
        select(_TIER.c.tier, _TIER.c.status, func.count())
        .select_from(scope.join(_TIER, _TIER.c.customer_id == scope.c[0]))
        .group_by(_TIER.c.tier, _TIER.c.status)
    ).all()
    counts: dict[tuple[str | None, str | None], int] = {(tier, status): n for tier, status, n in rows}
    evaluated = sum(counts.values())
    if total > evaluated:
        counts[(None, None)] = total - evaluated
    month = conn.execute(
        select(func.max(_TIER.c.month)).select_from(scope.join(_TIER, _TIER.c.customer_id == scope.c[0]))
    ).scalar_one_or_none()
    return total, counts, month
