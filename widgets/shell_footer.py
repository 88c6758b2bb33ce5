"""The console's footer: Textual's, rebuilt only when the keys it would show have changed.

Textual's footer rebuilds all its keys (a dozen widgets, each styled anew) every time any binding
might have changed: each focus change, each refresh of the bindings. On the workbench that happened
seven times while it opened, for the same keys, and was a quarter of its drawing time. This footer
rebuilds once for a burst of changes, and not at all when the keys shown, their descriptions and
whether each is enabled are what it already shows.

Textual's footer lays its keys out under the command palette's key, which is docked over them at the
right. Where a key beneath ends inside the palette's key, the screen is cut there, and a Chinese
character of the palette's key standing across that cut is drawn as two blanks ("命  面板"). This footer
holds its keys in a row that ends where the palette's key begins.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer


class ShellFooter(Footer):
    """A footer that rebuilds its keys only when they change."""

    DEFAULT_CSS = """
    ShellFooter > .shell-footer--keys {
        width: 1fr;
        height: 1;
        overflow: hidden hidden;
    }
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shown: tuple[tuple[str, str, str, bool], ...] | None = None
        self._pending = False

    def compose(self) -> ComposeResult:
        """Textual's keys in a row of their own, then the command palette's key, docked at the right."""
        palette: list[Widget] = []
        with HorizontalGroup(classes="shell-footer--keys"):
            for widget in super().compose():
                if widget.has_class("-command-palette"):
                    palette.append(widget)
                else:
                    yield widget
        yield from palette

    def _keys(self) -> tuple[tuple[str, str, str, bool], ...]:
        """What the footer would show now: each shown binding's key, action, description and state."""
        return tuple(
            (binding.key, binding.action, binding.description, enabled)
            for _node, binding, enabled, _tooltip in self.screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild after the next refresh, once however many changes come before it."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached:
            return  # its screen closed before the rebuild came round
        keys = self._keys()
        if keys != self._shown:
            self._shown = keys
            await self.recompose()
