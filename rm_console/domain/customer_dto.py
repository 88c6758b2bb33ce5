"""What the customers list and the customer 360 (统一客户视图, SPEC §7) receive from the customer service.

Frozen, plain values: amounts in integer fen, dates as ``date``, personal data masked (the unmasked
values only ever leave the service through an audited reveal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from rm_console.domain.dto import RecommendationDTO, ShareDTO
from rm_console.domain.enums import AssetClass, LoanClass
from rm_console.domain.records_dto import CustomerRecords


class CustomerSort(StrEnum):
    """The orders of the customers list, in the order ``o`` cycles through them."""

    CIF = "cif"
    NAME = "name"
    TIER = "tier"
    AUM = "aum"

    def next(self) -> CustomerSort:
        """The order after this one (after the last, the first again)."""
        members = list(CustomerSort)
        return members[(members.index(self) + 1) % len(members)]


class RevealField(StrEnum):
    """A masked field of a customer that can be revealed (audited)."""

    ID_NO = "id_no"
    PHONE = "phone"


#: Loan classes that make a loan a problem loan (不良/关注): all but pass.
PROBLEM_LOAN_CLASSES: frozenset[str] = frozenset(
    {LoanClass.SPECIAL_MENTION, LoanClass.SUBSTANDARD, LoanClass.DOUBTFUL, LoanClass.LOSS}
)


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    """What narrows the customers list: a search text (CIF prefix, part of the name, or the end of the
    phone number) and optional tier, status, institution code (with those below it) and RM code."""

    text: str = ""
    tier: str | None = None
    status: str | None = None
    institution: str | None = None
    rm: str | None = None

    @property
    def active(self) -> bool:
        """True when anything besides the search text narrows the list."""
        return any(value is not None for value in (self.tier, self.status, self.institution, self.rm))


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One customer of the list: identity (phone masked), tier, status, AUM, institution, primary RM."""

    cif: str
    name: str
    tier: str | None
    status: str | None
    months_below: int
    #: Month-end AUM of the page's ``aum_month`` (None: no figure that month).
    aum_fen: int | None
    institution_code: str
    institution_name: str
    rm_code: str | None
    rm_name: str | None
    phone_masked: str


