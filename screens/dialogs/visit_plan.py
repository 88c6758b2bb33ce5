"""Plan a visit (拜访计划): customer, when, purpose, place, strategy and materials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult

from rm_console.domain.records_dto import VisitPlanDTO
from rm_console.i18n import N_, _
from screens.dialogs.form import CustomerFinder, FormDialog

if TYPE_CHECKING:
    from rm_console.services import Services


class VisitPlanDialog(FormDialog[VisitPlanDTO]):
    """Plans a visit through ``services.records.plan_visit``; dismisses with the :class:`VisitPlanDTO`."""

    TITLE_TEXT = N_("Plan a visit")
    START = ("customer", "when", "purpose")
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("--at", "when"),
        ("--purpose", "purpose"),
        ("no customer ", "customer"),
    )

    def __init__(
        self, services: Services, *, cif: str | None = None, find: CustomerFinder | None = None
    ) -> None:
        super().__init__(services, find=find)
        self._cif = cif

    def compose_fields(self) -> ComposeResult:
        """Customer, when, purpose, place, strategy, materials."""
        yield self.field_row("customer", _("Customer"), self.customer_input(cif=self._cif))
        yield self.field_row("when", _("When"), self.when_input("when"))
        yield self.field_row("purpose", _("Purpose"), self.text_input("purpose"))
        yield self.field_row("place", _("Place"), self.text_input("place"))
        yield self.field_row("strategy", _("Strategy"), self.text_input("strategy"))
        yield self.field_row("materials", _("Materials"), self.text_input("materials"))

    def save(self, values: Mapping[str, str]) -> VisitPlanDTO:
        """Plan the visit."""
        cif = self.cif_value(values)
        at = self.when_value(values, "when", required=True)
        assert at is not None  # required
        return self.services.records.plan_visit(
            cif,
            at=at,
            purpose=values.get("purpose", ""),
            place=self.text_value(values, "place"),
            strategy=self.text_value(values, "strategy"),
            materials=self.text_value(values, "materials"),
        )


__all__ = ["VisitPlanDialog"]
