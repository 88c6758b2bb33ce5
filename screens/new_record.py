"""The "new record" menu: which record to write (visit, call, complaint…), then its form."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rm_console.i18n import N_, _
from screens.localized import LocalizedBindings

#: The records the menu offers: (key, label).
RECORDS = (
    ("visit_plan", N_("Visit plan")),
    ("visit", N_("Visit record")),
    ("call", N_("Call")),
    ("message", N_("Message")),
    ("event", N_("Event (salon)")),
    ("complaint", N_("Complaint")),
    ("risk", N_("Risk questionnaire")),
    ("work_log", N_("Work-log entry")),
    ("reminder", N_("Manual reminder")),
    ("sale", N_("Sale registration")),
)


class NewRecordMenu(LocalizedBindings, ModalScreen[str | None]):
    """Choose the kind of record to write; dismisses with its key, or None on esc."""

    DEFAULT_CSS = """
    NewRecordMenu {
        align: center middle;
    }
    NewRecordMenu > Vertical {
        width: 44;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    NewRecordMenu OptionList {
        height: auto;
        max-height: 14;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("Write nothing"), id="new_record.cancel"),
    ]

    def __init__(self, cif: str | None = None) -> None:
        super().__init__()
        self._cif = cif

    def compose(self) -> ComposeResult:
        """A title and the list of records."""
        with Vertical():
            title = _("New record") + (f" · {self._cif}" if self._cif else "")
            yield Static(title, id="title")
            yield OptionList(*(Option(_(label), id=key) for key, label in RECORDS), id="records")

    def on_mount(self) -> None:
        """Focus the list."""
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#records")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter writes that kind of record."""
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
