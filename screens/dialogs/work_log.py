"""Add an entry to the acting person's daily work log (工作日志)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult

from rm_console.domain.records_dto import WorkKind, WorkLogEntryDTO
from rm_console.i18n import N_, _
from screens.dialogs.form import CustomerFinder, FormDialog

if TYPE_CHECKING:
    from rm_console.services import Services

#: Each work-log kind's name (English messages, translated when shown).
WORK_KIND_NAMES: dict[WorkKind, str] = {
    WorkKind.NOTE: N_("note"),
    WorkKind.VISIT: N_("visit"),
    WorkKind.CALL: N_("call"),
    WorkKind.SALE: N_("sale"),
    WorkKind.MEETING: N_("meeting"),
    WorkKind.TRAINING: N_("training"),
    WorkKind.OTHER: N_("other"),
}


class WorkLogDialog(FormDialog[WorkLogEntryDTO]):
    """Adds a work-log entry through ``services.records.log_work``; dismisses with the
    :class:`WorkLogEntryDTO`. The day is today unless another (past) day is written."""

    TITLE_TEXT = N_("Work log entry")
    START = ("text",)
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("--text", "text"),
        ("--kind", "kind"),
        ("--day", "day"),
        ("no customer ", "customer"),
    )

    def __init__(
        self,
        services: Services,
        *,
        cif: str | None = None,
        kind: str = WorkKind.NOTE.value,
        find: CustomerFinder | None = None,
    ) -> None:
        super().__init__(services, find=find)
        self._cif = cif
        self._kind = kind if kind in {k.value for k in WorkKind} else WorkKind.NOTE.value

    def compose_fields(self) -> ComposeResult:
        """Text, kind, customer (optional), day."""
        yield self.field_row("text", _("What was done"), self.text_input("text"))
        kinds = [(_(name), kind.value) for kind, name in WORK_KIND_NAMES.items()]
        yield self.field_row("kind", _("Kind"), self.select("kind", kinds, value=self._kind))
        yield self.field_row("customer", _("Customer"), self.customer_input(cif=self._cif))
        yield self.field_row("day", _("Day"), self.date_input("day", placeholder=_("today, or -1, 11-20")))

    def save(self, values: Mapping[str, str]) -> WorkLogEntryDTO:
        """Log the entry."""
        return self.services.records.log_work(
            values.get("text", ""),
            kind=self.text_value(values, "kind"),
            cif=self.cif_value(values, required=False) or None,
            day=self.date_value(values, "day"),
        )


__all__ = ["WORK_KIND_NAMES", "WorkLogDialog"]
