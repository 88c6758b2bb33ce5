"""Record a call (电话), a message (信息) or an event (沙龙活动) with a customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult

from rm_console.domain.records_dto import ContactDTO
from rm_console.i18n import N_, _
from screens.dialogs.form import CustomerFinder, FieldError, FormDialog

if TYPE_CHECKING:
    from rm_console.services import Services

#: The kinds this dialog records, with their names (English messages, translated when shown).
CONTACT_KINDS: tuple[tuple[str, str], ...] = (
    ("call", N_("call")),
    ("message", N_("message")),
    ("event", N_("event")),
)


class ContactDialog(FormDialog[ContactDTO]):
    """Records a call, message or event through ``services.records.record_contact``; dismisses with
    the :class:`ContactDTO`."""

    TITLE_TEXT = N_("Record a call, message or event")
    START = ("customer", "notes")
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("--notes", "notes"),
        ("--follow-up", "follow_up"),
        ("--at", "when"),
        ("a contact record here", "kind"),
        ("no customer ", "customer"),
    )

    def __init__(
        self,
        services: Services,
        *,
        cif: str | None = None,
        kind: str = "call",
        find: CustomerFinder | None = None,
    ) -> None:
        super().__init__(services, find=find)
        self._cif = cif
        self._kind = kind if kind in {key for key, _name in CONTACT_KINDS} else "call"

    def compose_fields(self) -> ComposeResult:
        """Kind, customer, when, notes, outcome, follow-up."""
        yield self.field_row(
            "kind",
            _("Kind"),
            self.select("kind", [(_(name), key) for key, name in CONTACT_KINDS], value=self._kind),
        )
        yield self.field_row("customer", _("Customer"), self.customer_input(cif=self._cif))
        yield self.field_row("when", _("When"), self.when_input("when", placeholder=_("now, or -1 15:00")))
        yield self.field_row("notes", _("Notes"), self.text_area("notes"))
        yield self.field_row("outcome", _("Outcome"), self.text_input("outcome"))
        yield self.field_row("follow_up", _("Follow-up"), self.date_input("follow_up"))

    def save(self, values: Mapping[str, str]) -> ContactDTO:
        """Record the contact."""
        kind = values.get("kind", "")
        if not kind:
            raise FieldError("kind", _("Choose call, message or event"))
        cif = self.cif_value(values)
        at = self.when_value(values, "when", required=False)
        follow_up = self.date_value(values, "follow_up")
        return self.services.records.record_contact(
            cif,
            kind,
            notes=values.get("notes", ""),
            outcome=self.text_value(values, "outcome"),
            follow_up=follow_up,
            at=at,
        )


__all__ = ["CONTACT_KINDS", "ContactDialog"]
