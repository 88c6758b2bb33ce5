"""The RM's workbench (工作台, F1): today's reminders, churn alerts, recommendations, the branch's sales
leaderboard, a month calendar of visits, reminders and follow-ups, and today's work log.

Each panel is filled by its own worker calling one service; :meth:`WorkbenchScreen.refresh_all` runs
every loader again (the app calls it whenever a record is saved anywhere). Reminders are done (``d``),
snoozed (``s``, asking for the day) or dismissed (``x``) from the keyboard; ``x`` on a recommendation
dismisses it, ``enter`` shows it and offers to accept it (:class:`WorkbenchScreen.AcceptRecommendation`,
handled by the app, which opens the sale registration or visit-plan form). ``a`` adds a work-log entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from rm_console.domain.calendar_dto import CalendarDayDTO, CalendarItemDTO, CalendarMonthDTO
from rm_console.domain.date_input import parse_date_input
from rm_console.domain.dto import ChurnAlertDTO, RecommendationDTO, ReminderDTO, ReminderMark, TodayReport
from rm_console.domain.errors import UserError
from rm_console.domain.money import format_yuan
from rm_console.domain.performance import Leaderboard
from rm_console.domain.records_dto import WorkLogDay, WorkLogEntryDTO
from rm_console.i18n import N_, _, failure_text, language
from screens.localized import LocalizedBindings
from widgets.churn_alerts import ChurnAlerts, sparkline, tier_word
from widgets.leaderboard_panel import LeaderboardPanel
from widgets.month_calendar import MonthCalendar
from widgets.recommendation_list import RecommendationList, offer_text
from widgets.reminder_list import ReminderList, kind_word, without_cif
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader
from widgets.work_log_panel import WorkLogPanel

if TYPE_CHECKING:
    from rm_console.services import Services
    from rm_console.services.calendar import CalendarService

#: The worker groups of the loaders, each with the id of the panel it fills.
LOADERS = {"today": "#reminders", "board": "#leaderboard", "calendar": "#calendar", "worklog": "#worklog"}
#: The worker group of changes the RM makes from the workbench.
CHANGES = "workbench-change"

#: What a stored reminder state is called.
STATE_WORDS: dict[str, str] = {
    "done": N_("done"),
    "snoozed": N_("snoozed"),
    "dismissed": N_("dismissed"),
}
#: What each priority is called.
PRIORITY_WORDS: dict[str, str] = {"high": N_("high"), "normal": N_("normal"), "low": N_("low")}
#: Weekday names, Monday first.
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


# ---------------------------------------------------------------------------------------------------
# Dialogs
# ---------------------------------------------------------------------------------------------------


class SnoozeDialog(LocalizedBindings, ModalScreen[date | None]):
    """Asks until which day a reminder is snoozed: ``2026-11-25``, ``11-25``, ``+3`` (default tomorrow)."""

    CSS_PATH = "workbench.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("Keep the reminder"), id="snooze.cancel"),
    ]

    def __init__(self, reminder: ReminderDTO, today: date) -> None:
        super().__init__()
        self._reminder = reminder
        self._today = today

    def compose(self) -> ComposeResult:
        """The reminder, the date field and the line for a refusal."""
        tomorrow = (self._today + timedelta(days=1)).isoformat()
        with Vertical(id="dialog-box") as box:
            box.border_title = _("Snooze until")
            box.border_subtitle = _("enter snooze · esc cancel")
            text = without_cif(self._reminder.text(language()), self._reminder.cif)
            yield Static(text, classes="dialog-text", markup=False)
            yield Input(
                placeholder=_("tomorrow ({day}); or 2026-11-25, 11-25, +3").format(day=tomorrow),
                id="until",
            )
            yield Static("", id="until-error", classes="field-error")
        yield ShellFooter()

    @on(Input.Submitted, "#until")
    def snooze(self, event: Input.Submitted) -> None:
        """Check the day and dismiss with it, or say why not under the field (keeping what was typed)."""
        typed = event.value.strip()
        error = self.query_one("#until-error", Static)
        try:
            until = parse_date_input(typed, self._today) if typed else self._today + timedelta(days=1)
        except UserError as exc:
            error.update(failure_text(exc))
            return
        if until <= self._today:
            error.update(_("Choose a day after today ({today}).").format(today=self._today.isoformat()))
            return
        self.dismiss(until)

    def action_cancel(self) -> None:
        """Close without snoozing."""
        self.dismiss(None)


class WorkLogEntryDialog(LocalizedBindings, ModalScreen[WorkLogEntryDTO | None]):
    """Adds an entry to today's work log; a refused entry keeps its text and says why under the field."""

    CSS_PATH = "workbench.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("Close without saving"), id="log_entry.cancel"),
    ]

    class Refused(Message):
        """The service refused the entry."""

        def __init__(self, sentence: str) -> None:
            super().__init__()
            self.sentence = sentence

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services

    def compose(self) -> ComposeResult:
        """The text field and the line for a refusal."""
        with Vertical(id="dialog-box") as box:
            box.border_title = _("Work log entry")
            box.border_subtitle = _("enter save · esc cancel")
            yield Input(placeholder=_("What did you do?"), id="entry")
            yield Static("", id="entry-error", classes="field-error")
        yield ShellFooter()

    @on(Input.Submitted, "#entry")
    def submit(self, event: Input.Submitted) -> None:
        """Save what was typed, in a worker; nothing but spaces is refused here, in the UI language."""
        error = self.query_one("#entry-error", Static)
        if not event.value.strip():
            error.update(_("Write what you did."))
            return
        error.update("")
        self.save(event.value)

    @work(thread=True, exclusive=True, group="log-entry", exit_on_error=False)
    def save(self, text: str) -> None:
        """Log the entry; dismiss with it, or post the refusal."""
        try:
            entry = self._services.records.log_work(text)
        except UserError as exc:
            self.post_message(self.Refused(failure_text(exc)))
            return
        self.app.call_from_thread(self.dismiss, entry)

    @on(Refused)
    def show_refusal(self, message: Refused) -> None:
        """Say why under the field; the typed text stays."""
        self.query_one("#entry-error", Static).update(message.sentence)
        self.query_one("#entry", Input).focus()

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """An unexpected failure is a sentence too."""
        if event.state == WorkerState.ERROR:
            self.query_one("#entry-error", Static).update(failure_text(event.worker.error))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class Detail:
    """What a details dialog shows: a title and label/value lines."""

    title: str
    lines: tuple[tuple[str, str], ...]


