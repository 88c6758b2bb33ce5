"""Sales attribution in the store (SPEC §5): the set-based run, the per-sale re-settling, adjustments,
registrations and the reads behind ``rmc sales show`` and ``rmc sales list``.

The rule is :func:`rm_console.domain.attribution.resolve`; this module applies exactly that rule:

* :func:`attribute` settles, in one set-based pass, every sale not yet settled (``attributed_at`` IS
  NULL), not adjusted by a branch manager, whose grace period has ended (``sale_date <= as_of − grace
  days``). It stages the facts of those sales in one temporary table: the automatic seller (the
  customer's primary RM when the assignment's institution is the sale's institution — the lowest staff
  id should there be two — by a hash-joinable grouped join) and the teller in one ``INSERT … SELECT``,
  then the registered seller and referrer (the earliest active registration of each role), looked up
  only for the staged sales that have an active registration. Two ``INSERT … SELECT`` statements then
  write the seller and referrer credits computed by the rule from the staged facts and the referrer's
  default split (``CASE``/``COALESCE``), after the staged sales' old credits are deleted, and one
  ``UPDATE`` stamps ``attributed_at``. No statement loops over sales in Python. Settled sales are
  never touched again, so a second run with the same or a later as-of date changes nothing it settled
  before; sales still in their grace period are not touched at all. ``tests/test_sales.py`` checks
  that its credits equal :func:`resolve` for every sale, on SQLite and PostgreSQL.
* :func:`resettle` applies the same rule to one sale after a registration or revocation: for a sale
  already settled the grace period counts as ended; for one still awaiting it does not, so its credits
  are those of its registrations and automatic seller, or none.

Only portable SQL is used (``CASE``, ``COALESCE``, ``IN``/``EXISTS`` subqueries, ``INSERT … SELECT``),
with every value a bound parameter; the cutoff date is computed in Python.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Select,
    String,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    true,
    update,
)

from rm_console.domain.attribution import (
    Credit,
    Person,
    SaleFacts,
    cutoff,
    resolve,
)
from rm_console.domain.calendar import month_start
from rm_console.domain.enums import AssignmentRole, CreditRole, CreditSource
from storage.models import (
    Assignment,
    Institution,
    Product,
    Sale,
    SaleCredit,
    SaleRegistration,
    Staff,
    Txn,
)
from storage.tier_eval import drop_temp_table
from storage.types import UTCDateTime, new_id

_SALE = Sale.__table__  # type: ignore[attr-defined]
_TXN = Txn.__table__  # type: ignore[attr-defined]
_CREDIT = SaleCredit.__table__  # type: ignore[attr-defined]
_REGISTRATION = SaleRegistration.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]
_ASSIGNMENT = Assignment.__table__  # type: ignore[attr-defined]
_INSTITUTION = Institution.__table__  # type: ignore[attr-defined]
_PRODUCT = Product.__table__  # type: ignore[attr-defined]

#: The temporary table one attribution run stages its sales in.
STAGE_TABLE = "sale_attribution"

_STAGE_DDL = (
    f"CREATE TEMPORARY TABLE {STAGE_TABLE} ("
    "txn_pk INTEGER NOT NULL, "
    "reg_seller INTEGER, "
    "reg_referrer INTEGER, "
    "auto_seller INTEGER, "
    "teller_id INTEGER)"
)


def _registered(role: CreditRole) -> str:
    """SQL of the staff id of a staged sale's earliest active registration in ``role``."""
    return (
        "(SELECT r.staff_id FROM sale_registration r "
        f"WHERE r.txn_pk = {STAGE_TABLE}.txn_pk AND r.role = '{role.value}' AND r.revoked_at IS NULL "
        "ORDER BY r.registered_at, r.id LIMIT 1)"
    )


#: Stage every sale the run settles with its automatic seller and teller.
_STAGE_FILL = f"""
INSERT INTO {STAGE_TABLE} (txn_pk, auto_seller, teller_id)
SELECT s.txn_pk, p.staff_id, t.teller_id
FROM sale s
JOIN txn t ON t.id = s.txn_pk
LEFT JOIN (SELECT a.customer_id, a.institution_id, min(a.staff_id) AS staff_id
           FROM assignment a WHERE a.role = '{AssignmentRole.PRIMARY.value}'
           GROUP BY a.customer_id, a.institution_id) p
       ON p.customer_id = t.customer_id AND p.institution_id = s.institution_id
WHERE s.attributed_at IS NULL AND s.sale_date <= :cutoff
  AND NOT EXISTS (SELECT 1 FROM sale_credit c
                  WHERE c.txn_pk = s.txn_pk AND c.source = '{CreditSource.ADJUSTED.value}')
"""

