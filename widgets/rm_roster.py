"""The RMs of an institution (客户经理): customers managed, AUM managed and the month's sales."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from rm_console.domain.dto import RmRoster
from rm_console.i18n import _
from widgets.data_table import Table
from widgets.manager_cells import count_cell, fill_table, money_cell, right


class RmRosterTable(Table[Text]):
    """One row per RM of a roster, best known by name; enter posts :class:`RmRosterTable.Chosen`.

    The RM whose customers are shown beside the table is marked with ``▸``.
    """

    DEFAULT_CSS = """
    RmRosterTable {
        height: 1fr;
        background: $surface;
    }
    """

    roster: reactive[RmRoster | None] = reactive(None, always_update=True)
    """The roster to show; None while loading."""

    chosen: reactive[str | None] = reactive(None)
    """The staff code of the RM whose customers are shown, marked in the table."""

    class Chosen(Message):
        """The person pressed enter on an RM."""

        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code
            """The RM's staff code."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            cursor_type="row", zebra_stripes=True, name=name, id=id, classes=classes, disabled=disabled
        )

    def on_mount(self) -> None:
        """Build the columns."""
        self._rebuild()

    def watch_roster(self) -> None:
        """Refill the table from a new roster."""
        self._rebuild()

    def watch_chosen(self) -> None:
        """Move the mark."""
        self._rebuild()

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        keep = self.cursor_row
        headers = {
            "rm": Text(_("RM")),
            "customers": right(_("Cust.")),
            "aum": right(_("AUM managed")),
            "sales": right(_("Sales")),
        }
        rows: list[tuple[str | None, dict[str, Text]]] = []
        for row in self.roster.rows if self.roster is not None else ():
            chosen = row.code == self.chosen
            label = Text("▸ " if chosen else "  ", style="bold")
            label.append(row.name, style="bold" if chosen else "")
            cells = {
                "rm": label,
                "customers": count_cell(row.customers),
                "aum": money_cell(row.aum_fen if row.customers else None),
                "sales": money_cell(row.weighted_fen if row.sales else None),
            }
            rows.append((row.code, cells))
        fill_table(self, headers, rows)
        if self.row_count:
            self.move_cursor(row=min(keep, self.row_count - 1))

    @property
    def highlighted_code(self) -> str | None:
        """The staff code under the cursor, None in an empty table."""
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def _choose(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(str(event.row_key.value)))
