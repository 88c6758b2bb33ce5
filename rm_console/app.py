"""The console's composition root: ``make_app`` wires services and settings into the Textual app.

The app holds no screen of its own. Each area of the console (workbench, customers, allocation, …)
is a mode with its own stack of screens, opened by its function key or from the command palette;
areas a role may not use are neither bound nor offered.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from rm_console.domain.dto import ShellInfo
from rm_console.domain.enums import Role
from rm_console.i18n import N_, _, failure_text, set_language
from screens.palette import ConsolePalette, CustomerSearch, ScreenCommands
from screens.workbench import WorkbenchScreen
from widgets.shell_header import ShellHeader

if TYPE_CHECKING:
    from rm_console.services import Services
    from rm_console.services.customers import CustomerService
    from rm_console.settings import Settings
    from screens.customer360 import Customer360Screen

#: The managers' roles.
MANAGERS = (Role.BRANCH_MANAGER.value,)
#: Roles that run the tier simulation and reports.
ANALYSING = (Role.BRANCH_MANAGER.value, Role.ANALYST.value)


@dataclass(frozen=True, slots=True)
class Area:
    """An area of the console: its mode, key, title and who may open it (None: everyone)."""

    name: str
    key: str
    title: str
    help: str
    roles: tuple[str, ...] | None = None
    #: The mode whose screen shows it (the calendar and work log are panels of the workbench).
    mode: str | None = None
    #: The widget to focus on that screen.
    focus: str | None = None


AREAS = (
    Area("workbench", "f1", N_("Workbench"), N_("Today's reminders, alerts, recommendations and sales")),
    Area("customers", "f2", N_("Customers"), N_("Find a customer and open the customer 360")),
    Area(
        "calendar",
        "f3",
        N_("Calendar"),
        N_("The month of visits, reminders and follow-ups"),
        mode="workbench",
        focus="#calendar",
    ),
    Area("worklog", "f4", N_("Work log"), N_("Today's work log"), mode="workbench", focus="#worklog"),
    Area("allocation", "f6", N_("Allocation"), N_("Assign customers to RMs; the unassigned pool"), MANAGERS),
    Area("simulation", "f7", N_("Tier simulation"), N_("What-if tier rules and the transitions"), ANALYSING),
    Area("reports", "f8", N_("Reports"), N_("The churn report"), ANALYSING),
    Area(
        "attribution",
        "f9",
        N_("Sales attribution"),
        N_("Sales awaiting attribution; adjust credits"),
        MANAGERS,
    ),
    Area("overview", "f10", N_("Overview"), N_("Customers in scope by tier and status")),
)


class RMConsoleApp(App[None]):
    """RM Console. The app composes and wires; every screen lives in ``screens/``."""

    TITLE = "RM Console"
    SUB_TITLE = "客户经理工作台"
    COMMANDS = App.COMMANDS | {ScreenCommands, CustomerSearch}

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                area.key,
                f"open_area('{area.name}')",
                area.title,
                tooltip=area.help,
                id=f"app.{area.name}",
            )
            for area in AREAS
        ),
        Binding(
            "n",
            "new_record",
            N_("New record"),
            tooltip=N_("Write a visit, call, complaint…"),
            id="app.new_record",
        ),
        Binding(
            "ctrl+t",
            "toggle_theme",
            N_("Theme"),
            tooltip=N_("Switch between dark and light"),
            id="app.theme",
        ),
        Binding("ctrl+q", "quit", N_("Quit"), tooltip=N_("Leave the console"), id="app.quit", priority=True),
    ]

    def __init__(self, services: Services, settings: Settings) -> None:
        super().__init__()
        self.services = services
        """Every use case, bound to the local store and the acting person."""
        self.settings = settings
        """Resolved settings of this run."""
        self.shell_info: ShellInfo | None = None
        """What the header line shows, once read."""
        self._started = False
        self._customer_service: CustomerService | None = None
        self._workbench: WorkbenchScreen | None = None
        self._factories: dict[str, Callable[[], Screen[Any]]] = {
            "workbench": self._make_workbench,
            "customers": self._make_customers,
            "allocation": self._make_allocation,
            "simulation": self._make_simulation,
            "reports": self._make_reports,
            "attribution": self._make_attribution,
            "overview": self._make_overview,
        }

    # Only the workbench's module is imported with the app: every other screen's module is imported
    # when its area is first opened, so the console starts without building classes it may never show.

    def _make_workbench(self) -> WorkbenchScreen:
        self._workbench = WorkbenchScreen(self.services)
        return self._workbench

    def _make_customers(self) -> Screen[Any]:
        from screens.customers import CustomersScreen

        return CustomersScreen(self.services)

    def _make_allocation(self) -> Screen[Any]:
        from screens.allocation import AllocationScreen

        return AllocationScreen(self.services)

    def _make_simulation(self) -> Screen[Any]:
        from screens.tier_simulation import TierSimulationScreen

        return TierSimulationScreen(self.services)

    def _make_reports(self) -> Screen[Any]:
        from screens.churn_report import ChurnReportScreen

        return ChurnReportScreen(self.services)

    def _make_attribution(self) -> Screen[Any]:
        from screens.attribution import AttributionScreen

        return AttributionScreen(self.services)

    def _make_overview(self) -> Screen[Any]:
        from screens.home import HomeScreen

        return HomeScreen(self.services, lang=self.settings.lang)

    def action_command_palette(self) -> None:
        """Open the command palette, in the console's language."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(ConsolePalette())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands of the palette (theme, quit, the keys panel, maximize, screenshot), in the
        console's language (the ``textual`` catalog)."""
        for command in super().get_system_commands(screen):
            yield command._replace(title=_(command.title), help=_(command.help))

    # -- start ----------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Sign in when nobody is acting, else open the workbench."""
        self.theme = "textual-dark"
        if self.services.actor is None:
            from screens.sign_in import SignInScreen

            self.load_shell()
            self.push_screen(SignInScreen(self.services), self._signed_in)
        else:
            self._start()

    def _signed_in(self, code: str | None) -> None:
        if code is None:
            self.exit()
            return
        self.services.actor = code
        self._start()

    def _start(self) -> None:
        for name, factory in self._factories.items():
            self.add_mode(name, factory)
        self._started = True
        self.load_shell()
        self.switch_mode("workbench")

    @property
    def customer_service(self) -> CustomerService | None:
        """Customer search for the command palette and the forms, once someone is signed in (made when
        first searched)."""
        if self._customer_service is None and self._started:
            from rm_console.services.customers import CustomerService

            self._customer_service = CustomerService(self.services)
        return self._customer_service

    @work(thread=True, exclusive=True, group="shell", exit_on_error=False)
    def load_shell(self) -> None:
        """Read the header line's facts in a thread."""
        info = self.services.overview.shell()
        self.call_from_thread(self._show_shell, info)

    def _show_shell(self, info: ShellInfo) -> None:
        if not gc.get_freeze_count():
            # The storage layer is loaded now (the shell's facts came through it): what the console
            # holds from here on for good (modules, tables, styles) is set aside from garbage
            # collection, whose full passes otherwise walk all of it and stall a keystroke for 100 ms.
            gc.freeze()
        self.shell_info = info
        for screen in self.screen_stack:
            for header in screen.query(ShellHeader):
                header.info = info
        self.refresh_bindings()

    # -- areas ----------------------------------------------------------------------------------------

    @property
    def role(self) -> str | None:
        """The acting person's role, once known."""
        info = self.shell_info
        return info.acting.role if info is not None and info.acting is not None else None

    def may_open(self, area: Area) -> bool:
        """Whether the acting person may open ``area``."""
        if self.services.actor is None:
            return False
        return area.roles is None or self.role in area.roles

    def areas(self) -> list[tuple[str, str, str]]:
        """(name, title, help) of every area the acting person may open, for the palette."""
        return [(a.name, _(a.title), _(a.help)) for a in AREAS if self.may_open(a)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys of areas the acting person may not open, and record keys before sign-in."""
        if action == "new_record":
            return self.services.actor is not None and not isinstance(self.screen, ModalScreen)
        if action == "open_area" and parameters:
            area = next((a for a in AREAS if a.name == parameters[0]), None)
            return area is not None and self.may_open(area)
        return True

    def open_area(self, name: str) -> None:
        """Show area ``name`` (a no-op for an area the acting person may not open)."""
        area = next((a for a in AREAS if a.name == name), None)
        if area is None or not self.may_open(area):
            return
        self.switch_mode(area.mode or area.name)
        if area.focus is not None:
            self.call_after_refresh(self._focus, area.focus)

    def _focus(self, selector: str) -> None:
        for widget in self.screen.query(selector):
            target = widget.query("DataTable").first() if widget.query("DataTable") else widget
            target.focus()
            return

    def action_open_area(self, name: str) -> None:
        """Open an area by its key."""
        self.open_area(name)

    def open_customer(self, cif: str) -> None:
        """Open the customer 360 of ``cif`` on top of the customers list."""
        from screens.customer360 import Customer360Screen

        self.switch_mode("customers")
        self.push_screen(Customer360Screen(self.services, cif))

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme."""
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    # -- records -------------------------------------------------------------------------------------

    def _find(self, text: str) -> list[tuple[str, str]]:
        """Customers in scope for the forms' customer field."""
        service = self.customer_service
        return [] if service is None else [(hit.cif, hit.name) for hit in service.find(text)]

    def record_form(self, kind: str, cif: str | None = None) -> ModalScreen[Any]:
        """The form that writes a record of ``kind`` (a key of :data:`screens.new_record.RECORDS`)."""
        from screens.dialogs import (
            ComplaintDialog,
            ContactDialog,
            ManualReminderDialog,
            RiskQuestionnaireDialog,
            SaleRegistrationDialog,
            VisitPlanDialog,
            VisitRecordDialog,
            WorkLogDialog,
        )

        services, find = self.services, self._find
        forms: dict[str, Callable[[], ModalScreen[Any]]] = {
            "visit_plan": lambda: VisitPlanDialog(services, cif=cif, find=find),
            "visit": lambda: VisitRecordDialog(services, cif=cif, find=find),
            "call": lambda: ContactDialog(services, cif=cif, kind="call", find=find),
            "message": lambda: ContactDialog(services, cif=cif, kind="message", find=find),
            "event": lambda: ContactDialog(services, cif=cif, kind="event", find=find),
            "complaint": lambda: ComplaintDialog(services, cif=cif, find=find),
            "risk": lambda: RiskQuestionnaireDialog(services, cif=cif, find=find),
            "work_log": lambda: WorkLogDialog(services, cif=cif, find=find),
            "reminder": lambda: ManualReminderDialog(services, cif=cif, find=find),
            "sale": lambda: SaleRegistrationDialog(services),
        }
        return forms[kind]()

    def new_record(self, cif: str | None = None) -> None:
        """Ask which record to write, then open its form (for ``cif`` when given)."""
        from screens.new_record import NewRecordMenu

        def chosen(kind: str | None) -> None:
            if kind is not None:
                self.push_screen(self.record_form(kind, cif), self._saved)

        self.push_screen(NewRecordMenu(cif), chosen)

    def action_new_record(self) -> None:
        """``n``: a new record, for the customer on screen when there is one."""
        self.new_record(getattr(self.screen, "cif", None))

    def _saved(self, result: object | None) -> None:
        if result is not None:
            self.record_saved()

    def record_saved(self) -> None:
        """Something was written: every workbench panel reloads, and the header counts the changes
        waiting to go up."""
        if self._workbench is not None and self._workbench.is_mounted:
            self._workbench.refresh_all()
        self.load_shell()

    @on(WorkbenchScreen.Changed)
    def workbench_changed(self, message: WorkbenchScreen.Changed) -> None:
        """A reminder marked or a recommendation dismissed on the workbench: one more change to send."""
        self.load_shell()

    def on_customer360screen_new_record(self, message: Customer360Screen.NewRecord) -> None:
        """``n`` on a customer 360: a new record for that customer (a handler found by its name, so that
        the customer 360's module is imported only when a customer is opened)."""
        self.new_record(message.cif)

    @on(WorkbenchScreen.AcceptRecommendation)
    def accept_recommendation(self, message: WorkbenchScreen.AcceptRecommendation) -> None:
        """An accepted recommendation opens a visit plan for its customer, or the sale registration."""
        kind = "sale" if message.form == "sale" else "visit_plan"
        self.push_screen(self.record_form(kind, message.recommendation.cif), self._saved)

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """A failed read of the header line is shown as a notification, never a traceback."""
        if event.state != WorkerState.ERROR or event.worker.group != "shell":
            return
        error = event.worker.error
        text = failure_text(error)
        self.notify(text, severity="error")


def make_app(services: Services, settings: Settings) -> RMConsoleApp:
    """Build the console for ``services`` and ``settings``; the CLI and the tests use this alike."""
    set_language(settings.lang)
    return RMConsoleApp(services, settings)
