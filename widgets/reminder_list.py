"""Today's reminders (当日工作提醒) of the RM's workbench, and the table panel the workbench's lists share.

:class:`TablePanel` is a bordered panel around one row-cursor table whose flexible column takes the width
that is left, cut with an ellipsis; on a narrow terminal it drops its low-priority columns rather than
wrap. :class:`ReminderList` shows the day's reminders in it: priority, when, what, who and the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from rich.cells import cell_len
from rich.console import JustifyMethod
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.widgets._data_table import RowRenderables

from rm_console.domain.dto import ReminderDTO
from rm_console.i18n import N_, _, language, with_chinese
from widgets.data_table import FixedWidthTable

#: The widest a customer's name is shown in a panel, in terminal cells (seven Chinese characters).
NAME_WIDTH = 14


class Cell:
    """A panel's cell as its rows are filled: its text, its style and how it is placed, made into rich
    ``Text`` only when its row is first drawn (:meth:`PanelTable._compute_row_renderables`).

    A panel holds every row of its list (an RM may have a thousand reminders and two thousand
    recommendations on a day) of which a dozen show at a time; making each cell's ``Text`` up front,
    its text cleaned of control codes, was most of the time a panel took to fill, at the start and
    after every saved record.
    """

    __slots__ = ("justify", "plain", "style", "truncate")

    def __init__(
        self,
        plain: str,
        style: str | Style = "",
        *,
        justify: JustifyMethod | None = None,
        truncate: bool = False,
    ) -> None:
        self.plain = plain
        """The cell's text."""
        self.style = style
        """Its style."""
        self.justify = justify
        """Where it is placed in the cell (None: rich's default, left)."""
        self.truncate = truncate
        """True when it is one line ending with an ellipsis where it does not fit (see :func:`cut`)."""

    def __str__(self) -> str:
        return self.plain

    def __repr__(self) -> str:
        return f"Cell({self.plain!r}, {self.style!r})"

    def __rich__(self) -> Text:
        return self.text()

    def text(self) -> Text:
        """The cell as rich draws it."""
        if self.truncate:
            return Text(self.plain, style=self.style, no_wrap=True, overflow="ellipsis", end="")
        return Text(self.plain, style=self.style, justify=self.justify)


#: A table row: its key and its cells.
Row = tuple[str, list[Text | Cell]]


