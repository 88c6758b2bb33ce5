"""The branch manager's forms: assigning RMs (分配), recycling a customer (回收), adjusting a sale's
credits, editing a tier parameter and confirming a rule set (客户级别确认).

Each is a :class:`~textual.screen.ModalScreen` that ``dismiss``-es with what was typed (None when
cancelled): one column of labelled fields, a message in red under a refused field, ``ctrl+s`` to save
and ``esc`` to cancel. A refusal keeps every typed value; a caller whose service refuses the value
opens the form again with the same values and the service's sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from rm_console.domain.dto import ShareDTO
from rm_console.i18n import N_, _
from screens.localized import LocalizedBindings
from widgets.shell_footer import ShellFooter

#: How many secondary RMs the assignment form offers.
SECONDARY_ROWS = 3
#: How many credit lines the adjustment form offers.
CREDIT_ROWS = 4
#: A ratio as people write it: a decimal fraction with at most four places.
_RATIO = re.compile(r"(?:\d+(?:\.\d{1,4})?|\.\d{1,4})\Z")

ResultT = TypeVar("ResultT")


class ManagerForm(LocalizedBindings, ModalScreen[ResultT]):
    """A one-column form over the screen: ``ctrl+s`` submits, ``esc`` cancels (dismisses with None).

    Subclasses compose their fields inside :meth:`compose_fields` and implement :meth:`submit`, which
    either dismisses with a value or marks the refused fields with :meth:`refuse`.
    """

    CSS_PATH = "manager_dialogs.tcss"

    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Save"),
            tooltip=N_("Check the form and save it"),
            id="dialog.save",
            priority=True,
        ),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("Close without saving"), id="dialog.cancel"),
    ]

    def __init__(self, title: str, *, error: str | None = None) -> None:
        super().__init__()
        self._title = title
        self._error = error

    def compose(self) -> ComposeResult:
        """The form in a bordered box, the error of the last attempt, the footer."""
        with Vertical(id="form") as form:
            form.border_title = self._title
            form.border_subtitle = _("ctrl+s save · esc cancel")
            yield from self.compose_fields()
            yield Static(self._error or "", id="form-error", classes="error", markup=False)
        yield ShellFooter()

    def compose_fields(self) -> ComposeResult:
        """The labelled fields of the form."""
        yield from ()

    @staticmethod
    def row(field: str, label: str, *controls: Widget, error: bool = True) -> Horizontal:
        """One line of the form: the label on the left, the controls, and a hidden red line under them
        for the message of a refusal (``#field-error``)."""
        parts: list[Widget] = [Horizontal(*controls, classes="controls")]
        if error:
            parts.append(Static("", id=f"{field}-error", classes="error", markup=False))
        return Horizontal(
            Label(label, classes="label"), Vertical(*parts, classes="field"), id=f"{field}-row", classes="row"
        )

    def on_mount(self) -> None:
        """Show the last attempt's error; keep the cursor still when headless (tests and snapshots)."""
        self._show(self.query_one("#form-error", Static), self._error)
        if self.app.is_headless:
            for field in self.query(Input):
                field.cursor_blink = False

    # -- messages under fields ---------------------------------------------------------------------

    @staticmethod
    def _show(target: Static, message: str | None) -> None:
        target.update(message or "")
        target.set_class(bool(message), "shown")

    def refuse(self, field: str, message: str) -> None:
        """Show ``message`` in red under the field ``field`` (its ``#field-error`` line)."""
        self._show(self.query_one(f"#{field}-error", Static), message)

    def clear_errors(self) -> None:
        """Hide every message under a field, and the last attempt's error."""
        for line in self.query(".error").results(Static):
            self._show(line, None)

    # -- actions -----------------------------------------------------------------------------------

    def submit(self) -> None:
        """Check the fields; dismiss with the value or refuse the fields at fault."""

    def action_submit(self) -> None:
        """Save (ctrl+s)."""
        self.submit()

    def action_cancel(self) -> None:
        """Close without saving (esc)."""
        self.dismiss(None)


def _whole(text: str) -> int | None:
    """A whole number typed in a field, None when empty or not a number."""
    value = text.strip()
    return int(value) if value.isdigit() else None


# ---------------------------------------------------------------------------------------------------
# Assignment (分配 / 分配调整)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignmentRequest:
    """What the assignment form returns: the primary RM, the secondary RMs, percentages, a reason."""

    primary: str
    primary_pct: int
    secondaries: tuple[tuple[str, int], ...]
    reason: str

    @property
    def primary_text(self) -> str:
        """``RM001:70``, as the assignment service takes it."""
        return f"{self.primary}:{self.primary_pct}"

    @property
    def secondary_texts(self) -> list[str]:
        """``["RM002:30"]``, as the assignment service takes them."""
        return [f"{code}:{pct}" for code, pct in self.secondaries]

    @classmethod
    def from_shares(cls, shares: Sequence[ShareDTO], reason: str = "") -> AssignmentRequest | None:
        """The request that repeats a customer's present shares (None when it has none)."""
        primary = next((share for share in shares if share.role == "primary"), None)
        if primary is None:
            return None
        return cls(
            primary=primary.staff,
            primary_pct=primary.pct,
            secondaries=tuple((s.staff, s.pct) for s in shares if s.role != "primary"),
            reason=reason,
        )


class AssignmentDialog(ManagerForm[AssignmentRequest]):
    """Assign customers to a primary RM and secondary RMs with participation percentages (参与度).

    The sum of the percentages is shown live and must read 100; an adjustment of customers who have RMs
    (``adjusting``) needs a reason.
    """

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, str]],
        *,
        about: str = "",
        initial: AssignmentRequest | None = None,
        adjusting: bool = False,
        error: str | None = None,
    ) -> None:
        super().__init__(title, error=error)
        self._about = about
        self._initial = initial
        self._adjusting = adjusting
        known = {code for code, _label in choices}
        extra = []
        if initial is not None:
            named = [initial.primary, *(code for code, _pct in initial.secondaries)]
            extra = [(code, code) for code in named if code not in known]
        self._choices = [(label, code) for code, label in (*choices, *extra)]

    def compose_fields(self) -> ComposeResult:
        """Primary RM, three secondary RMs, the live sum and the reason."""
        initial = self._initial
        rows: list[tuple[str | None, int | None]] = [(None, 100)]
        if initial is not None:
            rows = [(initial.primary, initial.primary_pct), *initial.secondaries]
        rows += [(None, None)] * (1 + SECONDARY_ROWS - len(rows))
        if self._about:
            yield Static(self._about, id="about", markup=False)
        for index, (code, pct) in enumerate(rows[: 1 + SECONDARY_ROWS]):
            label = _("Primary RM") if index == 0 else (_("Secondary RMs") if index == 1 else "")
            yield self.row(
                f"rm-{index}",
                label,
                Select(
                    self._choices,
                    prompt=_("choose an RM") if index == 0 else _("none"),
                    value=code if code is not None else Select.NULL,
                    id=f"rm-{index}",
                    compact=True,
                ),
                Input(
                    "" if pct is None else str(pct),
                    placeholder="0",
                    type="integer",
                    max_length=3,
                    id=f"pct-{index}",
                    classes="pct",
                    compact=True,
                ),
                Static("%", classes="unit"),
            )
        yield self.row("sum", _("Sum"), Static("", id="sum"))
        label = _("Reason (needed for an adjustment)") if self._adjusting else _("Reason")
        yield self.row("reason", label, Input(initial.reason if initial else "", id="reason", compact=True))

    def on_mount(self) -> None:
        """Show the sum of the values given."""
        super().on_mount()
        self._show_sum()
        self.query_one("#rm-0", Select).focus()

    def _total(self) -> int:
        return sum(_whole(self.query_one(f"#pct-{i}", Input).value) or 0 for i in range(1 + SECONDARY_ROWS))

    def _show_sum(self) -> int:
        total = self._total()
        line = self.query_one("#sum", Static)
        line.update(f"{total}%")
        line.set_class(total == 100, "good")
        line.set_class(total != 100, "bad")
        self._show(
            self.query_one("#sum-error", Static),
            None
            if total == 100
            else _("Participations must sum to exactly 100; they sum to {total}.").format(total=total),
        )
        return total

    def on_input_changed(self, event: Input.Changed) -> None:
        """Keep the sum live."""
        if event.input.id and event.input.id.startswith("pct-"):
            self._show_sum()

    def submit(self) -> None:
        """Check every line; dismiss with the request or refuse the lines at fault."""
        self.clear_errors()
        total = self._show_sum()
        faults: list[str] = []
        shares: list[tuple[str, int]] = []
        seen: set[str] = set()
        for index in range(1 + SECONDARY_ROWS):
            chosen = self.query_one(f"#rm-{index}", Select).selection
            typed = self.query_one(f"#pct-{index}", Input).value.strip()
            pct = _whole(typed)
            field = f"rm-{index}"
            if chosen is None:
                if index == 0:
                    self.refuse(field, _("Choose the primary RM."))
                    faults.append(field)
                elif typed and pct:
                    self.refuse(field, _("Choose the RM who takes {pct}%.").format(pct=pct))
                    faults.append(field)
                continue
            code = str(chosen)
            if code in seen:
                self.refuse(field, _("{code} is named twice; each RM takes one part.").format(code=code))
                faults.append(field)
            elif pct is None or not 1 <= pct <= 100:
                self.refuse(field, _("Give {code} a participation from 1 to 100.").format(code=code))
                faults.append(field)
            seen.add(code)
            shares.append((code, pct or 0))
        if total != 100:
            faults.append("sum")
        reason = self.query_one("#reason", Input).value.strip()
        if self._adjusting and not reason:
            self.refuse("reason", _("An adjustment needs a reason saying why."))
            faults.append("reason")
        if faults:
            self._focus_fault(faults[0])
            return
        self.dismiss(
            AssignmentRequest(
                primary=shares[0][0], primary_pct=shares[0][1], secondaries=tuple(shares[1:]), reason=reason
            )
        )

    def _focus_fault(self, field: str) -> None:
        if field == "sum":
            self.query_one("#pct-0", Input).focus()
        elif field == "reason":
            self.query_one("#reason", Input).focus()
        else:
            self.query_one(f"#{field}", Select).focus()


