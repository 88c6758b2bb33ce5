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

Both draw fast what the console's tables mostly hold, one-line cells of plain text: a row of them is
drawn in one pass by :func:`text_cell_line`, which takes rich's own steps for such a cell without its
generic rendering (about a third of the time; the drawn lines are DataTable's to the segment, which
``tests/test_data_table.py`` checks), and :meth:`Table.add_keyed_rows` fills a table with many rows at
once. Both lean on ``DataTable``'s internals of the pinned Textual release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain, zip_longest
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._segment_tools import line_crop
from textual._types import SegmentLines
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, DuplicateKey, Row, RowKey

#: How a cell's text may be placed for :func:`text_cell_line` (the others go through rich).
_SIMPLE_JUSTIFY = frozenset({"default", "left", "right", "center"})
_SIMPLE_OVERFLOW = frozenset({"fold", "crop", "ellipsis"})


class Table(DataTable[CellType]):
    """A ``DataTable`` whose drawn cells always follow its column widths, and which draws a one-line
    cell of plain text without going through rich's generic rendering (see :func:`text_cell_line`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        #: While lines are drawn: the columns in order, and each kind of row's style, looked up once a
        #: frame (DataTable looks them up several times a line, each time anew). Set first: DataTable's
        #: own initialisation asks for the columns.
        self._drawing_columns: list[Any] | None = None
        self._drawing_row_styles: dict[tuple[object, Style], Style] = {}
        super().__init__(*args, **kwargs)
        self._drawn_widths: tuple[int, ...] = ()
        self._drawing_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines of ``crop``, working out the table's own style once rather than once a line
        (``DataTable.render_line`` asks for it every line, and it is worked out through every
        ancestor each time)."""
        self._drawing_style = super().rich_style
        self._drawing_columns = super().ordered_columns
        try:
            return super().render_lines(crop)
        finally:
            self._drawing_style = None
            self._drawing_columns = None
            self._drawing_row_styles.clear()

    @property
    def rich_style(self) -> Style:
        """The table's style: while lines are drawn, the one worked out for them."""
        drawing = self._drawing_style
        return drawing if drawing is not None else super().rich_style

    @property
    def ordered_columns(self) -> list[Any]:
        """The columns as they appear: while lines are drawn, those the frame started with (no column
        is added or moved while a frame is drawn)."""
        drawing = self._drawing_columns
        return drawing if drawing is not None else super().ordered_columns

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        """A row's style, by the kind of row (header, fixed, odd or even), once a frame while lines are
        drawn: ``DataTable`` works out its component style through the whole tree each line."""
        if self._drawing_columns is None:
            return super()._get_row_style(row_index, base_style)
        if row_index == -1:
            kind: object = "header"
        elif row_index < self.fixed_rows:
            kind = "fixed"
        else:
            kind = row_index % 2 if self.zebra_stripes else "body"
        key = (kind, base_style)
        style = self._drawing_row_styles.get(key)
        if style is None:
            style = self._drawing_row_styles[key] = super()._get_row_style(row_index, base_style)
        return style

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        widths = tuple(column.get_render_width(self) for column in self.columns.values())
        if widths != self._drawn_widths:
            self._drawn_widths = widths
            self._clear_caches()
            self._update_count += 1
            self.refresh()

    def add_keyed_rows(self, rows: Iterable[tuple[str | None, Sequence[CellType]]]) -> None:
        """Add one-line rows, each a key and its cells: what ``add_row`` does for each, with the work it
        repeats for every row (checking the cursor, asking for a redraw) done once for them all. A
        panel of a few thousand rows fills in a fraction of the time."""
        columns = self.ordered_columns
        keys = [column.key for column in columns]
        was_empty = self.row_count == 0
        added = 0
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = dict(zip_longest(keys, cells))
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
            added += 1
        if not added:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and len(self.columns) > 0 and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """Draw a body row of one line whose cells are all plain text in one go, each cell by
        :func:`text_cell_line`; what is looked up once per row (its style, the cursor's styles, the
        column widths) is looked up once. Any other row, and a table with row labels or fixed
        columns, is drawn as ``DataTable`` draws it. Same cache, same cache key, same segments."""
        cursor_type = self.cursor_type
        show_cursor = self.show_cursor
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            cursor_type,
            show_cursor,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row = self.rows.get(row_key)
        row_index = self._row_locations.get(row_key)
        if (
            line_no
            or row is None
            or row_index is None
            or row.height != 1
            or self.fixed_columns
            or (self._labelled_row_exists and self.show_row_labels)
        ):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        cells = self._get_row_renderables(row_index).cells
        widths = [column.get_render_width(self) for column in self.ordered_columns]
        if len(cells) != len(widths) or any(type(cell) is not Text for cell in cells):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        row_style = self._get_row_style(row_index, base_style)
        styles = self._get_styles_to_render_cell
        show_hover_cursor = self._show_hover_cursor
        css_foreground = self.cursor_foreground_priority == "css"
        css_background = self.cursor_background_priority == "css"
        fixed = row_index < self.fixed_rows
        get_style = self.app.console.get_style
        options = self.app.console_options
        padding = self.cell_padding
        scrollable_row: list[list[Segment]] = []
        layers: dict[tuple[bool, bool], tuple[Style, Style, bool]] = {}
        for column_index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            lit = _lit(cursor_type, row_index, column_index, hover_location, cursor_location)
            layer = layers.get(lit)
            if layer is None:
                component_style, post_style = styles(
                    False, False, fixed, *lit, show_cursor, show_hover_cursor, css_foreground, css_background
                )
                plain = _plain_layer(component_style) and _plain_layer(post_style)
                layer = layers[lit] = (component_style, post_style, plain, row_style + component_style)
            component_style, post_style, plain, plain_pre_style = layer
            meta = cell_meta_style(row_index, column_index)
            if plain:
                pre_style, cell_meta = plain_pre_style, meta
            else:
                pre_style, cell_meta = row_style + meta + component_style, None
            line = text_cell_line(
                cell,
                width,
                padding,
                pre_style,
                post_style,
                get_style,
                options,
                cell_meta,
            )
            if line is None:
                return super()._render_line_in_row(
                    row_key, line_no, base_style, cursor_location, hover_location
                )
            scrollable_row.append(line)
        end = self._row_end(row_index, row_style, cursor_location, hover_location, widths)
        scrollable_row.append([end])
        drawn = _DrawnRow(scrollable_row)
        drawn.cell_length = sum(widths) + len(end.text)
        row_pair: tuple[SegmentLines, SegmentLines] = ([], drawn)
        self._row_render_cache[cache_key] = row_pair
        return row_pair

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """``DataTable._render_line`` for a row :meth:`_render_line_in_row` drew itself: the same strip,
        made knowing its length (DataTable measures every segment of every line again); any other line
        as DataTable makes it. Same cache, same cache key."""
        width = self.size.width
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        cursor_location = self.cursor_coordinate
        hover_location = self.hover_coordinate
        cache_key = (
            y,
            x1,
            x2,
            width,
            cursor_location,
            hover_location,
            base_style,
            self.cursor_type,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        fixed, scrollable = self._render_line_in_row(
            row_key, line_no, base_style, cursor_location, hover_location
        )
        if fixed or not isinstance(scrollable, _DrawnRow):
            return super()._render_line(y, x1, x2, base_style)
        # DataTable crops with the table's width as the line's length, which is never less than x2: the
        # crop keeps everything from x1 on, split exactly at x1 (a wide character cut in two becomes
        # spaces), so the cropped line is the row's length less x1.
        segments = line_crop(list(chain.from_iterable(scrollable)), x1, x2, width)
        strip = Strip(segments, max(0, scrollable.cell_length - x1))
        strip = strip.adjust_cell_length(width, base_style).simplify()
        self._line_cache[cache_key] = strip
        return strip

    def _row_end(
        self,
        row_index: int,
        row_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
        widths: list[int],
    ) -> Segment:
        """The blank that extends a body row (of a table without fixed columns or row labels, whose
        columns are ``widths`` wide) to the table's width, styled as ``DataTable`` styles it."""
        remaining_space = max(0, self.size.width - sum(widths))
        if self.cursor_type == "row":
            extend_style, _ = self._get_styles_to_render_cell(
                row_index == -1,
                False,
                False,
                self._should_highlight(hover_location, Coordinate(row_index or 0, 0), self.cursor_type),
                row_index == cursor_location.row,
                self.show_cursor,
                self._show_hover_cursor,
                False,
                False,
            )
            extend_style = row_style + extend_style
        elif row_style.bgcolor is not None:
            faded_color = Color.from_rich_color(row_style.bgcolor).blend(
                self.background_colors[1], factor=0.25
            )
            extend_style = Style.from_color(color=row_style.color, bgcolor=faded_color.rich_color)
        else:
            extend_style = Style.from_color(row_style.color, row_style.bgcolor)
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        return Segment(" " * remaining_space, extend_style)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """Draw a cell (of a row :meth:`_render_line_in_row` leaves to ``DataTable``, the header's among
        them): a cell of one line of unspanned text by :func:`text_cell_line`, which gives the segments
        of ``DataTable._render_cell`` (neighbours of one style joined) in a fraction of the time; any
        other cell as ``DataTable`` does. Same cache, same cache key."""
        header = row_index == -1
        if column_index < 0 or row_index < -1 or (header and self.header_height != 1):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._header_row_key if header else self._row_locations.get_key(row_index)
        cache_key = (
            row_key,
            self._column_locations.get_key(column_index),
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        if header:
            one_line = True
        else:
            row = self.rows.get(row_key) if row_key is not None else None
            one_line = row is not None and row.height == 1
        cell = self._get_row_renderables(row_index).cells[column_index] if one_line else None
        if type(cell) is not Text:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            header,
            False,
            not header and (row_index < self.fixed_rows or column_index < self.fixed_columns),
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + cell_meta_style(row_index, column_index) + component_style
        line = text_cell_line(
            cell,
            width,
            self.cell_padding,
            pre_style,
            post_style,
            self.app.console.get_style,
            self.app.console_options,
        )
        if line is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        lines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines


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
    the columns named there (by index; each must be one of the columns)."""
    widths = [cell_len(h) if isinstance(h, str) else h.cell_len for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            width = cell_len(cell) if isinstance(cell, str) else cell.cell_len
            if width > widths[index]:
                widths[index] = width
    for index, cap in (caps or {}).items():
        widths[index] = min(widths[index], cap)
    return widths


def text_cell_line(
    text: Text,
    width: int,
    padding: int,
    pre_style: Style,
    post_style: Style,
    get_style: Any,
    options: Any,
    meta: Style | None = None,
) -> list[Segment] | None:
    """The segments of a one-line table cell showing ``text``: what ``DataTable`` gets from rich for
    ``Styled(Padding(text, (0, padding)), pre_style, post_style)`` rendered ``width`` cells wide and one
    line high without wrapping, with neighbouring segments of one style joined (``DataTable`` joins
    them when it puts the line together, so the drawn line is the very same); or None when ``text``
    is not of the plain kind this handles (one line without tabs, no spans, wrapping not forced on, a
    justify and overflow rich places simply).

    ``meta`` is the cell's style of mouse metadata (its row and column), which ``DataTable`` adds to
    ``pre_style`` between the row's style and the cursor's; given apart, it is added to each segment's
    style last instead, which is the same style (see :func:`_plain_layer`) and much cheaper: the styles
    of the other layers are then the few a table uses over and over, whose sums rich keeps.

    ``get_style`` is the console's ``get_style`` and ``options`` its options. Each step below is the
    step rich takes (``Text.wrap`` and ``Lines.justify``, ``Text.join``/``Text.render``,
    ``Segment.split_and_crop_lines``, ``Padding``, ``Segment.apply_style``), specialised to one line;
    ``tests/test_data_table.py`` checks the result against rich's for any text, width and style.
    """
    inner = width - 2 * padding
    plain = text.plain
    justify = text.justify or options.justify or "default"
    overflow = text.overflow or options.overflow or "fold"
    if (
        inner < 1
        or text._spans
        or text.no_wrap is False
        or text.end not in ("", "\n")
        or justify not in _SIMPLE_JUSTIFY
        or overflow not in _SIMPLE_OVERFLOW
        or "\n" in plain
        or "\t" in plain
    ):
        return None
    # Text.wrap with no_wrap: Lines.justify, then truncate.
    if justify == "left":
        plain = _truncated(plain, inner, overflow, pad=True)
    elif justify == "right":
        plain = _truncated(plain.rstrip(), inner, overflow)
        plain = " " * (inner - cell_len(plain)) + plain
    elif justify == "center":
        plain = _truncated(plain.rstrip(), inner, overflow)
        plain = " " * ((inner - cell_len(plain)) // 2) + plain
        plain = plain + " " * (inner - cell_len(plain))
    plain = _truncated(plain, inner, overflow)
    blank = get_style("none")
    own = get_style(text.style, default=Style.null()) if text.style else None
    if meta is not None and own is not None and not _plain_layer(own):
        pre_style, meta = pre_style + meta, None
    # Text.join turns the text's style into a span over the line; Text.render draws an unspanned text
    # as one unstyled segment, even an empty one, and a spanned one in its style, unless it is empty.
    line: list[Segment] = []
    if not text.style:
        line.append(Segment(plain))
    elif plain:
        line.append(Segment(plain, own))
    used = cell_len(plain)
    if used < inner:
        line.append(Segment(" " * (inner - used), blank))
    if padding:
        edge = Segment(" " * padding, blank)
        line = [edge, *line, edge]
    # Each layer's style once, and neighbours of one style as one segment (as Strip.simplify would
    # join them): a cell of unstyled text is a single segment.
    finals: dict[Style | None, Style | None] = {}
    drawn: list[Segment] = []
    for part, style, _ in line:
        if style in finals:
            final = finals[style]
        else:
            final = _styled(style, pre_style, post_style)
            if meta is not None:
                final = meta if final is None else final + meta
            finals[style] = final
        if drawn and (drawn[-1].style is final or drawn[-1].style == final):
            drawn[-1] = Segment(drawn[-1].text + part, final)
        else:
            drawn.append(Segment(part, final))
    return drawn


class _DrawnRow(list[list[Segment]]):
    """The cells of a row :meth:`Table._render_line_in_row` drew, and the row's length in cells."""

    cell_length: int = 0


def _lit(cursor_type: str, row: int, column: int, hover: Coordinate, cursor: Coordinate) -> tuple[bool, bool]:
    """Whether the hover and the cursor highlight the cell at ``row``, ``column``: what
    ``DataTable._should_highlight`` answers for each."""
    if cursor_type == "row":
        return hover.row == row, cursor.row == row
    if cursor_type == "cell":
        return hover == (row, column), cursor == (row, column)
    if cursor_type == "column":
        return hover.column == column, cursor.column == column
    return False, False


@lru_cache(maxsize=16384)
def cell_meta_style(row: int, column: int) -> Style:
    """The style carrying a cell's mouse metadata, as ``DataTable`` makes it: made once for each cell
    position, so that the styles it is added to find their sums in rich's cache frame after frame."""
    return Style.from_meta({"row": row, "column": column})


def _plain_layer(style: Style | None) -> bool:
    """Whether a layer of a cell's style carries neither mouse metadata nor a link. Adding the cell's
    metadata after such layers rather than before them gives the same colours, attributes, link and
    metadata (rich adds metadata by merging, and takes the last link), so an equal style."""
    return style is None or not (style._meta or style._link)


def _truncated(plain: str, width: int, overflow: str, *, pad: bool = False) -> str:
    """``Text.truncate`` of a text ``plain``."""
    length = cell_len(plain)
    if length > width:
        plain = (
            set_cell_size(plain, width - 1) + "…" if overflow == "ellipsis" else set_cell_size(plain, width)
        )
    if pad and length < width:
        plain += " " * (width - length)
    return plain


def _styled(style: Style | None, pre_style: Style, post_style: Style) -> Style | None:
    """``Segment.apply_style``'s style for a segment of ``style``."""
    if pre_style:
        style = pre_style + style
    if post_style:
        style = style + post_style if style else post_style
    return style
