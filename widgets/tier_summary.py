"""A table of customers by tier (客户等级) and status (客户状态)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable

from rm_console.domain.dto import Overview
from rm_console.domain.enums import Status
from rm_console.domain.words import STATUS_ZH, status_label, tier_label
from rm_console.i18n import _, with_chinese
from widgets.data_table import Table

#: Theme colour of each tier's badge.
TIER_STYLE = {
    "core": "bold #f5c542",
    "growth": "bold #e08f3c",
    "platinum": "bold #b9c3d0",
    "gold": "bold #d4a017",
    "potential": "#6fb37a",
    "ordinary": "dim",
}

#: Below this many cells of width the status headers keep one language only.
COMPACT_BELOW = 100


class TierSummary(Widget):
    """Counts of the customers in scope, one row per tier, one column per status.

    On a narrow terminal the status headers drop their second language instead of scrolling.
    """

    DEFAULT_CSS = """
    TierSummary {
        height: auto;
        border: round $primary;
        border-title-color: $text;
        padding: 0 1;
    }
    TierSummary > DataTable {
        height: auto;
        background: $surface;
    }
    """

    overview: reactive[Overview | None] = reactive(None)
    """The overview to show; None while loading."""

    lang: reactive[str] = reactive("en")
    """UI language of the labels (``en`` or ``zh``)."""

    compact: reactive[bool] = reactive(False)
    """True on a narrow terminal: status headers in the UI language only."""

    def __init__(
        self,
        *,
        lang: str = "en",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(TierSummary.lang, lang)

    def compose(self) -> ComposeResult:
        """A read-only table, filled when the overview arrives."""
        yield Table(cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        """Set the border title and build the table."""
        self.border_title = with_chinese("Customers by tier")
        self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        """Switch to compact headers on a narrow terminal."""
        self.compact = event.size.width < COMPACT_BELOW

    def watch_compact(self) -> None:
        """Rebuild the table with headers that fit."""
        self._rebuild()

    def watch_overview(self) -> None:
        """Refill the table from a new overview."""
        self._rebuild()

    def _status_header(self, status: Status) -> str:
        if not self.compact:
            return status_label(status, self.lang)
        return STATUS_ZH[status] if self.lang == "zh" else status.value

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column(Text(_("Tier")), key="tier")
        for status in Status:
            table.add_column(Text(self._status_header(status), justify="right"), key=status.value)
        table.add_column(Text(_("Total"), justify="right"), key="total")
        if self.overview is None:
            return
        for count in self.overview.tiers:
            cells = [Text(tier_label(count.tier, self.lang), style=TIER_STYLE.get(count.tier, ""))]
            for status in Status:
                value = count.by_status.get(status.value, 0)
                cells.append(Text(f"{value:,}" if value else "·", justify="right"))
            cells.append(Text(f"{count.customers:,}", justify="right", style="bold"))
            table.add_row(*cells, key=count.tier)