# ---------------------------------------------------------------------------------------------------
# Recycle (客户回收)
# ---------------------------------------------------------------------------------------------------


class RecycleDialog(ManagerForm[str]):
    """Take a customer back from its RMs into the unassigned pool; dismisses with the reason."""

    def __init__(self, title: str, *, about: str = "", reason: str = "", error: str | None = None) -> None:
        super().__init__(title, error=error)
        self._about = about
        self._reason = reason

    def compose_fields(self) -> ComposeResult:
        """What happens, and the reason."""
        if self._about:
            yield Static(self._about, id="about", markup=False)
        yield self.row("reason", _("Reason"), Input(self._reason, id="reason", compact=True))

    def on_mount(self) -> None:
        """Start in the reason."""
        super().on_mount()
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the reason saves, as ctrl+s does."""
        event.stop()
        self.submit()

    def submit(self) -> None:
        """A reason is required."""
        self.clear_errors()
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.refuse("reason", _("Recycling a customer needs a reason saying why."))
            return
        self.dismiss(reason)


# ---------------------------------------------------------------------------------------------------
# Adjusting a sale's credits
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One credit of an adjustment: a staff code, seller or referrer, and a ratio such as ``0.7``."""

    staff: str
    role: str
    ratio: str


@dataclass(frozen=True, slots=True)
class AdjustRequest:
    """What the adjustment form returns."""

    credits: tuple[CreditLine, ...]
    reason: str

    @property
    def texts(self) -> list[str]:
        """``["RM001:seller:0.7", …]``, as the sales service takes them."""
        return [f"{c.staff}:{c.role}:{c.ratio}" for c in self.credits]


