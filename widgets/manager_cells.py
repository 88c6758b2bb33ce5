"""Cells of the branch manager's tables: tier badges and statuses in the theme's colours (the colours
of :mod:`widgets.tier_badge`, in one language so that narrow tables fit), amounts and counts
right-aligned with thousands separators.

The colours are theme variables looked up in the running app's ``theme_variables``, so a change of
theme recolours the cells; no colour is written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from rm_console.domain.enums import Status
from rm_console.domain.money import format_yuan
from rm_console.domain.words import STATUS_ZH, TIER_ZH
from widgets.tier_badge import STATUS_COLOURS, TIER_COLOURS

#: What an empty cell shows.
EMPTY = "·"


def colour(colours: Mapping[str, str], variable: str | None) -> str | None:
    """The plain colour of the theme variable ``variable`` (None when it has none)."""
    value = colours.get(variable or "", "")
    return value if value.startswith("#") else None


def tier_style(tier: str, colours: Mapping[str, str]) -> Style:
    """The badge style of ``tier``: its text and background colours, bold; dim for ordinary."""
    pair = TIER_COLOURS.get(tier)
    if pair is None:
        return Style(dim=True)
    return Style(bold=True, color=colour(colours, pair[0]), bgcolor=colour(colours, pair[1]))


def tier_word(tier: str, lang: str) -> str:
    """The tier's name in the UI language only (tables keep one language to stay narrow)."""
    return TIER_ZH.get(tier, tier) if lang == "zh" else tier


def status_word(status: str, lang: str) -> str:
    """The status's name in the UI language only."""
    return STATUS_ZH.get(status, status) if lang == "zh" else status


def tier_cell(tier: str | None, lang: str, colours: Mapping[str, str], *, padded: bool = True) -> Text:
    """A tier badge (with a space either side unless ``padded`` is False, for narrow tables); a dim dot
    when the customer was not evaluated."""
    if tier is None:
        return Text(EMPTY, style="dim")
    word = tier_word(tier, lang)
    return Text(f" {word} " if padded else word, style=tier_style(tier, colours))


def tier_header(tier: str, lang: str, colours: Mapping[str, str]) -> Text:
    """A right-aligned column header holding a tier badge (the padding stays unstyled)."""
    header = Text(justify="right")
    header.append(f" {tier_word(tier, lang)} ", style=tier_style(tier, colours))
    return header


def status_cell(status: str | None, lang: str, colours: Mapping[str, str]) -> Text:
    """A status in its colour; a dim dot for customers without a status (ordinary, not evaluated)."""
    if status is None:
        return Text(EMPTY, style="dim")
    style = Style(color=colour(colours, STATUS_COLOURS.get(status)), bold=status == Status.CHURNED)
    return Text(status_word(status, lang), style=style)


def money_cell(fen: int | None, *, style: str = "") -> Text:
    """``¥1,234,567`` right-aligned; a dim dot for no figure."""
    if fen is None:
        return Text(EMPTY, style="dim", justify="right")
    return Text(format_yuan(fen), style=style, justify="right")


def count_cell(value: int, *, style: str = "") -> Text:
    """A count right-aligned with thousands separators; a dim dot for 0."""
    if not value:
        return Text(EMPTY, style="dim", justify="right")
    return Text(f"{value:,}", style=style, justify="right")


def fit_columns(
    headers: Mapping[str, Text],
    rows: Sequence[Mapping[str, Text]],
    available: int,
    drop: Sequence[str],
    *,
    padding: int = 1,
) -> list[str]:
    """The column keys of ``headers`` that fit in ``available`` cells: the columns of ``drop`` (the
    least needed first) are left out one by one until the table is no wider (each column as wide as
    its widest cell, ``padding`` cells either side, as a ``DataTable`` lays it out)."""
    widths = {
        key: max([header.cell_len, *(row[key].cell_len for row in rows if key in row)]) + 2 * padding
        for key, header in headers.items()
    }
    shown = list(headers)
    for key in drop:
        if sum(widths[k] for k in shown) <= available:
            break
        if key in shown:
            shown.remove(key)
    return shown


def fill_table(
    table: DataTable[Text],
    headers: Mapping[str, Text],
    rows: Sequence[tuple[str | None, Mapping[str, Text]]],
    columns: Sequence[str] | None = None,
) -> None:
    """Empty ``table`` and fill it with ``rows`` (``(row key, {column key: cell})``) under ``headers``,
    showing ``columns`` (default: every header).

    Each column is given the width of its widest cell up front, rather than measured by the table when
    it is next idle: a table drawn before that measurement would keep its cells cut to the headers.
    """
    shown = list(headers) if columns is None else list(columns)
    table.clear(columns=True)
    for key in shown:
        width = max([headers[key].cell_len, *(cells[key].cell_len for _key, cells in rows if key in cells)])
        table.add_column(headers[key], width=width, key=key)
    for row_key, cells in rows:
        table.add_row(*(cells.get(key, Text("")) for key in shown), key=row_key)


def right(text: str, *, style: str = "") -> Text:
    """A right-aligned header or cell."""
    return Text(text, style=style, justify="right")


__all__ = [
    "EMPTY",
    "colour",
    "count_cell",
    "fill_table",
    "fit_columns",
    "money_cell",
    "right",
    "status_cell",
    "status_word",
    "tier_cell",
    "tier_header",
    "tier_style",
    "tier_word",
]
