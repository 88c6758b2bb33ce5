"""Today's reminders of an RM's workbench (当日工作提醒, SPEC §6.1): pure rules over plain facts.

A service gathers the facts about one RM's customers from the store — one small frozen value per row,
mirroring its columns (:class:`PlannedContact`, :class:`FollowUp`, :class:`HoldingFact`, :class:`TxnFact`,
:class:`CustomerFact`, :class:`ImportantDateFact`, :class:`AssessmentFact`) — and calls
:func:`day_reminders` with the business date. :func:`apply_states` then hides what the RM marked done or
dismissed and what is snoozed until a later day, and sorts what is left.

**Rules** (each a public function; windows include both ends):

* planned visits and calls on the day (not cancelled, not yet recorded);
* follow-ups whose date is today or earlier and that are not done;
* deposit, wealth-product and loan maturities in [today, today + N] (N = ``maturity_days``, default 7);
* credit-card repayments due in [today, today + 3] (the repayment day of the month, on the month's last
  day when the month is shorter);
* overdue loans (days past due > 0) and problem loans (five-category class special mention or worse);
* large transactions (amount ≥ the threshold) dated on or after the previous working day (working days
  follow the official holiday calendar for the years tyme4py carries, 2002–2026 in 1.5, and are Monday
  to Friday in other years, where public-holiday shifts are not modelled);
* birthdays and important dates in [today, today + 3] (29 February falls on 28 February in common years;
  an important date kept on the lunar calendar recurs on its lunar month and day);
* festivals in [today, today + 3], one reminder per festival, not per customer;
* risk-tolerance assessments expiring in [today, today + 30], and expired ones of customers who hold
  investments;
* manual reminders (手工提醒) the RM wrote for a day: shown from that day on until done or dismissed.

**Priority** (high before normal before low):

* ``high``: overdue and problem loans; expired risk assessments of customers who hold investments
  (no suitable sale is possible until they are reassessed); follow-ups past their date; large
  transactions that send money out to another bank (funds leaving the bank, 资金外流); manual
  reminders past their day;
* ``low``: birthdays, important dates and festivals that are still ahead (not today);
* ``normal``: everything else — today's visits and calls, follow-ups due today, maturities, card
  repayments, other large transactions, assessments about to expire, greetings due today.

**Ids** are ``KIND:KEY:DATE``, built only from what identifies the event, so that a stored state (done,
snoozed, dismissed) keeps matching the same reminder day after day and never matches the next occurrence:
``maturity:ACCOUNT_NO:MATURITY_DATE``, ``card_repayment:ACCOUNT_NO:DUE_DATE``,
``overdue_loan:ACCOUNT_NO:MISSED_DUE_DATE``, ``large_txn:TXN_ID:TXN_DATE``, ``birthday:CIF:DATE``,
``important_date:KEY:DATE``, ``festival:SLUG:DATE``, ``visit:PLAN_ID:DATE``, ``call:PLAN_ID:DATE``,
``follow_up:RECORD_ID:DATE``, ``assessment_expiring:CIF:VALID_UNTIL``,
``assessment_expired:CIF:VALID_UNTIL`` and ``manual:REMINDER_ID:DUE``. A problem loan is a standing
condition without a date of its own: its id names the class instead
(``problem_loan:ACCOUNT_NO:substandard``), so the reminder comes back only when the class changes.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from rm_console.domain.calendar import BUSINESS_TZ, business_date
from rm_console.domain.enums import (
    AssetClass,
    CardLevel,
    ContactKind,
    Counterparty,
    Direction,
    LoanClass,
    LoanType,
    ReminderState,
    RiskTolerance,
    member,
)
from rm_console.domain.festivals import (
    anniversaries,
    festivals,
    lunar_anniversaries,
    lunar_name,
    previous_working_day,
)
from rm_console.domain.money import format_yuan

#: Default window of maturity reminders in days (a rule parameter: the service passes the stored value).
MATURITY_DAYS = 7
#: Window of credit-card repayment reminders in days.
CARD_REPAYMENT_DAYS = 3
#: Window of birthday, important-date and festival reminders in days.
GREETING_DAYS = 3
#: Window of risk-assessment expiry reminders in days.
ASSESSMENT_DAYS = 30
#: Default large-transaction threshold (大额交易): ¥50,000 in fen (SPEC §2).
LARGE_TXN_THRESHOLD_FEN = 5_000_000

#: Five-category classes of a problem loan: special mention (关注) or worse.
PROBLEM_CLASSES: frozenset[LoanClass] = frozenset(
    {LoanClass.SPECIAL_MENTION, LoanClass.SUBSTANDARD, LoanClass.DOUBTFUL, LoanClass.LOSS}
)
#: Asset classes whose holdings mature: deposits, wealth products and loans.
MATURING_CLASSES: frozenset[AssetClass] = frozenset({AssetClass.DEPOSIT, AssetClass.WEALTH, AssetClass.LOAN})


class ReminderKind(StrEnum):
    """What a reminder is about."""

    VISIT = "visit"
    CALL = "call"
    FOLLOW_UP = "follow_up"
    MATURITY = "maturity"
    CARD_REPAYMENT = "card_repayment"
    OVERDUE_LOAN = "overdue_loan"
    PROBLEM_LOAN = "problem_loan"
    LARGE_TXN = "large_txn"
    BIRTHDAY = "birthday"
    IMPORTANT_DATE = "important_date"
    FESTIVAL = "festival"
    ASSESSMENT_EXPIRING = "assessment_expiring"
    ASSESSMENT_EXPIRED = "assessment_expired"
    MANUAL = "manual"


class Priority(StrEnum):
    """How urgent a reminder is, highest first in declaration order (the rule is in the module's doc)."""

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for high, 1 for normal, 2 for low."""
        return list(Priority).index(self)


# ---------------------------------------------------------------------------------------------------
# Facts: one value per store row, as the services read them
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedContact:
    """A planned visit (拜访计划) or call of the RM with a customer."""

    #: The visit plan's id.
    plan_id: str
    cif: str
    name: str
    #: When the contact is planned: an aware instant (stored in UTC), judged in Asia/Shanghai.
    planned_at: datetime
    purpose: str
    #: ``visit`` or ``call``.
    kind: ContactKind = ContactKind.VISIT
    place: str | None = None
    cancelled: bool = False
    #: True once a contact record of this plan exists.
    done: bool = False

    def __post_init__(self) -> None:
        kind = member(ContactKind, self.kind)
        if kind not in (ContactKind.VISIT, ContactKind.CALL):
            raise ValueError(f"a planned contact is a visit or a call, not {kind}")
        object.__setattr__(self, "kind", kind)
        if self.planned_at.tzinfo is None:
            raise ValueError("planned_at must be an aware datetime")


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A follow-up date set on a contact record (visit record, call, message or event)."""

    #: The contact record's id.
    record_id: str
    cif: str
    name: str
    follow_up_date: date
    #: The agreed next step, shown in the reminder.
    next_step: str | None = None
    #: True once the follow-up took place.
    done: bool = False


@dataclass(frozen=True, slots=True)
class HoldingFact:
    """A holding (持仓) of a customer, with the columns the reminder rules read."""

    account_no: str
    cif: str
    name: str
    asset_class: AssetClass
    product_name: str
    balance_fen: int
    maturity_date: date | None = None
    loan_type: LoanType | None = None
    #: Five-category class (五级分类) of a loan.
    loan_class: LoanClass | None = None
    #: Days past due of a loan (0 when it is current).
    days_past_due: int = 0
    #: The date the days past due were counted on (the core system's data date); today when None.
    days_past_due_as_of: date | None = None
    card_level: CardLevel | None = None
    #: Repayment day of month (1–31) of a credit card.
    repayment_day: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asset_class", member(AssetClass, self.asset_class))
        if self.loan_type is not None:
            object.__setattr__(self, "loan_type", member(LoanType, self.loan_type))
        if self.loan_class is not None:
            object.__setattr__(self, "loan_class", member(LoanClass, self.loan_class))
        if self.card_level is not None:
            object.__setattr__(self, "card_level", member(CardLevel, self.card_level))
        if self.repayment_day is not None and not 1 <= self.repayment_day <= 31:
            raise ValueError(f"repayment day {self.repayment_day} is not a day of month (1–31)")
        if self.days_past_due < 0:
            raise ValueError(f"days past due {self.days_past_due} is negative")


@dataclass(frozen=True, slots=True)
class TxnFact:
    """A transaction (交易流水) of a customer."""

    txn_id: str
    cif: str
    name: str
    txn_date: date
    amount_fen: int
    direction: Direction
    channel: str | None = None
    product_name: str | None = None
    counterparty: Counterparty | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", member(Direction, self.direction))
        if self.counterparty is not None:
            object.__setattr__(self, "counterparty", member(Counterparty, self.counterparty))


@dataclass(frozen=True, slots=True)
class CustomerFact:
    """A customer with the birth date birthdays are reckoned from."""

    cif: str
    name: str
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class ImportantDateFact:
    """An important date of a customer (anniversary, company founding day…), repeating yearly."""

    #: A stable key of the date (the store row's id).
    key: str
    cif: str
    name: str
    label: str
    #: The Gregorian date of the original event.
    day: date
    #: True when the date is kept on the lunar calendar: it recurs on the same lunar month and day.
    lunar: bool = False


@dataclass(frozen=True, slots=True)
class AssessmentFact:
    """A risk-tolerance assessment (投资风险承受能力评估) of a customer.

    When a customer has several, only the one valid longest counts: a new assessment replaces the old.
    """

    cif: str
    name: str
    level: RiskTolerance
    valid_until: date
    #: True when the customer holds investment (wealth) products.
    has_investments: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", member(RiskTolerance, self.level))


@dataclass(frozen=True, slots=True)
class ManualFact:
    """A manual reminder (手工提醒) the RM wrote: a text for a day, maybe about a customer."""

    #: The manual reminder's id.
    reminder_id: str
    #: The customer's CIF; None when the reminder is about no customer.
    cif: str | None
    #: The customer's name; None when the reminder is about no customer.
    name: str | None
    due: date
    text: str


@dataclass(frozen=True, slots=True)
class DayFacts:
    """Everything the reminder rules read about one RM's customers."""

    plans: tuple[PlannedContact, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    holdings: tuple[HoldingFact, ...] = ()
    txns: tuple[TxnFact, ...] = ()
    customers: tuple[CustomerFact, ...] = ()
    important_dates: tuple[ImportantDateFact, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    manual: tuple[ManualFact, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredState:
    """What the RM did with a reminder (a reminder-state row): done, dismissed, or snoozed until a day."""

    state: ReminderState
    #: The day a snoozed reminder shows again; set exactly when the state is ``snoozed``.
    snooze_until: date | None = None

    def __post_init__(self) -> None:
        state = member(ReminderState, self.state)
        object.__setattr__(self, "state", state)
        if (state is ReminderState.SNOOZED) != (self.snooze_until is not None):
            raise ValueError("a snooze date is given exactly when the state is snoozed")


# ---------------------------------------------------------------------------------------------------
# The reminder
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder of the RM's day."""

    #: Stable id ``KIND:KEY:DATE`` that reminder states are stored under.
    id: str
    kind: ReminderKind
    #: The customer's CIF; None for a festival.
    cif: str | None
    #: The customer's name; None for a festival.
    name: str | None
    #: The day the reminder is about (maturity, due date, festival…).
    due: date
    priority: Priority
    #: The one-line text in English.
    text_en: str
    #: The one-line text in Chinese.
    text_zh: str

    def text(self, lang: str) -> str:
        """The one-line text in ``zh`` (Chinese) or any other language code (English)."""
        return self.text_zh if lang == "zh" else self.text_en


def reminder_id(kind: ReminderKind, key: str, due: date) -> str:
    """The stable id ``KIND:KEY:DATE`` of a reminder."""
    return f"{kind.value}:{key}:{due.isoformat()}"


def sort_key(reminder: Reminder) -> tuple[int, date, str, str, str]:
    """Priority, then due date, then customer (name, CIF; festivals first), then id."""
    return (reminder.priority.rank, reminder.due, reminder.name or "", reminder.cif or "", reminder.id)


def apply_states(
    reminders: Iterable[Reminder], states: Mapping[str, StoredState], today: date
) -> list[Reminder]:
    """The reminders to show today, sorted by :func:`sort_key`.

    ``states`` maps reminder ids to what the RM did: a done or dismissed reminder is hidden; a snoozed
    one is hidden until its snooze date and shown again from that date on.
    """
    return sorted((r for r in reminders if _shown(states.get(r.id), today)), key=sort_key)


def _shown(stored: StoredState | None, today: date) -> bool:
    """Whether a reminder with this stored state shows today."""
    if stored is None:
        return True
    if stored.state is ReminderState.SNOOZED:
        return stored.snooze_until is not None and today >= stored.snooze_until
    return False


def day_reminders(
    facts: DayFacts,
    today: date,
    *,
    maturity_days: int = MATURITY_DAYS,
    large_txn_threshold_fen: int = LARGE_TXN_THRESHOLD_FEN,
) -> list[Reminder]:
    """Every reminder of the day for one RM, sorted by :func:`sort_key`, each id once: those of the RM's
    records (:func:`record_reminders`) and those of the bank's data (:func:`data_reminders`)."""
    found = [
        *record_reminders(facts, today),
        *data_reminders(
            facts, today, maturity_days=maturity_days, large_txn_threshold_fen=large_txn_threshold_fen
        ),
    ]
    return sorted(_unique(found), key=sort_key)


def record_reminders(facts: DayFacts, today: date) -> list[Reminder]:
    """The reminders from what the RM records: planned visits and calls, follow-ups, manual reminders
    (each id once, unsorted)."""
    return _unique(
        [
            *visit_reminders(facts.plans, today),
            *follow_up_reminders(facts.follow_ups, today),
            *manual_reminders(facts.manual, today),
        ]
    )


def data_reminders(
    facts: DayFacts,
    today: date,
    *,
    maturity_days: int = MATURITY_DAYS,
    large_txn_threshold_fen: int = LARGE_TXN_THRESHOLD_FEN,
) -> list[Reminder]:
    """The reminders from the bank's data: maturities, card repayments, loans, large transactions,
    birthdays, important dates, festivals and risk assessments (each id once, unsorted)."""
    return _unique(
        [
            *maturity_reminders(facts.holdings, today, days=maturity_days),
            *card_repayment_reminders(facts.holdings, today),
            *loan_reminders(facts.holdings, today),
            *large_txn_reminders(facts.txns, today, threshold_fen=large_txn_threshold_fen),
            *birthday_reminders(facts.customers, today),
            *important_date_reminders(facts.important_dates, today),
            *festival_reminders(today),
            *assessment_reminders(facts.assessments, today),
        ]
    )


def _unique(found: list[Reminder]) -> list[Reminder]:
    """``found`` with each id once (its first reminder kept)."""
    return list({reminder.id: reminder for reminder in reversed(found)}.values())


# ---------------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------------


def visit_reminders(plans: Iterable[PlannedContact], today: date) -> list[Reminder]:
    """Visits and calls planned for ``today`` (business date in Asia/Shanghai), not cancelled or done."""
    found: list[Reminder] = []
    for plan in plans:
        if plan.cancelled or plan.done or business_date(plan.planned_at) != today:
            continue
        at = plan.planned_at.astimezone(BUSINESS_TZ).strftime("%H:%M")
        en_who, zh_who = _who(plan.name, plan.cif)
        en_place = f", {plan.place}" if plan.place else ""
        zh_place = f"（{plan.place}）" if plan.place else ""
        if plan.kind is ContactKind.CALL:
            kind, en, zh = ReminderKind.CALL, f"Call {en_who} at {at}", f"{at} 致电 {zh_who}"
        else:
            kind = ReminderKind.VISIT
            en, zh = f"Visit {en_who} at {at}{en_place}", f"{at} 拜访 {zh_who}{zh_place}"
        found.append(
            _reminder(
                kind,
                plan.plan_id,
                today,
                plan,
                Priority.NORMAL,
                f"{en}: {plan.purpose}",
                f"{zh}：{plan.purpose}",
            )
        )
    return found


def follow_up_reminders(follow_ups: Iterable[FollowUp], today: date) -> list[Reminder]:
    """Follow-ups due today (normal) or overdue (high) and not done."""
    found: list[Reminder] = []
    for item in follow_ups:
        due = item.follow_up_date
        if item.done or due > today:
            continue
        en_who, zh_who = _who(item.name, item.cif)
        en_step = item.next_step or "as agreed"
        zh_step = item.next_step or "按约定跟进"
        en_when, zh_when = _when(due, today)
        if due < today:
            en_when, zh_when = f"overdue, {en_when}", f"已逾期，{zh_when}"
        found.append(
            _reminder(
                ReminderKind.FOLLOW_UP,
                item.record_id,
                due,
                item,
                Priority.HIGH if due < today else Priority.NORMAL,
                f"Follow up with {en_who}: {en_step}, due {due.isoformat()} ({en_when})",
                f"跟进 {zh_who}：{zh_step}，应于 {due.isoformat()}（{zh_when}）",
            )
        )
    return found


_CLASS_WORDS: dict[AssetClass, tuple[str, str]] = {
    AssetClass.DEPOSIT: ("Deposit", "存款"),
    AssetClass.WEALTH: ("Wealth product", "理财产品"),
    AssetClass.LOAN: ("Loan", "贷款"),
}


def maturity_reminders(
    holdings: Iterable[HoldingFact], today: date, *, days: int = MATURITY_DAYS
) -> list[Reminder]:
    """Deposits, wealth products and loans with a balance maturing in [today, today + ``days``]."""
    last = today + timedelta(days=days)
    found: list[Reminder] = []
    for holding in holdings:
        due = holding.maturity_date
        if holding.asset_class not in MATURING_CLASSES or due is None or holding.balance_fen <= 0:
            continue
        if not today <= due <= last:
            continue
        en_what, zh_what = _CLASS_WORDS[holding.asset_class]
        en_who, zh_who = _who(holding.name, holding.cif)
        en_when, zh_when = _when(due, today)
        amount = format_yuan(holding.balance_fen)
        found.append(
            _reminder(
                ReminderKind.MATURITY,
                holding.account_no,
                due,
                holding,
                Priority.NORMAL,
                f"{en_what} {holding.product_name} of {en_who}, {amount}, matures on {due.isoformat()} "
                f"({en_when})",
                f"{zh_who}的{zh_what}「{holding.product_name}」{amount} 将于 {due.isoformat()} 到期"
                f"（{zh_when}）",
            )
        )
    return found


def can_remind(asset_class: AssetClass | str, maturity_date: date | None) -> bool:
    """Whether a holding of ``asset_class`` maturing on ``maturity_date`` can give any of the day's
    reminders: a maturity (a maturing class with a date), a card repayment, or a loan's. The others
    (current accounts, funds…) need not be read into facts for the reminder rules at all."""
    kind = member(AssetClass, asset_class)
    if kind is AssetClass.CARD or kind is AssetClass.LOAN:
        return True
    return maturity_date is not None and kind in MATURING_CLASSES


def card_due_date(repayment_day: int, today: date) -> date:
    """The next repayment date on or after ``today`` of a card repaid on ``repayment_day`` of each month.

    In a month shorter than the repayment day, the repayment falls on the month's last day: a repayment
    day 31 falls on 30 April, and on 28 February (29 in a leap year).
    """
    this_month = _day_of_month(today.year, today.month, repayment_day)
    if this_month >= today:
        return this_month
    following = today + relativedelta(months=1)
    return _day_of_month(following.year, following.month, repayment_day)


def card_repayment_reminders(
    holdings: Iterable[HoldingFact], today: date, *, days: int = CARD_REPAYMENT_DAYS
) -> list[Reminder]:
    """Credit cards with an amount owed whose repayment date is in [today, today + ``days``]."""
    found: list[Reminder] = []
    for holding in holdings:
        if holding.asset_class is not AssetClass.CARD or holding.repayment_day is None:
            continue
        if holding.balance_fen <= 0:
            continue
        due = card_due_date(holding.repayment_day, today)
        if (due - today).days > days:
            continue
        en_who, zh_who = _who(holding.name, holding.cif)
        en_when, zh_when = _when(due, today)
        amount = format_yuan(holding.balance_fen)
        found.append(
            _reminder(
                ReminderKind.CARD_REPAYMENT,
                holding.account_no,
                due,
                holding,
                Priority.NORMAL,
                f"Credit card repayment of {en_who}: {amount} on {holding.product_name}, due "
                f"{due.isoformat()} ({en_when})",
                f"{zh_who}的信用卡「{holding.product_name}」应还 {amount}，"
                f"还款日 {due.isoformat()}（{zh_when}）",
            )
        )
    return found


#: English and Chinese words of the five loan classes.
LOAN_CLASS_WORDS: dict[LoanClass, tuple[str, str]] = {
    LoanClass.PASS: ("pass", "正常"),
    LoanClass.SPECIAL_MENTION: ("special mention", "关注"),
    LoanClass.SUBSTANDARD: ("substandard", "次级"),
    LoanClass.DOUBTFUL: ("doubtful", "可疑"),
    LoanClass.LOSS: ("loss", "损失"),
}


def loan_reminders(holdings: Iterable[HoldingFact], today: date) -> list[Reminder]:
    """Overdue loans (days past due > 0) and problem loans (special mention or worse), all high priority.

    An overdue loan's reminder is dated on the missed due date (the day its days past due count from), so
    it keeps its id while the loan stays overdue; a loan both overdue and classified gets the overdue
    reminder, whose text names the class. A problem loan that is current is dated today and keyed by its
    class (see the module's doc).
    """
    found: list[Reminder] = []
    for loan in holdings:
        if loan.asset_class is not AssetClass.LOAN:
            continue
        en_who, zh_who = _who(loan.name, loan.cif)
        amount = format_yuan(loan.balance_fen)
        words = LOAN_CLASS_WORDS.get(loan.loan_class) if loan.loan_class is not None else None
        if loan.days_past_due > 0:
            missed = (loan.days_past_due_as_of or today) - timedelta(days=loan.days_past_due)
            overdue_days = (today - missed).days
            en_class = f", class {words[0]}" if words else ""
            zh_class = f"，五级分类：{words[1]}" if words else ""
            found.append(
                _reminder(
                    ReminderKind.OVERDUE_LOAN,
                    loan.account_no,
                    missed,
                    loan,
                    Priority.HIGH,
                    f"Overdue loan of {en_who}: {loan.product_name}, {amount}, {overdue_days} days past due "
                    f"(missed {missed.isoformat()}){en_class}",
                    f"{zh_who}的贷款「{loan.product_name}」{amount} 已逾期 {overdue_days} 天"
                    f"（应还日 {missed.isoformat()}）{zh_class}",
                )
            )
        elif loan.loan_class in PROBLEM_CLASSES and words is not None:
            found.append(
                Reminder(
                    id=f"{ReminderKind.PROBLEM_LOAN.value}:{loan.account_no}:{loan.loan_class}",
                    kind=ReminderKind.PROBLEM_LOAN,
                    cif=loan.cif,
                    name=loan.name,
                    due=today,
                    priority=Priority.HIGH,
                    text_en=f"Problem loan of {en_who}: {loan.product_name}, {amount}, classified {words[0]}",
                    text_zh=f"{zh_who}的贷款「{loan.product_name}」{amount} 五级分类为{words[1]}",
                )
            )
    return found


def large_txn_reminders(
    txns: Iterable[TxnFact], today: date, *, threshold_fen: int = LARGE_TXN_THRESHOLD_FEN
) -> list[Reminder]:
    """Transactions of at least ``threshold_fen`` dated from the previous working day to today.

    Working days come from :func:`rm_console.domain.festivals.is_working_day`: the official holiday
    calendar where the library has it (so the first day after a holiday looks back to the last day before
    it), Monday to Friday otherwise (a Monday looks back to Friday). A transfer out to another bank is high
    priority: the money is leaving the bank.
    """
    since = previous_working_day(today)
    found: list[Reminder] = []
    for txn in txns:
        if txn.amount_fen < threshold_fen or not since <= txn.txn_date <= today:
            continue
        leaving = txn.direction is Direction.OUT and txn.counterparty is Counterparty.OUT_BANK
        en_who, zh_who = _who(txn.name, txn.cif)
        en_when, zh_when = _when(txn.txn_date, today)
        amount = format_yuan(txn.amount_fen)
        en_dir, zh_dir = ("in", "转入") if txn.direction is Direction.IN else ("out", "转出")
        en_extra = "".join(
            [
                f", {txn.product_name}" if txn.product_name else "",
                f", via {txn.channel}" if txn.channel else "",
                ", another bank" if txn.counterparty is Counterparty.OUT_BANK else "",
                " (funds leaving the bank)" if leaving else "",
            ]
        )
        zh_extra = "".join(
            [
                f"，{txn.product_name}" if txn.product_name else "",
                f"，渠道 {txn.channel}" if txn.channel else "",
                {Counterparty.OUT_BANK: "，行外", Counterparty.IN_BANK: "，行内"}.get(txn.counterparty, "")
                if txn.counterparty is not None
                else "",
                "（资金流出本行）" if leaving else "",
            ]
        )
        found.append(
            _reminder(
                ReminderKind.LARGE_TXN,
                txn.txn_id,
                txn.txn_date,
                txn,
                Priority.HIGH if leaving else Priority.NORMAL,
                f"Large transaction of {en_who}: {amount} {en_dir} on {txn.txn_date.isoformat()} "
                f"({en_when}){en_extra}",
                f"{zh_who}大额交易：{txn.txn_date.isoformat()}（{zh_when}）{zh_dir} {amount}{zh_extra}",
            )
        )
    return found


def birthday_reminders(
    customers: Iterable[CustomerFact], today: date, *, days: int = GREETING_DAYS
) -> list[Reminder]:
    """Birthdays in [today, today + ``days``], with the age the customer turns.

    A customer born on 29 February has the birthday on 28 February in a common year.
    """
    last = today + timedelta(days=days)
    found: list[Reminder] = []
    for customer in customers:
        if customer.birth_date is None:
            continue
        for day in anniversaries(customer.birth_date, today, last):
            age = day.year - customer.birth_date.year
            en_who, zh_who = _who(customer.name, customer.cif)
            en_when, zh_when = _when(day, today)
            found.append(
                _reminder(
                    ReminderKind.BIRTHDAY,
                    customer.cif,
                    day,
                    customer,
                    _greeting_priority(day, today),
                    f"Birthday of {en_who}: turns {age} on {day.isoformat()} ({en_when})",
                    f"{zh_who}{age} 岁生日：{day.isoformat()}（{zh_when}）",
                )
            )
    return found


def important_date_reminders(
    dates: Iterable[ImportantDateFact], today: date, *, days: int = GREETING_DAYS
) -> list[Reminder]:
    """Important dates recurring in [today, today + ``days``], on the lunar calendar where so kept."""
    last = today + timedelta(days=days)
    found: list[Reminder] = []
    for item in dates:
        occurrences = (
            lunar_anniversaries(item.day, today, last) if item.lunar else anniversaries(item.day, today, last)
        )
        for day in occurrences:
            en_who, zh_who = _who(item.name, item.cif)
            en_when, zh_when = _when(day, today)
            en_lunar = f", lunar calendar {lunar_name(day)}" if item.lunar else ""
            zh_lunar = f"，农历{lunar_name(day)}" if item.lunar else ""
            found.append(
                _reminder(
                    ReminderKind.IMPORTANT_DATE,
                    item.key,
                    day,
                    item,
                    _greeting_priority(day, today),
                    f"Important date of {en_who}: {item.label} on {day.isoformat()} ({en_when}){en_lunar}",
                    f"{zh_who}的{item.label}：{day.isoformat()}（{zh_when}）{zh_lunar}",
                )
            )
    return found


def festival_reminders(today: date, *, days: int = GREETING_DAYS) -> list[Reminder]:
    """One reminder per festival in [today, today + ``days``], for greeting customers; no customer."""
    found: list[Reminder] = []
    for festival in festivals(today, today + timedelta(days=days)):
        en_when, zh_when = _when(festival.day, today)
        found.append(
            Reminder(
                id=reminder_id(ReminderKind.FESTIVAL, _slug(festival.name_en), festival.day),
                kind=ReminderKind.FESTIVAL,
                cif=None,
                name=None,
                due=festival.day,
                priority=_greeting_priority(festival.day, today),
                text_en=f"{festival.name_en} on {festival.day.isoformat()} ({en_when}): "
                "send customers greetings",
                text_zh=f"{festival.name_zh}：{festival.day.isoformat()}（{zh_when}），向客户致以节日问候",
            )
        )
    return found


#: English and Chinese words of the five risk-tolerance levels.
TOLERANCE_WORDS: dict[RiskTolerance, tuple[str, str]] = {
    RiskTolerance.C1: ("conservative", "保守型"),
    RiskTolerance.C2: ("steady", "稳健型"),
    RiskTolerance.C3: ("balanced", "平衡型"),
    RiskTolerance.C4: ("growth", "成长型"),
    RiskTolerance.C5: ("aggressive", "进取型"),
}


def assessment_reminders(
    assessments: Iterable[AssessmentFact], today: date, *, days: int = ASSESSMENT_DAYS
) -> list[Reminder]:
    """Each customer's latest risk assessment: expiring in [today, today + ``days``] (normal), or expired
    while the customer holds investments (high: no product may be sold until reassessed)."""
    latest: dict[str, AssessmentFact] = {}
    for item in assessments:
        kept = latest.get(item.cif)
        if kept is None or item.valid_until > kept.valid_until:
            latest[item.cif] = item
    last = today + timedelta(days=days)
    found: list[Reminder] = []
    for item in latest.values():
        due = item.valid_until
        en_who, zh_who = _who(item.name, item.cif)
        en_when, zh_when = _when(due, today)
        en_level, zh_level = TOLERANCE_WORDS[item.level]
        if today <= due <= last:
            found.append(
                _reminder(
                    ReminderKind.ASSESSMENT_EXPIRING,
                    item.cif,
                    due,
                    item,
                    Priority.NORMAL,
                    f"Risk assessment ({item.level} {en_level}) of {en_who} expires on {due.isoformat()} "
                    f"({en_when}): reassess",
                    f"{zh_who}的风险承受能力评估（{item.level} {zh_level}）将于 {due.isoformat()} 到期"
                    f"（{zh_when}），请安排重新评估",
                )
            )
        elif due < today and item.has_investments:
            found.append(
                _reminder(
                    ReminderKind.ASSESSMENT_EXPIRED,
                    item.cif,
                    due,
                    item,
                    Priority.HIGH,
                    f"Urgent: risk assessment ({item.level} {en_level}) of {en_who} expired on "
                    f"{due.isoformat()} ({en_when}) and the customer holds investments: "
                    "reassess before any sale",
                    f"紧急：{zh_who}的风险承受能力评估（{item.level} {zh_level}）已于 {due.isoformat()} 过期"
                    f"（{zh_when}），客户持有投资产品，须重新评估后方可销售",
                )
            )
    return found


def manual_reminders(manual: Iterable[ManualFact], today: date) -> list[Reminder]:
    """Manual reminders due today (normal) or earlier (high); one due later is not shown yet."""
    found: list[Reminder] = []
    for item in manual:
        if item.due > today:
            continue
        en_about, zh_about = "", ""
        if item.cif is not None:
            name = item.name or item.cif
            en_about, zh_about = f" ({name}, {item.cif})", f"（{name}，{item.cif}）"
        en_when, zh_when = ("", "") if item.due == today else _when(item.due, today)
        en_late = f", due {item.due.isoformat()} ({en_when})" if en_when else ""
        zh_late = f"，{item.due.isoformat()} 到期（{zh_when}）" if zh_when else ""
        found.append(
            Reminder(
                id=reminder_id(ReminderKind.MANUAL, item.reminder_id, item.due),
                kind=ReminderKind.MANUAL,
                cif=item.cif,
                name=item.name,
                due=item.due,
                priority=Priority.HIGH if item.due < today else Priority.NORMAL,
                text_en=f"Reminder: {item.text}{en_about}{en_late}",
                text_zh=f"提醒：{item.text}{zh_about}{zh_late}",
            )
        )
    return found


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------


def _reminder(
    kind: ReminderKind,
    key: str,
    due: date,
    about: PlannedContact
    | FollowUp
    | HoldingFact
    | TxnFact
    | CustomerFact
    | ImportantDateFact
    | AssessmentFact,
    priority: Priority,
    text_en: str,
    text_zh: str,
) -> Reminder:
    """A reminder about a customer's fact, with its stable id."""
    return Reminder(
        id=reminder_id(kind, key, due),
        kind=kind,
        cif=about.cif,
        name=about.name,
        due=due,
        priority=priority,
        text_en=text_en,
        text_zh=text_zh,
    )


def _who(name: str, cif: str) -> tuple[str, str]:
    """The customer as named in English and Chinese texts."""
    return f"{name} (CIF {cif})", f"{name}（CIF {cif}）"


def _when(day: date, today: date) -> tuple[str, str]:
    """How far ``day`` is from today, in English and Chinese."""
    delta = (day - today).days
    if delta == 0:
        return "today", "今天"
    if delta == 1:
        return "tomorrow", "明天"
    if delta == -1:
        return "yesterday", "昨天"
    if delta > 0:
        return f"in {delta} days", f"{delta} 天后"
    return f"{-delta} days ago", f"{-delta} 天前"


def _greeting_priority(day: date, today: date) -> Priority:
    """Normal on the day itself, low while still ahead."""
    return Priority.NORMAL if day == today else Priority.LOW


def _day_of_month(year: int, month: int, day: int) -> date:
    """``day`` of the month, or the month's last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _slug(name: str) -> str:
    """``Mid-Autumn Festival`` → ``mid-autumn-festival``; ``New Year's Day`` → ``new-years-day``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")