@dataclass(frozen=True, slots=True)
class CustomerPage:
    """One page of the customers list and the size of the whole filtered list."""

    rows: tuple[CustomerRow, ...]
    #: How many customers the filters select in all.
    total: int
    offset: int
    limit: int
    filters: CustomerFilters
    sort: CustomerSort
    #: The month (``YYYY-MM``) the AUM column is of; None in a store without figures.
    aum_month: str | None

    @property
    def has_next(self) -> bool:
        """True when rows follow this page."""
        return self.offset + len(self.rows) < self.total

    @property
    def has_previous(self) -> bool:
        """True when rows come before this page."""
        return self.offset > 0

    @property
    def page_number(self) -> int:
        """This page's number, from 1."""
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        """How many pages the whole list has (at least 1)."""
        if not self.limit:
            return 1
        return max(1, -(-self.total // self.limit))


@dataclass(frozen=True, slots=True)
class CustomerHit:
    """A customer found by quick-find (the command palette): enough to recognise and open them."""

    cif: str
    name: str
    tier: str | None
    status: str | None
    phone_masked: str
    institution_name: str


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the acting person can filter the list by: institutions and RMs as ``(code, name)``."""

    institutions: tuple[tuple[str, str], ...]
    rms: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class HoldingRow:
    """One holding (持仓) with its product; loans carry type and five-category class (五级分类)."""

    account_no: str
    product_code: str
    product_name: str
    category: str
    asset_class: str
    balance_fen: int
    open_date: date | None
    maturity_date: date | None
    #: Rate or yield in ten-thousandths of a percent (3.25 % = 32,500).
    rate_e4: int | None
    risk_level: str | None
    loan_type: str | None = None
    loan_class: str | None = None
    card_level: str | None = None
    repayment_day: int | None = None
    #: Days from the business date to maturity (negative: matured); None without a maturity date.
    days_to_maturity: int | None = None
    #: True when the holding matures within the maturity-reminder window (today included).
    maturing: bool = False

    @property
    def problem_loan(self) -> bool:
        """True for a loan classed special mention or worse."""
        return self.loan_class in PROBLEM_LOAN_CLASSES


@dataclass(frozen=True, slots=True)
class AssetClassTotal:
    """The balances of one asset class (资产分类) added up."""

    asset_class: str
    balance_fen: int
    accounts: int


@dataclass(frozen=True, slots=True)
class TxnRow:
    """A recent transaction (交易流水), flagged when large (大额) or out of bank (行外 counterparty)."""

    txn_id: str
    txn_date: date
    amount_fen: int
    direction: str
    channel: str | None
    counterparty: str | None
    product_name: str | None
    institution_code: str
    institution_name: str
    large: bool
    out_of_bank: bool


@dataclass(frozen=True, slots=True)
class AumMonth:
    """One month-end of the AUM trend; None where the store has no figure (counted as 0 by the rules)."""

    month: str
    aum_fen: int | None
    deposit_fen: int | None = None
    investment_fen: int | None = None


@dataclass(frozen=True, slots=True)
class TierChangeRow:
    """A change of the customer's tier (级别变动) between two evaluation months."""

    month: str
    from_tier: str | None
    to_tier: str
    reason: str


@dataclass(frozen=True, slots=True)
class RetentionStepRow:
    """One step of a retention case and its due date."""

    seq: int
    title: str
    due_date: date
    done_on: date | None
    note: str | None

    @property
    def done(self) -> bool:
        """True once the step was done."""
        return self.done_on is not None


@dataclass(frozen=True, slots=True)
class RetentionCaseRow:
    """A retention case (挽留流程) with owner, steps and outcome."""

    id: str
    opened_month: str
    reason: str
    status: str
    owner_code: str
    owner_name: str
    outcome: str | None
    steps: tuple[RetentionStepRow, ...]

    @property
    def next_step(self) -> RetentionStepRow | None:
        """The first step not done yet, or None."""
        return next((step for step in self.steps if not step.done), None)


@dataclass(frozen=True, slots=True)
class Customer360:
    """Everything the customer 360 shows of one customer, as the acting person may see it."""

    cif: str
    name: str
    kind: str
    gender: str | None
    birth_date: date | None
    #: Age in whole years on the business date (None without a birth date).
    age: int | None
    occupation: str | None
    institution_code: str
    institution_name: str
    tier: str | None
    status: str | None
    months_below: int
    churned_from: str | None
    #: The month (``YYYY-MM``) of the stored evaluation.
    tier_month: str | None
    qualified_by: str | None
    #: The AUM threshold the months below are counted against (the measured tier's), None for ordinary.
    threshold_fen: int | None
    id_no_masked: str
    phone_masked: str
    #: The business date the 360 was read on: what ages, maturities and expiries are judged against.
    as_of: date
    rms: tuple[ShareDTO, ...]
    aum: tuple[AumMonth, ...]
    by_class: tuple[AssetClassTotal, ...]
    holdings: tuple[HoldingRow, ...]
    transactions: tuple[TxnRow, ...]
    #: The first day of the transactions shown.
    transactions_since: date
    large_txn_threshold_fen: int
    maturity_days: int
    tier_history: tuple[TierChangeRow, ...]
    records: CustomerRecords
    recommendations: tuple[RecommendationDTO, ...]
    retention_cases: tuple[RetentionCaseRow, ...] = field(default=())

    @property
    def loans(self) -> tuple[HoldingRow, ...]:
        """The holdings that are loans."""
        return tuple(h for h in self.holdings if h.asset_class == AssetClass.LOAN)

    @property
    def open_cases(self) -> tuple[RetentionCaseRow, ...]:
        """The retention cases still open."""
        return tuple(case for case in self.retention_cases if case.status == "open")

    @property
    def next_follow_up(self) -> date | None:
        """The earliest follow-up date on or after the business date among the contact records."""
        days = [c.follow_up for c in self.records.contacts if c.follow_up and c.follow_up >= self.as_of]
        return min(days, default=None)

    @property
    def aum_now_fen(self) -> int | None:
        """The newest month's AUM (None without a figure)."""
        return self.aum[-1].aum_fen if self.aum else None