#: Add the registrations, looked up only for the staged sales that have an active one.
_STAGE_REGISTRATIONS = f"""
UPDATE {STAGE_TABLE}
SET reg_seller = {_registered(CreditRole.SELLER)},
    reg_referrer = {_registered(CreditRole.REFERRER)}
WHERE txn_pk IN (SELECT r.txn_pk FROM sale_registration r WHERE r.revoked_at IS NULL)
"""

_SELLER = "COALESCE(a.reg_seller, a.auto_seller, a.teller_id)"

#: The rule over the staged facts (grace ended): seller and source (g), then the shares.
_RESOLVED = f"""
SELECT g.txn_pk, g.seller_id, g.seller_source,
       CASE WHEN g.referrer_id IS NULL THEN 10000 ELSE g.referrer_pct * 100 END AS seller_bp,
       g.referrer_id,
       CASE WHEN g.seller_id IS NULL THEN 10000 ELSE 10000 - g.referrer_pct * 100 END AS referrer_bp
FROM (
    SELECT a.txn_pk,
           {_SELLER} AS seller_id,
           CASE WHEN a.reg_seller IS NOT NULL THEN '{CreditSource.MANUAL.value}'
                WHEN a.auto_seller IS NOT NULL THEN '{CreditSource.AUTO.value}'
                ELSE '{CreditSource.GRACE.value}' END AS seller_source,
           CASE WHEN a.reg_referrer = {_SELLER} THEN NULL ELSE a.reg_referrer END AS referrer_id,
           rp.seller_pct AS referrer_pct
    FROM {STAGE_TABLE} a LEFT JOIN staff rp ON rp.id = a.reg_referrer
) g
"""

_INSERT_CREDITS = (
    "INSERT INTO sale_credit (txn_pk, staff_id, role, ratio_bp, source, created_by, created_at) "
    "SELECT r.txn_pk, r.{who}_id, '{role}', r.{who}_bp, {source}, :actor, :at "
    f"FROM ({_RESOLVED}) r WHERE r.{{who}}_id IS NOT NULL AND r.{{who}}_bp > 0"
)


# ---------------------------------------------------------------------------------------------------
# The set-based run
# ---------------------------------------------------------------------------------------------------


def attribute(conn: Connection, *, as_of: date, grace_days: int, at: datetime, actor: str) -> int:
    """Settle every unsettled, unadjusted sale dated on or before ``as_of − grace_days`` by the rule, in
    one set-based pass inside the caller's transaction; return how many sales it settled.

    The settled sales' credits are replaced (credits their registrations gave them while they waited
    are recomputed with the grace period ended), each written with ``created_by = actor`` and
    ``created_at = at``, and their ``attributed_at`` becomes ``at``.
    """
    drop_temp_table(conn, STAGE_TABLE)
    conn.exec_driver_sql(_STAGE_DDL)
    staged = conn.execute(
        text(_STAGE_FILL).bindparams(bindparam("cutoff", type_=Date)),
        {"cutoff": cutoff(as_of, grace_days)},
    )
    settled = int(staged.rowcount or 0)
    if settled:
        conn.execute(text(_STAGE_REGISTRATIONS))
        params = {"actor": actor, "at": at}
        conn.execute(text(f"DELETE FROM sale_credit WHERE txn_pk IN (SELECT txn_pk FROM {STAGE_TABLE})"))
        for who, role, source in (
            ("seller", CreditRole.SELLER, "r.seller_source"),
            ("referrer", CreditRole.REFERRER, f"'{CreditSource.MANUAL.value}'"),
        ):
            conn.execute(
                text(_INSERT_CREDITS.format(who=who, role=role.value, source=source)).bindparams(
                    bindparam("actor", type_=String), bindparam("at", type_=UTCDateTime)
                ),
                params,
            )
        conn.execute(
            text(
                f"UPDATE sale SET attributed_at = :at WHERE txn_pk IN (SELECT txn_pk FROM {STAGE_TABLE})"
            ).bindparams(bindparam("at", type_=UTCDateTime)),
            {"at": at},
        )
    drop_temp_table(conn, STAGE_TABLE)
    return settled


# ---------------------------------------------------------------------------------------------------
# One sale
# ---------------------------------------------------------------------------------------------------


