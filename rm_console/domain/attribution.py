"""Sales attribution (SPEC §5): who is credited with a sale, and in what share — as pure rules.

A sale is a product transaction; its sales institution is the transaction's institution. These are
the facts about one sale the rule looks at (:class:`SaleFacts`):

* its date D, and whether its grace period (parameter ``sale_grace_days``, default 5) has ended: it
  has when attribution runs with an as-of date on or after D + grace days (with 5 days, a sale of
  2026-11-10 is settled by an as-of date of 2026-11-15, not by 2026-11-14);
* the registered seller (销售人) and the registered referrer (推荐人): active, unrevoked registrations;
* the automatic seller: the customer's primary RM, when the assignment's institution is the sale's
  institution (otherwise there is none);
* the teller (柜员) of the transaction, if the core system names one;
* whether a branch manager adjusted the sale: then its credits are fixed and nothing below applies.

:func:`resolve` turns the facts into credits, or None while the sale awaits its grace period:

1. The seller is the registered seller (source ``manual``), else the automatic seller (``auto``),
   else — only once the grace period has ended — the teller (``grace``), else nobody.
2. The referrer is the registered referrer (``manual``), or nobody.
3. Seller and referrer the same person: that person alone, as seller, with ratio 10,000 bp.
4. Seller and referrer: the referrer's default split (销售人/推荐人比例): the seller gets
   ``referrer.seller_pct × 100`` bp, the referrer the rest; a share of 0 bp is left out (so a
   referrer whose ``seller_pct`` is 100 leaves the seller alone with 10,000).
5. A seller alone: 10,000 bp.
6. No seller: before the grace period ends, None (awaiting, no credits). After it, with no teller: a
   referrer alone gets 10,000 bp as referrer (``manual``); with nobody at all, no credits (settled,
   unattributed).

Every non-empty result names each person once and its ratios sum to exactly 10,000 bp (= 1).

A branch manager's adjustment (:func:`parse_adjustment`) replaces the credits with shares given as
``STAFF:ROLE:RATIO`` (RATIO a decimal fraction such as ``0.7``, at most 4 decimal places): each person
once, at least one seller, every ratio above 0 and at most 1, summing to exactly 1, and every person
working at the sale's institution or one above it. Ratios are basis points throughout (10,000 = 1);
amounts are integer fen.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from rm_console.domain.enums import CreditRole, CreditSource
from rm_console.domain.errors import Phrase, UserError

#: One whole sale in basis points.
WHOLE_BP = 10_000
#: The grace period in days when the parameter is missing.
DEFAULT_GRACE_DAYS = 5
#: The parameter holding the grace period in days.
GRACE_PARAMETER = "sale_grace_days"
#: Decimal places a ratio of an adjustment may have (basis points of one).
RATIO_PLACES = 4

_CREDIT_TEXT = re.compile(r"\s*([^:\s]+)\s*:\s*([^:\s]+)\s*:\s*([^:\s]+)\s*\Z")
_RATIO_TEXT = re.compile(r"\d+(?:\.(\d+))?|\.(\d+)")

ROLE_ZH: dict[str, str] = {CreditRole.SELLER: "销售人", CreditRole.REFERRER: "推荐人"}
"""The Chinese name of each credit role."""

SOURCE_WORDS: dict[str, Phrase] = {
    CreditSource.MANUAL: Phrase("registered"),
    CreditSource.AUTO: Phrase("automatic: the customer's primary RM"),
    CreditSource.GRACE: Phrase("by the grace-period rule: the teller 柜员"),
    CreditSource.ADJUSTED: Phrase("adjusted by a branch manager"),
}
"""How a sentence explains where a credit came from."""


class SaleStatus(StrEnum):
    """Where a sale stands in attribution."""

    #: Not settled yet: its grace period has not ended when attribution last ran.
    AWAITING = "awaiting"
    #: Settled by the rules (possibly with nobody credited).
    SETTLED = "settled"
    #: A branch manager fixed its credits.
    ADJUSTED = "adjusted"


STATUS_ZH: dict[str, str] = {
    SaleStatus.AWAITING: "待归属",
    SaleStatus.SETTLED: "已归属",
    SaleStatus.ADJUSTED: "已调整",
}
"""The Chinese name of each sale status."""


class AdjustmentError(UserError):
    """A branch manager's adjustment that cannot be applied, with one sentence saying why."""


# ---------------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """A staff member as attribution sees them: id, code and default seller share in percent."""

    staff_id: int
    code: str
    #: Default seller share of a seller/referrer split, 0–100 (used when this person refers).
    seller_pct: int = 70


