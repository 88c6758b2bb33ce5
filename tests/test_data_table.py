"""The console's tables draw one-line text cells themselves (widgets.data_table.text_cell_line): the
segments must be exactly those rich gives DataTable, or every table would look different."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.renderables.styled import Styled
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import DuplicateKey

import widgets.data_table as data_table
from widgets.data_table import FixedWidthTable, Table, text_cell_line

CONSOLE = Console(width=120, color_system="truecolor", legacy_windows=False)
STYLES = [
    "",
    "none",
    "bold",
    "red on #102030",
    "not a style",
    Style(italic=True, color="green"),
    Style.null(),
    Style(link="https://example.com/"),
    Style(bold=True) + Style.from_meta({"@click": "open"}),
]
LAYER_STYLES = [
    Style(),
    Style.null(),
    Style(color="#e0e0e0", bgcolor="#1e1e1e") + Style.from_meta({"row": 3, "column": 1}),
    Style(bold=True, reverse=True),
]
CHARACTERS = st.sampled_from(list("ab Z09 ,.-¥…王强钻石客户\t\n🙂\u3000"))


def rich_line(text: Text, width: int, padding: int, pre: Style, post: Style) -> list[Any]:
    """What DataTable._render_cell gets from rich for a one-line cell, with neighbouring segments of
    one style joined, as DataTable joins them when it puts a line together."""
    options = CONSOLE.options.update_dimensions(width, 1).update(no_wrap=True)
    lines = CONSOLE.render_lines(Styled(Padding(text, (0, padding)), pre_style=pre, post_style=post), options)
    return [list(Segment.simplify(line)) for line in lines]


def simple(text: Text, width: int, padding: int) -> bool:
    """Whether the cell is of the kind text_cell_line draws itself."""
    return (
        width - 2 * padding >= 1
        and not text.spans
        and text.no_wrap is not False
        and (text.justify or "default") in ("default", "left", "right", "center")
        and (text.overflow or "fold") in ("fold", "crop", "ellipsis")
        and "\n" not in text.plain
        and "\t" not in text.plain
    )


@settings(max_examples=1500, deadline=None)
@given(
    plain=st.text(CHARACTERS, max_size=24),
    style=st.sampled_from(STYLES),
    justify=st.sampled_from([None, "default", "left", "right", "center", "full"]),
    overflow=st.sampled_from([None, "fold", "crop", "ellipsis", "ignore"]),
    no_wrap=st.sampled_from([None, True, False]),
    end=st.sampled_from(["", "\n"]),
    width=st.integers(0, 30),
    padding=st.integers(0, 2),
    pre=st.sampled_from(LAYER_STYLES),
    post=st.sampled_from(LAYER_STYLES),
    markup=st.booleans(),
    apart=st.booleans(),
)
def test_a_text_cell_is_drawn_as_rich_draws_it(
    plain: str,
    style: str | Style,
    justify: Any,
    overflow: Any,
    no_wrap: bool | None,
    end: str,
    width: int,
    padding: int,
    pre: Style,
    post: Style,
    markup: bool,
    apart: bool,
) -> None:
    """Given its mouse metadata apart (``apart``), the cell gets the metadata added after its layers
    rather than between the row's style and the cursor's, which must make no difference."""
    meta = Style.from_meta({"row": 2, "column": 1})
    if apart:
        pre, post = (layer if plain_layer(layer) else Style(color="#e0e0e0") for layer in (pre, post))
    if markup:
        text = Text.from_markup(
            f"[bold]{plain}[/]x", style=style, justify=justify, overflow=overflow, end=end
        )
        text.no_wrap = no_wrap
    else:
        text = Text(plain, style=style, justify=justify, overflow=overflow, no_wrap=no_wrap, end=end)
    line = text_cell_line(
        text, width, padding, pre, post, CONSOLE.get_style, CONSOLE.options, meta if apart else None
    )
    if simple(text, width, padding):
        assert line is not None
        assert [line] == rich_line(text, width, padding, pre + meta if apart else pre, post)
    else:
        assert line is None


def plain_layer(style: Style) -> bool:
    return not (style.meta or style.link)


@pytest.mark.parametrize(
    "text",
    [
        Text("1000000001"),
        Text(""),
        Text("王强王强王强王强王强", no_wrap=True, overflow="ellipsis"),
        Text("¥1,234,567.89", justify="right"),
        Text("钻石 diamond  ", style="bold magenta", justify="center"),
        Text("   ", style="red", justify="right"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("width", [1, 3, 4, 9, 12, 30])
def test_typical_cells_of_the_console_are_drawn_as_rich_draws_them(text: Text, width: int) -> None:
    pre, post = LAYER_STYLES[2], LAYER_STYLES[3]
    line = text_cell_line(text, width, 1, pre, post, CONSOLE.get_style, CONSOLE.options)
    if width < 3:
        assert line is None
    else:
        assert [line] == rich_line(text, width, 1, pre, post)


class TablesApp(App[None]):
    """Two tables with the console's kinds of cell: one with a cell cursor, one with fixed column widths,
    zebra stripes and a row cursor."""

    def compose(self) -> ComposeResult:
        yield Table(id="measured")
        yield FixedWidthTable(id="fixed", zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        rows = [
            (
                "1000000001",
                Text("王强", overflow="ellipsis"),
                "[bold]钻石[/]",
                Text("¥88,888.88", justify="right"),
            ),
            ("1000000002", Text("A very long corporate name", no_wrap=True, overflow="ellipsis"), "gold", ""),
            ("1000000003", Text(""), Text("tab\there"), Text("two\nlines")),
        ]
        for table_id, widths in (("#measured", [None] * 4), ("#fixed", [10, 8, 6, 12])):
            table = self.query_one(table_id, Table)
            for header, width in zip(["CIF", "Name", "Tier", "AUM"], widths, strict=True):
                table.add_column(header, width=width)
            for row in rows * 4:
                table.add_row(*row)


async def drawn(monkeypatch: pytest.MonkeyPatch, *, fast: bool) -> list[list[Strip]]:
    """Every line of both tables, with the cursor on the second row, drawn with or without
    text_cell_line: one line at a time, as a frame draws them (with what it looks up once a frame),
    and cropped from a few columns in (one of them within a wide character), as when scrolled."""
    if not fast:  # DataTable's own drawing, through and through
        monkeypatch.setattr(data_table, "text_cell_line", lambda *args: None)
        for name in ("_render_line", "_get_row_style", "ordered_columns"):
            monkeypatch.setattr(Table, name, getattr(DataTable, name))
    app = TablesApp()
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        lines = []
        for table in app.query(Table):
            table.move_cursor(row=1)
            await pilot.pause()
            width, height = table.size
            table._clear_caches()
            lines.append([table.render_line(y) for y in range(height)])
            table._clear_caches()
            lines.append(table.render_lines(Region(0, 0, width, height)))
            table._clear_caches()
            style = table.rich_style
            crops = (1, 14, 15)
            lines.append([table._render_line(y, x, x + width, style) for y in range(height) for x in crops])
    monkeypatch.undo()
    return lines


async def test_tables_draw_the_same_lines_as_datatable(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = data_table.text_cell_line

    def counted(*args: Any) -> Any:
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(data_table, "text_cell_line", counted)
    fast = await drawn(monkeypatch, fast=True)
    assert calls, "the tables never drew a cell themselves"
    assert fast == await drawn(monkeypatch, fast=False)


class FillApp(App[None]):
    """A table filled by add_row one row at a time, or by add_keyed_rows at once; what each posts."""

    def __init__(self, *, at_once: bool) -> None:
        super().__init__()
        self.at_once = at_once
        self.highlighted: list[tuple[int, str | None]] = []

    def compose(self) -> ComposeResult:
        yield Table(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(Table)
        table.add_columns("CIF", "Name", "AUM")
        rows = [
            (f"c{i}", (f"10000{i:05d}", Text(f"客户{i}"), Text(f"¥{i},000.00", justify="right")))
            for i in range(60)
        ]
        rows.append(("short", ("1000099999",)))
        if self.at_once:
            table.add_keyed_rows(rows)
        else:
            for key, cells in rows:
                table.add_row(*cells, key=key)

    def on_data_table_row_highlighted(self, event: Table.RowHighlighted) -> None:
        self.highlighted.append((event.cursor_row, event.row_key.value))


async def filled(*, at_once: bool) -> tuple[Any, ...]:
    app = FillApp(at_once=at_once)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(Table)
        await pilot.press("down", "down")
        await pilot.pause()
        return (
            [(key.value, table._row_locations.get(key), table.get_row(key)) for key in table.rows],
            [(row.key.value, row.height, row.label, row.auto_height) for row in table.rows.values()],
            table.row_count,
            table.virtual_size,
            table.cursor_coordinate,
            app.highlighted,
            [table.render_line(y).text for y in range(table.size.height)],
        )


async def test_rows_added_at_once_make_the_same_table_as_rows_added_one_by_one() -> None:
    at_once = await filled(at_once=True)
    assert at_once == await filled(at_once=False)
    assert at_once[-2][:1] == [(0, "c0")], "the first row's highlight was not posted"


async def test_rows_added_at_once_refuse_a_key_already_there() -> None:
    app = FillApp(at_once=True)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(Table)
        with pytest.raises(DuplicateKey):
            table.add_keyed_rows([("new", ("1",)), ("c3", ("2",))])
        with pytest.raises(ValueError):
            table.add_keyed_rows([("wide", ("1", "2", "3", "4"))])


async def test_a_table_draws_each_frame_in_its_style_of_the_moment() -> None:
    """The table works out its own style once a frame, not once and for all."""
    app = FillApp(at_once=True)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(Table)
        crop = Region(0, 0, table.size.width, table.size.height)
        before = table.render_lines(crop)
        table.styles.background = "#805020"
        table._clear_caches()
        after = table.render_lines(crop)
        assert before != after
        background = table.rich_style.bgcolor
        assert background is not None and background.triplet is not None and background.triplet.red > 0x70
        assert any(segment.style is not None and segment.style.bgcolor == background for segment in after[5])
