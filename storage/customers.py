"""The customers list and the customer 360 (SPEC §7): paged set-based listing, quick-find, one customer.

Every read is bounded by the acting person's scope (:func:`storage.scope.visible_customers` as a
condition on ``customer``, or the select of :func:`storage.scope.visible_customer_ids`), so what a person
cannot see is never listed, counted or found. The list is paged in SQL (``LIMIT``/``OFFSET`` of at most
:data:`MAX_PAGE` rows, with a separate count), so a whole branch is never loaded at once; the customer 360
reads are per-customer and use the per-customer indexes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)

from rm_console.domain.enums import AssignmentRole, Tier
from storage.models import (
    Assignment,
    Customer,
    CustomerTier,
    Holding,
    Institution,
    MonthlyAum,
    Product,
    RetentionCase,
    RetentionStep,
    Staff,
    TierHistory,
    Txn,
)

_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_TIER = CustomerTier.__table__  # type: ignore[attr-defined]
_INSTITUTION = Institution.__table__  # type: ignore[attr-defined]
_ASSIGNMENT = Assignment.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]
_AUM = MonthlyAum.__table__  # type: ignore[attr-defined]
_HOLDING = Holding.__table__  # type: ignore[attr-defined]
_PRODUCT = Product.__table__  # type: ignore[attr-defined]
_TXN = Txn.__table__  # type: ignore[attr-defined]
_HISTORY = TierHistory.__table__  # type: ignore[attr-defined]
_CASE = RetentionCase.__table__  # type: ignore[attr-defined]
_STEP = RetentionStep.__table__  # type: ignore[attr-defined]
#: A customer's primary RM and that RM's staff row, as a page of the list joins them.
_PRIMARY = _ASSIGNMENT.alias("primary_rm")
_PRIMARY_STAFF = _STAFF.alias("primary_staff")

#: The most rows one page of the customers list may hold.
MAX_PAGE = 2000
#: The orders the customers list can be sorted in.
SORTS = ("cif", "name", "tier", "aum")
#: The most transactions the customer 360 reads for one customer.
MAX_TXNS = 1000
#: Up to this many matches, a page is read by first finding the matching ids (one pass over the search
#: index, which also counts them) and then joining and sorting just those; above it, matches are dense
#: enough that reading the customers in the asked order and stopping after a page is quicker.
FEW_MATCHES = 2000

_DIGITS = re.compile(r"[0-9]+")
_TIER_RANK = {tier.value: tier.rank for tier in Tier}


def _like_escape(text: str) -> str:
    """``text`` with LIKE's wildcards escaped (the escape character is a backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(text: str, *, ranges: bool = False) -> ColumnElement[bool] | None:
    """What a search text matches, or None for a blank text.

    Digits match a CIF prefix or, from four digits on, the end of the phone number (through the
    phone-tail index); anything else matches a CIF prefix or a part of the name. With ``ranges`` (on
    SQLite, whose text compares byte by byte), a CIF prefix of digits is asked as the range of CIFs
    it starts (:func:`_cif_range`), which the indexes read directly instead of testing every customer
    in scope.
    """
    wanted = text.strip()
    if not wanted:
        return None
    escaped = _like_escape(wanted)
    cif_prefix = _CUSTOMER.c.cif.like(f"{escaped}%", escape="\\")
    if _DIGITS.fullmatch(wanted):
        cif_term = _cif_range(wanted) if ranges else cif_prefix
        phone = _phone_clause(wanted)
        return cif_term if phone is None else or_(cif_term, phone)
    return or_(cif_prefix, _CUSTOMER.c.name.like(f"%{escaped}%", escape="\\"))


def _cif_range(digits: str) -> ColumnElement[bool]:
    """The CIFs starting with ``digits``, as a range: in a byte-by-byte order every text starting with
    the digits, and nothing else, sorts from the digits up to (not including) the next digits ("19"
    up to "1:")."""
    following = digits[:-1] + chr(ord(digits[-1]) + 1)
    return and_(_CUSTOMER.c.cif >= digits, _CUSTOMER.c.cif < following)


