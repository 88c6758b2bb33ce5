"""Complaints (投诉): opening one, then taking its five handling steps in order and closing it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Static

from rm_console.domain.records_dto import ComplaintDTO, local_text
from rm_console.i18n import N_, _
from screens.dialogs.form import CustomerFinder, FormDialog

if TYPE_CHECKING:
    from rm_console.services import Services

#: Channels a complaint usually comes by, offered as completions in the console's language (any text up
#: to 32 characters goes, stored as typed).
CHANNELS: tuple[str, ...] = (
    N_("counter"),
    N_("phone"),
    N_("mobile app"),
    N_("online banking"),
    N_("letter"),
    N_("regulator"),
)


class ComplaintDialog(FormDialog[ComplaintDTO]):
    """Opens a complaint through ``services.records.open_complaint``; dismisses with the
    :class:`ComplaintDTO` (no step taken yet)."""

    TITLE_TEXT = N_("Open a complaint")
    START = ("customer", "channel", "description")
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("--channel", "channel"),
        ("--description", "description"),
        ("--at", "when"),
        ("no customer ", "customer"),
    )

    def __init__(
        self, services: Services, *, cif: str | None = None, find: CustomerFinder | None = None
    ) -> None:
        super().__init__(services, find=find)
        self._cif = cif

    def compose_fields(self) -> ComposeResult:
        """Customer, when received, channel, description."""
        yield self.field_row("customer", _("Customer"), self.customer_input(cif=self._cif))
        yield self.field_row(
            "when", _("Received"), self.when_input("when", placeholder=_("now, or -1 15:00"))
        )
        channels = [_(name) for name in CHANNELS]
        channel = self.text_input("channel", placeholder=_(", ").join(channels[:4]))
        channel.suggester = SuggestFromList(channels, case_sensitive=False)
        yield self.field_row("channel", _("Channel"), channel)
        yield self.field_row("description", _("Description"), self.text_area("description"))

    def save(self, values: Mapping[str, str]) -> ComplaintDTO:
        """Open the complaint."""
        cif = self.cif_value(values)
        at = self.when_value(values, "when", required=False)
        return self.services.records.open_complaint(
            cif, channel=values.get("channel", ""), description=values.get("description", ""), at=at
        )


def _steps_text(complaint: ComplaintDTO) -> str:
    """The complaint, what it says and every step taken, one per line."""
    lines = [
        _("{cif} {name} · received {at} by {channel}").format(
            cif=complaint.cif,
            name=complaint.customer_name,
            at=local_text(complaint.received_at),
            channel=complaint.channel,
        ),
        complaint.description,
    ]
    for step in complaint.steps:
        lines.append(f"✓ {step.label} · {local_text(step.at)} {step.author_name}: {step.note}")
    return "\n".join(lines)


class ComplaintStepDialog(FormDialog[ComplaintDTO]):
    """Shows a complaint with the steps taken and takes the next one with a note
    (``services.records.complaint_step``); once all five are done it closes the complaint
    (``services.records.close_complaint``). Dismisses with the complaint as it then stands."""

    TITLE_TEXT = N_("Complaint: next step")
    START = ("note",)
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (("--note", "note"),)

    class ComplaintLoaded(Message):
        """The complaint arrived from the store."""

        def __init__(self, complaint: ComplaintDTO) -> None:
            super().__init__()
            self.complaint = complaint

    def __init__(self, services: Services, complaint_id: str) -> None:
        super().__init__(services)
        self.complaint_id = complaint_id
        """The complaint this dialog works on."""
        self.complaint: ComplaintDTO | None = None
        """The complaint as last read, None until it arrives."""

    def compose_fields(self) -> ComposeResult:
        """The complaint and its steps, the step to take next, and the note."""
        yield Static(_("loading…"), id="complaint", classes="form-context", markup=False)
        yield Static("", id="next-step", classes="form-score", markup=False)
        yield self.field_row("note", _("Note"), self.text_area("note"))

    def on_mount(self) -> None:
        """Read the complaint too."""
        super().on_mount()
        self.load_complaint()

    @work(thread=True, exclusive=True, group="complaint", exit_on_error=False)
    def load_complaint(self) -> None:
        """Read the complaint in a thread."""
        self.post_message(self.ComplaintLoaded(self.services.records.complaint(self.complaint_id)))

    @on(ComplaintLoaded)
    def _show_complaint(self, message: ComplaintLoaded) -> None:
        complaint = self.complaint = message.complaint
        self.query_one("#complaint", Static).update(_steps_text(complaint))
        next_step = self.query_one("#next-step", Static)
        note_row = self.query_one("#note-row")
        self.refresh_bindings()
        if complaint.status == "closed":
            next_step.update(_("The complaint is closed."))
            note_row.display = False
        elif complaint.next_step is None:
            next_step.update(_("Every step is done: ctrl+s closes the complaint."))
            note_row.display = False
        else:
            next_step.update(_("Next step: {step}").format(step=complaint.next_step))
            note_row.display = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A closed complaint has nothing to save: the footer drops the key."""
        if action == "submit" and self.complaint is not None and self.complaint.status == "closed":
            return False
        return super().check_action(action, parameters)

    def save(self, values: Mapping[str, str]) -> ComplaintDTO:
        """Take the next step, or close the complaint once every step is done."""
        complaint = self.complaint or self.services.records.complaint(self.complaint_id)
        if complaint.status != "closed" and complaint.next_step is None:
            return self.services.records.close_complaint(self.complaint_id)
        return self.services.records.complaint_step(self.complaint_id, values.get("note", ""))


__all__ = ["CHANNELS", "ComplaintDialog", "ComplaintStepDialog"]
