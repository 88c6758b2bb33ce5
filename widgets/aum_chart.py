"""A bar chart of a customer's month-end AUM (资产) over the last 13 months, in Unicode block characters.

Each month is one bar whose top cell is drawn in eighths (``▁▂▃▄▅▆▇█``), so a chart a few rows high
still shows small changes. Months below the tier's AUM threshold are drawn in the warning colour;
months without a figure show a dot on the axis.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from rm_console.domain.customer_dto import AumMonth

#: The partial blocks, by eighths (index 0: nothing).
EIGHTHS = " ▁▂▃▄▅▆▇█"


def short_amount(fen: int) -> str:
    """An axis label: ``¥1.2M``-style figures without the symbol (``900k``, ``1.2M``, ``3.4B``)."""
    yuan = abs(fen) // 100
    sign = "-" if fen < 0 else ""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if yuan >= size:
            tenths = (yuan * 10 + size // 2) // size
            whole, tenth = divmod(tenths, 10)
            text = f"{whole}" if whole >= 100 or tenth == 0 else f"{whole}.{tenth}"
            return f"{sign}{text}{suffix}"
    return f"{sign}{yuan}"


class AumChart(Widget):
    """Month-end AUM as vertical bars, the largest month filling the height, with a labelled axis."""

    COMPONENT_CLASSES = {"aum-chart--bar", "aum-chart--below", "aum-chart--axis"}
    """
    | Class | Description |
    | :- | :- |
    | `aum-chart--bar` | A month at or above the threshold. |
    | `aum-chart--below` | A month below the threshold. |
    | `aum-chart--axis` | The axis, its labels and the months. |
    """

    DEFAULT_CSS = """
    AumChart {
        height: 7;
        min-width: 30;
    }
    AumChart > .aum-chart--bar {
        color: $primary;
    }
    AumChart > .aum-chart--below {
        color: $warning;
    }
    AumChart > .aum-chart--axis {
        color: $text-muted;
    }
    """

    months: reactive[tuple[AumMonth, ...]] = reactive(())
    """The months to draw, oldest first."""

    threshold_fen: reactive[int | None] = reactive(None)
    """The tier's AUM threshold: months below it are drawn in the warning colour (None: no threshold)."""

    def __init__(
        self,
        months: Sequence[AumMonth] = (),
        *,
        threshold_fen: int | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(AumChart.months, tuple(months))
        self.set_reactive(AumChart.threshold_fen, threshold_fen)

    def render(self) -> Text:
        """The bars, the axis with the top and middle figures, and the first and last month."""
        width, height = self.content_size.width, self.content_size.height
        if not self.months or width < 8 or height < 2:
            return Text("")
        axis = self.get_component_rich_style("aum-chart--axis")
        bar = self.get_component_rich_style("aum-chart--bar")
        below = self.get_component_rich_style("aum-chart--below")
        values = [month.aum_fen for month in self.months]
        top = max((v for v in values if v is not None), default=0)
        rows = height - 1
        labels = {0: short_amount(top)}
        if rows >= 4:
            labels[rows // 2] = short_amount(top * (rows - rows // 2) // rows)
        label_width = max(len(text) for text in labels.values())
        plot = width - label_width - 2
        count = len(values)
        step = max(1, plot // count)
        bar_width = max(1, step - 1) if step > 1 else 1
        heights = [
            (max(0, value) * rows * 8 + top // 2) // top if value is not None and top > 0 else None
            for value in values
        ]
        text = Text(no_wrap=True, overflow="crop")
        for row in range(rows):
            level = rows - row
            text.append(labels.get(row, "").rjust(label_width) + (" ┤" if row in labels else " │"), axis)
            for eighths, value in zip(heights, values, strict=True):
                if eighths is None:
                    cell = "·" if level == 1 else " "
                    text.append(cell * bar_width, axis)
                else:
                    full, part = divmod(eighths, 8)
                    if level <= full:
                        cell = EIGHTHS[8]
                    elif level == full + 1 and part:
                        cell = EIGHTHS[part]
                    elif level == 1 and value is not None and value > 0:
                        cell = EIGHTHS[1]
                    else:
                        cell = " "
                    threshold = self.threshold_fen
                    style = (
                        below if threshold is not None and value is not None and value < threshold else bar
                    )
                    text.append(cell * bar_width, style)
                if step > bar_width:
                    text.append(" " * (step - bar_width))
            text.append("\n")
        first, last = self.months[0].month, self.months[-1].month
        span = step * count
        months = first + last.rjust(max(len(last) + 1, span - len(first)))
        text.append(" " * label_width + " └" + months, axis)
        return text