def _phone_clause(digits: str) -> ColumnElement[bool] | None:
    """The phone numbers ending with ``digits`` (four or more; through the phone-tail index), or None."""
    if len(digits) < 4:
        return None
    if len(digits) == 4:
        return _CUSTOMER.c.phone_tail == digits
    return and_(
        _CUSTOMER.c.phone_tail == digits[-4:],
        _CUSTOMER.c.phone.like(f"%{_like_escape(digits)}", escape="\\"),
    )


def latest_aum_month(conn: Connection) -> int | None:
    """The newest month (``month_idx``) of any monthly AUM figure, or None in an empty store."""
    return conn.execute(select(func.max(_AUM.c.month_idx))).scalar_one_or_none()


def _where(
    scope: ColumnElement[bool],
    *,
    text: str,
    tier: str | None,
    status: str | None,
    institutions: Select[tuple[int]] | None,
    rm: str | None,
    ranges: bool = False,
) -> list[ColumnElement[bool]]:
    """The conditions of a filtered list (the customer and tier tables must be in the FROM); ``ranges``
    as for :func:`search_clause`."""
    where: list[ColumnElement[bool]] = [scope]
    found = search_clause(text, ranges=ranges)
    if found is not None:
        where.append(found)
    if tier is not None:
        where.append(_TIER.c.tier == tier)
    if status is not None:
        where.append(_TIER.c.status == status)
    if institutions is not None:
        where.append(_CUSTOMER.c.institution_id.in_(institutions))
    if rm is not None:
        where.append(
            exists()
            .where(_ASSIGNMENT.c.customer_id == _CUSTOMER.c.id)
            .where(_ASSIGNMENT.c.staff_id == select(_STAFF.c.id).where(_STAFF.c.code == rm).scalar_subquery())
        )
    return where


