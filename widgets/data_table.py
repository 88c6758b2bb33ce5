"""The console's data tables: Textual's, drawing its cells again whenever its column widths change; and
one whose columns have fixed widths, which it never measures.

Textual's ``DataTable`` measures rows added to it when it is next idle, and caches each drawn cell
without the cell's width in the cache key. A frame drawn between adding rows and measuring them is
therefore cached with the columns at their headers' widths, and the table keeps showing those squeezed
cells after measuring (which shows in about one run in twenty, on a loaded machine). :class:`Table`
drops the drawn cells whenever a measurement changed a column's width.

:class:`FixedWidthTable` is for tables whose owner sizes the columns itself (the workbench's panels fit
them to the panel, the customers list to its page): measuring every cell of every new row is most of
the time such a table takes to draw, and it learns nothing the owner does not know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
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


class FixedWidthTable(Table[CellType]):
    """A table whose columns all have fixed widths and whose rows are one line each: its size follows
    from the widths and the row count, and no cell is measured."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        keys = list(new_rows)
        rows = [self.rows[key] for key in keys if key in self.rows]
        if any(column.auto_width for column in self.columns.values()) or any(
            row.auto_height or row.label is not None for row in rows
        ):
            super()._update_dimensions(keys)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header)


def column_widths(
    headers: Sequence[str | Text], rows: Iterable[Sequence[str | Text]], caps: Mapping[int, int] | None = None
) -> list[int]:
    """The width each column needs: its widest cell or header, in terminal cells; at most ``caps`` of
    the columns named there (by index)."""
    widths = [cell_len(h) if isinstance(h, str) else h.cell_len for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            width = cell_len(cell) if isinstance(cell, str) else cell.cell_len
            if width > widths[index]:
                widths[index] = width
    for index, cap in (caps or {}).items():
        widths[index] = min(widths[index], cap)
    return widths
