"""The search input: it redraws itself at each key without laying the screen out, and still scrolls."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input

from widgets.search_input import SearchInput

TYPED = "1000001 王小明 the long tail"


class OneInput(App[None]):
    CSS = "Input { width: 12; }"

    def __init__(self, kind: type[Input]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind(id="box")


async def typed(kind: type[Input], monkeypatch: pytest.MonkeyPatch) -> tuple[int, Input, str]:
    """How many layouts typing :data:`TYPED` caused, the input, and its line as drawn."""
    layouts: list[bool] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        layouts.append(True)
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    app = OneInput(kind)
    async with app.run_test(size=(40, 5)) as pilot:
        box = app.query_one("#box", Input)
        box.focus()
        await pilot.pause()
        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        for key in TYPED:
            await pilot.press(key if key != " " else "space")
        await pilot.pause()
        monkeypatch.undo()
        return len(layouts), box, box.render_line(0).text


async def test_typing_lays_out_only_a_plain_input(monkeypatch: pytest.MonkeyPatch) -> None:
    plain_layouts, plain, plain_line = await typed(Input, monkeypatch)
    search_layouts, search, search_line = await typed(SearchInput, monkeypatch)
    assert plain_layouts > 0  # what the search input saves
    assert search_layouts == 0
    # It still holds and scrolls the text, and shows what a plain input shows.
    assert search.value == plain.value == TYPED
    assert search.scroll_x == plain.scroll_x > 0
    assert search_line == plain_line
    assert "tail" in search_line
