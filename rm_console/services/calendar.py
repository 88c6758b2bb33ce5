"""The RM's work calendar (工作日历, SPEC §6.5): a month of visits, reminders and follow-ups.

The service reads the month's facts about the acting person's own customers (:mod:`storage.calendar`
and the reads of :mod:`storage.today`) and places each on its day with the pure reminder rules of
:mod:`rm_console.domain.reminders`, applied one day at a time with a window of that day only — so a
maturity, a card repayment, a birthday, a festival or an expiring assessment lands on the day it is
about, with the same id, priority and text as on the day's reminder list. Planned visits and calls are
placed at their time (recorded ones stay, marked done); follow-ups on their date (overdue when the date
has passed and no later contact took place); manual reminders on their day (high priority once past
while open). What the RM did with a reminder (done, snoozed, dismissed)
is carried on the item rather than hiding it.

"Today" is the store's business date (``store_meta.business_date``) when it has one.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import Connection

from rm_console.domain import reminders as rem
from rm_console.domain.calendar import (
    BUSINESS_TZ,
    business_date,
    month_idx,
    month_start,
    parse_date,
    parse_month,
)
from rm_console.domain.calendar_dto import CalendarDayDTO, CalendarItemDTO, CalendarItemKind, CalendarMonthDTO
from rm_console.domain.enums import ReminderState
from rm_console.domain.errors import Phrase, UserError
from rm_console.services.acting import acting_staff, staff_dto
from rm_console.services.day_facts import (
    assessment_facts,
    customer_facts,
    holding_facts,
    important_date_facts,
    int_parameter,
    manual_facts,
    prepared_view,
    txn_facts,
    who_is,
)
from storage.calendar import dated_holdings, investing_customers, manual_between
from storage.meta import BUSINESS_DATE, get_meta, parameters
from storage.today import (
    follow_ups_due,
    important_dates,
    large_txns,
    latest_assessments,
    my_customers,
    plans_between,
    reminder_states,
)

if TYPE_CHECKING:
    from rm_console.services.context import Services

#: The reminder kinds that are placed on the calendar as visits and as follow-ups.
VISIT_KINDS = frozenset({rem.ReminderKind.VISIT.value, rem.ReminderKind.CALL.value})


def _absolute(text: str, english: bool, day: date, today: date) -> str:
    """A rule's text made for ``day`` without the word "today" when ``day`` is another day.

    The rules speak relative to the day they are run for; the calendar runs them for each day of the
    month, and states dates in full, so "(today)" is dropped from days other than the business date.
    """
    if day == today:
        return text
    return text.replace(" (today)", "", 1) if english else text.replace("（今天）", "", 1)


class _AboutCustomer(Protocol):
    @property
    def cif(self) -> str | None: ...


_F = TypeVar("_F", bound=_AboutCustomer)


def _by_cif(facts: Iterable[_F]) -> dict[str | None, list[_F]]:
    """Facts grouped by their customer's CIF."""
    grouped: dict[str | None, list[_F]] = defaultdict(list)
    for fact in facts:
        grouped[fact.cif].append(fact)
    return grouped