class DetailsDialog(LocalizedBindings, ModalScreen[str | None]):
    """One reminder, alert or recommendation in full. It dismisses with the key of the choice made (one
    of the ``choices`` it was opened with), or None when closed."""

    CSS_PATH = "workbench.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "d", "choose('d')", N_("Done"), tooltip=N_("Mark the reminder done"), id="details.done",
        ),
        Binding(
            "s", "choose('s')", N_("Snooze"), tooltip=N_("Hide the reminder until a later day"),
            id="details.snooze",
        ),
        Binding(
            "v", "choose('v')", N_("Plan a visit"),
            tooltip=N_("Open the visit-plan form for the offer"), id="details.plan_visit",
        ),
        Binding(
            "r", "choose('r')", N_("Register the sale"),
            tooltip=N_("Open the sale registration for the offer"), id="details.register_sale",
        ),
        Binding("x", "choose('x')", N_("Dismiss"), tooltip=N_("Dismiss it"), id="details.dismiss"),
        Binding(
            "escape", "choose('')", N_("Close"), tooltip=N_("Back to the workbench"),
            id="details.close",
        ),
    ]  # fmt: skip

    def __init__(self, detail: Detail, choices: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self._detail = detail
        self._choices = choices

    def compose(self) -> ComposeResult:
        """The label/value lines and the footer with the keys of the choices."""
        with Vertical(id="dialog-box", classes="details") as box:
            box.border_title = self._detail.title
            box.border_subtitle = _("esc close")
            for label, value in self._detail.lines:
                with Horizontal(classes="detail-line"):
                    yield Static(label, classes="detail-label")
                    yield Static(value, classes="detail-value", markup=False)
        yield ShellFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only the choices this dialog was opened with (and closing)."""
        if action == "choose":
            return not parameters[0] or parameters[0] in self._choices
        return True

    def action_choose(self, key: str) -> None:
        """Dismiss with ``key`` (empty: closed without a choice)."""
        self.dismiss(key or None)


class DayDialog(LocalizedBindings, ModalScreen[None]):
    """The visits, follow-ups and reminders of one calendar day, as a list."""

    CSS_PATH = "workbench.tcss"

    COMPONENT_CLASSES: ClassVar[set[str]] = {"day-dialog--overdue", "day-dialog--time", "day-dialog--closed"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", N_("Close"), tooltip=N_("Back to the calendar"), id="day.close"),
    ]

    def __init__(self, day: CalendarDayDTO, today: date | None) -> None:
        super().__init__()
        self._day = day
        self._today = today

    def compose(self) -> ComposeResult:
        """The day's items, or a sentence when it has none."""
        weekday = _(WEEKDAY_NAMES[self._day.day.weekday()])
        with Vertical(id="dialog-box", classes="day") as box:
            title = f"{self._day.day.isoformat()} {weekday}"
            box.border_title = title + " · " + _("today") if self._day.day == self._today else title
            box.border_subtitle = _("esc close")
            if self._day.items:
                yield OptionList(*(Option(self._prompt(item)) for item in self._day.items), id="day-items")
            else:
                yield Static(_("Nothing on this day."), classes="dialog-text")
        yield ShellFooter()

    def _prompt(self, item: CalendarItemDTO) -> Text:
        def style(name: str) -> Style:
            return self.get_component_rich_style(name, partial=True)

        line = Text()
        line.append(f"{item.time or '':<5} ", style=style("day-dialog--time"))
        line.append("!" if item.overdue else " ", style=style("day-dialog--overdue"))
        line.append(f" {kind_word(item.reminder_kind)}  ", style=style("day-dialog--time"))
        line.append(without_cif(item.text(language()), item.cif))
        if item.state is not None:
            state = _(STATE_WORDS.get(item.state, item.state))
            if item.snooze_until is not None:
                state = _("snoozed until {day}").format(day=item.snooze_until.isoformat())
            line.append(f"  ({state})")
            line.stylize(style("day-dialog--closed"))
        return line

    def action_close(self) -> None:
        """Back to the workbench."""
        self.dismiss(None)


#: The panels of the workbench, in the order tab visits them.
PANELS = (ReminderList, ChurnAlerts, RecommendationList, LeaderboardPanel, MonthCalendar, WorkLogPanel)


# ---------------------------------------------------------------------------------------------------
# The screen
# ---------------------------------------------------------------------------------------------------


class WorkbenchScreen(LocalizedBindings, Screen[None]):
    """The RM's workbench: six panels over the store's business date, each loaded by its own worker."""

    CSS_PATH = "workbench.tcss"

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [(0, "-narrow"), (100, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "done", N_("Done"), tooltip=N_("Mark the reminder done"), id="workbench.done"),
        Binding(
            "s", "snooze", N_("Snooze"), tooltip=N_("Hide the reminder until a later day"),
            id="workbench.snooze",
        ),
        Binding(
            "x", "dismiss_item", N_("Dismiss"), tooltip=N_("Dismiss the reminder or recommendation"),
            id="workbench.dismiss",
        ),
        Binding(
            "a", "add_log", N_("Add log entry"), tooltip=N_("Write an entry in today's work log"),
            id="workbench.add_log",
        ),
    ]  # fmt: skip

    class AcceptRecommendation(Message):
        """The RM accepted a recommendation: the app opens the sale registration or the visit-plan form."""

        def __init__(self, recommendation: RecommendationDTO, form: str = "visit") -> None:
            super().__init__()
            self.recommendation = recommendation
            """The accepted recommendation."""
            self.form = form
            """Which form to open: ``sale`` (register the sale) or ``visit`` (plan a visit)."""

    class TodayLoaded(Message):
        """The day's reminders, alerts and recommendations arrived."""

        def __init__(self, report: TodayReport, generation: int) -> None:
            super().__init__()
            self.report = report
            self.generation = generation

    class BoardLoaded(Message):
        """The leaderboard arrived."""

        def __init__(self, board: Leaderboard, generation: int) -> None:
            super().__init__()
            self.board = board
            self.generation = generation

    class MonthLoaded(Message):
        """A month of the calendar arrived."""

        def __init__(self, month: CalendarMonthDTO, generation: int) -> None:
            super().__init__()
            self.month = month
            self.generation = generation

    class LogLoaded(Message):
        """Today's work log arrived."""

        def __init__(self, log: WorkLogDay, generation: int) -> None:
            super().__init__()
            self.log = log
            self.generation = generation

    class Changed(Message):
        """A change made from the workbench was stored."""

        def __init__(self, sentence: str) -> None:
            super().__init__()
            self.sentence = sentence

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services
        self._calendar_service: CalendarService | None = None
        self._report: TodayReport | None = None
        self._generations: dict[str, int] = {}
        self._problems: dict[str, str] = {}

    def _calendar(self) -> CalendarService:
        """The calendar service (``services.calendar`` where the composition has one, else a new one), found
        on first use in a loader's thread: the screen is built without importing the storage layer."""
        if self._calendar_service is None:
            calendar = getattr(self._services, "calendar", None)
            if calendar is None:
                from rm_console.services.calendar import CalendarService

                calendar = CalendarService(self._services)
            self._calendar_service = calendar
        return self._calendar_service

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, the six panels in three rows, the problem line, footer."""
        yield ShellHeader()
        with VerticalScroll(id="board", can_focus=False):
            with Horizontal(classes="row", id="row-today"):
                yield ReminderList(id="reminders", classes="panel")
                yield ChurnAlerts(id="alerts", classes="panel")
            with Horizontal(classes="row", id="row-sales"):
                yield RecommendationList(id="recommendations", classes="panel")
                yield LeaderboardPanel(id="leaderboard", classes="panel")
            with Horizontal(classes="row", id="row-plan"):
                yield MonthCalendar(id="calendar")
                yield WorkLogPanel(id="worklog", classes="panel")
        yield Static("", id="problem", markup=False)
        yield ShellFooter()

    def on_mount(self) -> None:
        """Start every loader and put the focus on the reminders."""
        self.query_one("#problem", Static).display = False
        self.query_one(ReminderList).table.focus()
        self.refresh_all()

    # -- loading ------------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        """Run every loader again: reminders, alerts and recommendations, the leaderboard, the calendar's
        month and the work log. The app calls this whenever a record is saved anywhere."""
        self.load_today(self._next("today"))
        self.load_board(self._next("board"))
        self.load_month(self._next("calendar"), self.query_one(MonthCalendar).shown_month)
        self.load_log(self._next("worklog"))

    def _next(self, group: str) -> int:
        """Number a new load of ``group``: only the newest load's answer is shown."""
        self._generations[group] = self._generations.get(group, 0) + 1
        return self._generations[group]

    def _newest(self, group: str, generation: int) -> bool:
        """True when ``generation`` is the newest load of ``group`` (an older one finished late)."""
        return self._generations.get(group) == generation

    @work(thread=True, exclusive=True, group="today", exit_on_error=False)
    def load_today(self, generation: int) -> None:
        """Read the day's reminders, alerts and recommendations."""
        self.post_message(self.TodayLoaded(self._services.today.today(), generation))

    @work(thread=True, exclusive=True, group="board", exit_on_error=False)
    def load_board(self, generation: int) -> None:
        """Read the month's leaderboard of the acting person's institution."""
        self.post_message(self.BoardLoaded(self._services.performance.leaderboard(), generation))

    @work(thread=True, exclusive=True, group="calendar", exit_on_error=False)
    def load_month(self, generation: int, first: date | None = None) -> None:
        """Read a month of the calendar (None: the business month)."""
        self.post_message(self.MonthLoaded(self._calendar().month(first), generation))

    @work(thread=True, exclusive=True, group="worklog", exit_on_error=False)
    def load_log(self, generation: int) -> None:
        """Read today's work log."""
        self.post_message(self.LogLoaded(self._services.records.work_log(), generation))

    @on(TodayLoaded)
    def show_today(self, message: TodayLoaded) -> None:
        """Fill the reminders, alerts and recommendations."""
        if not self._newest("today", message.generation):
            return
        report = message.report
        self._report = report
        self._clear_problem("today")
        reminders = self.query_one(ReminderList)
        reminders.today = date.fromisoformat(report.day)
        reminders.reminders = report.reminders
        self.query_one(ChurnAlerts).alerts = report.alerts
        self.query_one(RecommendationList).recommendations = report.recommendations
        self.refresh_bindings()

    @on(BoardLoaded)
    def show_board(self, message: BoardLoaded) -> None:
        """Fill the leaderboard."""
        if not self._newest("board", message.generation):
            return
        self._clear_problem("board")
        self.query_one(LeaderboardPanel).board = message.board

    @on(MonthLoaded)
    def show_month(self, message: MonthLoaded) -> None:
        """Mark the month's days, unless the cursor has since moved to another month."""
        if not self._newest("calendar", message.generation):
            return
        self._clear_problem("calendar")
        calendar = self.query_one(MonthCalendar)
        shown = calendar.shown_month
        if shown is None or shown == message.month.first:
            calendar.month = message.month

    @on(LogLoaded)
    def show_log(self, message: LogLoaded) -> None:
        """Fill the work log."""
        if not self._newest("worklog", message.generation):
            return
        self._clear_problem("worklog")
        self.query_one(WorkLogPanel).log = message.log
        self.refresh_bindings()

    @on(MonthCalendar.MonthChanged)
    def load_other_month(self, message: MonthCalendar.MonthChanged) -> None:
        """The calendar's cursor moved into another month: load it."""
        self.load_month(self._next("calendar"), message.first)

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """Show a failed call as a sentence (never a traceback); a loader's panel says it too."""
        if event.state != WorkerState.ERROR:
            return
        group = event.worker.group
        sentence = failure_text(event.worker.error)
        if group in LOADERS:
            panel = self.query_one(LOADERS[group])
            if hasattr(panel, "set_note"):
                panel.set_note(_("Not available."))
        self._problems[group] = sentence
        self._show_problems()

    def _clear_problem(self, group: str) -> None:
        if self._problems.pop(group, None) is not None:
            self._show_problems()

    def _show_problems(self) -> None:
        unique = list(dict.fromkeys(self._problems.values()))
        problem = self.query_one("#problem", Static)
        problem.update("\n".join(unique))
        problem.display = bool(unique)

    # -- changes ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=False, group=CHANGES, exit_on_error=False)
    def mark(self, reminder: ReminderDTO, action: str, until: date | None = None) -> None:
        """Store what the RM did with a reminder."""
        stored: ReminderMark = self._services.today.mark(
            reminder.id, action, until=until.isoformat() if until else None
        )
        if stored.snooze_until:
            sentence = _("Snoozed until {day}.").format(day=stored.snooze_until)
        elif action == "done":
            sentence = _("Marked done.")
        else:
            sentence = _("Dismissed.")
        self.post_message(self.Changed(sentence))

    @work(thread=True, exclusive=False, group=CHANGES, exit_on_error=False)
    def dismiss_recommendation(self, recommendation: RecommendationDTO) -> None:
        """Store the dismissal of a recommendation."""
        self._services.today.dismiss_recommendation(recommendation.id)
        self.post_message(self.Changed(_("Recommendation dismissed for 30 days.")))

    @on(Changed)
    def changed(self, message: Changed) -> None:
        """Say what was stored and reload every panel."""
        self._clear_problem(CHANGES)
        self.notify(message.sentence, timeout=3)
        self.refresh_all()

    # -- keys ---------------------------------------------------------------------------------------

    def _focused_panel(self) -> Widget | None:
        """The panel holding the focus."""
        node = self.focused
        while node is not None and node is not self:
            if isinstance(node, PANELS):
                return node
            node = node.parent  # type: ignore[assignment]
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer d and s on a reminder, x on a reminder or recommendation, a once someone is acting."""
        panel = self._focused_panel()
        if action in ("done", "snooze"):
            return isinstance(panel, ReminderList) and panel.current is not None
        if action == "dismiss_item":
            return isinstance(panel, (ReminderList, RecommendationList)) and panel.current is not None
        if action == "add_log":
            return self._report is not None or self.query_one(WorkLogPanel).log is not None
        return True

    def action_done(self) -> None:
        """Mark the reminder under the cursor done."""
        reminder = self.query_one(ReminderList).current
        if reminder is not None:
            self.mark(reminder, "done")

    def action_snooze(self) -> None:
        """Ask until when, then snooze the reminder under the cursor."""
        reminder = self.query_one(ReminderList).current
        if reminder is not None:
            self.ask_snooze(reminder)

    def ask_snooze(self, reminder: ReminderDTO) -> None:
        """Ask until when ``reminder`` is snoozed, then snooze it."""
        if self._report is None:
            return
        today = date.fromisoformat(self._report.day)

        def snooze(until: date | None) -> None:
            if until is not None:
                self.mark(reminder, "snooze", until)

        self.app.push_screen(SnoozeDialog(reminder, today), snooze)

    def action_dismiss_item(self) -> None:
        """Dismiss the reminder or recommendation under the cursor, whichever panel has the focus."""
        panel = self._focused_panel()
        if isinstance(panel, ReminderList) and panel.current is not None:
            self.mark(panel.current, "dismiss")
        elif isinstance(panel, RecommendationList) and panel.current is not None:
            self.dismiss_recommendation(panel.current)

    def action_add_log(self) -> None:
        """Ask for a work-log entry; the panels reload once it is stored."""

        def added(entry: WorkLogEntryDTO | None) -> None:
            if entry is not None:
                self.post_message(self.Changed(_("Added to the work log.")))

        self.app.push_screen(WorkLogEntryDialog(self._services), added)

    # -- details ------------------------------------------------------------------------------------

    @on(ReminderList.Chosen)
    def show_reminder(self, message: ReminderList.Chosen) -> None:
        """Show the reminder in full; d, s and x in the dialog act on it."""
        reminder = message.reminder
        lines = [
            (_("When"), reminder.due),
            (_("What"), kind_word(reminder.kind)),
            (_("Priority"), _(PRIORITY_WORDS.get(reminder.priority, reminder.priority))),
        ]
        if reminder.cif is not None:
            lines.append((_("Customer"), f"{reminder.name} · CIF {reminder.cif}"))
        lines.append(("", reminder.text(language())))
        choices = frozenset({"d", "s", "x"})

        def chosen(key: str | None) -> None:
            if key == "d":
                self.mark(reminder, "done")
            elif key == "x":
                self.mark(reminder, "dismiss")
            elif key == "s":
                self.ask_snooze(reminder)

        self.app.push_screen(DetailsDialog(Detail(_("Reminder"), tuple(lines)), choices), chosen)

    @on(ChurnAlerts.Chosen)
    def show_alert(self, message: ChurnAlerts.Chosen) -> None:
        """Show the alert with its 12 months of AUM."""
        alert: ChurnAlertDTO = message.alert
        panel = self.query_one(ChurnAlerts)
        lines = [
            (_("Customer"), f"{alert.name} · CIF {alert.cif}"),
            (_("Tier"), tier_word(alert.tier)),
            (_("Status"), panel.status_text(alert)),
            (_("Trend"), sparkline([fen for _month, fen in alert.aum])),
        ]
        lines += [(month, format_yuan(fen) if fen is not None else "—") for month, fen in alert.aum]
        self.app.push_screen(DetailsDialog(Detail(_("Churn alert"), tuple(lines))))

    @on(RecommendationList.Chosen)
    def show_recommendation(self, message: RecommendationList.Chosen) -> None:
        """Show the recommendation in full; accepting it asks the app for the sale or visit-plan form."""
        recommendation = message.recommendation
        lines = [
            (_("Customer"), f"{recommendation.name} · CIF {recommendation.cif}"),
            (_("Offer"), offer_text(recommendation)),
        ]
        if recommendation.product_code is not None:
            lines.append((_("Product"), recommendation.product_code))
        lines.append((_("Why"), recommendation.reason(language())))
        choices = frozenset({"v", "x", "r"} if recommendation.product_code is not None else {"v", "x"})

        def chosen(key: str | None) -> None:
            if key == "v":
                self.post_message(self.AcceptRecommendation(recommendation, "visit"))
            elif key == "r":
                self.post_message(self.AcceptRecommendation(recommendation, "sale"))
            elif key == "x":
                self.dismiss_recommendation(recommendation)

        self.app.push_screen(DetailsDialog(Detail(_("Recommendation"), tuple(lines)), choices), chosen)

    @on(MonthCalendar.DayChosen)
    def show_day(self, message: MonthCalendar.DayChosen) -> None:
        """List the day's items."""
        month = self.query_one(MonthCalendar).month
        self.app.push_screen(DayDialog(message.day, month.today if month is not None else None))


__all__ = [
    "DayDialog",
    "DetailsDialog",
    "SnoozeDialog",
    "WorkLogEntryDialog",
    "WorkbenchScreen",
]