@dataclass(frozen=True, slots=True)
class SaleFacts:
    """Everything :func:`resolve` needs to know about one sale."""

    sale_date: date
    #: True once attribution runs on or after ``sale_date`` + grace days.
    grace_ended: bool
    registered_seller: Person | None = None
    registered_referrer: Person | None = None
    #: The customer's primary RM, when assigned in the sale's institution.
    auto_seller: Person | None = None
    teller: Person | None = None
    #: A branch manager adjusted the sale: its credits stand as they are.
    adjusted: bool = False


@dataclass(frozen=True, slots=True)
class Credit:
    """One share of a sale the rule gives to one person."""

    staff_id: int
    code: str
    role: CreditRole
    ratio_bp: int
    source: CreditSource


@dataclass(frozen=True, slots=True)
class Share:
    """One share of a branch manager's adjustment, as given on the command line (checked)."""

    code: str
    role: CreditRole
    ratio_bp: int


# ---------------------------------------------------------------------------------------------------
# What the sales service returns
# ---------------------------------------------------------------------------------------------------


def ratio_number(ratio_bp: int) -> float:
    """Basis points as the JSON number of a ratio (7000 → 0.7); for display and JSON only, never sums."""
    return ratio_bp / WHOLE_BP


@dataclass(frozen=True, slots=True)
class CreditView:
    """A stored credit of a sale, as shown."""

    staff: str
    name: str
    role: str
    ratio_bp: int
    source: str

    def as_json(self) -> dict[str, object]:
        """``{"staff", "role", "ratio", "source"}`` (SPEC §12) with the name and basis points beside."""
        return {
            "staff": self.staff,
            "role": self.role,
            "ratio": ratio_number(self.ratio_bp),
            "source": self.source,
            "name": self.name,
            "ratio_bp": self.ratio_bp,
        }


