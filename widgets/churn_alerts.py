"""Churn alerts (管辖客户流失预警) of the RM's customers, each with a 12-month AUM sparkline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from textual.message import Message
from textual.reactive import reactive

from rm_console.domain.dto import ChurnAlertDTO
from rm_console.domain.money import format_yuan
from rm_console.domain.words import TIER_ZH
from rm_console.i18n import _, language, with_chinese
from widgets.reminder_list import NAME_WIDTH, Cell, Row, TablePanel, cut

#: The heights of a sparkline bar, lowest first (the full block is left out so rows stay apart).
BARS = "▁▂▃▄▅▆▇"
#: What a month without a figure shows.
NO_FIGURE = "·"


def sparkline(values: Sequence[int | None]) -> str:
    """One bar per value, scaled from zero to the largest value; a missing value is a dot."""
    top = max((v for v in values if v is not None), default=0)
    bars = []
    for value in values:
        if value is None:
            bars.append(NO_FIGURE)
        elif top <= 0 or value <= 0:
            bars.append(BARS[0])
        else:
            bars.append(BARS[min(len(BARS) - 1, round(value / top * (len(BARS) - 1)))])
    return "".join(bars)


def tier_word(tier: str | None) -> str:
    """A tier in the UI language only (the panel is narrow)."""
    if tier is None:
        return "—"
    return TIER_ZH.get(tier, tier) if language() == "zh" else tier


def latest_aum(alert: ChurnAlertDTO) -> int | None:
    """The newest month's AUM of the alert, None when no month has a figure."""
    return next((fen for _month, fen in reversed(alert.aum) if fen is not None), None)


class ChurnAlerts(TablePanel):
    """Customers of the RM in attention (关注) or churned (流失) status, churned first."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "churn-alerts--core",
        "churn-alerts--growth",
        "churn-alerts--platinum",
        "churn-alerts--gold",
        "churn-alerts--potential",
        "churn-alerts--ordinary",
        "churn-alerts--attention",
        "churn-alerts--churned",
        "churn-alerts--spark",
    }

    DEFAULT_CSS = """
    ChurnAlerts > .churn-alerts--core { color: $accent; text-style: bold; }
    ChurnAlerts > .churn-alerts--growth { color: $warning; text-style: bold; }
    ChurnAlerts > .churn-alerts--platinum { color: $secondary-lighten-2; text-style: bold; }
    ChurnAlerts > .churn-alerts--gold { color: $warning-darken-1; text-style: bold; }
    ChurnAlerts > .churn-alerts--potential { color: $success; }
    ChurnAlerts > .churn-alerts--ordinary { color: $text-muted; }
    ChurnAlerts > .churn-alerts--attention { color: $warning; }
    ChurnAlerts > .churn-alerts--churned { color: $error; }
    ChurnAlerts > .churn-alerts--spark { color: $primary-lighten-2; }
    """

    FLEX = 2
    DROP = (4,)
    MIN_FLEX = 12
    CAPPED: ClassVar[dict[int, int]] = {0: NAME_WIDTH}

    alerts: reactive[tuple[ChurnAlertDTO, ...] | None] = reactive(None, always_update=True)
    """The alerts to show; None while loading."""

    class Chosen(Message):
        """Enter was pressed on an alert."""

        def __init__(self, alert: ChurnAlertDTO) -> None:
            super().__init__()
            self.alert = alert
            """The alert under the cursor."""

    def on_mount(self) -> None:
        """Title the panel."""
        self._title()
        self.set_note(_("Loading…"))

    def _title(self) -> None:
        count = f" ({len(self.alerts)})" if self.alerts is not None else ""
        self.border_title = with_chinese("Churn alerts") + count
        self.border_subtitle = _("AUM, last 12 months")

    def watch_alerts(self) -> None:
        """Refill the table."""
        if not self.is_mounted:
            return
        self._title()
        if self.alerts is not None:
            self.set_note("" if self.alerts else _("No customer of yours is slipping away."))
        self.rebuild()

    def status_text(self, alert: ChurnAlertDTO) -> str:
        """``attention 5 mo`` or ``churned from core``, in the UI language."""
        if alert.status == "churned":
            return _("churned from {tier}").format(tier=tier_word(alert.churned_from))
        return _("attention {months} mo").format(months=alert.months_below)

    def rows(self) -> list[Row]:
        """Name, tier, status, sparkline, AUM now."""
        found: list[Row] = []
        spark = self.get_component_rich_style("churn-alerts--spark", partial=True)
        for alert in self.alerts or ():
            tier_style = self.get_component_rich_style(
                f"churn-alerts--{alert.tier}", partial=True, default=Style()
            )
            status_style = self.get_component_rich_style(
                "churn-alerts--churned" if alert.status == "churned" else "churn-alerts--attention",
                partial=True,
            )
            aum = latest_aum(alert)
            found.append(
                (
                    alert.cif,
                    [
                        cut(alert.name),
                        Cell(tier_word(alert.tier), tier_style),
                        cut(self.status_text(alert), status_style),
                        Cell(sparkline([fen for _month, fen in alert.aum]), spark),
                        Cell(format_yuan(aum) if aum is not None else "—", justify="right"),
                    ],
                )
            )
        return found

    def row_chosen(self, key: str) -> None:
        """Post the chosen alert."""
        alert = next((a for a in self.alerts or () if a.cif == key), None)
        if alert is not None:
            self.post_message(self.Chosen(alert))