def customer_page(
    conn: Connection,
    scope: ColumnElement[bool],
    *,
    text: str = "",
    tier: str | None = None,
    status: str | None = None,
    institutions: Select[tuple[int]] | None = None,
    rm: str | None = None,
    sort: str = "cif",
    offset: int = 0,
    limit: int = 500,
    aum_month: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the customers in ``scope`` (a condition on ``customer``, see
    :func:`storage.scope.visible_customers`) that the filters select, and how many there are in all.

    ``institutions`` is a select of institution ids (an institution and those below it); ``rm`` a staff
    code the customer must be assigned to (as primary or secondary RM). Sorted by ``sort`` (one of
    :data:`SORTS`; ties by CIF): tier is highest tier first and then largest AUM, AUM is largest first
    with customers without a figure last. ``limit`` is capped at :data:`MAX_PAGE`. Each row has cif,
    name, phone, tier, status, months_below, institution code and name, the primary RM's code and
    name, and ``aum_fen`` of month ``aum_month`` (None without a figure).
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    limit = max(0, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    filters: dict[str, Any] = {
        "text": text,
        "tier": tier,
        "status": status,
        "institutions": institutions,
        "rm": rm,
    }
    ranges = conn.dialect.name == "sqlite"
    where = _where(scope, **filters, ranges=ranges)
    matched = (
        _CUSTOMER
        if tier is None and status is None
        else _CUSTOMER.outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
    )
    # One pass finds the matches if there are few (and so counts them); many are counted apart and
    # the page is then read in order, stopping at its end. Where the indexes find the matches (no
    # search text, or digits on SQLite) the pass only counts them and the page finds them again, which
    # is cheaper than carrying up to FEW_MATCHES ids; a name search keeps the ids it found, so that it
    # is not run twice.
    wanted = text.strip()
    indexed = not wanted or (ranges and _DIGITS.fullmatch(wanted) is not None)
    probe = select(_CUSTOMER.c.id).select_from(matched).where(*where).limit(FEW_MATCHES + 1)
    ids: Sequence[int] = ()
    if indexed:
        found = int(conn.execute(select(func.count()).select_from(probe.subquery())).scalar_one())
    else:
        ids = conn.execute(probe).scalars().all()
        found = len(ids)
    if found <= FEW_MATCHES:
        total = found
        if not indexed:
            where = [_CUSTOMER.c.id.in_(ids)]
    else:
        # Many matches: their page is found by testing each customer in scope in order, which beats
        # reading a wide range of CIFs across the whole bank.
        where = _where(scope, **filters)
        if ranges and _DIGITS.fullmatch(wanted):
            total = _count_digits(conn, matched, _where(scope, **{**filters, "text": ""}), wanted)
        else:
            total = int(conn.execute(select(func.count()).select_from(matched).where(*where)).scalar_one())
    if limit == 0 or offset >= total:
        return [], total
    month = aum_month if aum_month is not None else -1
    with_aum = and_(_AUM.c.customer_id == _CUSTOMER.c.id, _AUM.c.month_idx == month)
    rank = case(_TIER_RANK, value=_TIER.c.tier, else_=literal(len(_TIER_RANK) + 1))
    orders: dict[str, list[Any]] = {
        "cif": [_CUSTOMER.c.cif],
        "name": [_CUSTOMER.c.name, _CUSTOMER.c.cif],
        "tier": [rank, _AUM.c.aum_fen.is_(None), _AUM.c.aum_fen.desc(), _CUSTOMER.c.cif],
        "aum": [_AUM.c.aum_fen.is_(None), _AUM.c.aum_fen.desc(), _CUSTOMER.c.cif],
    }
    # First the page's customers, from the tables its order needs alone; then their details.
    keyed = matched
    if sort == "tier" and keyed is _CUSTOMER:
        keyed = keyed.outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
    if sort in ("tier", "aum"):
        keyed = keyed.outerjoin(_AUM, with_aum)
    keys = select(_CUSTOMER.c.id).select_from(keyed).where(*where).order_by(*orders[sort])
    page_ids = conn.execute(keys.limit(limit).offset(offset)).scalars().all()
    primary = _PRIMARY
    rm_staff = _PRIMARY_STAFF
    joined = (
        _CUSTOMER.outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
        .join(_INSTITUTION, _INSTITUTION.c.id == _CUSTOMER.c.institution_id)
        .outerjoin(_AUM, with_aum)
        .outerjoin(
            primary,
            and_(primary.c.customer_id == _CUSTOMER.c.id, primary.c.role == AssignmentRole.PRIMARY.value),
        )
        .outerjoin(rm_staff, rm_staff.c.id == primary.c.staff_id)
    )
    query = (
        select(
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            _CUSTOMER.c.phone,
            _TIER.c.tier,
            _TIER.c.status,
            _TIER.c.months_below,
            _INSTITUTION.c.code.label("institution_code"),
            _INSTITUTION.c.name.label("institution_name"),
            rm_staff.c.code.label("rm_code"),
            rm_staff.c.name.label("rm_name"),
            _AUM.c.aum_fen,
        )
        .select_from(joined)
        .where(_CUSTOMER.c.id.in_(page_ids))
        .order_by(*orders[sort])
    )
    return [dict(row) for row in conn.execute(query).mappings()], total


def _count_digits(
    conn: Connection, matched: FromClause, common: list[ColumnElement[bool]], digits: str
) -> int:
    """How many customers of ``matched`` meeting ``common`` a search for ``digits`` finds, counted on
    SQLite as those in the range of CIFs (read within each institution of the scope index) plus those
    whose phone ends with the digits outside that range (through the phone-tail index)."""
    cif_range = _cif_range(digits)
    total = int(
        conn.execute(select(func.count()).select_from(matched).where(*common, cif_range)).scalar_one()
    )
    phone = _phone_clause(digits)
    if phone is not None:
        total += int(
            conn.execute(
                select(func.count()).select_from(matched).where(*common, phone, not_(cif_range))
            ).scalar_one()
        )
    return total


def quick_find(
    conn: Connection, scope: ColumnElement[bool], text: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """Up to ``limit`` customers in ``scope`` (a condition on ``customer``) matching ``text`` (see
    :func:`search_clause`), best first:
    the exact CIF, CIF prefixes, phone ends, the exact name, name prefixes, then other name parts.

    Each row has cif, name, phone, tier, status and institution name.
    """
    found = search_clause(text)
    if found is None or limit <= 0:
        return []
    wanted = text.strip()
    escaped = _like_escape(wanted)
    rank = case(
        (_CUSTOMER.c.cif == wanted, 0),
        (_CUSTOMER.c.cif.like(f"{escaped}%", escape="\\"), 1),
        (_CUSTOMER.c.name == wanted, 3),
        (_CUSTOMER.c.name.like(f"{escaped}%", escape="\\"), 4),
        else_=2 if _DIGITS.fullmatch(wanted) else 5,
    )
    query = (
        select(
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name,
            _CUSTOMER.c.phone,
            _TIER.c.tier,
            _TIER.c.status,
            _INSTITUTION.c.name.label("institution_name"),
        )
        .select_from(
            _CUSTOMER.outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id).join(
                _INSTITUTION, _INSTITUTION.c.id == _CUSTOMER.c.institution_id
            )
        )
        .where(scope, found)
        .order_by(rank, _CUSTOMER.c.cif)
        .limit(min(int(limit), MAX_PAGE))
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def filter_choices(
    conn: Connection, scope: Select[tuple[int]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the list can be filtered by: the institutions of the customers in ``scope`` (code, name)
    and the staff assigned to them (code, name), each sorted by code."""
    institutions = conn.execute(
        select(_INSTITUTION.c.code, _INSTITUTION.c.name)
        .where(_INSTITUTION.c.id.in_(select(_CUSTOMER.c.institution_id).where(_CUSTOMER.c.id.in_(scope))))
        .order_by(_INSTITUTION.c.code)
    ).mappings()
    places = [dict(row) for row in institutions]
    staff = conn.execute(
        select(_STAFF.c.code, _STAFF.c.name)
        .where(_STAFF.c.id.in_(select(_ASSIGNMENT.c.staff_id).where(_ASSIGNMENT.c.customer_id.in_(scope))))
        .order_by(_STAFF.c.code)
    ).mappings()
    return places, [dict(row) for row in staff]


# ---------------------------------------------------------------------------------------------------
# One customer (the customer 360)
# ---------------------------------------------------------------------------------------------------


def profile_row(conn: Connection, cif: str, scope: Select[tuple[int]]) -> dict[str, Any] | None:
    """Customer ``cif`` with its institution and stored evaluation, or None (also outside ``scope``)."""
    row = (
        conn.execute(
            select(
                _CUSTOMER.c.id,
                _CUSTOMER.c.cif,
                _CUSTOMER.c.name,
                _CUSTOMER.c.kind,
                _CUSTOMER.c.id_type,
                _CUSTOMER.c.id_no,
                _CUSTOMER.c.phone,
                _CUSTOMER.c.birth_date,
                _CUSTOMER.c.gender,
                _CUSTOMER.c.occupation,
                _CUSTOMER.c.annual_income_fen,
                _CUSTOMER.c.address,
                _CUSTOMER.c.comm_style,
                _CUSTOMER.c.value_class,
                _CUSTOMER.c.institution_id,
                _INSTITUTION.c.code.label("institution_code"),
                _INSTITUTION.c.name.label("institution_name"),
                _TIER.c.tier,
                _TIER.c.status,
                _TIER.c.months_below,
                _TIER.c.churned_from,
                _TIER.c.qualified_by,
                _TIER.c.month_idx.label("tier_month_idx"),
                _TIER.c.month.label("tier_month"),
            )
            .join(_INSTITUTION, _INSTITUTION.c.id == _CUSTOMER.c.institution_id)
            .outerjoin(_TIER, _TIER.c.customer_id == _CUSTOMER.c.id)
            .where(_CUSTOMER.c.cif == cif, _CUSTOMER.c.id.in_(scope))
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def holdings_of(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """Every holding of the customer with its product (code, name, category, risk level), by asset
    class, then maturity (undated last), then account number."""
    rows = conn.execute(
        select(
            _HOLDING.c.account_no,
            _HOLDING.c.asset_class,
            _HOLDING.c.balance_fen,
            _HOLDING.c.open_date,
            _HOLDING.c.maturity_date,
            _HOLDING.c.rate_e4,
            _HOLDING.c.loan_type,
            _HOLDING.c.loan_class,
            _HOLDING.c.card_level,
            _HOLDING.c.repayment_day,
            _PRODUCT.c.code.label("product_code"),
            _PRODUCT.c.name.label("product_name"),
            _PRODUCT.c.category,
            _PRODUCT.c.risk_level,
        )
        .join(_PRODUCT, _PRODUCT.c.id == _HOLDING.c.product_id)
        .where(_HOLDING.c.customer_id == customer_id)
        .order_by(
            _HOLDING.c.asset_class,
            _HOLDING.c.maturity_date.is_(None),
            _HOLDING.c.maturity_date,
            _HOLDING.c.account_no,
        )
    ).mappings()
    return [dict(row) for row in rows]


def recent_txns(
    conn: Connection, customer_id: int, *, since: date, until: date, limit: int = MAX_TXNS
) -> list[dict[str, Any]]:
    """The customer's transactions dated in [since, until], newest first, with the product's and the
    institution's names (at most ``limit``)."""
    rows = conn.execute(
        select(
            _TXN.c.txn_id,
            _TXN.c.txn_date,
            _TXN.c.amount_fen,
            _TXN.c.direction,
            _TXN.c.channel,
            _TXN.c.counterparty,
            _PRODUCT.c.name.label("product_name"),
            _INSTITUTION.c.code.label("institution_code"),
            _INSTITUTION.c.name.label("institution_name"),
        )
        .join(_INSTITUTION, _INSTITUTION.c.id == _TXN.c.institution_id)
        .outerjoin(_PRODUCT, _PRODUCT.c.id == _TXN.c.product_id)
        .where(_TXN.c.customer_id == customer_id, _TXN.c.txn_date >= since, _TXN.c.txn_date <= until)
        .order_by(_TXN.c.txn_date.desc(), _TXN.c.id.desc())
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]


def aum_months(conn: Connection, customer_id: int, first: int, last: int) -> dict[int, dict[str, Any]]:
    """The customer's month-end figures for months [first, last]: month_idx → AUM, deposits, investments,
    mortgage and credit loan balances (months without a row are absent)."""
    rows = conn.execute(
        select(
            _AUM.c.month_idx,
            _AUM.c.month,
            _AUM.c.aum_fen,
            _AUM.c.deposit_fen,
            _AUM.c.investment_fen,
            _AUM.c.mortgage_fen,
            _AUM.c.credit_loan_fen,
        ).where(_AUM.c.customer_id == customer_id, _AUM.c.month_idx >= first, _AUM.c.month_idx <= last)
    ).mappings()
    return {int(row["month_idx"]): dict(row) for row in rows}


def tier_history_of(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """The customer's tier changes, newest month first: month, from, to, reason, rule version."""
    rows = conn.execute(
        select(
            _HISTORY.c.month_idx,
            _HISTORY.c.month,
            _HISTORY.c.from_tier,
            _HISTORY.c.to_tier,
            _HISTORY.c.reason,
            _HISTORY.c.rule_version,
        )
        .where(_HISTORY.c.customer_id == customer_id)
        .order_by(_HISTORY.c.month_idx.desc())
    ).mappings()
    return [dict(row) for row in rows]


def retention_cases_of(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """The customer's retention cases, newest first, with the owner's code and name."""
    rows = conn.execute(
        select(
            _CASE.c.id,
            _CASE.c.opened_month_idx,
            _CASE.c.reason,
            _CASE.c.status,
            _CASE.c.outcome,
            _CASE.c.created_at,
            _CASE.c.closed_at,
            _STAFF.c.code.label("owner_code"),
            _STAFF.c.name.label("owner_name"),
        )
        .join(_STAFF, _STAFF.c.id == _CASE.c.owner_id)
        .where(_CASE.c.customer_id == customer_id)
        .order_by(_CASE.c.opened_month_idx.desc(), _CASE.c.id.desc())
    ).mappings()
    return [dict(row) for row in rows]


def retention_steps(conn: Connection, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The steps of each case, in order: seq, title, due date, done at, note."""
    found: dict[uuid.UUID, list[dict[str, Any]]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    rows = conn.execute(
        select(_STEP.c.case_id, _STEP.c.seq, _STEP.c.title, _STEP.c.due_date, _STEP.c.done_at, _STEP.c.note)
        .where(_STEP.c.case_id.in_(list(case_ids)))
        .order_by(_STEP.c.case_id, _STEP.c.seq)
    ).mappings()
    for row in rows:
        found.setdefault(row["case_id"], []).append(dict(row))
    return found


__all__ = [
    "MAX_PAGE",
    "MAX_TXNS",
    "SORTS",
    "aum_months",
    "customer_page",
    "filter_choices",
    "holdings_of",
    "latest_aum_month",
    "profile_row",
    "quick_find",
    "recent_txns",
    "retention_cases_of",
    "retention_steps",
    "search_clause",
    "tier_history_of",
]
