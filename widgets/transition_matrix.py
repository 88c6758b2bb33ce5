"""A tier transition matrix (迁移矩阵): how many customers would move from each tier to each other tier."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable

from rm_console.domain.enums import Tier
from rm_console.i18n import _, language
from widgets.data_table import Table
from widgets.manager_cells import EMPTY, colour, fill_table, right, tier_header, tier_style, tier_word


class TransitionMatrix(Widget):
    """Rows: the tier now (from); columns: the tier under the simulated rules (to); cells: customers.

    The diagonal (customers who stay) is dimmed; moves up are in the theme's success colour, moves
    down in its warning colour. A total column and row close the table.
    """

    DEFAULT_CSS = """
    TransitionMatrix {
        height: auto;
    }
    TransitionMatrix > DataTable {
        height: auto;
        background: $surface;
    }
    """

    transitions: reactive[dict[str, dict[str, int]] | None] = reactive(None, always_update=True)
    """``{from tier: {to tier: customers}}``; None while the first simulation runs."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)

    def compose(self) -> ComposeResult:
        """A read-only table."""
        yield Table(cursor_type="none", zebra_stripes=False)

    def on_mount(self) -> None:
        """Build the table."""
        self._rebuild()

    def watch_transitions(self) -> None:
        """Refill the table."""
        self._rebuild()

    def _tiers(self) -> list[str]:
        names = [tier.value for tier in Tier]
        for source, row in (self.transitions or {}).items():
            names.extend(name for name in (source, *row) if name not in names)
        return names

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        lang = language()
        colours = self.app.theme_variables
        tiers = self._tiers()
        rank = {name: index for index, name in enumerate(tiers)}
        headers = {"from": Text(_("from \\ to"), style="dim")}
        headers.update({name: tier_header(name, lang, colours) for name in tiers})
        headers["total"] = right(_("Total"))
        rows: list[tuple[str | None, dict[str, Text]]] = []
        if self.transitions is not None:
            totals = dict.fromkeys(tiers, 0)
            for source in tiers:
                counts = self.transitions.get(source, {})
                cells = {"from": Text(f" {tier_word(source, lang)} ", style=tier_style(source, colours))}
                for target in tiers:
                    count = counts.get(target, 0)
                    totals[target] += count
                    if not count:
                        cells[target] = right(EMPTY, style="dim")
                    elif source == target:
                        cells[target] = right(f"{count:,}", style="dim")
                    else:
                        up = rank[target] < rank[source]
                        shade = colour(colours, "text-success" if up else "text-warning")
                        cells[target] = Text(
                            f"{count:,}", style=Style(bold=True, color=shade), justify="right"
                        )
                cells["total"] = right(f"{sum(counts.values()):,}", style="bold")
                rows.append((source, cells))
            footer = {"from": Text(_("Total"), style="bold")}
            footer.update({name: right(f"{totals[name]:,}", style="bold") for name in tiers})
            footer["total"] = right(f"{sum(totals.values()):,}", style="bold")
            rows.append(("total", footer))
        fill_table(self.query_one(DataTable), headers, rows)

    def moved(self) -> int:
        """How many customers change tier (the cells off the diagonal)."""
        return sum(
            count
            for source, row in (self.transitions or {}).items()
            for target, count in row.items()
            if source != target
        )
