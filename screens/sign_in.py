"""Sign-in: choose who is acting when neither ``--as``, ``RMC_USER`` nor the config file says."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from rm_console.domain.dto import StaffDTO
from rm_console.domain.words import role_label
from rm_console.i18n import N_, _, failure_text, language
from screens.localized import LocalizedBindings
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader

if TYPE_CHECKING:
    from rm_console.services import Services


#: Terminal cells a name is padded to, so that roles line up (a Chinese character takes two).
NAME_CELLS = 8


class SignInScreen(LocalizedBindings, Screen[str]):
    """Lists the staff of the store; enter signs in as the highlighted person (dismisses with the code)."""

    CSS_PATH = "sign_in.tcss"

    BINDINGS = [
        Binding(
            "enter",
            "choose",
            N_("Sign in"),
            tooltip=N_("Act as this staff member"),
            id="sign_in.choose",
        ),
    ]

    class StaffLoaded(Message):
        """The staff list arrived from the store."""

        def __init__(self, staff: tuple[StaffDTO, ...]) -> None:
            super().__init__()
            self.staff = staff

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services
        self._staff: tuple[StaffDTO, ...] = ()

    def compose(self) -> ComposeResult:
        """Header, a line of explanation, the staff list, footer."""
        yield ShellHeader()
        yield Static(_("Who is working? Choose yourself and press enter."), id="prompt")
        yield OptionList(id="staff")
        yield Static("", id="problem")
        yield ShellFooter()

    def on_mount(self) -> None:
        """Start reading the staff."""
        self.load_staff()

    @work(thread=True, exclusive=True, group="sign_in", exit_on_error=False)
    def load_staff(self) -> None:
        """Read the staff in a thread."""
        self.post_message(self.StaffLoaded(self._services.overview.staff()))

    @on(StaffLoaded)
    def show_staff(self, message: StaffLoaded) -> None:
        """Fill the list: code, name, role and institution."""
        self._staff = message.staff
        options = self.query_one("#staff", OptionList)
        options.clear_options()
        for person in message.staff:
            role = role_label(person.role, language())
            name = person.name + " " * max(0, NAME_CELLS - cell_len(person.name))
            text = f"{person.code:<7} {name} {role} · {person.institution_name}"
            options.add_option(Option(text, id=person.code))
        if not message.staff:
            self.query_one("#problem", Static).update(
                _("The store has no staff; import staff or build the demo bank.")
            )
        options.focus()

    @on(OptionList.OptionSelected, "#staff")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter on a person signs in as them."""
        if event.option.id is not None:
            self.dismiss(event.option.id)

    def action_choose(self) -> None:
        """Sign in as the highlighted person."""
        options = self.query_one("#staff", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            if option.id is not None:
                self.dismiss(option.id)

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """A failed read shows its sentence."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = failure_text(error)
        self.query_one("#problem", Static).update(text)
