"""Sales performance: set-based sums of sale credits by staff, outlet or product (SQLite and PostgreSQL).

One statement aggregates the credits of the sales dated within a period whose sales institution is in
a set of institutions (a select of ids, e.g. :func:`storage.scope.institution_and_descendants`),
grouped by the key and the product. It returns exact integer sums only — Σ amount_fen × ratio_bp,
Σ ratio_bp and the distinct sales — and :func:`rm_console.domain.performance.figures_from_sums`
applies the product weights and rounds once, in Python's unbounded integers.

Overflow: ``amount_fen × ratio_bp`` reaches 2⁶³ for an amount of about ¥9.2 trillion and a sum of them
far sooner, so the product is summed in two parts, ``(amount_fen / 10,000) × ratio_bp`` and
``(amount_fen % 10,000) × ratio_bp``; each part is at most about the amount itself, and
``high × 10,000 + low`` is the exact sum (integer division and remainder truncate alike on both
databases, so the identity also holds for negative amounts). The weight never meets an amount in SQL.

Access paths: the month's sales drive the statement — read through sale's (institution_id,
sale_date) index for a subtree, or by one scan of ``sale`` when every institution counts
(``institutions=None``, faster than a walk of the index per institution for a whole month) — and
each finds its credits through sale_credit's unique (txn_pk, staff_id) index; one person's credits
are read through sale_credit's staff_id index instead. It adds no index of its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    and_,
    distinct,
    func,
    literal,
    literal_column,
    null,
    select,
)

from storage.models import Institution, Product, Sale, SaleCredit, Staff

_SALE = Sale.__table__  # type: ignore[attr-defined]
_CREDIT = SaleCredit.__table__  # type: ignore[attr-defined]
_PRODUCT = Product.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]
_INSTITUTION = Institution.__table__  # type: ignore[attr-defined]

#: What the sums can be grouped by besides the product: the credited staff member, the sale's
#: institution (its outlet), the product itself, or nothing (the total).
GroupKey = Literal["staff", "outlet", "product"] | None

#: The split of an amount that keeps every SQL product within 64 bits.
_SPLIT = 10_000


def institution_chain(conn: Connection, institution_id: int) -> list[dict[str, Any]]:
    """The institution ``institution_id`` and its ancestors up to the root, nearest first: each a dict
    of ``id``, ``code``, ``name``, ``kind``, ``parent_id``. Empty for an unknown id."""
    chain = select(_INSTITUTION.c.id, _INSTITUTION.c.parent_id, literal(0).label("depth")).where(
        _INSTITUTION.c.id == institution_id
    )
    up = chain.cte("chain", recursive=True)
    up = up.union_all(
        select(_INSTITUTION.c.id, _INSTITUTION.c.parent_id, (up.c.depth + 1).label("depth")).where(
            _INSTITUTION.c.id == up.c.parent_id
        )
    )
    query = (
        select(
            _INSTITUTION.c.id,
            _INSTITUTION.c.code,
            _INSTITUTION.c.name,
            _INSTITUTION.c.kind,
            _INSTITUTION.c.parent_id,
        )
        .join(up, up.c.id == _INSTITUTION.c.id)
        .order_by(up.c.depth)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def covers_every_institution(conn: Connection, institution_id: int) -> bool:
    """True when every institution is ``institution_id`` or below it: it is the one root.

    A query over such an institution's tree needs no institution filter, and reads a month's sales
    faster without one (a scan of ``sale`` rather than a walk of its index per institution).
    """
    roots = conn.execute(
        select(_INSTITUTION.c.id).where(_INSTITUTION.c.parent_id.is_(None)).limit(2)
    ).scalars()
    return list(roots) == [institution_id]


def credit_sums(
    conn: Connection,
    *,
    institutions: Select[tuple[int]] | None,
    first: date,
    last: date,
    by: GroupKey,
    staff_institutions: Select[tuple[int]] | None = None,
    staff_id: int | None = None,
) -> list[dict[str, Any]]:
    """Run :func:`credit_sums_query`: one dict per (key, product) with ``key_code``, ``key_name``,
    ``institution_code``, ``institution_name``, ``product_code``, ``category``, ``weight_bp``,
    ``amount_ratio`` (Σ amount_fen × ratio_bp, exact), ``ratio`` (Σ ratio_bp) and ``sales``.
    """
    query = credit_sums_query(
        institutions=institutions,
        first=first,
        last=last,
        by=by,
        staff_institutions=staff_institutions,
        staff_id=staff_id,
    )
    rows = []
    for row in conn.execute(query).mappings():
        found = dict(row)
        high, low = found.pop("high"), found.pop("low")
        found["amount_ratio"] = int(high) * _SPLIT + int(low)
        found["ratio"] = int(found["ratio"])
        found["sales"] = int(found["sales"])
        found["weight_bp"] = int(found["weight_bp"])
        rows.append(found)
    return rows


def credit_sums_query(
    *,
    institutions: Select[tuple[int]] | None,
    first: date,
    last: date,
    by: GroupKey,
    staff_institutions: Select[tuple[int]] | None = None,
    staff_id: int | None = None,
) -> Select[Any]:
    """The statement summing the credits of the sales dated ``first`` … ``last`` (inclusive) whose
    sales institution is in ``institutions`` (None: every institution), one row per (key, product).

    ``by`` picks the key (see :data:`GroupKey`). ``staff_institutions`` keeps only credits of staff
    working at those institutions; ``staff_id`` only that person's credits.

    Each row has ``key_code`` and ``key_name`` (staff code and name, institution code and name, or
    product code and name; None for ``by=None``), ``institution_code`` and ``institution_name`` (the
    staff member's institution, by staff only; else None), ``product_code``, ``category``,
    ``weight_bp``, ``high`` and ``low`` (Σ amount_fen × ratio_bp = high × 10,000 + low), ``ratio``
    (Σ ratio_bp) and ``sales`` (distinct sales). Ordered by key code, then product code.
    """
    if staff_institutions is not None and by != "staff":
        raise ValueError("staff_institutions needs by='staff'")
    keys = {
        "staff": _CREDIT.c.staff_id,
        "outlet": _SALE.c.institution_id,
        "product": _SALE.c.product_id,
    }
    key = keys[by] if by is not None else None
    # Typed as an integer, so that ``//`` is the databases' integer division (untyped, SQLAlchemy would
    # wrap it in FLOOR(), which PostgreSQL computes in double precision).
    split = literal_column(str(_SPLIT), BigInteger)
    # A person is credited once per sale (unique (txn_pk, staff_id)), so by staff every credit is a
    # distinct sale; other groupings can hold a sale's seller and referrer both.
    sales = func.count() if by == "staff" else func.count(distinct(_CREDIT.c.txn_pk))
    conditions = [_SALE.c.sale_date >= first, _SALE.c.sale_date <= last]
    if institutions is not None:
        conditions.append(_SALE.c.institution_id.in_(institutions))
    # The month's sales drive the join (``+ 0`` keeps SQLite from driving it from every credit through
    # the sale's primary key); one person's credits are read through the staff_id index instead.
    joined_on = _CREDIT.c.txn_pk == _SALE.c.txn_pk + 0
    if staff_id is not None:
        conditions.append(_CREDIT.c.staff_id == staff_id)
        joined_on = _CREDIT.c.txn_pk == _SALE.c.txn_pk
    # The product first: grouping by the sale's institution first would tempt SQLite to walk the
    # (institution_id, sale_date) index over every sale to save a sort.
    grouping = [_SALE.c.product_id] if key is None or by == "product" else [_SALE.c.product_id, key]
    sums = (
        select(
            (key if key is not None else null()).label("key_id"),
            _SALE.c.product_id,
            func.sum((_SALE.c.amount_fen // split) * _CREDIT.c.ratio_bp).label("high"),
            func.sum((_SALE.c.amount_fen % split) * _CREDIT.c.ratio_bp).label("low"),
            func.sum(_CREDIT.c.ratio_bp).label("ratio"),
            sales.label("sales"),
        )
        .select_from(_SALE.join(_CREDIT, joined_on))
        .where(and_(*conditions))
        .group_by(*grouping)
        .subquery("sums")
    )
    labels: list[Any] = [
        null().label("key_code"),
        null().label("key_name"),
        null().label("institution_code"),
        null().label("institution_name"),
    ]
    joined: Any = sums.join(_PRODUCT, _PRODUCT.c.id == sums.c.product_id)
    where: list[Any] = []
    order: list[Any] = []
    if by == "staff":
        joined = joined.join(_STAFF, _STAFF.c.id == sums.c.key_id).join(
            _INSTITUTION, _INSTITUTION.c.id == _STAFF.c.institution_id
        )
        labels = [
            _STAFF.c.code.label("key_code"),
            _STAFF.c.name.label("key_name"),
            _INSTITUTION.c.code.label("institution_code"),
            _INSTITUTION.c.name.label("institution_name"),
        ]
        if staff_institutions is not None:
            where.append(_STAFF.c.institution_id.in_(staff_institutions))
        order.append(_STAFF.c.code)
    elif by == "outlet":
        joined = joined.join(_INSTITUTION, _INSTITUTION.c.id == sums.c.key_id)
        labels[:2] = [_INSTITUTION.c.code.label("key_code"), _INSTITUTION.c.name.label("key_name")]
        order.append(_INSTITUTION.c.code)
    elif by == "product":
        labels[:2] = [_PRODUCT.c.code.label("key_code"), _PRODUCT.c.name.label("key_name")]
    return (
        select(
            *labels,
            _PRODUCT.c.code.label("product_code"),
            _PRODUCT.c.category,
            _PRODUCT.c.weight_bp,
            sums.c.high,
            sums.c.low,
            sums.c.ratio,
            sums.c.sales,
        )
        .select_from(joined)
        .where(*where)
        .order_by(*order, _PRODUCT.c.code)
    )


__all__ = [
    "GroupKey",
    "covers_every_institution",
    "credit_sums",
    "credit_sums_query",
    "institution_chain",
]
