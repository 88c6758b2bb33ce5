"""Record a visit (拜访记录): outcome, needs found, products discussed, objections, next step, follow-up;
optionally carrying out one of the customer's open visit plans."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select
from textual.worker import get_current_worker

from rm_console.domain.errors import UserError
from rm_console.domain.records_dto import ContactDTO, VisitPlanDTO, local_text
from rm_console.i18n import N_, _
from screens.dialogs.form import CustomerFinder, FormDialog, customer_cif

if TYPE_CHECKING:
    from rm_console.services import Services

_CODES = re.compile(r"[\s,;，；、]+")
#: Seconds the customer field rests before the customer's open plans are read.
PLANS_DELAY = 0.3


def product_codes(text: str) -> list[str]:
    """Product codes written with commas, semicolons or spaces between them."""
    return [code for code in _CODES.split(text.strip()) if code]


class VisitRecordDialog(FormDialog[ContactDTO]):
    """Records a visit through ``services.records.record_visit``; dismisses with the :class:`ContactDTO`.

    The plan field offers the customer's open plans (neither cancelled nor carried out), read whenever
    the customer field names a customer; ``plan_id`` preselects one.
    """

    TITLE_TEXT = N_("Record a visit")
    START = ("customer", "outcome")
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("--outcome", "outcome"),
        ("--plan", "plan"),
        ("no visit plan", "plan"),
        ("--product", "products"),
        ("--follow-up", "follow_up"),
        ("--at", "when"),
        ("no customer ", "customer"),
    )

    class PlansLoaded(Message):
        """The open visit plans of the customer named in the customer field."""

        def __init__(self, cif: str, plans: Sequence[VisitPlanDTO]) -> None:
            super().__init__()
            self.cif = cif
            self.plans = tuple(plans)

    def __init__(
        self,
        services: Services,
        *,
        cif: str | None = None,
        plan_id: str | None = None,
        find: CustomerFinder | None = None,
    ) -> None:
        super().__init__(services, find=find)
        self._cif = cif
        self._plan_id = plan_id
        self._plans_timer: Timer | None = None

    def compose_fields(self) -> ComposeResult:
        """Customer, plan, when, outcome, the three kinds of needs, products, objections, next step,
        follow-up."""
        yield self.field_row("customer", _("Customer"), self.customer_input(cif=self._cif))
        yield self.field_row(
            "plan",
            _("Visit plan"),
            self.select("plan", [], allow_blank=True, prompt=_("no plan")),
        )
        yield self.field_row("when", _("When"), self.when_input("when", placeholder=_("now, or -1 15:00")))
        yield self.field_row("outcome", _("Outcome"), self.text_area("outcome"))
        yield self.field_row("needs_explicit", _("Explicit needs"), self.text_input("needs_explicit"))
        yield self.field_row("needs_implicit", _("Implicit needs"), self.text_input("needs_implicit"))
        yield self.field_row("needs_latent", _("Latent needs"), self.text_input("needs_latent"))
        yield self.field_row(
            "products",
            _("Products discussed"),
            self.text_input("products", placeholder=_("product codes, e.g. FND002, DEP005")),
        )
        yield self.field_row("objections", _("Objections"), self.text_input("objections"))
        yield self.field_row("next_step", _("Next step"), self.text_input("next_step"))
        yield self.field_row("follow_up", _("Follow-up"), self.date_input("follow_up"))

    def on_mount(self) -> None:
        """Read the preset customer's open plans too."""
        super().on_mount()
        if self._cif:
            self.load_plans(self._cif)

    # -- the customer's open plans ----------------------------------------------------------------

    @on(Input.Changed, "#customer")
    def _customer_changed(self, event: Input.Changed) -> None:
        if self._plans_timer is not None:
            self._plans_timer.stop()
        cif = customer_cif(event.value)
        self._plans_timer = self.set_timer(PLANS_DELAY, lambda: self.load_plans(cif))

    @work(thread=True, exclusive=True, group="plans", exit_on_error=False)
    def load_plans(self, cif: str) -> None:
        """Read the open plans of customer ``cif`` in a thread (none for a customer not found)."""
        plans: list[VisitPlanDTO] = []
        if cif:
            try:
                records = self.services.records.customer_records(cif)
            except UserError:
                records = None
            if records is not None:
                done = {contact.plan_id for contact in records.contacts if contact.plan_id}
                plans = [plan for plan in records.plans if not plan.cancelled and plan.id not in done]
                plans.sort(key=lambda plan: plan.planned_at)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PlansLoaded(cif, plans))

    @on(PlansLoaded)
    def _offer_plans(self, message: PlansLoaded) -> None:
        choice = self.query_one("#plan", Select)
        chosen = choice.value
        options = [(f"{local_text(plan.planned_at)}  {plan.purpose}", plan.id) for plan in message.plans]
        choice.set_options(options)
        ids = {plan.id for plan in message.plans}
        wanted = self._plan_id if self._plan_id in ids else chosen
        if isinstance(wanted, str) and wanted in ids:
            choice.value = wanted
        self._plan_id = None

    # -- saving -----------------------------------------------------------------------------------

    def save(self, values: Mapping[str, str]) -> ContactDTO:
        """Record the visit."""
        cif = self.cif_value(values)
        at = self.when_value(values, "when", required=False)
        follow_up = self.date_value(values, "follow_up")
        return self.services.records.record_visit(
            cif,
            outcome=values.get("outcome", ""),
            plan_id=self.text_value(values, "plan"),
            needs_explicit=self.text_value(values, "needs_explicit"),
            needs_implicit=self.text_value(values, "needs_implicit"),
            needs_latent=self.text_value(values, "needs_latent"),
            products=product_codes(values.get("products", "")),
            objections=self.text_value(values, "objections"),
            next_step=self.text_value(values, "next_step"),
            follow_up=follow_up,
            at=at,
        )


__all__ = ["VisitRecordDialog", "product_codes"]
