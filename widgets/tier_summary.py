"""A table of customers by tier (客户等级) and status (客户状态)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable

from rm_console.domain.dto import Overview
from rm_console.domain.enums import Status
from rm_console.domain.words import status_label, tier_label

#: Theme colour of each tier's badge.
TIER_STYLE = {
    "core": "bold #f5c542",
    "growth": "bold #e08f3c",
    "platinum": "bold #b9c3d0",
    "gold": "bold #d4a017",
    "potential": "#6fb37a",
    "ordinary": "dim",
}


#: Cells of the table: wide enough for "attention 关注" and "platinum 白金级".
COLUMN_WIDTH = 16


class TierSummary(Widget):
    """Counts of the customers in scope, one row per tier, one column per status."""

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

    overview: reactive[Overview | None] = reactive(None, recompose=False)
    """The overview to show; None while loading."""

    lang: reactive[str] = reactive("en")
    """UI language of the labels (``en`` or ``zh``)."""

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
        table: DataTable[Text] = DataTable(cursor_type="none", zebra_stripes=True)
        yield table

    def on_mount(self) -> None:
        """Set the border title and the columns."""
        self.border_title = (
            "Customers by tier 客户等级" if self.lang == "en" else "客户等级 Customers by tier"
        )
        table = self.query_one(DataTable)
        table.add_column(Text("Tier" if self.lang == "en" else "等级"), key="tier", width=COLUMN_WIDTH)
        for status in Status:
            label = Text(status_label(status, self.lang), justify="right")
            table.add_column(label, key=status.value, width=COLUMN_WIDTH)
        total = Text("Total" if self.lang == "en" else "合计", justify="right")
        table.add_column(total, key="total", width=COLUMN_WIDTH)

    def watch_overview(self, overview: Overview | None) -> None:
        """Refill the table from a new overview."""
        if overview is None or not self.is_mounted:
            return
        table = self.query_one(DataTable)
        table.clear()
        for count in overview.tiers:
            cells = [Text(tier_label(count.tier, self.lang), style=TIER_STYLE.get(count.tier, ""))]
            for status in Status:
                value = count.by_status.get(status.value, 0)
                cells.append(Text(f"{value:,}" if value else "·", justify="right"))
            cells.append(Text(f"{count.customers:,}", justify="right", style="bold"))
            table.add_row(*cells, key=count.tier)
