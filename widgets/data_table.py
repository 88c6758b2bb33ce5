"""The console's data table: Textual's, drawing its cells again whenever its column widths change.

Textual's ``DataTable`` measures rows added to it when it is next idle, and caches each drawn cell
without the cell's width in the cache key. A frame drawn between adding rows and measuring them is
therefore cached with the columns at their headers' widths, and the table keeps showing those squeezed
cells after measuring (which shows in about one run in twenty, on a loaded machine). :class:`Table`
drops the drawn cells whenever a measurement changed a column's width.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import CellType, RowKey


class Table(DataTable[CellType]):
    """A ``DataTable`` whose drawn cells always follow its column widths."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._drawn_widths: tuple[int, ...] = ()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        widths = tuple(column.get_render_width(self) for column in self.columns.values())
        if widths != self._drawn_widths:
            self._drawn_widths = widths
            self._clear_caches()
            self._update_count += 1
            self.refresh()
