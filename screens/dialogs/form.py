"""The base of every form dialog: one column of labelled fields, a red message under a field the save
was refused for, ``ctrl+s`` to save and ``esc`` to cancel.

A form reads what was typed on the UI thread (:meth:`FormDialog.collect`), then runs its one service
call in a worker thread (:meth:`FormDialog.save`), where typed dates are read against the store's
business date. A refused save writes nothing and leaves every typed value where it was: the service's
sentence goes under the field it names — services start their sentences with the command-line option
at fault (``--follow-up: …``), which each form maps to one of its fields in :attr:`FormDialog.ROUTES`
— or above the keys when it names none. A saved form dismisses itself with the DTO the service
returned.

Customer fields complete names and CIFs as they are typed through :class:`CustomerSuggester`, which
asks a finder callable given to the dialog (``find(text) -> [(cif, name), …]`` over the acting person's
scope) in a thread.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea
from textual.worker import Worker, WorkerState

from rm_console.domain.date_input import DateInputError, parse_date_input, parse_when_input
from rm_console.domain.errors import UserError
from rm_console.i18n import N_, _, failure_text
from screens.localized import LocalizedBindings
from widgets.shell_footer import ShellFooter

if TYPE_CHECKING:
    from rm_console.services import Services

ResultT = TypeVar("ResultT")

#: Finds customers of the acting person's scope by the start of a CIF or name: ``[(cif, name), …]``.
CustomerFinder = Callable[[str], Sequence[tuple[str, str]]]

#: The worker group of a form's save.
SAVE_GROUP = "form-save"

_BRACKETED_CIF = re.compile(r"\(\s*([^()\s]+)\s*\)\s*\Z")


def customer_cif(text: str) -> str:
    """The CIF in a customer field: ``1000000001``, ``1000000001 孙静怡`` or ``孙静怡 (1000000001)``."""
    written = text.strip()
    found = _BRACKETED_CIF.search(written)
    if found is not None:
        return found.group(1)
    return written.split()[0] if written else ""


def customer_text(cif: str, name: str, typed: str = "") -> str:
    """How a customer field shows a customer: ``CIF name``, or ``name (CIF)`` when the name was typed."""
    if typed and not cif.casefold().startswith(typed.casefold()) and name.startswith(typed):
        return f"{name} ({cif})"
    return f"{cif} {name}"


def weekday_name(day: date) -> str:
    """The day of the week of ``day``, short, in the current language."""
    names = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
    return names[day.weekday()]


class FieldError(UserError):
    """Values a form refused before calling a service: the field at fault and the sentence to show
    under it, and any more fields refused at once (``more``: field id → sentence)."""

    def __init__(self, field: str, message: str, *, more: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        """The id of the (first) field at fault."""
        self.errors: dict[str, str] = {field: message, **(more or {})}
        """Every field at fault with its sentence, the first first."""


class CustomerSuggester(Suggester):
    """Completes a customer field from a finder over the acting person's scope.

    The suggestion is the first customer whose CIF or name starts with what was typed, shown as
    :func:`customer_text`; the finder runs in a thread, and a finder that fails suggests nothing.
    """

    def __init__(self, find: CustomerFinder) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self._find = find

    async def get_suggestion(self, value: str) -> str | None:
        """The completion of ``value``, or None."""
        typed = value.strip()
        if not typed or typed != value.lstrip():
            return None
        try:
            found = await asyncio.to_thread(self._find, typed)
        except Exception:  # a suggestion is a convenience: typing goes on without it
            return None
        for cif, name in found:
            shown = customer_text(cif, name, typed)
            if shown.casefold().startswith(value.casefold()) and shown != value:
                return shown
        return None


class FormDialog(LocalizedBindings, ModalScreen[ResultT]):
    """A modal form over services that dismisses with what its save returned (None when cancelled).

    Subclasses give :attr:`TITLE_TEXT`, compose their fields in :meth:`compose_fields` with
    :meth:`field_row` and the input helpers, name the service options of their fields in
    :attr:`ROUTES`, and call their service in :meth:`save`.
    """

    CSS_PATH = "forms.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Save"),
            tooltip=N_("Save the form"),
            id="form.save",
            priority=True,
        ),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("Close without saving"), id="form.cancel"),
    ]

    #: The dialog's title (an English message, translated when shown).
    TITLE_TEXT: ClassVar[str] = ""
    #: The fields that must be filled, in order: the form starts in the first of them left empty (else
    #: in the first empty field).
    START: ClassVar[tuple[str, ...]] = ()
    #: (start of a service's sentence, field id): where a refused save's sentence is shown.
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = ()

    class TodayLoaded(Message):
        """The store's business date arrived."""

        def __init__(self, today: date) -> None:
            super().__init__()
            self.today = today

    class Saved(Message):
        """The service accepted the form; ``result`` is what it returned."""

        def __init__(self, result: object) -> None:
            super().__init__()
            self.result = result

    class CustomerNamed(Message):
        """A preset customer field's CIF was found with its name."""

        def __init__(self, field: str, cif: str, text: str) -> None:
            super().__init__()
            self.field = field
            self.cif = cif
            self.text = text

    def __init__(
        self,
        services: Services,
        *,
        find: CustomerFinder | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.services = services
        """The use cases this form saves through."""
        self.find = find
        """Customer completion over the acting person's scope, or None for none."""
        self._today: date | None = None
        self._saving = False

    # -- composing --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """The form's box (its fields, then a line for a message naming no field) and the footer."""
        with Vertical(id="form-box") as box:
            box.border_title = _(self.TITLE_TEXT)
            box.border_subtitle = _("ctrl+s save · esc cancel")
            with VerticalScroll(id="form-fields"):
                yield from self.compose_fields()
            yield from self.compose_summary()
            yield Static("", id="form-message", markup=False)
        yield ShellFooter()

    def compose_fields(self) -> ComposeResult:
        """The form's fields, top to bottom (subclasses)."""
        yield from ()

    def compose_summary(self) -> ComposeResult:
        """What stays in sight below the fields however far they scroll (subclasses)."""
        yield from ()

    def field_row(self, field_id: str, label: str, control: Widget, *, hint: str = "") -> Horizontal:
        """One labelled field: the label, the control, a muted hint and a (hidden) red error line."""
        return Horizontal(
            Label(label, classes="form-label"),
            Vertical(
                control,
                Static(hint, id=f"{field_id}-hint", classes="form-hint", markup=False),
                Static("", id=f"{field_id}-error", classes="form-error", markup=False),
                classes="form-control",
            ),
            id=f"{field_id}-row",
            classes="form-field",
        )

    def text_input(self, field_id: str, *, value: str = "", placeholder: str = "") -> Input:
        """A one-line text field."""
        return Input(
            value,
            placeholder=placeholder,
            id=field_id,
            classes="form-input",
            compact=True,
            select_on_focus=False,
        )

    def text_area(self, field_id: str, *, value: str = "", placeholder: str = "") -> TextArea:
        """A few lines of text (tab leaves it, enter starts a new line)."""
        return TextArea(
            value,
            id=field_id,
            classes="form-input",
            compact=True,
            placeholder=placeholder,
            highlight_cursor_line=False,
        )

    def date_input(self, field_id: str, *, value: str = "", placeholder: str = "") -> Input:
        """A date field: ``2026-11-25``, ``11-25``, ``+3``, ``next mon``…; its hint shows the date read."""
        return Input(
            value,
            placeholder=placeholder or _("11-25, +3, next mon"),
            id=field_id,
            classes="form-input date-input",
            compact=True,
            select_on_focus=False,
        )

    def when_input(self, field_id: str, *, value: str = "", placeholder: str = "") -> Input:
        """A date with a time of day: ``+1 10:00``, ``next mon 9:30``; its hint shows the moment read."""
        return Input(
            value,
            placeholder=placeholder or _("+1 10:00, next mon 9:30, 11-25 14:00"),
            id=field_id,
            classes="form-input when-input",
            compact=True,
            select_on_focus=False,
        )

    def customer_input(self, field_id: str = "customer", *, cif: str | None = None) -> Input:
        """A customer field completing names and CIFs from :attr:`find`."""
        return Input(
            cif or "",
            placeholder=_("name or CIF"),
            id=field_id,
            classes="form-input customer-input",
            compact=True,
            select_on_focus=False,
            suggester=CustomerSuggester(self.find) if self.find is not None else None,
        )

    def select(
        self,
        field_id: str,
        options: Iterable[tuple[str, str]],
        *,
        value: str | None = None,
        allow_blank: bool = False,
        prompt: str = "",
    ) -> Select[str]:
        """A choice among ``(label, value)`` options."""
        return Select(
            list(options),
            value=value if value is not None else Select.NULL,
            allow_blank=allow_blank,
            prompt=prompt or _("choose"),
            id=field_id,
            classes="form-input",
            compact=True,
        )

    # -- starting ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Focus the first empty field and read the business date (cursors do not blink headless, so
        that pictures of the form are stable)."""
        if self.app.is_headless:
            for control in self.query(".form-input"):
                if isinstance(control, Input | TextArea):
                    control.cursor_blink = False
        self._focus_first(empty=True)
        presets = [
            (control.id, self.value_of(control).strip())
            for control in self.query(".customer-input")
            if control.id is not None and self.value_of(control).strip()
        ]
        self.load_today(presets)

    def start_fields(self) -> tuple[str, ...]:
        """The fields to be filled, in order: the form starts in the first left empty (:attr:`START`)."""
        return self.START

    def _focus_first(self, *, empty: bool) -> None:
        if empty:
            for field_id in self.start_fields():
                for control in self.query(f"#{field_id}"):
                    if control.focusable and not self.value_of(control):
                        control.focus()
                        return
        for control in self.query(".form-input"):
            if not control.focusable:
                continue
            if not empty or not self.value_of(control):
                control.focus()
                return
        if empty:
            self._focus_first(empty=False)

    @work(thread=True, exclusive=True, group="form-today", exit_on_error=False)
    def load_today(self, presets: Sequence[tuple[str, str]] = ()) -> None:
        """Read the business date, and the names of preset customers ``(field id, CIF)``, in a thread."""
        self.post_message(self.TodayLoaded(self.today()))
        if self.find is None:
            return
        for field_id, cif in presets:
            for found, name in self.find(cif):
                if found == cif:
                    self.post_message(self.CustomerNamed(field_id, cif, customer_text(found, name)))
                    break

    @on(TodayLoaded)
    def _keep_today(self, message: TodayLoaded) -> None:
        self._today = message.today
        for control in self.query(".date-input, .when-input").results(Input):
            self._show_date_hint(control)

    @on(CustomerNamed)
    def _name_customer(self, message: CustomerNamed) -> None:
        control = self.query_one(f"#{message.field}", Input)
        if control.value.strip() == message.cif:
            control.value = message.text

    def today(self) -> date:
        """The store's business date as the record service uses it (read once; call from a worker)."""
        if self._today is None:
            self._today = self.services.records.work_log().day
        return self._today

    # -- while typing -----------------------------------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _forget_error(self, event: Input.Changed | TextArea.Changed | Select.Changed) -> None:
        control = event.control
        if control is None or control.id is None or not control.has_class("form-input"):
            return
        self.set_error(control.id, "")
        if isinstance(control, Input) and (
            control.has_class("date-input") or control.has_class("when-input")
        ):
            self._show_date_hint(control)

    def _show_date_hint(self, control: Input) -> None:
        if control.id is None or self._today is None:
            return
        text = control.value.strip()
        hint = ""
        if text:
            try:
                if control.has_class("when-input"):
                    day, moment = parse_when_input(text, self._today)
                    hint = f"{weekday_name(day)} {day.isoformat()}"
                    if moment is not None:
                        hint += f" {moment.strftime('%H:%M')}"
                else:
                    day = parse_date_input(text, self._today)
                    hint = f"{weekday_name(day)} {day.isoformat()}"
            except DateInputError:
                hint = ""
        self.set_hint(control.id, hint)

    def set_hint(self, field_id: str, text: str) -> None:
        """Show ``text`` (muted) under a field; empty hides it."""
        hint = self.query_one(f"#{field_id}-hint", Static)
        hint.update(text)
        hint.set_class(bool(text), "-shown")

    def set_error(self, field_id: str, text: str) -> None:
        """Show ``text`` in red under a field, or clear it."""
        found = self.query(f"#{field_id}-error")
        if not found:
            return
        error = found.first(Static)
        error.update(text)
        error.set_class(bool(text), "-shown")
        for control in self.query(f"#{field_id}"):
            control.set_class(bool(text), "-invalid")

    def set_message(self, text: str) -> None:
        """Show ``text`` in red above the keys (a refusal naming no field)."""
        message = self.query_one("#form-message", Static)
        message.update(text)
        message.set_class(bool(text), "-shown")

    def clear_errors(self) -> None:
        """Clear every field's error and the form's message."""
        for error in self.query(".form-error.-shown").results(Static):
            if error.id is not None:
                self.set_error(error.id.removesuffix("-error"), "")
        self.set_message("")

    # -- saving -----------------------------------------------------------------------------------

    @staticmethod
    def value_of(control: Widget) -> str:
        """What a field holds as text (a choice's value; empty for no choice)."""
        if isinstance(control, Input):
            return control.value
        if isinstance(control, TextArea):
            return control.text
        if isinstance(control, Select):
            return "" if control.value is Select.NULL else str(control.value)
        return ""

    def collect(self) -> dict[str, str]:
        """Every field's text by field id, read on the UI thread."""
        return {control.id: self.value_of(control) for control in self.query(".form-input") if control.id}

    def action_submit(self) -> None:
        """Save the form (once at a time)."""
        if self._saving:
            return
        self._saving = True
        self.clear_errors()
        self.run_save(self.collect())

    @work(thread=True, exclusive=True, group=SAVE_GROUP, exit_on_error=False)
    def run_save(self, values: Mapping[str, str]) -> None:
        """Call the form's service in a thread and post what it returned."""
        self.post_message(self.Saved(self.save(values)))

    def save(self, values: Mapping[str, str]) -> object:
        """Check ``values`` and call the service; the DTO it returns dismisses the form (subclasses).
        Runs in a worker thread: read no widget here."""
        raise UserError(_("This form cannot be saved"))

    @on(Saved)
    def _dismiss_saved(self, message: Saved) -> None:
        self._saving = False
        self.dismiss(message.result)  # type: ignore[arg-type]

    @on(Worker.StateChanged)
    def _show_failure(self, event: Worker.StateChanged) -> None:
        """Show a refused save under its field (or as the form's message) and any other failure as a
        sentence; never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == SAVE_GROUP:
            self._saving = False
        if isinstance(error, FieldError):
            for field_id, text in reversed(error.errors.items()):
                self.refuse(field_id, text)
        elif isinstance(error, UserError):
            self.refuse(self.route(str(error)), failure_text(error))
        elif event.worker.group == SAVE_GROUP:
            self.set_message(_("Could not save: {error}").format(error=error))
        else:
            self.set_message(_("Could not read the store: {error}").format(error=error))

    def route(self, message: str) -> str | None:
        """The field a service's sentence is about, by :attr:`ROUTES`; None for the whole form."""
        for start, field_id in self.ROUTES:
            if message.startswith(start) and self.query(f"#{field_id}"):
                return field_id
        return None

    def refuse(self, field_id: str | None, text: str) -> None:
        """Show a refusal under ``field_id`` (focusing it) or, for None, as the form's message."""
        if field_id is None:
            self.set_message(text)
            return
        self.set_error(field_id, text)
        self.query_one(f"#{field_id}").focus()
        self.query_one(f"#{field_id}-row").scroll_visible()

    def action_cancel(self) -> None:
        """Close the form without saving."""
        self.dismiss(None)

    # -- reading typed values in the save thread --------------------------------------------------

    @staticmethod
    def text_value(values: Mapping[str, str], field_id: str) -> str | None:
        """A field's text, stripped; None when empty."""
        text = values.get(field_id, "").strip()
        return text or None

    def cif_value(
        self, values: Mapping[str, str], field_id: str = "customer", *, required: bool = True
    ) -> str:
        """The CIF a customer field names; refused when empty and ``required``."""
        cif = customer_cif(values.get(field_id, ""))
        if not cif and required:
            raise FieldError(field_id, _("Choose a customer: type a name or CIF"))
        return cif

    def date_value(self, values: Mapping[str, str], field_id: str) -> date | None:
        """A date field read against the business date; None when empty."""
        text = values.get(field_id, "").strip()
        if not text:
            return None
        try:
            return parse_date_input(text, self.today())
        except DateInputError as exc:
            raise FieldError(field_id, failure_text(exc)) from None

    def when_value(self, values: Mapping[str, str], field_id: str, *, required: bool) -> str | None:
        """A date-and-time field as ``YYYY-MM-DD HH:MM`` (Beijing time); None when empty and not
        ``required``. A date needs its time of day."""
        text = values.get(field_id, "").strip()
        if not text:
            if required:
                raise FieldError(field_id, _("Write the day and the time, e.g. +1 10:00"))
            return None
        try:
            day, moment = parse_when_input(text, self.today())
        except DateInputError as exc:
            raise FieldError(field_id, failure_text(exc)) from None
        if moment is None:
            raise FieldError(
                field_id, _("Add the time of day, e.g. {example}").format(example=f"{text} 10:00")
            )
        return f"{day.isoformat()} {moment.strftime('%H:%M')}"


__all__ = [
    "SAVE_GROUP",
    "CustomerFinder",
    "CustomerSuggester",
    "FieldError",
    "FormDialog",
    "customer_cif",
    "customer_text",
    "weekday_name",
]