def ratio_of(text: str) -> Decimal | None:
    """A ratio typed as a decimal fraction (above 0, at most 1, four places at most), else None."""
    value = text.strip()
    if not _RATIO.match(value):
        return None
    ratio = Decimal(value)
    return ratio if 0 < ratio <= 1 else None


class AdjustCreditsDialog(ManagerForm[AdjustRequest]):
    """Replace a sale's credits: up to four people, each seller (销售人) or referrer (推荐人) with a
    ratio; the ratios are summed live and must sum to exactly 1."""

    def __init__(
        self,
        title: str,
        *,
        about: str = "",
        initial: AdjustRequest | None = None,
        staff: Sequence[str] = (),
        error: str | None = None,
    ) -> None:
        super().__init__(title, error=error)
        self._about = about
        self._initial = initial
        self._staff = sorted(set(staff))

    def compose_fields(self) -> ComposeResult:
        """Four credit lines, the live sum and the reason."""
        lines = list(self._initial.credits) if self._initial else []
        while len(lines) < CREDIT_ROWS:
            lines.append(CreditLine("", "seller" if not lines else "referrer", ""))
        roles = [(_("seller"), "seller"), (_("referrer"), "referrer")]
        if self._about:
            yield Static(self._about, id="about", markup=False)
        suggester = SuggestFromList(self._staff, case_sensitive=False) if self._staff else None
        for index, line in enumerate(lines[:CREDIT_ROWS]):
            yield self.row(
                f"staff-{index}",
                _("Credits") if index == 0 else "",
                Input(
                    line.staff,
                    placeholder=_("staff code"),
                    suggester=suggester,
                    id=f"staff-{index}",
                    classes="staff",
                    compact=True,
                ),
                Select(roles, allow_blank=False, value=line.role, id=f"role-{index}", compact=True),
                Input(
                    line.ratio,
                    placeholder="0.7",
                    restrict=r"[0-9.]*",
                    max_length=6,
                    id=f"ratio-{index}",
                    classes="ratio",
                    compact=True,
                ),
            )
        yield self.row("sum", _("Sum"), Static("", id="sum"))
        yield self.row(
            "reason",
            _("Reason"),
            Input(self._initial.reason if self._initial else "", id="reason", compact=True),
        )

    def on_mount(self) -> None:
        """Show the sum of the ratios given."""
        super().on_mount()
        self._show_sum()
        self.query_one("#staff-0", Input).focus()

    def _total(self) -> Decimal:
        total = Decimal(0)
        for index in range(CREDIT_ROWS):
            if self.query_one(f"#staff-{index}", Input).value.strip():
                total += ratio_of(self.query_one(f"#ratio-{index}", Input).value) or 0
        return total

    def _show_sum(self) -> Decimal:
        total = self._total()
        line = self.query_one("#sum", Static)
        shown = format(total.normalize(), "f")
        line.update(shown)
        line.set_class(total == 1, "good")
        line.set_class(total != 1, "bad")
        self._show(
            self.query_one("#sum-error", Static),
            None
            if total == 1
            else _("Ratios must sum to exactly 1; they sum to {total}.").format(total=shown),
        )
        return total

    def on_input_changed(self, event: Input.Changed) -> None:
        """Keep the sum live."""
        if event.input.id and event.input.id.startswith(("ratio-", "staff-")):
            self._show_sum()

    def submit(self) -> None:
        """Check every line; dismiss with the credits or refuse the lines at fault."""
        self.clear_errors()
        total = self._show_sum()
        faults: list[str] = []
        credits: list[CreditLine] = []
        seen: set[str] = set()
        for index in range(CREDIT_ROWS):
            staff = self.query_one(f"#staff-{index}", Input).value.strip().upper()
            typed = self.query_one(f"#ratio-{index}", Input).value.strip()
            role = str(self.query_one(f"#role-{index}", Select).selection or "seller")
            field = f"staff-{index}"
            if not staff:
                if typed:
                    self.refuse(
                        field, _("Give the staff code of the person credited {ratio}.").format(ratio=typed)
                    )
                    faults.append(field)
                continue
            if staff in seen:
                self.refuse(
                    field, _("{code} is named twice; give each person one credit.").format(code=staff)
                )
                faults.append(field)
            elif ratio_of(typed) is None:
                self.refuse(
                    field, _("Give {code} a ratio above 0 and at most 1, such as 0.7.").format(code=staff)
                )
                faults.append(field)
            seen.add(staff)
            credits.append(CreditLine(staff, role, typed))
        if not credits and not faults:
            self.refuse("staff-0", _("Name at least one seller."))
            faults.append("staff-0")
        elif credits and not any(c.role == "seller" for c in credits):
            self.refuse("staff-0", _("An adjustment needs at least one seller."))
            faults.append("staff-0")
        if total != 1:
            faults.append("sum")
        if faults:
            target = "#ratio-0" if faults[0] == "sum" else f"#{faults[0]}"
            self.query_one(target, Input).focus()
            return
        reason = self.query_one("#reason", Input).value.strip()
        self.dismiss(AdjustRequest(tuple(credits), reason))


