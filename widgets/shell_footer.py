"""The console's footer: Textual's, rebuilt only when the keys it would show have changed.

Textual's footer rebuilds all its keys (a dozen widgets, each styled anew) every time any binding
might have changed: each focus change, each refresh of the bindings. On the workbench that happened
seven times while it opened, for the same keys, and was a quarter of its drawing time. This footer
rebuilds once for a burst of changes, and not at all when the keys shown, their descriptions and
whether each is enabled are what it already shows.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class ShellFooter(Footer):
    """A footer that rebuilds its keys only when they change."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shown: tuple[tuple[str, str, str, bool], ...] | None = None
        self._pending = False

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
