"""The console's composition root: ``make_app`` wires services and settings into the Textual app."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from rm_console.i18n import set_language
from rm_console.services import Services
from rm_console.settings import Settings
from screens.home import HomeScreen


class RMConsoleApp(App[None]):
    """RM Console. The app composes and wires; every screen lives in ``screens/``."""

    TITLE = "RM Console"
    SUB_TITLE = "客户经理工作台"

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit 退出", tooltip="Leave the console", id="app.quit", priority=True),
    ]

    def __init__(self, services: Services, settings: Settings) -> None:
        super().__init__()
        self.services = services
        """Every use case, bound to the local store and the acting person."""
        self.settings = settings
        """Resolved settings of this run."""

    def on_mount(self) -> None:
        """Open the first screen."""
        self.push_screen(HomeScreen(self.services, lang=self.settings.lang))


def make_app(services: Services, settings: Settings) -> RMConsoleApp:
    """Build the console for ``services`` and ``settings``; the CLI and the tests use this alike."""
    set_language(settings.lang)
    return RMConsoleApp(services, settings)
