"""Today's work log (日常工作登记簿): what the RM wrote down today, newest last."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import Static

from rm_console.domain.calendar import BUSINESS_TZ
from rm_console.domain.records_dto import WorkLogDay
from rm_console.i18n import N_, _, with_chinese
from widgets.reminder_list import Row, TablePanel, cut, panel_table

#: The word of each work-log kind.
WORK_KIND_WORDS: dict[str, str] = {
    "note": N_("note"),
    "visit": N_("visit"),
    "call": N_("call"),
    "sale": N_("sale"),
    "meeting": N_("meeting"),
    "training": N_("training"),
    "other": N_("other"),
}


def work_kind_word(kind: str) -> str:
    """A work-log kind in the UI language."""
    word = WORK_KIND_WORDS.get(kind)
    return _(word) if word is not None else kind


class WorkLogPanel(TablePanel):
    """The acting person's work log of the day: time, kind and text; ``a`` adds an entry."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"work-log-panel--time"}

    DEFAULT_CSS = """
    WorkLogPanel > .work-log-panel--time {
        color: $text-muted;
    }
    WorkLogPanel > .work-log-panel--hint {
        height: 1;
        color: $text-muted;
    }
    """

    FLEX = 2
    DROP = (1,)
    MIN_FLEX = 10

    log: reactive[WorkLogDay | None] = reactive(None, always_update=True)
    """The day's work log; None while loading."""

    def compose(self) -> ComposeResult:
        """The note line, the table and the hint of the key that adds an entry."""
        yield Static("", classes="panel--note -empty")
        yield panel_table()
        yield Static("", classes="work-log-panel--hint")

    def on_mount(self) -> None:
        """Title the panel."""
        self._title()
        self.set_note(_("Loading…"))
        self.query_one(".work-log-panel--hint", Static).update(_("+ add entry (a)"))

    def _title(self) -> None:
        title = with_chinese("Work log")
        if self.log is not None:
            title = f"{title} · {self.log.day.strftime('%m-%d')}"
        self.border_title = title

    def watch_log(self) -> None:
        """Refill the table."""
        if not self.is_mounted:
            return
        self._title()
        if self.log is not None:
            self.set_note("" if self.log.entries else _("Nothing logged today yet."))
        self.rebuild()

    def rows(self) -> list[Row]:
        """Time, kind, text (with the customer's name)."""
        if self.log is None:
            return []
        muted = self.get_component_rich_style("work-log-panel--time", partial=True)
        found: list[Row] = []
        for entry in self.log.entries:
            text = entry.text if entry.customer_name is None else f"{entry.customer_name}: {entry.text}"
            found.append(
                (
                    entry.id,
                    [
                        Text(entry.at.astimezone(BUSINESS_TZ).strftime("%H:%M"), style=muted),
                        Text(work_kind_word(entry.kind), style=muted),
                        cut(text),
                    ],
                )
            )
        return found

    def rebuild(self) -> None:
        """Refill the table; when entries were added, bring the newest into view."""
        before = self.table.row_count if self.is_mounted else 0
        super().rebuild()
        if self.is_mounted and self.table.row_count > before:
            self.table.move_cursor(row=self.table.row_count - 1, animate=False)
