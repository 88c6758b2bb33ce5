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


def _sync_state(info: ShellInfo) -> Text:
    """When the store last synced (or that it never did), and how many changes wait to go up."""
    state = Text()
    if info.last_sync:
        at = datetime.fromisoformat(info.last_sync)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        state.append("● ", style="green")
        state.append(_("synced {time}").format(time=at.astimezone(BUSINESS_TZ).strftime("%m-%d %H:%M")))
    else:
        state.append("○ ", style="yellow")
        state.append(_("not synced"))
    if info.pending:
        state.append(" · ")
        state.append(_("{count} to send").format(count=f"{info.pending:,}"), style="bold")
    return state


def header_text(info: ShellInfo | None, width: int | None = None) -> Text:
    """The header line for ``info`` (a dim placeholder while it loads), fitted to ``width`` cells.

    On a narrow terminal the gaps close up first, then the role goes, then the institution: the name,
    the business date and the sync state always show.
    """
    brand = Text(" RM Console ", style="bold reverse")
    if info is None:
        return Text.assemble(brand, ("  " + _("loading…"), "dim"))
    who: list[Text] = []
    if info.acting is None:
        who.append(Text(_("Nobody is signed in"), style="dim"))
    else:
        acting = info.acting
        who += [
            Text(acting.name, style="bold"),
            Text(role_label(acting.role, language())),
            Text(acting.institution_name),
        ]
    day = Text()
    if info.business_date:
        weekday = date.fromisoformat(info.business_date).weekday()
        day = Text(f"{info.business_date} {_(WEEKDAYS[weekday])}")
    state = _sync_state(info)

    def line(people: list[Text], gap: int) -> Text:
        parts = [brand, Text("  "), Text(" · ").join(people)]
        for tail in (day, state):
            if tail.plain:
                parts += [Text(" " * gap), tail]
        return Text.assemble(*parts)

    fitted = line(who, 4)
    for people, gap in ((who, 2), (who[:1] + who[2:], 2), (who[:1], 2)):
        if width is None or fitted.cell_len <= width:
            break
        fitted = line(people, gap)
    return fitted


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
        return header_text(self.info, self.size.width)