def find_sale(conn: Connection, txn_id: str) -> dict[str, Any] | None:
    """The sale of the transaction ``txn_id`` with its institution and product, or None (no such
    transaction, or one without a product)."""
    row = (
        conn.execute(
            select(
                _SALE.c.txn_pk,
                _TXN.c.txn_id,
                _TXN.c.customer_id,
                _TXN.c.teller_id,
                _SALE.c.institution_id,
                _INSTITUTION.c.code.label("institution_code"),
                _INSTITUTION.c.name.label("institution_name"),
                _SALE.c.sale_date,
                _SALE.c.amount_fen,
                _SALE.c.attributed_at,
                _PRODUCT.c.code.label("product_code"),
                _PRODUCT.c.name.label("product_name"),
            )
            .select_from(_TXN)
            .join(_SALE, _SALE.c.txn_pk == _TXN.c.id)
            .join(_INSTITUTION, _INSTITUTION.c.id == _SALE.c.institution_id)
            .join(_PRODUCT, _PRODUCT.c.id == _SALE.c.product_id)
            .where(_TXN.c.txn_id == txn_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def adjusted_by(conn: Connection, txn_pk: int) -> str | None:
    """Who adjusted the sale's credits (the staff code recorded), or None when nobody did."""
    row = conn.execute(
        select(func.count(), func.min(_CREDIT.c.created_by)).where(
            _CREDIT.c.txn_pk == txn_pk, _CREDIT.c.source == CreditSource.ADJUSTED.value
        )
    ).one()
    if not row[0]:
        return None
    return str(row[1]) if row[1] is not None else "a branch manager"


def _person(conn: Connection, staff_id: int | None) -> Person | None:
    if staff_id is None:
        return None
    row = conn.execute(
        select(_STAFF.c.id, _STAFF.c.code, _STAFF.c.seller_pct).where(_STAFF.c.id == staff_id)
    ).one()
    return Person(int(row.id), str(row.code), int(row.seller_pct))


def _earliest_registration(conn: Connection, txn_pk: int, role: CreditRole) -> int | None:
    return conn.execute(
        select(_REGISTRATION.c.staff_id)
        .where(
            _REGISTRATION.c.txn_pk == txn_pk,
            _REGISTRATION.c.role == role.value,
            _REGISTRATION.c.revoked_at.is_(None),
        )
        .order_by(_REGISTRATION.c.registered_at, _REGISTRATION.c.id)
        .limit(1)
    ).scalar()


def sale_facts(conn: Connection, sale: Mapping[str, Any], *, grace_ended: bool) -> SaleFacts:
    """The facts :func:`resolve` needs about ``sale`` (a :func:`find_sale` row), gathered one by one.

    ``grace_ended`` says whether the grace period counts as ended (for :func:`resettle`: the sale is
    already settled).
    """
    txn_pk = int(sale["txn_pk"])
    auto = conn.execute(
        select(func.min(_ASSIGNMENT.c.staff_id)).where(
            _ASSIGNMENT.c.customer_id == sale["customer_id"],
            _ASSIGNMENT.c.role == AssignmentRole.PRIMARY.value,
            _ASSIGNMENT.c.institution_id == sale["institution_id"],
        )
    ).scalar()
    return SaleFacts(
        sale_date=sale["sale_date"],
        grace_ended=grace_ended,
        registered_seller=_person(conn, _earliest_registration(conn, txn_pk, CreditRole.SELLER)),
        registered_referrer=_person(conn, _earliest_registration(conn, txn_pk, CreditRole.REFERRER)),
        auto_seller=_person(conn, auto),
        teller=_person(conn, sale["teller_id"]),
        adjusted=adjusted_by(conn, txn_pk) is not None,
    )


def replace_credits(
    conn: Connection, txn_pk: int, credits: Sequence[Credit], *, actor: str, at: datetime
) -> None:
    """Make ``credits`` the sale's only credits."""
    conn.execute(delete(_CREDIT).where(_CREDIT.c.txn_pk == txn_pk))
    if credits:
        conn.execute(
            insert(_CREDIT),
            [
                {
                    "txn_pk": txn_pk,
                    "staff_id": credit.staff_id,
                    "role": credit.role.value,
                    "ratio_bp": credit.ratio_bp,
                    "source": credit.source.value,
                    "created_by": actor,
                    "created_at": at,
                }
                for credit in credits
            ],
        )


def resettle(conn: Connection, txn_pk: int, *, at: datetime, actor: str) -> tuple[Credit, ...] | None:
    """Apply the rule to one sale after its registrations changed; return the credits it now has by
    the rule (None: still awaiting, no credits).

    A settled sale counts its grace period as ended and keeps being settled (``attributed_at`` becomes
    ``at``); an awaiting sale gets the credits of its registrations and automatic seller, or none, and
    stays awaiting. An adjusted sale is left as it is (the service refuses to change it).
    """
    row = (
        conn.execute(
            select(
                _SALE.c.txn_pk,
                _SALE.c.institution_id,
                _SALE.c.sale_date,
                _SALE.c.attributed_at,
                _TXN.c.customer_id,
                _TXN.c.teller_id,
            )
            .join(_TXN, _TXN.c.id == _SALE.c.txn_pk)
            .where(_SALE.c.txn_pk == txn_pk)
        )
        .mappings()
        .one()
    )
    settled = row["attributed_at"] is not None
    facts = sale_facts(conn, row, grace_ended=settled)
    if facts.adjusted:
        return None
    credits = resolve(facts)
    replace_credits(conn, txn_pk, credits or (), actor=actor, at=at)
    if settled:
        conn.execute(update(_SALE).where(_SALE.c.txn_pk == txn_pk).values(attributed_at=at))
    return credits


def adjust(
    conn: Connection, txn_pk: int, shares: Sequence[tuple[int, CreditRole, int]], *, actor: str, at: datetime
) -> None:
    """Replace the sale's credits with a branch manager's shares ``(staff_id, role, ratio_bp)`` (source
    ``adjusted``) and mark it settled at ``at``."""
    conn.execute(delete(_CREDIT).where(_CREDIT.c.txn_pk == txn_pk))
    conn.execute(
        insert(_CREDIT),
        [
            {
                "txn_pk": txn_pk,
                "staff_id": staff_id,
                "role": role.value,
                "ratio_bp": ratio_bp,
                "source": CreditSource.ADJUSTED.value,
                "created_by": actor,
                "created_at": at,
            }
            for staff_id, role, ratio_bp in shares
        ],
    )
    conn.execute(update(_SALE).where(_SALE.c.txn_pk == txn_pk).values(attributed_at=at))


# ---------------------------------------------------------------------------------------------------
# Registrations
# ---------------------------------------------------------------------------------------------------


def registrations_of(conn: Connection, txn_pk: int) -> list[dict[str, Any]]:
    """The sale's active registrations, oldest first, with each person's code and name."""
    rows = conn.execute(
        select(
            _REGISTRATION.c.id,
            _REGISTRATION.c.staff_id,
            _STAFF.c.code,
            _STAFF.c.name,
            _REGISTRATION.c.role,
            _REGISTRATION.c.registered_at,
            _REGISTRATION.c.version,
        )
        .join(_STAFF, _STAFF.c.id == _REGISTRATION.c.staff_id)
        .where(_REGISTRATION.c.txn_pk == txn_pk, _REGISTRATION.c.revoked_at.is_(None))
        .order_by(_REGISTRATION.c.registered_at, _REGISTRATION.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def add_registration(
    conn: Connection, *, txn_pk: int, staff_id: int, role: CreditRole, at: datetime
) -> uuid.UUID:
    """Insert an active registration (version 1) and return its id."""
    registration_id = new_id()
    conn.execute(
        insert(_REGISTRATION).values(
            id=registration_id, txn_pk=txn_pk, staff_id=staff_id, role=role.value, registered_at=at, version=1
        )
    )
    return registration_id


def revoke_registration(conn: Connection, registration_id: uuid.UUID, *, at: datetime) -> int:
    """Revoke an active registration (``revoked_at``, version + 1); return its new version."""
    conn.execute(
        update(_REGISTRATION)
        .where(_REGISTRATION.c.id == registration_id, _REGISTRATION.c.revoked_at.is_(None))
        .values(revoked_at=at, version=_REGISTRATION.c.version + 1)
    )
    return int(
        conn.execute(
            select(_REGISTRATION.c.version).where(_REGISTRATION.c.id == registration_id)
        ).scalar_one()
    )


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------


def credits_of(conn: Connection, txn_pks: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The stored credits of each sale (sellers first, then by share, largest first), with each
    person's code and name."""
    if not txn_pks:
        return {}
    rows = conn.execute(
        select(
            _CREDIT.c.txn_pk,
            _CREDIT.c.staff_id,
            _STAFF.c.code,
            _STAFF.c.name,
            _CREDIT.c.role,
            _CREDIT.c.ratio_bp,
            _CREDIT.c.source,
            _CREDIT.c.created_by,
        )
        .join(_STAFF, _STAFF.c.id == _CREDIT.c.staff_id)
        .where(_CREDIT.c.txn_pk.in_(list(txn_pks)))
        .order_by(
            _CREDIT.c.txn_pk,
            case((_CREDIT.c.role == CreditRole.SELLER.value, 0), else_=1),
            _CREDIT.c.ratio_bp.desc(),
            _STAFF.c.code,
        )
    ).mappings()
    found: dict[int, list[dict[str, Any]]] = {int(pk): [] for pk in txn_pks}
    for row in rows:
        found[int(row["txn_pk"])].append(dict(row))
    return found


def institution_chain(conn: Connection, institution_id: int) -> list[dict[str, Any]]:
    """The institution and every institution above it, nearest first (``id``, ``code``)."""
    chain: list[dict[str, Any]] = []
    current: int | None = institution_id
    while current is not None and all(item["id"] != current for item in chain):
        row = conn.execute(
            select(_INSTITUTION.c.id, _INSTITUTION.c.code, _INSTITUTION.c.parent_id).where(
                _INSTITUTION.c.id == current
            )
        ).one()
        chain.append({"id": int(row.id), "code": str(row.code)})
        current = row.parent_id
    return chain


def staff_with_institutions(conn: Connection, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The staff members among ``codes`` the store knows: code → ``id``, ``name``, ``institution_code``."""
    if not codes:
        return {}
    rows = conn.execute(
        select(_STAFF.c.id, _STAFF.c.code, _STAFF.c.name, _INSTITUTION.c.code.label("institution_code"))
        .join(_INSTITUTION, _INSTITUTION.c.id == _STAFF.c.institution_id)
        .where(_STAFF.c.code.in_(list(codes)))
    ).mappings()
    return {str(row["code"]): dict(row) for row in rows}


def list_sales(
    conn: Connection,
    *,
    institutions: Select[tuple[int]] | Sequence[int] | None,
    pending_only: bool,
    month_idx: int | None,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """The newest sales of ``institutions`` (ids, or a select of ids; None: every institution), at most
    ``limit``, and how many there are in all. ``pending_only``: only sales not settled yet;
    ``month_idx``: only sales dated in that month. Each row says whether the sale was adjusted."""
    conditions = []
    if institutions is not None:
        ids = institutions if isinstance(institutions, Select) else list(institutions)
        conditions.append(_SALE.c.institution_id.in_(ids))
    if pending_only:
        conditions.append(_SALE.c.attributed_at.is_(None))
    if month_idx is not None:
        conditions.append(_SALE.c.sale_date >= month_start(month_idx))
        conditions.append(_SALE.c.sale_date < month_start(month_idx + 1))
    where = and_(true(), *conditions)
    total = int(conn.execute(select(func.count()).select_from(_SALE).where(where)).scalar_one())
    adjusted = exists().where(
        _CREDIT.c.txn_pk == _SALE.c.txn_pk, _CREDIT.c.source == CreditSource.ADJUSTED.value
    )
    rows = conn.execute(
        select(
            _SALE.c.txn_pk,
            _TXN.c.txn_id,
            _INSTITUTION.c.code.label("institution_code"),
            _SALE.c.sale_date,
            _PRODUCT.c.code.label("product_code"),
            _PRODUCT.c.name.label("product_name"),
            _SALE.c.amount_fen,
            _SALE.c.attributed_at,
            adjusted.label("adjusted"),
        )
        .select_from(_SALE)
        .join(_TXN, _TXN.c.id == _SALE.c.txn_pk)
        .join(_INSTITUTION, _INSTITUTION.c.id == _SALE.c.institution_id)
        .join(_PRODUCT, _PRODUCT.c.id == _SALE.c.product_id)
        .where(where)
        .order_by(_SALE.c.sale_date.desc(), _TXN.c.txn_id.desc())
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows], total


__all__ = [
    "STAGE_TABLE",
    "add_registration",
    "adjust",
    "adjusted_by",
    "attribute",
    "credits_of",
    "find_sale",
    "institution_chain",
    "list_sales",
    "registrations_of",
    "replace_credits",
    "resettle",
    "revoke_registration",
    "sale_facts",
    "staff_with_institutions",
]
