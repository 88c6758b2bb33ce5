"""Product recommendations (新产品自动推荐) for the RM's customers, each with its reason."""

from __future__ import annotations

from typing import ClassVar

from textual.message import Message
from textual.reactive import reactive

from rm_console.domain.dto import RecommendationDTO
from rm_console.i18n import _, language, with_chinese
from widgets.reminder_list import NAME_WIDTH, Cell, Row, TablePanel, cut


def offer_text(recommendation: RecommendationDTO) -> str:
    """What is offered: the product with its risk level, or the request to assess the customer."""
    if recommendation.product_name is None:
        return _("Assess risk tolerance")
    risk = f" {recommendation.risk_level}" if recommendation.risk_level else ""
    return f"{recommendation.product_name}{risk}"


class RecommendationList(TablePanel):
    """Recommendations, highest tier and AUM first: enter shows one (and accepts it), x dismisses it."""

    FLEX = 2
    DROP = (1,)
    CAPPED: ClassVar[dict[int, int]] = {0: NAME_WIDTH}

    recommendations: reactive[tuple[RecommendationDTO, ...] | None] = reactive(None, always_update=True)
    """The recommendations to show; None while loading."""

    class Chosen(Message):
        """Enter was pressed on a recommendation."""

        def __init__(self, recommendation: RecommendationDTO) -> None:
            super().__init__()
            self.recommendation = recommendation
            """The recommendation under the cursor."""

    def on_mount(self) -> None:
        """Title the panel."""
        self._title()
        self.set_note(_("Loading…"))

    def _title(self) -> None:
        count = f" ({len(self.recommendations)})" if self.recommendations is not None else ""
        self.border_title = with_chinese("Recommendations") + count
        self.border_subtitle = _("enter accept · x dismiss")

    def watch_recommendations(self) -> None:
        """Refill the table."""
        if not self.is_mounted:
            return
        self._title()
        if self.recommendations is not None:
            self.set_note("" if self.recommendations else _("No recommendation for your customers today."))
        self.rebuild()

    @property
    def current(self) -> RecommendationDTO | None:
        """The recommendation under the cursor."""
        key = self.current_key
        return next((r for r in self.recommendations or () if r.id == key), None)

    def rows(self) -> list[Row]:
        """Customer, offer, reason."""
        lang = language()
        return [
            (
                recommendation.id,
                [
                    cut(recommendation.name),
                    Cell(offer_text(recommendation)),
                    cut(recommendation.reason(lang)),
                ],
            )
            for recommendation in self.recommendations or ()
        ]

    def row_chosen(self, key: str) -> None:
        """Post the chosen recommendation."""
        found = next((r for r in self.recommendations or () if r.id == key), None)
        if found is not None:
            self.post_message(self.Chosen(found))
