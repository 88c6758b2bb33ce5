"""The month's sales leaderboard (销售排行) of the RM's institution, the RM's own row marked."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive

from rm_console.domain.money import format_yuan
from rm_console.domain.performance import Leaderboard
from rm_console.i18n import _, with_chinese
from widgets.reminder_list import Row, TablePanel

#: The eighths of a bar cell.
EIGHTHS = " ▏▎▍▌▋▊▉"
#: A full bar cell.
FULL = "█"


def bar(value: int, top: int, width: int) -> str:
    """A horizontal bar of ``value`` against ``top`` filling at most ``width`` cells, in eighths."""
    if top <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = round(value / top * width * 8)
    whole, part = divmod(min(eighths, width * 8), 8)
    return FULL * whole + (EIGHTHS[part] if part else "")


class LeaderboardPanel(TablePanel):
    """Staff ranked by the month's weighted sales; the acting person's row is marked ▶ and "(you)"."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"leaderboard-panel--mine", "leaderboard-panel--bar"}

    DEFAULT_CSS = """
    LeaderboardPanel > .leaderboard-panel--mine {
        color: $accent;
        text-style: bold;
    }
    LeaderboardPanel > .leaderboard-panel--bar {
        color: $primary-lighten-1;
    }
    """

    FLEX = 3
    MIN_FLEX = 8

    board: reactive[Leaderboard | None] = reactive(None, always_update=True)
    """The leaderboard to show; None while loading."""

    def on_mount(self) -> None:
        """Title the panel."""
        self._title()
        self.set_note(_("Loading…"))

    def _title(self) -> None:
        title = with_chinese("Leaderboard")
        if self.board is not None:
            title = f"{title} · {self.board.month} · {self.board.institution_name}"
        self.border_title = title
        self.border_subtitle = _("weighted sales")

    def watch_board(self) -> None:
        """Refill the table."""
        if not self.is_mounted:
            return
        self._title()
        if self.board is not None:
            self.set_note("" if self.board.rows else _("No sales credited this month yet."))
        self.rebuild()

    def rows(self) -> list[Row]:
        """Mark and rank, name, weighted sales, bar."""
        if self.board is None:
            return []
        mine = self.get_component_rich_style("leaderboard-panel--mine", partial=True)
        bar_style = self.get_component_rich_style("leaderboard-panel--bar", partial=True)
        top = max((row.weighted_fen for row in self.board.rows), default=0)
        you = _("(you)")
        names = max((cell_len(row.staff_name) for row in self.board.rows), default=0)
        amounts = max((len(format_yuan(row.weighted_fen)) for row in self.board.rows), default=0)
        # Rank, name and amount with their padding, the bar's padding, "(you)" and the scrollbar.
        width = max((self.content_size.width or 60) - (3 + names + amounts + 8 + cell_len(you) + 2), 4)
        found: list[Row] = []
        for row in self.board.rows:
            style: Style | str = mine if row.mine else ""
            drawn = Text(bar(row.weighted_fen, top, width), style=mine if row.mine else bar_style)
            if row.mine:
                drawn.append(f" {you}", style=mine)
            found.append(
                (
                    row.staff_code,
                    [
                        Text(f"{'▶' if row.mine else ' '}{row.rank:>2}", style=style),
                        Text(row.staff_name, style=style),
                        Text(format_yuan(row.weighted_fen), style=style, justify="right"),
                        drawn,
                    ],
                )
            )
        return found