class TablePanel(Widget):
    """A bordered panel with a note line and a row-cursor table that fits its width.

    Subclasses give their rows (:meth:`rows`); the column :attr:`FLEX` takes the width the others leave,
    and the columns of :attr:`DROP` are dropped, in that order, when the flexible one would be narrower
    than :attr:`MIN_FLEX`.
    """

    DEFAULT_CSS = """
    TablePanel {
        height: 1fr;
        border: round $primary;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    TablePanel:focus-within {
        border: round $accent;
    }
    TablePanel > .panel--note {
        height: auto;
        color: $text-muted;
    }
    TablePanel > .panel--note.-empty {
        display: none;
    }
    TablePanel > DataTable {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    TablePanel > DataTable > .datatable--cursor {
        text-style: bold;
    }
    """

    FLEX: ClassVar[int] = -1
    """Index of the column that takes the width left by the others."""

    DROP: ClassVar[tuple[int, ...]] = ()
    """Indexes of the columns dropped first, in order, when the panel is narrow."""

    MIN_FLEX: ClassVar[int] = 16
    """The narrowest the flexible column may get before columns are dropped."""

    CAPPED: ClassVar[dict[int, int]] = {}
    """The widest some columns may get (by index), cut with an ellipsis beyond: a corporate customer's
    name must not take the room of the text beside it."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._built_width = -1

    def compose(self) -> ComposeResult:
        """The note line and the table."""
        yield Static("", classes="panel--note -empty")
        yield panel_table()

    @property
    def table(self) -> PanelTable:
        """The panel's table."""
        return self.query_one(PanelTable)

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor, None when the table is empty."""
        table = self.table
        if table.row_count == 0:
            return None
        row = min(max(table.cursor_row, 0), table.row_count - 1)
        key = table.coordinate_to_cell_key((row, 0)).row_key.value
        return str(key) if key is not None else None

    def set_note(self, text: str) -> None:
        """Show ``text`` above the table (nothing when empty)."""
        note = self.query_one(".panel--note", Static)
        note.update(text)
        note.set_class(not text, "-empty")

    def rows(self) -> list[Row]:
        """The rows to show, each its key and its cells (subclasses give them)."""
        return []

    def on_resize(self, event: events.Resize) -> None:
        """Fit the columns to the new width."""
        if event.size.width != self._built_width:
            self.rebuild()

    def rebuild(self) -> None:
        """Refill the table from :meth:`rows`, keeping the cursor on the same row where it still is, else
        at the same place (on the row that followed one done, snoozed or dismissed)."""
        if not self.is_mounted:
            return
        table = self.table
        previous = self.current_key
        place = table.cursor_row
        rows = self.rows()
        width = self.content_size.width or 60
        self._built_width = self.size.width
        kept = self._fit(rows, width - 1)
        table.clear(columns=True)
        for index, column_width in kept:
            table.add_column("", width=column_width, key=str(index))
        table.add_keyed_rows((key, [cells[index] for index, _width in kept]) for key, cells in rows)
        if previous is not None and previous in {key for key, _cells in rows}:
            table.move_cursor(row=table.get_row_index(previous), animate=False)
        elif rows:
            table.move_cursor(row=min(max(place, 0), len(rows) - 1), animate=False)

    def _fit(self, rows: Sequence[Row], width: int) -> list[tuple[int, int]]:
        """The columns kept, each with its width: content width, the flexible one taking the rest."""
        count = len(rows[0][1]) if rows else 0
        if count == 0:
            return []
        flex = self.FLEX % count
        # The flexible column takes what is left, so only the others are measured.
        natural = [
            1 if i == flex else max((cell_len(cells[i].plain) for _key, cells in rows), default=1)
            for i in range(count)
        ]
        for i, cap in self.CAPPED.items():
            natural[i % count] = min(natural[i % count], cap)
        kept = list(range(count))
        for dropped in (*self.DROP, None):
            fixed = sum(max(natural[i], 1) + 2 for i in kept if i != flex)
            room = width - fixed - 2
            if room >= self.MIN_FLEX or dropped is None:
                break
            if dropped in kept and dropped != flex:
                kept.remove(dropped)
        fixed = sum(max(natural[i], 1) + 2 for i in kept if i != flex)
        room = max(width - fixed - 2, 4)
        return [(i, room if i == flex else max(natural[i], 1)) for i in kept]

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Show the cursor while the panel has the focus."""
        self.table.show_cursor = True

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """Hide the cursor when the focus leaves, so that only the focused panel shows one."""
        self.table.show_cursor = False

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.row_chosen(str(event.row_key.value))

    def row_chosen(self, key: str) -> None:
        """Called when enter is pressed on the row ``key`` (subclasses post their message)."""


class PanelTable(FixedWidthTable[Text | Cell]):
    """A panel's table: the panel fits every column to its width (:meth:`TablePanel._fit`), and a row's
    :class:`Cell` values become ``Text`` when the row is first drawn."""

    def _compute_row_renderables(self, row_index: int) -> RowRenderables:
        renderables = super()._compute_row_renderables(row_index)
        cells = renderables.cells
        if not any(type(cell) is Cell for cell in cells):
            return renderables
        return RowRenderables(
            renderables.label, [cell.text() if isinstance(cell, Cell) else cell for cell in cells]
        )


def panel_table() -> PanelTable:
    """The table of a panel: whole rows, no header; its cursor shows only while it has the focus."""
    table = PanelTable(cursor_type="row", show_header=False, zebra_stripes=False)
    table.show_cursor = False
    return table


def cut(text: str, style: str | Style = "") -> Cell:
    """One line of ``text`` that ends with an ellipsis when it does not fit its cell."""
    return Cell(text, style, truncate=True)


