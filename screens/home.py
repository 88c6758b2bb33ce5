"""The first screen: who is acting and their customers by tier, until the full workbench exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from rm_console.domain.dto import Overview
from rm_console.domain.errors import UserError
from rm_console.domain.words import role_label
from widgets.tier_summary import TierSummary

if TYPE_CHECKING:
    from rm_console.services import Services


class HomeScreen(Screen[None]):
    """Shows the acting staff member and counts of the customers they may see, by tier and status."""

    CSS_PATH = "home.tcss"

    BINDINGS = [
        Binding(
            "f5", "refresh", "Refresh 刷新", tooltip="Reload the counts from the store", id="home.refresh"
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
        """Header line, who is acting, the tier table, footer."""
        yield Header(show_clock=False)
        yield Static("", id="who")
        yield Static("", id="scope")
        yield TierSummary(lang=self._lang, id="tiers")
        yield Static("", id="problem")
        yield Footer()

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
        date = overview.business_date or "—"
        if overview.acting is None:
            who = (
                "Nobody is acting — start with  rmc --as STAFF_CODE"
                if self._lang == "en"
                else "未登录：请用 rmc --as 员工编号 启动"
            )
        else:
            acting = overview.acting
            who = (
                f"{acting.name} · {role_label(acting.role, self._lang)} · {acting.institution_name}    {date}"
            )
        self.query_one("#who", Static).update(who)
        month = overview.evaluated_month or "—"
        if self._lang == "en":
            scope = f"{overview.customers:,} customers in scope · tiers as of {month}"
        else:
            scope = f"可见客户 {overview.customers:,} 户 · 等级评定月份 {month}"
        self.query_one("#scope", Static).update(scope)
        self.query_one(TierSummary).overview = overview

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """Show a failed load as a sentence, never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = str(error) if isinstance(error, UserError) else f"Could not read the store: {error}"
        self.query_one("#problem", Static).update(text)

    def action_refresh(self) -> None:
        """Reload the overview."""
        self.load_overview()