class CalendarService:
    """The acting person's work calendar, a month at a time."""

    def __init__(self, services: Services) -> None:
        self._services = services

    @staticmethod
    def _today(conn: Connection) -> date:
        stored = get_meta(conn, BUSINESS_DATE)
        try:
            return parse_date(stored) if stored else business_date()
        except ValueError:
            return business_date()

    @staticmethod
    def _month(month: str | date | None, today: date) -> int:
        if month is None:
            return month_idx(today)
        if isinstance(month, date):
            return month_idx(month)
        try:
            return parse_month(month)
        except ValueError:
            raise UserError("--month: {text!r} is not a month (YYYY-MM)", text=month) from None

    def month(self, month: str | date | None = None) -> CalendarMonthDTO:
        """Every day of ``month`` (``YYYY-MM``, any date in it, or None for the business month) with its
        visits, follow-ups and reminders, for the acting person's own customers.

        The reminders from the bank's data are computed once per business date and kept as a prepared
        view (:mod:`storage.prepared`) until that data changes; what the RM records is read every time."""
        with self._services.engine.connect() as conn:
            acting = acting_staff(conn, self._services.actor, doing=Phrase("see the work calendar"))
            today = self._today(conn)
            idx = self._month(month, today)
            first = month_start(idx)
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
            staff_id = int(acting["id"])
            reminders = prepared_view(
                conn,
                staff_id,
                f"month:{first:%Y-%m}",
                today,
                lambda: self._data_items(conn, staff_id, today, first, last),
                _encode_items,
                _decode_items,
            )
            start = datetime.combine(first, time(), tzinfo=BUSINESS_TZ)
            end = datetime.combine(last + timedelta(days=1), time(), tzinfo=BUSINESS_TZ)
            plans = plans_between(conn, staff_id, start, end)
            follow_ups = follow_ups_due(conn, staff_id, last, since=first)
            manual = manual_facts(manual_between(conn, staff_id, first, last))
            states = {
                str(s["reminder_key"]): s
                for s in reminder_states(conn, staff_id)
                if s["state"] in {state.value for state in ReminderState}
            }
        by_day: dict[date, list[CalendarItemDTO]] = defaultdict(list)
        for item in self._visits(plans, today):
            by_day[item.day].append(item)
        for item in self._follow_ups(follow_ups, today):
            by_day[item.day].append(item)
        for item in reminders:
            by_day[item.day].append(item)
        for fact in manual:
            for reminder in rem.manual_reminders([fact], fact.due):
                by_day[reminder.due].append(self._item(reminder, CalendarItemKind.REMINDER, today))
        days = []
        day = first
        while day <= last:
            items = [self._with_state(item, states.get(item.id), today) for item in by_day.get(day, [])]
            items.sort(key=lambda i: (CalendarItemKind(i.kind).rank, i.time or "", _priority(i), i.id))
            days.append(CalendarDayDTO(day=day, items=tuple(items)))
            day += timedelta(days=1)
        return CalendarMonthDTO(
            staff=staff_dto(acting), month=first.strftime("%Y-%m"), today=today, days=tuple(days)
        )

    def _data_items(
        self, conn: Connection, staff_id: int, today: date, first: date, last: date
    ) -> tuple[CalendarItemDTO, ...]:
        """The month's reminders from the bank's data, each on the day it is about: maturities, card
        repayments, large transactions, birthdays, important dates, festivals and assessments."""
        customers = my_customers(conn, staff_id)
        ids = [int(c["id"]) for c in customers]
        who = who_is(customers)
        held = dated_holdings(conn, ids, first, last)
        dates = important_dates(conn, ids)
        assessed = latest_assessments(conn, ids)
        investing = investing_customers(conn, ids)
        threshold = int_parameter(parameters(conn), "large_txn_threshold_fen", rem.LARGE_TXN_THRESHOLD_FEN)
        txns = large_txns(conn, ids, since=first, until=last, threshold_fen=threshold) if ids else []
        facts = rem.DayFacts(
            holdings=holding_facts(held, who),
            txns=txn_facts(txns, who),
            customers=customer_facts(customers),
            important_dates=important_date_facts(dates, who),
            assessments=tuple(
                fact
                for fact in assessment_facts(assessed, who, investing)
                if first <= fact.valid_until <= last
            ),
        )
        found = [
            self._item(r, CalendarItemKind.REMINDER, today)
            for reminders in self._days_reminders(facts, first, last, threshold).values()
            for r in reminders
        ]
        found += [
            self._item(r, CalendarItemKind.REMINDER, today)
            for r in self._assessments(facts.assessments, today)
        ]
        return tuple(found)

    # -- placing the facts --------------------------------------------------------------------------

    @classmethod
    def _days_reminders(
        cls, facts: rem.DayFacts, first: date, last: date, threshold: int
    ) -> dict[date, list[rem.Reminder]]:
        """Each day's reminders about itself, from ``first`` to ``last``.

        The rules run for each day with a window of one day, but only over the customers that have a
        maturity, card repayment, birthday or important date on that day: the same rules run once over
        the whole month find them (a fact due on a day is inside the month's window from its first day).
        """
        span = (last - first).days
        due: dict[date, set[str | None]] = defaultdict(set)
        for found in (
            rem.maturity_reminders(facts.holdings, first, days=span),
            rem.card_repayment_reminders(facts.holdings, first, days=span),
            rem.birthday_reminders(facts.customers, first, days=span),
            rem.important_date_reminders(facts.important_dates, first, days=span),
        ):
            for reminder in found:
                due[reminder.due].add(reminder.cif)
        holdings = _by_cif(facts.holdings)
        customers = _by_cif(facts.customers)
        dates = _by_cif(facts.important_dates)
        days: dict[date, list[rem.Reminder]] = {}
        day = first
        while day <= last:
            cifs = due.get(day, set())
            on_day = rem.DayFacts(
                holdings=tuple(h for cif in cifs for h in holdings.get(cif, ())),
                txns=facts.txns,
                customers=tuple(c for cif in cifs for c in customers.get(cif, ())),
                important_dates=tuple(d for cif in cifs for d in dates.get(cif, ())),
            )
            days[day] = cls._reminders_on(on_day, day, threshold)
            day += timedelta(days=1)
        return days

    @staticmethod
    def _reminders_on(facts: rem.DayFacts, day: date, threshold: int) -> list[rem.Reminder]:
        """The reminders about ``day`` itself: the rules run for that day with a window of one day."""
        found = [
            *rem.maturity_reminders(facts.holdings, day, days=0),
            *rem.card_repayment_reminders(facts.holdings, day, days=0),
            *rem.large_txn_reminders(facts.txns, day, threshold_fen=threshold),
            *rem.birthday_reminders(facts.customers, day, days=0),
            *rem.important_date_reminders(facts.important_dates, day, days=0),
            *rem.festival_reminders(day, days=0),
        ]
        unique = {r.id: r for r in found if r.due == day}
        return sorted(unique.values(), key=rem.sort_key)

    @staticmethod
    def _assessments(assessments: tuple[rem.AssessmentFact, ...], today: date) -> list[rem.Reminder]:
        """Each risk assessment on the day it expires: as the reminder list has it — expired (and urgent)
        when that day has passed and the customer holds investments, else expiring on that day."""
        found: list[rem.Reminder] = []
        for fact in assessments:
            expired = fact.valid_until < today and fact.has_investments
            found += [
                r
                for r in rem.assessment_reminders([fact], today if expired else fact.valid_until, days=0)
                if r.due == fact.valid_until
            ]
        return found

    @staticmethod
    def _item(
        reminder: rem.Reminder, kind: CalendarItemKind, today: date, *, time_text: str | None = None
    ) -> CalendarItemDTO:
        return CalendarItemDTO(
            id=reminder.id,
            day=reminder.due,
            kind=kind.value,
            reminder_kind=reminder.kind.value,
            priority=reminder.priority.value,
            cif=reminder.cif,
            name=reminder.name,
            time=time_text,
            text_en=_absolute(reminder.text_en, True, reminder.due, today),
            text_zh=_absolute(reminder.text_zh, False, reminder.due, today),
        )

    def _visits(self, plans: list[dict[str, Any]], today: date) -> list[CalendarItemDTO]:
        """Planned visits and calls that were not cancelled, at their time; recorded ones marked done."""
        found: list[CalendarItemDTO] = []
        for plan in plans:
            if plan["cancelled"]:
                continue
            planned_at: datetime = plan["planned_at"]
            day = business_date(planned_at)
            contact = rem.PlannedContact(
                plan_id=str(plan["id"]),
                cif=str(plan["cif"]),
                name=str(plan["name"]),
                planned_at=planned_at,
                purpose=str(plan["purpose"]),
                place=plan["place"],
            )
            for reminder in rem.visit_reminders([contact], day):
                item = self._item(
                    reminder,
                    CalendarItemKind.VISIT,
                    today,
                    time_text=planned_at.astimezone(BUSINESS_TZ).strftime("%H:%M"),
                )
                found.append(replace(item, state=ReminderState.DONE.value) if plan["done"] else item)
        return found

    def _follow_ups(self, rows: list[dict[str, Any]], today: date) -> list[CalendarItemDTO]:
        """Follow-ups on their date; open ones whose date has passed are overdue."""
        found: list[CalendarItemDTO] = []
        for row in rows:
            due: date = row["follow_up_date"]
            fact = rem.FollowUp(
                record_id=str(row["id"]),
                cif=str(row["cif"]),
                name=str(row["name"]),
                follow_up_date=due,
                next_step=row["next_step"],
            )
            for reminder in rem.follow_up_reminders([fact], due):
                item = self._item(reminder, CalendarItemKind.FOLLOW_UP, today)
                if row["done"]:
                    item = replace(item, state=ReminderState.DONE.value)
                found.append(item)
        return found

    @staticmethod
    def _with_state(item: CalendarItemDTO, stored: dict[str, Any] | None, today: date) -> CalendarItemDTO:
        """The item with what the RM did with it; an open follow-up past its day is overdue (and high
        priority, as on the reminder list), and so is an open manual reminder's priority."""
        if stored is not None and item.state is None:
            item = replace(item, state=str(stored["state"]), snooze_until=stored["snooze_until"])
        if item.reminder_kind == rem.ReminderKind.MANUAL and item.state is None and item.day < today:
            item = replace(item, priority=rem.Priority.HIGH.value)
        if item.kind == CalendarItemKind.FOLLOW_UP and item.state is None and item.day < today:
            item = replace(item, overdue=True, priority=rem.Priority.HIGH.value)
        return item


def _encode_items(items: tuple[CalendarItemDTO, ...]) -> list[list[Any]]:
    """Reminder items as JSON-ready data (a prepared month): each one's fields in order."""
    return [
        [
            i.id,
            i.day.isoformat(),
            i.kind,
            i.reminder_kind,
            i.priority,
            i.cif,
            i.name,
            i.time,
            i.text_en,
            i.text_zh,
        ]
        for i in items
    ]


def _decode_items(data: list[list[Any]]) -> tuple[CalendarItemDTO, ...]:
    """The items :func:`_encode_items` gave ``data`` for."""
    return tuple(
        CalendarItemDTO(
            id=item_id,
            day=date.fromisoformat(day),
            kind=kind,
            reminder_kind=reminder_kind,
            priority=priority,
            cif=cif,
            name=name,
            time=time_text,
            text_en=en,
            text_zh=zh,
        )
        for item_id, day, kind, reminder_kind, priority, cif, name, time_text, en, zh in data
    )


def _priority(item: CalendarItemDTO) -> int:
    return rem.Priority(item.priority).rank


__all__ = ["CalendarService"]
