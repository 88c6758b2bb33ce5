"""The console's header line: who is acting, their institution, the business date and the sync state."""

from __future__ import annotations

from datetime import UTC, date, datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from rm_console.domain.calendar import BUSINESS_TZ
from rm_console.domain.dto import ShellInfo
from rm_console.domain.words import role_label
from rm_console.i18n import N_, _, language

#: Weekday names, Monday first.
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def header_text(info: ShellInfo | None) -> Text:
    """The header line for ``info`` (a dim placeholder while it loads)."""
    line = Text()
    line.append(" RM Console ", style="bold reverse")
    if info is None:
        line.append("  " + _("loading…"), style="dim")
        return line
    if info.acting is None:
        line.append("  " + _("Nobody is signed in"), style="dim")
    else:
        acting = info.acting
        line.append(f"  {acting.name}", style="bold")
        line.append(f" · {role_label(acting.role, language())} · {acting.institution_name}")
    if info.business_date:
        day = date.fromisoformat(info.business_date)
        line.append(f"    {info.business_date} {_(WEEKDAYS[day.weekday()])}")
    if info.last_sync:
        at = datetime.fromisoformat(info.last_sync)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        line.append("    ● ", style="green")
        line.append(_("synced {time}").format(time=at.astimezone(BUSINESS_TZ).strftime("%m-%d %H:%M")))
    else:
        line.append("    ○ ", style="yellow")
        line.append(_("not synced"))
    return line


class ShellHeader(Widget):
    """One line at the top of every screen: name, role, institution, business date, sync state.

    The app sets :attr:`info` once it has read it; screens only place the widget.
    """

    DEFAULT_CSS = """
    ShellHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    info: reactive[ShellInfo | None] = reactive(None)
    """What the line shows; None while the app reads it."""

    def on_mount(self) -> None:
        """Take what the app already knows."""
        known = getattr(self.app, "shell_info", None)
        if isinstance(known, ShellInfo):
            self.info = known

    def render(self) -> Text:
        """The line."""
        return header_text(self.info)
