"""The command palette (ctrl+p): every screen of the console, and any customer in scope by name, CIF or
phone tail; its own words (the placeholder, "no matches") in the console's language."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option

from rm_console.domain.words import status_label, tier_label
from rm_console.i18n import _, language

if TYPE_CHECKING:
    from rm_console.app import RMConsoleApp

#: Fewer characters than this do not search customers (a single letter matches half the branch).
MIN_QUERY = 2


class ConsolePalette(CommandPalette):
    """Textual's command palette, saying its own words in the console's language."""

    def __init__(self) -> None:
        super().__init__(placeholder=_("Search for commands…"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """Say that nothing matched what was typed, after Textual's short wait: as Textual does, in the
        console's language (Textual 8.2.8 writes its sentence inside this method)."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


class ScreenCommands(Provider):
    """Open any screen the acting person may use, by name (English or Chinese)."""

    def _commands(self) -> list[tuple[str, str, Any]]:
        app: RMConsoleApp = self.app  # type: ignore[assignment]
        return [(title, help_text, partial(app.open_area, area)) for area, title, help_text in app.areas()]

    async def discover(self) -> Hits:
        """Every screen, before anything is typed."""
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Screens whose name matches what is typed."""
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class CustomerSearch(Provider):
    """Find a customer in the acting person's scope by name, CIF or the last four digits of the phone."""

    async def search(self, query: str) -> Hits:
        """Customers matching ``query``; the search runs in a thread so typing never waits on the store."""
        app: RMConsoleApp = self.app  # type: ignore[assignment]
        text = query.strip()
        if len(text) < MIN_QUERY or app.customer_service is None:
            return
        try:
            hits = await asyncio.to_thread(app.customer_service.find, text)
        except Exception:  # a refused or failed search offers nothing; the palette stays usable
            return
        lang = language()
        for rank, hit in enumerate(hits):
            badge = tier_label(hit.tier, lang) if hit.tier else ""
            status = f" · {status_label(hit.status, lang)}" if hit.status else ""
            yield Hit(
                1.0 - rank / 100,
                f"{hit.name}  {hit.cif}",
                partial(app.open_customer, hit.cif),
                help=f"{badge}{status} · ☎ {hit.phone_masked} · {hit.institution_name} — "
                + _("open the customer"),
            )