@dataclass(frozen=True, slots=True)
class RegistrationView:
    """An active registration of a staff member on a sale."""

    staff: str
    name: str
    role: str
    registered_at: datetime

    def as_json(self) -> dict[str, object]:
        """The registration as a JSON object."""
        return {
            "staff": self.staff,
            "name": self.name,
            "role": self.role,
            "registered_at": self.registered_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SaleView:
    """One sale with its attribution: what ``rmc sales show`` prints."""

    txn_id: str
    institution: str
    institution_name: str
    sale_date: date
    product_code: str
    product_name: str
    amount_fen: int
    status: SaleStatus
    #: The first as-of date on which attribution settles the sale.
    grace_end: date
    attributed_at: datetime | None
    #: Who adjusted the sale's credits (staff code), when a branch manager did.
    adjusted_by: str | None
    registrations: tuple[RegistrationView, ...]
    credits: tuple[CreditView, ...]

    def as_json(self) -> dict[str, object]:
        """``{"txn_id", "institution", "credits": [...]}`` (SPEC §12) and the sale's other facts."""
        return {
            "txn_id": self.txn_id,
            "institution": self.institution,
            "credits": [credit.as_json() for credit in self.credits],
            "institution_name": self.institution_name,
            "sale_date": self.sale_date.isoformat(),
            "product": self.product_code,
            "product_name": self.product_name,
            "amount_fen": self.amount_fen,
            "status": self.status.value,
            "grace_end": self.grace_end.isoformat(),
            "attributed_at": self.attributed_at.isoformat() if self.attributed_at else None,
            "adjusted_by": self.adjusted_by,
            "registrations": [registration.as_json() for registration in self.registrations],
        }


@dataclass(frozen=True, slots=True)
class RegistrationOutcome:
    """What a registration or revocation did, and the sale afterwards."""

    #: ``registered`` or ``revoked``.
    action: str
    staff: str
    #: The roles registered or revoked.
    roles: tuple[str, ...]
    sale: SaleView

    def as_json(self) -> dict[str, object]:
        """The sale's document with what was done."""
        return {"action": self.action, "staff": self.staff, "roles": list(self.roles), **self.sale.as_json()}


@dataclass(frozen=True, slots=True)
class AttributionRun:
    """What one run of attribution settled."""

    as_of: date
    grace_days: int
    #: The latest sale date the run settled.
    cutoff: date
    settled: int

    def as_json(self) -> dict[str, object]:
        """The run as a JSON object."""
        return {
            "as_of": self.as_of.isoformat(),
            "grace_days": self.grace_days,
            "cutoff": self.cutoff.isoformat(),
            "settled": self.settled,
        }


@dataclass(frozen=True, slots=True)
class SaleRow:
    """One sale of a listing."""

    txn_id: str
    institution: str
    sale_date: date
    product_code: str
    product_name: str
    amount_fen: int
    status: SaleStatus
    credits: tuple[CreditView, ...]

    def as_json(self) -> dict[str, object]:
        """The row as a JSON object."""
        return {
            "txn_id": self.txn_id,
            "institution": self.institution,
            "sale_date": self.sale_date.isoformat(),
            "product": self.product_code,
            "product_name": self.product_name,
            "amount_fen": self.amount_fen,
            "status": self.status.value,
            "credits": [credit.as_json() for credit in self.credits],
        }


@dataclass(frozen=True, slots=True)
class SaleList:
    """The newest sales a person may see, at most ``limit`` of ``total``."""

    rows: tuple[SaleRow, ...]
    total: int
    limit: int
    pending_only: bool
    month: str | None

    def as_json(self) -> dict[str, object]:
        """The listing as a JSON object."""
        return {
            "total": self.total,
            "limit": self.limit,
            "pending_only": self.pending_only,
            "month": self.month,
            "sales": [row.as_json() for row in self.rows],
        }


# ---------------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------------


def grace_end(sale_date: date, grace_days: int) -> date:
    """The first as-of date on which attribution settles a sale of ``sale_date``."""
    return sale_date + timedelta(days=grace_days)


def grace_ended(sale_date: date, as_of: date, grace_days: int) -> bool:
    """Whether attribution run with ``as_of`` settles a sale of ``sale_date``."""
    return as_of >= grace_end(sale_date, grace_days)


def cutoff(as_of: date, grace_days: int) -> date:
    """The latest sale date attribution run with ``as_of`` settles (``sale_date <= cutoff``)."""
    return as_of - timedelta(days=grace_days)


def parse_grace_days(value: str | None) -> int:
    """The ``sale_grace_days`` parameter as a number of days (the default when missing)."""
    if value is None or value.strip() == "":
        return DEFAULT_GRACE_DAYS
    text = value.strip()
    if not text.isdigit() or int(text) > 366:
        raise UserError(
            "the parameter {parameter} is {value!r}, not a number of days from 0 to 366",
            parameter=GRACE_PARAMETER,
            value=value,
        )
    return int(text)


def sale_status(attributed_at: datetime | None, adjusted: bool) -> SaleStatus:
    """A sale's status from when it was settled and whether a branch manager adjusted it."""
    if adjusted:
        return SaleStatus.ADJUSTED
    return SaleStatus.AWAITING if attributed_at is None else SaleStatus.SETTLED


# ---------------------------------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------------------------------


def current_seller(facts: SaleFacts) -> tuple[Person, CreditSource] | None:
    """The seller the rule takes and why: registered, else automatic, else (after the grace period)
    the teller; None when there is nobody yet."""
    if facts.registered_seller is not None:
        return facts.registered_seller, CreditSource.MANUAL
    if facts.auto_seller is not None:
        return facts.auto_seller, CreditSource.AUTO
    if facts.grace_ended and facts.teller is not None:
        return facts.teller, CreditSource.GRACE
    return None


def resolve(facts: SaleFacts) -> tuple[Credit, ...] | None:
    """The credits of a sale by the rule of this module's docstring.

    None means there is nothing to write by the rule: the sale awaits its grace period, or — for
    adjusted facts — a branch manager's credits stand. An empty tuple means settled with nobody
    credited.
    """
    if facts.adjusted:
        return None
    found = current_seller(facts)
    referrer = facts.registered_referrer
    if found is None:
        if not facts.grace_ended:
            return None
        if referrer is None:
            return ()
        return (_credit(referrer, CreditRole.REFERRER, WHOLE_BP, CreditSource.MANUAL),)
    seller, source = found
    if referrer is None or referrer.staff_id == seller.staff_id:
        return (_credit(seller, CreditRole.SELLER, WHOLE_BP, source),)
    seller_bp = referrer.seller_pct * 100
    credits = (
        _credit(seller, CreditRole.SELLER, seller_bp, source),
        _credit(referrer, CreditRole.REFERRER, WHOLE_BP - seller_bp, CreditSource.MANUAL),
    )
    return tuple(credit for credit in credits if credit.ratio_bp > 0)


def _credit(person: Person, role: CreditRole, ratio_bp: int, source: CreditSource) -> Credit:
    return Credit(person.staff_id, person.code, role, ratio_bp, source)


# ---------------------------------------------------------------------------------------------------
# Adjustment
# ---------------------------------------------------------------------------------------------------


def ratio_text(ratio_bp: int) -> str:
    """Basis points as the decimal fraction people write: 7000 → ``0.7``, 10000 → ``1``."""
    value = (Decimal(ratio_bp) / WHOLE_BP).normalize()
    return format(value, "f")


def parse_ratio(text: str, *, given: str) -> int:
    """A ratio written as a decimal fraction (``0.7``, ``0.3333``, ``1``) in basis points, exactly.

    ``given`` is the whole ``--credit`` text, named in the refusal.
    """
    value = text.strip()
    match = _RATIO_TEXT.fullmatch(value)
    if match is None:
        raise AdjustmentError(
            "--credit {given!r}: the ratio {text!r} is not a decimal fraction such as 0.7",
            given=given,
            text=text,
        )
    if len(match.group(1) or match.group(2) or "") > RATIO_PLACES:
        raise AdjustmentError(
            "--credit {given!r}: the ratio {text!r} has more than {places} decimal places",
            given=given,
            text=text,
            places=RATIO_PLACES,
        )
    ratio = Decimal(value)
    if ratio <= 0 or ratio > 1:
        raise AdjustmentError(
            "--credit {given!r}: the ratio must be above 0 and at most 1, not {text}", given=given, text=text
        )
    return int(ratio * WHOLE_BP)


def parse_share(text: str) -> Share:
    """One ``STAFF:ROLE:RATIO`` text of an adjustment, checked on its own."""
    match = _CREDIT_TEXT.match(text)
    if match is None:
        raise AdjustmentError("--credit {text!r} is not STAFF:ROLE:RATIO, e.g. RM001:seller:0.7", text=text)
    code, role, ratio = match.groups()
    try:
        credit_role = CreditRole(role.lower())
    except ValueError:
        raise AdjustmentError(
            "--credit {text!r}: the role must be seller (销售人) or referrer (推荐人), not {role!r}",
            text=text,
            role=role,
        ) from None
    return Share(code=code, role=credit_role, ratio_bp=parse_ratio(ratio, given=text))


def parse_adjustment(
    texts: Sequence[str],
    *,
    staff_institutions: Mapping[str, str],
    allowed_institutions: Collection[str],
    sale_institution: str,
) -> tuple[Share, ...]:
    """The shares of a branch manager's adjustment, each checked, with one sentence for the first fault.

    ``staff_institutions`` maps the code of every staff member named (those the store knows) to the code
    of the institution they work at; ``allowed_institutions`` are the codes of the sale's institution
    and every institution above it.
    """
    if not texts:
        raise AdjustmentError("give at least one --credit STAFF:ROLE:RATIO, e.g. --credit RM001:seller:1")
    shares = [parse_share(text) for text in texts]
    seen: set[str] = set()
    for share in shares:
        if share.code in seen:
            raise AdjustmentError(
                "{code} appears more than once; give each person one credit", code=share.code
            )
        seen.add(share.code)
    if not any(share.role is CreditRole.SELLER for share in shares):
        raise AdjustmentError("an adjustment needs at least one seller (销售人)")
    total = sum(share.ratio_bp for share in shares)
    if total != WHOLE_BP:
        raise AdjustmentError(
            "the ratios sum to {total}, not 1; they must sum to exactly 1", total=ratio_text(total)
        )
    for share in shares:
        works_at = staff_institutions.get(share.code)
        if works_at is None:
            raise AdjustmentError("no staff member has the code {code!r}", code=share.code)
        if works_at not in allowed_institutions:
            raise AdjustmentError(
                "{code} works at {works_at}, not at {sale_institution} or an institution above it",
                code=share.code,
                works_at=works_at,
                sale_institution=sale_institution,
            )
    return tuple(shares)


__all__ = [
    "DEFAULT_GRACE_DAYS",
    "GRACE_PARAMETER",
    "RATIO_PLACES",
    "ROLE_ZH",
    "SOURCE_WORDS",
    "STATUS_ZH",
    "WHOLE_BP",
    "AdjustmentError",
    "AttributionRun",
    "Credit",
    "CreditView",
    "Person",
    "RegistrationOutcome",
    "RegistrationView",
    "SaleFacts",
    "SaleList",
    "SaleRow",
    "SaleStatus",
    "SaleView",
    "Share",
    "current_seller",
    "cutoff",
    "grace_end",
    "grace_ended",
    "parse_adjustment",
    "parse_grace_days",
    "parse_ratio",
    "parse_share",
    "ratio_number",
    "ratio_text",
    "resolve",
    "sale_status",
]
