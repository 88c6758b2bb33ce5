"""A month of the RM's work calendar (工作日历): visits, follow-ups and reminders marked on each day.

The cursor moves by day (left/right), week (up/down) and month (page up/down); enter opens the day.
When the cursor leaves the month shown, the calendar posts :class:`MonthCalendar.MonthChanged` and
its screen loads that month into :attr:`MonthCalendar.month`.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from typing import ClassVar

from dateutil.relativedelta import relativedelta
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from rm_console.domain.calendar_dto import CalendarDayDTO, CalendarMonthDTO
from rm_console.i18n import N_, _

#: The marks of a day, in the order they are drawn.
VISIT_MARK, FOLLOW_UP_MARK, REMINDER_MARK, OVERDUE_MARK = "•", "▸", "◦", "!"
#: The weekday headers, Monday first.
WEEKDAYS = (N_("Mo"), N_("Tu"), N_("We"), N_("Th"), N_("Fr"), N_("Sa"), N_("Su"))
#: The English month names (the Chinese title writes the month's number).
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: Weeks drawn for every month, so that the calendar keeps its height.
WEEKS = 6

_DAY = Binding.Group(N_("By day"), compact=True)
_WEEK = Binding.Group(N_("By week"), compact=True)
_MONTH = Binding.Group(N_("By month"))


def month_title(first: date) -> str:
    """``November 2026`` in English, ``2026年11月`` in Chinese."""
    return _("{month_name} {year}").format(
        month_name=MONTH_NAMES[first.month - 1], year=first.year, month=first.month
    )


def weeks_of(first: date) -> list[list[date | None]]:
    """The weeks (Monday first) of the month starting on ``first``, padded to :data:`WEEKS` weeks; days of
    other months are None."""
    grid: list[list[date | None]] = [
        [day if day.month == first.month else None for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    while len(grid) < WEEKS:
        grid.append([None] * 7)
    return grid


def marks(day: CalendarDayDTO, room: int) -> list[tuple[str, str]]:
    """The marks of a day that fit in ``room`` cells, each ``(text, kind)``; with counts when they fit."""
    open_follow_ups = day.follow_ups - day.overdue
    counted = [
        (VISIT_MARK, day.visits, "visit"),
        (FOLLOW_UP_MARK, open_follow_ups, "follow-up"),
        (OVERDUE_MARK, day.overdue, "overdue"),
        (REMINDER_MARK, day.reminders, "reminder"),
    ]
    present = [(mark, count, kind) for mark, count, kind in counted if count]
    with_counts = [(f"{mark}{count}" if count > 1 else mark, kind) for mark, count, kind in present]
    if sum(len(text) for text, _kind in with_counts) <= room:
        return with_counts
    bare = [(mark, kind) for mark, _count, kind in present]
    found: list[tuple[str, str]] = []
    used = 0
    for text, kind in bare:
        if used + len(text) > room:
            break
        found.append((text, kind))
        used += len(text)
    return found


class MonthCalendar(Widget, can_focus=True):
    """The days of one month with marks for visits (•), follow-ups (▸), overdue follow-ups (!) and other
    reminders (◦); a cursor day that moves by day, week and month."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left", "move_day(-1)", N_("Previous day"), tooltip=N_("The day before"), group=_DAY,
            id="calendar.previous_day",
        ),
        Binding(
            "right", "move_day(1)", N_("Next day"), tooltip=N_("The day after"), group=_DAY,
            id="calendar.next_day",
        ),
        Binding(
            "up", "move_day(-7)", N_("Previous week"), tooltip=N_("The same weekday a week before"),
            group=_WEEK, id="calendar.previous_week",
        ),
        Binding(
            "down", "move_day(7)", N_("Next week"), tooltip=N_("The same weekday a week after"),
            group=_WEEK, id="calendar.next_week",
        ),
        Binding(
            "pageup", "move_month(-1)", N_("Previous month"), tooltip=N_("The same day a month before"),
            group=_MONTH, key_display="PgUp", id="calendar.previous_month",
        ),
        Binding(
            "pagedown", "move_month(1)", N_("Next month"), tooltip=N_("The same day a month after"),
            group=_MONTH, key_display="PgDn", id="calendar.next_month",
        ),
        Binding(
            "enter", "open_day", N_("Open day"),
            tooltip=N_("List the visits, follow-ups and reminders of the day"), id="calendar.open_day",
        ),
    ]  # fmt: skip

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "month-calendar--weekday",
        "month-calendar--weekend",
        "month-calendar--today",
        "month-calendar--cursor",
        "month-calendar--visit",
        "month-calendar--follow-up",
        "month-calendar--overdue",
        "month-calendar--reminder",
    }

    DEFAULT_CSS = """
    MonthCalendar {
        height: auto;
        border: round $primary;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    MonthCalendar:focus {
        border: round $accent;
    }
    MonthCalendar > .month-calendar--weekday { color: $text-muted; text-style: bold; }
    MonthCalendar > .month-calendar--weekend { color: $text-muted; }
    MonthCalendar > .month-calendar--today { color: $accent; text-style: bold underline; }
    MonthCalendar > .month-calendar--cursor { background: $primary-darken-2; }
    MonthCalendar:focus > .month-calendar--cursor { background: $accent-darken-1; color: $text; }
    MonthCalendar > .month-calendar--visit { color: $success; }
    MonthCalendar > .month-calendar--follow-up { color: $warning; }
    MonthCalendar > .month-calendar--overdue { color: $error; text-style: bold; }
    MonthCalendar > .month-calendar--reminder { color: $secondary; }
    """

    cursor: reactive[date | None] = reactive(None)
    """The day under the cursor; None until the first month arrives."""

    month: reactive[CalendarMonthDTO | None] = reactive(None, always_update=True)
    """The loaded month's items; another month than the cursor's shows no marks until it arrives."""

    class MonthChanged(Message):
        """The cursor moved into another month: its items are wanted."""

        def __init__(self, first: date) -> None:
            super().__init__()
            self.first = first
            """The first day of the month the cursor is in."""

    class DayChosen(Message):
        """Enter was pressed on a day."""

        def __init__(self, day: CalendarDayDTO) -> None:
            super().__init__()
            self.day = day
            """The day with its items (none when its month is not loaded yet)."""

    def on_mount(self) -> None:
        """Title the calendar."""
        self._title()

    def _title(self) -> None:
        shown = self.cursor or (self.month.first if self.month is not None else None)
        self.border_title = month_title(shown.replace(day=1)) if shown is not None else _("Calendar")
        words = (_("visit"), _("follow-up"), _("overdue"), _("reminder"))
        marks = (VISIT_MARK, FOLLOW_UP_MARK, OVERDUE_MARK, REMINDER_MARK)
        self.border_subtitle = "  ".join(f"{mark} {word}" for mark, word in zip(marks, words, strict=True))

    def watch_month(self, month: CalendarMonthDTO | None) -> None:
        """Place the cursor on today when the first month arrives; redraw."""
        if month is not None and self.cursor is None:
            self.cursor = month.today if month.first <= month.today <= month.last else month.first
        self._title()
        self.refresh()

    def watch_cursor(self, old: date | None, new: date | None) -> None:
        """Ask for the new month when the cursor leaves the shown one; redraw."""
        self._title()
        self.refresh()
        if new is None:
            return
        loaded = self.month.first if self.month is not None else None
        moved = old is not None and (old.year, old.month) != (new.year, new.month)
        if moved and (loaded is None or (loaded.year, loaded.month) != (new.year, new.month)):
            self.post_message(self.MonthChanged(new.replace(day=1)))

    @property
    def shown_month(self) -> date | None:
        """The first day of the month drawn (the cursor's)."""
        return self.cursor.replace(day=1) if self.cursor is not None else None

    def day(self, day: date) -> CalendarDayDTO:
        """The items of ``day`` if its month is loaded, else an empty day."""
        if self.month is not None and self.month.first <= day <= self.month.last:
            return self.month.on(day)
        return CalendarDayDTO(day=day)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """A header line and six weeks."""
        return 1 + WEEKS

    def render(self) -> Text:
        """The weekday header and six weeks of days with their marks."""
        first = self.shown_month
        width = self.content_size.width or 70
        cell = max(4, min(12, width // 7))

        def style(name: str) -> Style:
            return self.get_component_rich_style(name, partial=True)

        out = Text(no_wrap=True, overflow="crop", end="")
        for name in WEEKDAYS:
            label = _(name)
            label = " " * max(0, 2 - cell_len(label)) + label
            out.append(label + " " * max(0, cell - cell_len(label)), style=style("month-calendar--weekday"))
        if first is None:
            return out
        today = self.month.today if self.month is not None else None
        for week in weeks_of(first):
            out.append("\n")
            for column, day in enumerate(week):
                if day is None:
                    out.append(" " * cell)
                    continue
                out.append_text(self._cell(day, column, cell, today, style))
        return out

    def _cell(
        self, day: date, column: int, cell: int, today: date | None, style: Callable[..., Style]
    ) -> Text:
        base = Style()
        if column >= 5:
            base += style("month-calendar--weekend")
        if day == today:
            base += style("month-calendar--today")
        text = Text(f"{day.day:>2}", style=base)
        used = 2
        found = marks(self.day(day), cell - 3)
        if found:
            text.append(" ")
            used += 1
            for mark, kind in found:
                text.append(mark, style=style(f"month-calendar--{kind}"))
                used += len(mark)
        text.append(" " * (cell - used))
        if day == self.cursor:
            text.stylize(style("month-calendar--cursor"), 0, cell - 1)
        return text

    def action_move_day(self, days: int) -> None:
        """Move the cursor by ``days`` days."""
        if self.cursor is not None:
            self.cursor = self.cursor + timedelta(days=days)

    def action_move_month(self, months: int) -> None:
        """Move the cursor to the same day ``months`` months away (the month's last day when shorter)."""
        if self.cursor is not None:
            self.cursor = self.cursor + relativedelta(months=months)

    def action_open_day(self) -> None:
        """Post the cursor's day with its items."""
        if self.cursor is not None:
            self.post_message(self.DayChosen(self.day(self.cursor)))
