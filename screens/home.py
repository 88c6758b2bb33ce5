"""The overview: who is acting and the customers they may see, by tier and status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from rm_console.domain.dto import Overview
from rm_console.i18n import N_, _, failure_text
from screens.localized import LocalizedBindings
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader
from widgets.tier_summary import TierSummary

if TYPE_CHECKING:
    from rm_console.services import Services


class HomeScreen(LocalizedBindings, Screen[None]):
    """Shows the acting staff member and counts of the customers they may see, by tier and status."""

    CSS_PATH = "home.tcss"

    BINDINGS = [
        Binding(
            "ctrl+r",
            "refresh",
            N_("Refresh"),
            tooltip=N_("Reload the counts from the store"),
            id="home.refresh",
        ),
    ]

    class OverviewLoaded(Message):
        """The overview arrived from the store."""

        def __init__(self, overview: Overview) -> None:
            super().__init__()
            self.overview = overview

    def __init__(self, services: Services, *, lang: str = "en") -> None:
        super().__init__()
        self._services = services
        self._lang = lang

    def compose(self) -> ComposeResult:
        """Header line, the scope, the tier table, footer."""
        yield ShellHeader()
        yield Static("", id="scope")
        yield TierSummary(lang=self._lang, id="tiers")
        yield Static("", id="problem")
        yield ShellFooter()

    def on_mount(self) -> None:
        """Start loading."""
        self.load_overview()

    @work(thread=True, exclusive=True, group="overview", exit_on_error=False)
    def load_overview(self) -> None:
        """Read the overview in a thread and post it back."""
        self.post_message(self.OverviewLoaded(self._services.overview.load()))

    @on(OverviewLoaded)
    def show_overview(self, message: OverviewLoaded) -> None:
        """Fill the header lines and the table."""
        overview = message.overview
        month = overview.evaluated_month or "—"
        scope = _("{customers} customers in scope · tiers as of {month}").format(
            customers=f"{overview.customers:,}", month=month
        )
        self.query_one("#scope", Static).update(scope)
        self.query_one(TierSummary).overview = overview

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """Show a failed load as a sentence, never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = failure_text(error)
        self.query_one("#problem", Static).update(text)

    def action_refresh(self) -> None:
        """Reload the overview."""
        self.load_overview()