# ---------------------------------------------------------------------------------------------------
# Tier parameters (级别参数)
# ---------------------------------------------------------------------------------------------------


class EditRuleDialog(ManagerForm[str]):
    """Change one tier parameter; ``check`` returns the refusal of a value (None when it may be used)."""

    def __init__(
        self,
        title: str,
        *,
        label: str,
        value: str,
        hint: str,
        check: Callable[[str], str | None],
        error: str | None = None,
    ) -> None:
        super().__init__(title, error=error)
        self._label = label
        self._value = value
        self._hint = hint
        self._check = check

    def compose_fields(self) -> ComposeResult:
        """The field, what it takes, and its message."""
        yield self.row("value", self._label, Input(self._value, id="value", compact=True))
        yield Static(self._hint, id="hint", markup=False)

    def on_mount(self) -> None:
        """Start in the field."""
        super().on_mount()
        self.query_one("#value", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter saves, as ctrl+s does."""
        event.stop()
        self.submit()

    def submit(self) -> None:
        """Use the value if the rules allow it."""
        self.clear_errors()
        value = self.query_one("#value", Input).value.strip()
        problem = self._check(value)
        if problem:
            self.refuse("value", problem)
            return
        self.dismiss(value)


class ConfirmRulesDialog(ManagerForm[str]):
    """Ask once more before a rule set is stored as a new version and every tier is recomputed;
    dismisses with the note (possibly empty)."""

    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Confirm"),
            tooltip=N_("Store the rules as a new version and recompute tiers"),
            id="dialog.confirm",
            priority=True,
        ),
    ]

    def __init__(self, title: str, *, question: str, changes: Sequence[str], note: str = "") -> None:
        super().__init__(title)
        self._question = question
        self._changes = list(changes)
        self._note = note

    def compose_fields(self) -> ComposeResult:
        """The question, the changes and a note."""
        yield Static(self._question, id="about", markup=False)
        yield Static("\n".join(f"  {change}" for change in self._changes), id="changes", markup=False)
        yield self.row("note", _("Note"), Input(self._note, id="note", compact=True))

    def on_mount(self) -> None:
        """Start in the note."""
        super().on_mount()
        self.query_one("#note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter confirms, as ctrl+s does."""
        event.stop()
        self.submit()

    def submit(self) -> None:
        """Confirm with the note."""
        self.dismiss(self.query_one("#note", Input).value.strip())


__all__ = [
    "AdjustCreditsDialog",
    "AdjustRequest",
    "AssignmentDialog",
    "AssignmentRequest",
    "ConfirmRulesDialog",
    "CreditLine",
    "EditRuleDialog",
    "ManagerForm",
    "RecycleDialog",
    "ratio_of",
]
