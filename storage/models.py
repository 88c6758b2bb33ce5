"""The store's tables (SQLModel), for everything in SPEC §1–8.

Conventions:

* Money is integer fen in columns ending ``_fen``; rates and weights are scaled integers named for
  their scale. No float column holds a business figure.
* Reference data owned by the central database keeps an integer surrogate key and its natural key
  (``code``, ``cif``, ``account_no``, ``txn_id``) as a unique column.
* Records authored on a terminal have UUIDv7 primary keys, a ``version`` for editable fields and the
  author's staff id.
* Months are stored twice: ``month`` as ``YYYY-MM`` text and ``month_idx`` = year × 12 + month − 1, an
  integer that window arithmetic can use directly.
* Timestamps are UTC (:class:`storage.types.UTCDateTime`); business dates are plain dates in
  Asia/Shanghai.
"""

# The annotations are evaluated as the classes are defined (no ``from __future__ import annotations``):
# pydantic and SQLAlchemy then read the types directly instead of compiling and evaluating a string for
# every column, which is a good part of what importing this module costs.

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig

from rm_console.domain import enums
from storage.types import UTCDateTime, new_id, utcnow

#: Every constraint gets a predictable name, so migrations can alter it on SQLite and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _Table(SQLModel):
    """The base of every table: SQLModel's configuration, with pydantic's validator and serializer for
    a table built on its first use rather than when the class is defined.

    The store is read and written through the tables (``__table__``, SQLAlchemy Core); defining the
    classes cheaply keeps every command and the console's start from paying for validators they may
    never run. Constructing or validating an instance works as before (the first one builds them).
    """

    model_config = SQLModelConfig(from_attributes=True, defer_build=True)


def _one_of(column: str, enum: type[enums.StrEnum], *, nullable: bool = False) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in enums.values(enum))
    test = f"{column} IN ({allowed})"
    if nullable:
        test = f"{column} IS NULL OR {test}"
    return CheckConstraint(test, name=column)


def _optional_ts() -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=True)


def _created_at() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _money(*, nullable: bool = False) -> Any:
    """An amount in fen: a 64-bit integer, so that sums of billions of yuan fit on PostgreSQL too."""
    if nullable:
        return Field(default=None, sa_type=BigInteger, nullable=True)
    return Field(sa_type=BigInteger)


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


# ---------------------------------------------------------------------------------------------------
# Store metadata and parameters
# ---------------------------------------------------------------------------------------------------


class StoreMeta(_Table, table=True):
    """Key/value facts about this store: its business date, how it was built, its device id."""

    __tablename__ = "store_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str


class Parameter(_Table, table=True):
    """A versioned business parameter (large-transaction threshold, grace days, …).

    The row with the highest ``version`` for a ``key`` is in force; older rows are history.
    """

    __tablename__ = "parameter"

    key: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    value: str
    note: str | None = None
    set_by: str | None = Field(default=None, max_length=64)
    set_at: datetime = _created_at()


# ---------------------------------------------------------------------------------------------------
# People and places (SPEC §1)
# ---------------------------------------------------------------------------------------------------


class Institution(_Table, table=True):
    """An institution (机构): head office, branch or outlet."""

    __tablename__ = "institution"
    __table_args__ = (_one_of("kind", enums.InstitutionKind),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=128)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="institution.id", index=True)