#: The short word of each reminder kind.
KIND_WORDS: dict[str, str] = {
    "visit": N_("Visit"),
    "call": N_("Call"),
    "follow_up": N_("Follow-up due"),
    "maturity": N_("Maturity"),
    "card_repayment": N_("Repayment"),
    "overdue_loan": N_("Overdue loan"),
    "problem_loan": N_("Problem loan"),
    "large_txn": N_("Large txn"),
    "birthday": N_("Birthday"),
    "important_date": N_("Anniversary"),
    "festival": N_("Festival"),
    "assessment_expiring": N_("Risk review"),
    "assessment_expired": N_("Risk expired"),
    "manual": N_("Reminder"),
}


def kind_word(kind: str) -> str:
    """The short word of a reminder kind in the UI language."""
    word = KIND_WORDS.get(kind)
    return _(word) if word is not None else kind


def without_cif(text: str, cif: str | None) -> str:
    """A reminder's text without the ``(CIF …)`` after the name: the panel shows the CIF elsewhere."""
    if not cif:
        return text
    return text.replace(f" (CIF {cif})", "").replace(f"（CIF {cif}）", "")


class ReminderList(TablePanel):
    """Today's reminders, high priority first: done (d), snoozed (s) or dismissed (x) from the screen."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reminder-list--high",
        "reminder-list--low",
        "reminder-list--past",
    }

    DEFAULT_CSS = """
    ReminderList > .reminder-list--high {
        color: $error;
        text-style: bold;
    }
    ReminderList > .reminder-list--low {
        color: $text-muted;
    }
    ReminderList > .reminder-list--past {
        color: $warning;
    }
    """

    FLEX = 4
    DROP = (1,)
    CAPPED: ClassVar[dict[int, int]] = {3: NAME_WIDTH}

    reminders: reactive[tuple[ReminderDTO, ...] | None] = reactive(None, always_update=True)
    """The reminders to show; None while loading."""

    today: reactive[date | None] = reactive(None)
    """The business date the reminders are for."""

    class Chosen(Message):
        """Enter was pressed on a reminder."""

        def __init__(self, reminder: ReminderDTO) -> None:
            super().__init__()
            self.reminder = reminder
            """The reminder under the cursor."""

    def on_mount(self) -> None:
        """Title the panel."""
        self._title()
        self.set_note(_("Loading…"))

    def _title(self) -> None:
        count = f" ({len(self.reminders)})" if self.reminders is not None else ""
        self.border_title = with_chinese("Today's reminders") + count
        self.border_subtitle = _("d done · s snooze · x dismiss")

    def watch_reminders(self) -> None:
        """Refill the table."""
        if not self.is_mounted:
            return
        self._title()
        if self.reminders is not None:
            self.set_note("" if self.reminders else _("Nothing to remind you of today."))
        self.rebuild()

    @property
    def current(self) -> ReminderDTO | None:
        """The reminder under the cursor."""
        key = self.current_key
        return next((r for r in self.reminders or () if r.id == key), None)

    def _when(self, reminder: ReminderDTO, today: str | None, past: Style) -> Cell:
        """When the reminder is due: today, or the day (``11-20``), marked when it has passed."""
        if today is None or reminder.due == today:
            return Cell(_("today"))
        return Cell(reminder.due[5:], past if reminder.due < today else "")

    def rows(self) -> list[Row]:
        """Priority mark, when, kind, customer, text."""
        high = self.get_component_rich_style("reminder-list--high", partial=True)
        low = self.get_component_rich_style("reminder-list--low", partial=True)
        past = self.get_component_rich_style("reminder-list--past", partial=True)
        today = self.today.isoformat() if self.today is not None else None
        lang = language()
        found: list[Row] = []
        for reminder in self.reminders or ():
            style: str | Style = low if reminder.priority == "low" else ""
            found.append(
                (
                    reminder.id,
                    [
                        Cell("!" if reminder.priority == "high" else " ", high),
                        self._when(reminder, today, past),
                        Cell(kind_word(reminder.kind), high if reminder.priority == "high" else style),
                        cut(reminder.name or "—", style),
                        cut(without_cif(reminder.text(lang), reminder.cif), style),
                    ],
                )
            )
        return found

    def row_chosen(self, key: str) -> None:
        """Post the chosen reminder."""
        reminder = next((r for r in self.reminders or () if r.id == key), None)
        if reminder is not None:
            self.post_message(self.Chosen(reminder))
