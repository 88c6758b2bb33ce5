"""A one-line input for typing searches, which redraws itself at each key without laying the screen out.

Textual's ``Input`` keeps its virtual width at the width of its text, and a widget's ``virtual_size``
asks for a layout of the whole screen whenever it changes: at every key the screen is arranged again
and every widget on it drawn again, before anything of the search can be shown. An input sized by its
CSS needs none of that: its own size does not depend on its text, and it scrolls within itself by its
virtual width, which it reads when it scrolls. So :class:`SearchInput` only repaints itself when its
virtual size changes (an input sized by its content, ``width: auto``, still asks for the layout it
needs, as ``Input`` does).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class SearchInput(Input):
    """An ``Input`` whose growing text repaints it rather than laying the screen out again."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)
    """The size of the text (plus the cursor), which the input scrolls within."""


__all__ = ["SearchInput"]