class Staff(_Table, table=True):
    """A staff member (员工) working at one institution."""

    __tablename__ = "staff"
    __table_args__ = (
        _one_of("role", enums.Role),
        CheckConstraint("seller_pct BETWEEN 0 AND 100", name="seller_pct"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=64)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    role: str = Field(max_length=16)
    #: Default seller share of a seller/referrer split, in percent (销售人/推荐人比例).
    seller_pct: int = 70
    email: str | None = Field(default=None, max_length=128)
    mobile: str | None = Field(default=None, max_length=20)
    active: bool = True


# ---------------------------------------------------------------------------------------------------
# Customers and their money (SPEC §2)
# ---------------------------------------------------------------------------------------------------


class Customer(_Table, table=True):
    """A customer (客户) of one institution, keyed by CIF."""

    __tablename__ = "customer"
    __table_args__ = (
        _one_of("kind", enums.CustomerKind),
        _one_of("gender", enums.Gender, nullable=True),
        _one_of("comm_style", enums.CommunicationStyle, nullable=True),
        _one_of("value_class", enums.ValueClass, nullable=True),
        # The customers list's scope and search read this index alone (institution first for a
        # branch's scope, then what a search text is matched against), never the table.
        Index("ix_customer_scope_search", "institution_id", "cif", "name", "phone_tail", "phone"),
        Index("ix_customer_name_cif", "name", "cif"),
        Index("ix_customer_phone_tail", "phone_tail"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cif: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=128)
    kind: str = Field(max_length=16)
    id_type: str | None = Field(default=None, max_length=16)
    id_no: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=20)
    #: Last four digits of the phone, for quick-find by phone tail.
    phone_tail: str | None = Field(default=None, max_length=4)
    birth_date: date | None = None
    gender: str | None = Field(default=None, max_length=1)
    occupation: str | None = Field(default=None, max_length=64)
    annual_income_fen: int | None = _money(nullable=True)
    institution_id: int = Field(foreign_key="institution.id")
    address: str | None = Field(default=None, max_length=256)
    comm_style: str | None = Field(default=None, max_length=16)
    value_class: str | None = Field(default=None, max_length=16)


class ImportantDate(_Table, table=True):
    """An important date of a customer (anniversary, company founding day…), repeating yearly."""

    __tablename__ = "important_date"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    label: str = Field(max_length=64)
    day: date
    lunar: bool = False


class Product(_Table, table=True):
    """A product of the catalogue (SPEC §5)."""

    __tablename__ = "product"
    __table_args__ = (
        _one_of("category", enums.ProductCategory),
        _one_of("risk_level", enums.RiskLevel, nullable=True),
        CheckConstraint("weight_bp >= 0", name="weight_bp"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=128)
    category: str = Field(max_length=32)
    risk_level: str | None = Field(default=None, max_length=2)
    #: Performance weight in basis points of one (weight 1 = 10,000; 1.25 = 12,500).
    weight_bp: int = 10_000


class Holding(_Table, table=True):
    """An account a customer holds (持仓): deposit, wealth, settlement, loan, channel or card."""

    __tablename__ = "holding"
    __table_args__ = (
        _one_of("asset_class", enums.AssetClass),
        _one_of("loan_type", enums.LoanType, nullable=True),
        _one_of("loan_class", enums.LoanClass, nullable=True),
        _one_of("card_level", enums.CardLevel, nullable=True),
        CheckConstraint("repayment_day IS NULL OR repayment_day BETWEEN 1 AND 31", name="repayment_day"),
        Index("ix_holding_customer_id", "customer_id"),
        Index("ix_holding_maturity_date", "maturity_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_no: str = Field(unique=True, max_length=40)
    customer_id: int = Field(foreign_key="customer.id")
    product_id: int = Field(foreign_key="product.id")
    asset_class: str = Field(max_length=16)
    balance_fen: int = _money()
    open_date: date | None = None
    maturity_date: date | None = None
    #: Rate or yield in ten-thousandths of a percent (3.25 % = 32,500).
    rate_e4: int | None = None
    loan_type: str | None = Field(default=None, max_length=16)
    loan_class: str | None = Field(default=None, max_length=16)
    card_level: str | None = Field(default=None, max_length=16)
    repayment_day: int | None = None


class MonthlyAum(_Table, table=True):
    """One customer's month-end figures (月度资产): AUM, its parts, loans by type, card spend."""

    __tablename__ = "monthly_aum"
    __table_args__ = (Index("ix_monthly_aum_month_idx", "month_idx"),)

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    month_idx: int = Field(primary_key=True)
    month: str = Field(max_length=7)
    aum_fen: int = _money()
    deposit_fen: int | None = _money(nullable=True)
    investment_fen: int | None = _money(nullable=True)
    mortgage_fen: int | None = _money(nullable=True)
    credit_loan_fen: int | None = _money(nullable=True)
    #: Credit-card spend over the trailing 12 months.
    card_spend_12m_fen: int | None = _money(nullable=True)
    diamond_card: bool = False


class Txn(_Table, table=True):
    """A transaction (交易流水) from the core system; one with a product is a sale of it."""

    __tablename__ = "txn"
    __table_args__ = (
        _one_of("direction", enums.Direction),
        _one_of("counterparty", enums.Counterparty, nullable=True),
        CheckConstraint("amount_fen > 0", name="amount_fen"),
        Index("ix_txn_customer_id_txn_date", "customer_id", "txn_date"),
        Index("ix_txn_txn_date", "txn_date"),
        Index("ix_txn_institution_id_txn_date", "institution_id", "txn_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    txn_id: str = Field(unique=True, max_length=40)
    customer_id: int = Field(foreign_key="customer.id")
    txn_date: date
    amount_fen: int = _money()
    direction: str = Field(max_length=3)
    channel: str | None = Field(default=None, max_length=32)
    institution_id: int = Field(foreign_key="institution.id")
    teller_id: int | None = Field(default=None, foreign_key="staff.id")
    product_id: int | None = Field(default=None, foreign_key="product.id")
    counterparty: str | None = Field(default=None, max_length=8)


# ---------------------------------------------------------------------------------------------------
# Tiers and status (SPEC §3)
# ---------------------------------------------------------------------------------------------------


class TierRuleSet(_Table, table=True):
    """A version of the tier parameters (级别参数). The highest confirmed version is in force."""

    __tablename__ = "tier_rule_set"

    version: int = Field(primary_key=True)
    note: str | None = None
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = _created_at()


class TierRule(_Table, table=True):
    """One tier's criteria and status bands within a rule-set version.

    Optional criteria are NULL when a tier does not use them. Status bands count consecutive months
    below the AUM threshold: ``watch`` up to ``watch_max``, ``attention`` up to ``attention_max``
    (NULL when the tier has no attention band), churned from ``churn_at``.
    """

    __tablename__ = "tier_rule"
    __table_args__ = (
        _one_of("tier", enums.Tier),
        CheckConstraint("window_months >= 0", name="window_months"),
    )

    version: int = Field(foreign_key="tier_rule_set.version", primary_key=True)
    tier: str = Field(primary_key=True, max_length=16)
    rank: int
    aum_min_fen: int = _money()
    window_months: int
    card_spend_min_fen: int | None = _money(nullable=True)
    mortgage_min_fen: int | None = _money(nullable=True)
    mortgage_max_fen: int | None = _money(nullable=True)
    credit_loan_min_fen: int | None = _money(nullable=True)
    credit_loan_max_fen: int | None = _money(nullable=True)
    diamond_card: bool = False
    watch_max: int
    attention_max: int | None = None
    churn_at: int


class CustomerTier(_Table, table=True):
    """A customer's tier and status as of the last evaluation, with the evaluation of the month before.

    The ``prev_*`` columns keep what the evaluation of ``month_idx`` took as the previous month's
    result, so re-evaluating the same month (after a correction, or twice) judges churn the same way.
    """

    __tablename__ = "customer_tier"
    __table_args__ = (
        _one_of("tier", enums.Tier),
        _one_of("status", enums.Status, nullable=True),
        _one_of("churned_from", enums.Tier, nullable=True),
        Index("ix_customer_tier_tier_status", "tier", "status"),
    )

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    month_idx: int
    month: str = Field(max_length=7)
    tier: str = Field(max_length=16)
    #: NULL for ordinary customers, who have no status.
    status: str | None = Field(default=None, max_length=16)
    months_below: int = 0
    churned_from: str | None = Field(default=None, max_length=16)
    #: The criterion that qualified the tier (``aum``, ``card_spend``, ``mortgage``, …).
    qualified_by: str | None = Field(default=None, max_length=32)
    rule_version: int = Field(foreign_key="tier_rule_set.version")
    evaluated_at: datetime = _created_at()
    prev_month_idx: int | None = None
    prev_tier: str | None = Field(default=None, max_length=16)
    prev_status: str | None = Field(default=None, max_length=16)
    prev_qualified_by: str | None = Field(default=None, max_length=32)


class TierHistory(_Table, table=True):
    """A change of a customer's tier between two evaluation months."""

    __tablename__ = "tier_history"
    __table_args__ = (
        _one_of("reason", enums.TierChangeReason),
        UniqueConstraint("customer_id", "month_idx", name="uq_tier_history_customer_month"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    month_idx: int
    month: str = Field(max_length=7)
    from_tier: str | None = Field(default=None, max_length=16)
    to_tier: str = Field(max_length=16)
    reason: str = Field(max_length=16)
    rule_version: int = Field(foreign_key="tier_rule_set.version")
    recorded_at: datetime = _created_at()


# ---------------------------------------------------------------------------------------------------
# Assignment (SPEC §4)
# ---------------------------------------------------------------------------------------------------


class Assignment(_Table, table=True):
    """A current RM of a customer with a participation percentage (参与度)."""

    __tablename__ = "assignment"
    __table_args__ = (
        _one_of("role", enums.AssignmentRole),
        CheckConstraint("pct BETWEEN 1 AND 100", name="pct"),
        UniqueConstraint("customer_id", "staff_id", name="uq_assignment_customer_staff"),
        Index("ix_assignment_staff_id", "staff_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    staff_id: int = Field(foreign_key="staff.id")
    role: str = Field(max_length=16)
    pct: int
    #: The institution the assignment was made in (used by sales attribution).
    institution_id: int = Field(foreign_key="institution.id")
    since: date


class AssignmentEvent(_Table, table=True):
    """A change of a customer's RMs: assignment, adjustment or recycle, with before and after."""

    __tablename__ = "assignment_event"
    __table_args__ = (Index("ix_assignment_event_customer_id_at", "customer_id", "at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    action: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="staff.id")
    #: Lists of ``{"staff", "role", "pct"}`` before and after the change.
    before: Any = _json()
    after: Any = _json()
    reason: str | None = None
    effective: date
    at: datetime = _created_at()


# ---------------------------------------------------------------------------------------------------
# Sales (SPEC §5)
# ---------------------------------------------------------------------------------------------------


class Sale(_Table, table=True):
    """The attribution state of one product transaction."""

    __tablename__ = "sale"
    __table_args__ = (Index("ix_sale_institution_id_sale_date", "institution_id", "sale_date"),)

    txn_pk: int = Field(foreign_key="txn.id", primary_key=True)
    institution_id: int = Field(foreign_key="institution.id")
    product_id: int = Field(foreign_key="product.id")
    sale_date: date
    amount_fen: int = _money()
    #: When attribution last settled this sale (NULL while it waits).
    attributed_at: datetime | None = _optional_ts()


class SaleRegistration(_Table, table=True):
    """A staff member's registration as seller or referrer of a sale (terminal-authored)."""

    __tablename__ = "sale_registration"
    __table_args__ = (
        _one_of("role", enums.CreditRole),
        Index("ix_sale_registration_txn_pk", "txn_pk"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    txn_pk: int = Field(foreign_key="sale.txn_pk")
    staff_id: int = Field(foreign_key="staff.id")
    role: str = Field(max_length=16)
    registered_at: datetime = _created_at()
    revoked_at: datetime | None = _optional_ts()
    version: int = 1


class SaleCredit(_Table, table=True):
    """A share of a sale credited to a staff member. Ratios of one sale sum to 10,000 bp."""

    __tablename__ = "sale_credit"
    __table_args__ = (
        _one_of("role", enums.CreditRole),
        _one_of("source", enums.CreditSource),
        CheckConstraint("ratio_bp BETWEEN 1 AND 10000", name="ratio_bp"),
        UniqueConstraint("txn_pk", "staff_id", name="uq_sale_credit_txn_staff"),
        Index("ix_sale_credit_staff_id", "staff_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    txn_pk: int = Field(foreign_key="sale.txn_pk")
    staff_id: int = Field(foreign_key="staff.id")
    role: str = Field(max_length=16)
    #: Share of the sale in basis points (1 = 10,000).
    ratio_bp: int
    source: str = Field(max_length=16)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = _created_at()


# ---------------------------------------------------------------------------------------------------
# Contacts, visits, complaints, work log (SPEC §6, §8) — terminal-authored
# ---------------------------------------------------------------------------------------------------


class VisitPlan(_Table, table=True):
    """A planned visit (拜访计划)."""

    __tablename__ = "visit_plan"
    __table_args__ = (Index("ix_visit_plan_staff_id_planned_at", "staff_id", "planned_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    purpose: str
    planned_at: datetime = Field(sa_type=UTCDateTime)
    place: str | None = None
    strategy: str | None = None
    materials: str | None = None
    cancelled: bool = False
    version: int = 1
    created_at: datetime = _created_at()
    updated_at: datetime = _created_at()


class ContactRecord(_Table, table=True):
    """A contact with a customer: a visit record, call, message or event (沙龙)."""

    __tablename__ = "contact_record"
    __table_args__ = (
        _one_of("kind", enums.ContactKind),
        Index("ix_contact_record_customer_id_at", "customer_id", "occurred_at"),
        Index("ix_contact_record_staff_id_follow_up", "staff_id", "follow_up_date"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    staff_id: int = Field(foreign_key="staff.id")
    kind: str = Field(max_length=16)
    visit_plan_id: uuid.UUID | None = Field(default=None, foreign_key="visit_plan.id")
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    outcome: str | None = None
    needs_explicit: str | None = None
    needs_implicit: str | None = None
    needs_latent: str | None = None
    products_discussed: Any = _json()
    objections: str | None = None
    next_step: str | None = None
    follow_up_date: date | None = None
    notes: str | None = None
    version: int = 1
    created_at: datetime = _created_at()
    updated_at: datetime = _created_at()


class Complaint(_Table, table=True):
    """A complaint (投诉); closed only after the follow-up step."""

    __tablename__ = "complaint"
    __table_args__ = (_one_of("status", enums.CaseStatus),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    received_at: datetime = Field(sa_type=UTCDateTime)
    channel: str = Field(max_length=32)
    description: str
    status: str = Field(default="open", max_length=16)
    created_by: int = Field(foreign_key="staff.id")
    closed_at: datetime | None = _optional_ts()
    version: int = 1
    created_at: datetime = _created_at()


class ComplaintStep(_Table, table=True):
    """One of the five steps of handling a complaint, in order."""

    __tablename__ = "complaint_step"
    __table_args__ = (
        CheckConstraint("step_no BETWEEN 1 AND 5", name="step_no"),
        UniqueConstraint("complaint_id", "step_no", name="uq_complaint_step_no"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    complaint_id: uuid.UUID = Field(foreign_key="complaint.id")
    step_no: int
    note: str
    author_id: int = Field(foreign_key="staff.id")
    at: datetime = Field(sa_type=UTCDateTime)


class WorkLogEntry(_Table, table=True):
    """An entry of an RM's daily work log (日常工作登记簿)."""

    __tablename__ = "work_log_entry"
    __table_args__ = (Index("ix_work_log_entry_staff_id_day", "staff_id", "day"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    day: date
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(default="note", max_length=32)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    text: str
    version: int = 1


class ReminderStateRow(_Table, table=True):
    """What an RM did with one reminder: done, snoozed to a date, or dismissed."""

    __tablename__ = "reminder_state"
    __table_args__ = (
        _one_of("state", enums.ReminderState),
        UniqueConstraint("staff_id", "reminder_key", name="uq_reminder_state_staff_key"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    reminder_key: str = Field(max_length=128)
    state: str = Field(max_length=16)
    snooze_until: date | None = None
    version: int = 1
    updated_at: datetime = _created_at()


class PreparedDay(_Table, table=True):
    """A view of an RM's day computed from the bank's data (:mod:`storage.prepared`), as JSON: the day's
    reminders, recommendations and churn alerts (``today``), or a month of the work calendar's reminders
    (``month:YYYY-MM``), for one day and one version of that data. Local to the store: never synced,
    never audited."""

    __tablename__ = "prepared_day"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    view: str = Field(primary_key=True, max_length=16)
    #: The day the view was computed for (the day asked for, or the business date of a month).
    day: date
    #: The store's inputs version (:func:`storage.prepared.inputs_version`) the day was computed at.
    inputs_version: int
    body: str
    prepared_at: datetime = _created_at()


class ManualReminder(_Table, table=True):
    """A reminder an RM wrote for themself (手工提醒): shown from its due day until done or dismissed."""

    __tablename__ = "manual_reminder"
    __table_args__ = (Index("ix_manual_reminder_staff_id_due", "staff_id", "due"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    due: date
    text: str
    version: int = 1
    created_at: datetime = _created_at()


class RiskAssessment(_Table, table=True):
    """A risk-tolerance questionnaire result, valid for 12 months."""

    __tablename__ = "risk_assessment"
    __table_args__ = (
        _one_of("level", enums.RiskTolerance),
        Index("ix_risk_assessment_customer_id_valid_until", "customer_id", "valid_until"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    assessed_on: date
    valid_until: date
    score: int
    level: str = Field(max_length=2)
    answers: Any = _json()
    created_at: datetime = _created_at()


class CreditRating(_Table, table=True):
    """A credit rating: a 0–100 score and its grade."""

    __tablename__ = "credit_rating"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 100", name="score"),
        Index("ix_credit_rating_customer_id_rated_on", "customer_id", "rated_on"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    rated_on: date
    scorecard: str = Field(max_length=16)
    score: int
    grade: str = Field(max_length=4)
    details: Any = _json()
    created_at: datetime = _created_at()


# ---------------------------------------------------------------------------------------------------
# Alerts, retention and notifications (SPEC §3)
# ---------------------------------------------------------------------------------------------------


class Alert(_Table, table=True):
    """An attention or churn alert for one RM about one customer in one month."""

    __tablename__ = "alert"
    __table_args__ = (
        _one_of("kind", enums.AlertKind),
        UniqueConstraint("customer_id", "staff_id", "kind", "month_idx", name="uq_alert_once"),
        Index("ix_alert_staff_id", "staff_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    staff_id: int = Field(foreign_key="staff.id")
    kind: str = Field(max_length=16)
    month_idx: int
    month: str = Field(max_length=7)
    tier: str = Field(max_length=16)
    churned_from: str | None = Field(default=None, max_length=16)
    months_below: int
    created_at: datetime = _created_at()
    acknowledged_at: datetime | None = _optional_ts()


class RetentionCase(_Table, table=True):
    """A retention case (挽留流程) for a churned or attention customer of platinum and above."""

    __tablename__ = "retention_case"
    __table_args__ = (
        _one_of("status", enums.CaseStatus),
        UniqueConstraint("customer_id", "opened_month_idx", name="uq_retention_case_customer_month"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    owner_id: int = Field(foreign_key="staff.id", index=True)
    opened_month_idx: int
    reason: str = Field(max_length=16)
    status: str = Field(default="open", max_length=16)
    outcome: str | None = None
    created_at: datetime = _created_at()
    closed_at: datetime | None = _optional_ts()


class RetentionStep(_Table, table=True):
    """One step of a retention case with its due date."""

    __tablename__ = "retention_step"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_retention_step_seq"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="retention_case.id")
    seq: int
    title: str
    due_date: date
    done_at: datetime | None = _optional_ts()
    note: str | None = None


class NotificationOutbox(_Table, table=True):
    """A message to a staff member (SMS or e-mail) waiting for the deployment to deliver it."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_unsent", "sent_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    channel: str = Field(max_length=8)
    #: Makes creating the same notification twice a no-op.
    dedupe_key: str = Field(unique=True, max_length=160)
    subject: str
    body: str
    created_at: datetime = _created_at()
    sent_at: datetime | None = _optional_ts()


# ---------------------------------------------------------------------------------------------------
# Audit and sync
# ---------------------------------------------------------------------------------------------------


class AuditLog(_Table, table=True):
    """Who changed what, when, with the entity before and after (append-only)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=32)
    entity_id: str | None = Field(default=None, max_length=64)
    before: Any = _json()
    after: Any = _json()


class SyncOutbox(_Table, table=True):
    """A terminal-authored change waiting to go up to the central database, in device order."""

    __tablename__ = "sync_outbox"

    seq: int | None = Field(default=None, primary_key=True)
    mutation_id: uuid.UUID = Field(default_factory=new_id, unique=True)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    op: str = Field(max_length=16)
    payload: Any = _json()
    base_version: int | None = None
    created_at: datetime = _created_at()


#: Tables whose rows are authored on a terminal and go up on sync.
TERMINAL_AUTHORED = (
    VisitPlan,
    ContactRecord,
    Complaint,
    ComplaintStep,
    WorkLogEntry,
    ReminderStateRow,
    ManualReminder,
    SaleRegistration,
    RiskAssessment,
    CreditRating,
)
