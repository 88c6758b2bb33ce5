"""Write a manual reminder (手工提醒): "remind me on DAY about CUSTOMER: TEXT".

The reminder shows in the day's reminders from its day on, until it is done or dismissed, and on the
work calendar on its day.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult

from rm_console.domain.dto import ReminderDTO
from rm_console.i18n import N_, _
from screens.dialogs.form import CustomerFinder, FieldError, FormDialog

if TYPE_CHECKING:
    from rm_console.services import Services


class ManualReminderDialog(FormDialog[ReminderDTO]):
    """Writes a reminder through ``services.today.add_reminder``; dismisses with the :class:`ReminderDTO`
    as it will show on its day. The customer is optional."""

    TITLE_TEXT = N_("Manual reminder")
    START = ("on", "text")
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("--on", "on"),
        ("--text", "text"),
        ("no customer ", "customer"),
    )

    def __init__(
        self, services: Services, *, cif: str | None = None, find: CustomerFinder | None = None
    ) -> None:
        super().__init__(services, find=find)
        self._cif = cif

    def compose_fields(self) -> ComposeResult:
        """Day, customer (optional), text."""
        yield self.field_row("on", _("Remind me on"), self.date_input("on"))
        yield self.field_row("customer", _("Customer"), self.customer_input(cif=self._cif))
        yield self.field_row("text", _("Reminder"), self.text_input("text", placeholder=_("what to do")))

    def save(self, values: Mapping[str, str]) -> ReminderDTO:
        """Write the reminder."""
        day = self.date_value(values, "on")
        if day is None:
            raise FieldError("on", _("Write the day, e.g. +1 or 11-25"))
        return self.services.today.add_reminder(
            day, values.get("text", ""), self.cif_value(values, required=False) or None
        )


__all__ = ["ManualReminderDialog"]
