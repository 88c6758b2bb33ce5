"""The RM's work calendar (工作日历, SPEC §6.5): a month of visits, reminders and follow-ups, as DTOs.

:class:`CalendarMonthDTO` holds every day of one month, each with its :class:`CalendarItemDTO` items:

* ``visit`` — a planned visit or call (拜访计划), at its time; ``state`` is ``done`` once it was recorded;
* ``follow_up`` — a follow-up date (回访) set on a contact record; ``overdue`` when its day has passed and
  no later contact with the customer took place;
* ``reminder`` — any other reminder of the reminder rules (maturities, card repayments, large transactions,
  birthdays, important dates, festivals, expiring risk assessments), on the day it is about.

``state`` carries what the RM did with the reminder (``done``, ``snoozed``, ``dismissed``) so the calendar
can show it dimmed instead of hiding it: a calendar is a record of the month, not a to-do list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rm_console.domain.dto import StaffDTO


class CalendarItemKind(StrEnum):
    """What a calendar item is: the three marks of the month view."""

    VISIT = "visit"
    FOLLOW_UP = "follow_up"
    REMINDER = "reminder"

    @property
    def rank(self) -> int:
        """Order of the kinds within a day: visits, then follow-ups, then other reminders."""
        return list(CalendarItemKind).index(self)


@dataclass(frozen=True, slots=True)
class CalendarItemDTO:
    """One thing on one day of the RM's calendar."""

    #: The reminder id (``KIND:KEY:DATE``) the item's state is stored under.
    id: str
    day: date
    #: ``visit``, ``follow_up`` or ``reminder`` (:class:`CalendarItemKind`).
    kind: str
    #: The reminder rule's kind (``visit``, ``call``, ``maturity``, ``birthday``…).
    reminder_kind: str
    #: ``high``, ``normal`` or ``low``.
    priority: str
    #: The customer's CIF and name; None for a festival.
    cif: str | None
    name: str | None
    #: ``HH:MM`` business time of a visit or call; None otherwise.
    time: str | None
    text_en: str
    text_zh: str
    #: ``done``, ``snoozed`` or ``dismissed``; None while open.
    state: str | None = None
    #: The day a snoozed reminder shows again.
    snooze_until: date | None = None
    #: True for an open follow-up whose day has passed.
    overdue: bool = False

    def text(self, lang: str) -> str:
        """The one-line text in ``zh`` or English."""
        return self.text_zh if lang == "zh" else self.text_en

    @property
    def open(self) -> bool:
        """True while nothing was done with the item (it is neither done, snoozed nor dismissed)."""
        return self.state is None

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "day": self.day.isoformat(),
            "kind": self.kind,
            "reminder_kind": self.reminder_kind,
            "priority": self.priority,
            "cif": self.cif,
            "name": self.name,
            "time": self.time,
            "text_en": self.text_en,
            "text_zh": self.text_zh,
            "state": self.state,
            "snooze_until": self.snooze_until.isoformat() if self.snooze_until else None,
            "overdue": self.overdue,
        }


@dataclass(frozen=True, slots=True)
class CalendarDayDTO:
    """One day of the calendar with its items: visits by time, then follow-ups, then reminders."""

    day: date
    items: tuple[CalendarItemDTO, ...] = ()

    def _count(self, kind: CalendarItemKind) -> int:
        return sum(1 for item in self.items if item.kind == kind)

    @property
    def visits(self) -> int:
        """How many visits and calls are planned on the day."""
        return self._count(CalendarItemKind.VISIT)

    @property
    def follow_ups(self) -> int:
        """How many follow-ups fall on the day."""
        return self._count(CalendarItemKind.FOLLOW_UP)

    @property
    def reminders(self) -> int:
        """How many other reminders are about the day."""
        return self._count(CalendarItemKind.REMINDER)

    @property
    def overdue(self) -> int:
        """How many follow-ups of the day are overdue."""
        return sum(1 for item in self.items if item.overdue)

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"day": self.day.isoformat(), "items": [item.as_json() for item in self.items]}


@dataclass(frozen=True, slots=True)
class CalendarMonthDTO:
    """A month of the acting person's work calendar: every day of the month, in order."""

    staff: StaffDTO
    #: ``YYYY-MM``.
    month: str
    #: The store's business date ("today").
    today: date
    days: tuple[CalendarDayDTO, ...]

    @property
    def first(self) -> date:
        """The month's first day."""
        return self.days[0].day

    @property
    def last(self) -> date:
        """The month's last day."""
        return self.days[-1].day

    def on(self, day: date) -> CalendarDayDTO:
        """The day ``day`` of the month; an empty day for a date outside it."""
        if self.first <= day <= self.last:
            return self.days[(day - self.first).days]
        return CalendarDayDTO(day=day)

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "staff": self.staff.code,
            "month": self.month,
            "today": self.today.isoformat(),
            "days": [day.as_json() for day in self.days if day.items],
        }


__all__ = ["CalendarDayDTO", "CalendarItemDTO", "CalendarItemKind", "CalendarMonthDTO"]
