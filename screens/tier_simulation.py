"""Tier simulation (F7, 级别参数模拟测算): the tier rules in force as an editable table; every edit
re-runs the simulation in a worker and shows the transition matrix and the customers who would change
tier. Nothing is written until an analyst confirms (客户级别确认), which asks once more and names the
version it will create (SPEC §3).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerFailed, WorkerState

from rm_console.domain.dto import RecomputeReport, SimulationReport, StaffDTO
from rm_console.domain.enums import Role
from rm_console.domain.money import format_yuan
from rm_console.domain.tier_rules import (
    COUNT_FIELDS,
    FLAG_FIELDS,
    MONEY_FIELDS,
    OPTIONAL_FIELDS,
    RuleSetError,
    to_toml,
    with_changes,
)
from rm_console.domain.tiers import RuleSet, TierRule
from rm_console.i18n import N_, _, failure_text, language, with_chinese
from screens.localized import LocalizedBindings
from screens.manager_dialogs import ConfirmRulesDialog, EditRuleDialog
from widgets.data_table import Table
from widgets.manager_cells import EMPTY, fill_table, tier_header, tier_word
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader
from widgets.transition_matrix import TransitionMatrix

if TYPE_CHECKING:
    from rm_console.services import Services

#: The parameters shown, in order, with their labels (English messages, translated when shown).
FIELD_LABELS: dict[str, str] = {
    "aum": N_("AUM reached ≥"),
    "window": N_("Window (months)"),
    "card_spend": N_("Card spend ≥"),
    "mortgage_min": N_("Mortgage ≥"),
    "mortgage_max": N_("Mortgage <"),
    "credit_loan_min": N_("Credit loan ≥"),
    "credit_loan_max": N_("Credit loan <"),
    "diamond_card": N_("Diamond card"),
    "watch_max": N_("Watch ≤ (months)"),
    "attention_max": N_("Attention ≤ (months)"),
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the screen starts from: the rules in force and who is acting."""

    rules: RuleSet
    acting: StaffDTO | None


def field_value(rule: TierRule, field: str) -> object:
    """The value of parameter ``field`` of ``rule`` (fen for amounts, None when not used)."""
    if field in MONEY_FIELDS:
        return getattr(rule, MONEY_FIELDS[field])
    if field in COUNT_FIELDS:
        return getattr(rule, COUNT_FIELDS[field])
    return getattr(rule, FLAG_FIELDS[field])


def shown_value(rule: TierRule, field: str) -> str:
    """A parameter as the table shows it: ``¥500,000``, ``6``, ``yes``, or a dot when not used."""
    value = field_value(rule, field)
    if field in FLAG_FIELDS:
        return _("yes") if value else EMPTY
    if value is None:
        return EMPTY
    if field in MONEY_FIELDS:
        return format_yuan(int(value))  # type: ignore[call-overload]
    return str(value)


def typed_value(rule: TierRule, field: str) -> str:
    """A parameter as a person types it: yuan without separators, months, ``yes``/``no``, or empty."""
    value = field_value(rule, field)
    if field in FLAG_FIELDS:
        return "yes" if value else "no"
    if value is None:
        return ""
    if field in MONEY_FIELDS:
        whole, cents = divmod(int(value), 100)  # type: ignore[call-overload]
        return str(whole) if not cents else f"{whole}.{cents:02d}"
    return str(value)


def normalised(field: str, text: str) -> str:
    """What a person typed, as a change takes it: ``¥800,000`` → ``800000``; empty → ``none``."""
    value = text.strip()
    if field in MONEY_FIELDS:
        value = value.replace(",", "").replace("¥", "").replace("，", "").strip()
    if field in FLAG_FIELDS:
        value = {"y": "yes", "n": "no", "是": "yes", "否": "no"}.get(value.lower(), value)
    return value or "none"


class TierSimulationScreen(LocalizedBindings, Screen[None]):
    """Edit tier parameters and see, before anything is written, who would move between tiers.

    Branch managers and analysts simulate; only an analyst confirms, and the footer offers the key to
    analysts only (a sentence tells others why).
    """

    CSS_PATH = "tier_simulation.tcss"

    BINDINGS = [
        Binding(
            "enter",
            "edit",
            N_("Edit"),
            tooltip=N_("Change the parameter under the cursor; the simulation runs again"),
            id="tiers.edit",
            priority=True,
        ),
        Binding(
            "x",
            "reset",
            N_("Reset"),
            tooltip=N_("Drop every change: back to the rules in force"),
            id="tiers.reset",
        ),
        Binding(
            "c",
            "confirm",
            N_("Confirm"),
            tooltip=N_("Store the changed rules as a new version and recompute tiers (analysts)"),
            id="tiers.confirm",
        ),
    ]

    class RulesLoaded(Message):
        """The rules in force and who is acting arrived."""

        def __init__(self, loaded: Loaded) -> None:
            super().__init__()
            self.loaded = loaded

    class Simulated(Message):
        """A simulation finished."""

        def __init__(self, report: SimulationReport, changes: tuple[str, ...]) -> None:
            super().__init__()
            self.report = report
            self.changes = changes

    class Confirmed(Message):
        """A rule set was stored as a new version and tiers were recomputed."""

        def __init__(self, version: int, report: RecomputeReport) -> None:
            super().__init__()
            self.version = version
            self.report = report

    def __init__(self, services: Services, *, lang: str | None = None) -> None:
        super().__init__()
        self._services = services
        self._lang = lang or language()
        self._base: RuleSet | None = None
        self._acting: StaffDTO | None = None
        self._changes: dict[tuple[str, str], str] = {}
        self._report: SimulationReport | None = None
        self._simulated: tuple[str, ...] | None = None

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Heading; the rules and the matrix on the left, the changed customers on the right; a note."""
        yield ShellHeader()
        yield Static("", id="heading")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                with Vertical(id="rules-pane"):
                    yield Table(id="rules", cursor_type="cell", zebra_stripes=True)
                with Vertical(id="matrix-pane"):
                    yield TransitionMatrix(id="matrix")
                yield Static("", id="note")
            with Vertical(id="changed-pane"):
                yield Table(id="changed", cursor_type="row", zebra_stripes=True)
        yield Static("", id="message")
        yield ShellFooter()

    def on_mount(self) -> None:
        """Titles, then load the rules."""
        self.query_one("#rules-pane").border_title = with_chinese("Tier rules")
        self.query_one("#matrix-pane").border_title = with_chinese("Transitions")
        self.query_one("#matrix-pane").border_subtitle = _("rows: tier now · columns: tier under these rules")
        self.query_one("#changed-pane").border_title = with_chinese("Changed customers")
        self._fill_changed()
        self.query_one("#rules", DataTable).focus()
        self.load_rules()

    # -- loading and simulating --------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="rules", exit_on_error=False)
    def load_rules(self) -> None:
        """Read the rules in force and who is acting."""
        self.post_message(
            self.RulesLoaded(Loaded(self._services.tiers.rules(), self._services.overview.acting()))
        )

    @work(thread=True, exclusive=True, group="simulate", exit_on_error=False)
    def simulate(self, changes: tuple[str, ...]) -> None:
        """Evaluate every customer under the changed rules; writes nothing."""
        self.post_message(self.Simulated(self._services.tiers.simulate(list(changes)), changes))

    @on(RulesLoaded)
    def _start(self, message: RulesLoaded) -> None:
        self._base = message.loaded.rules
        self._acting = message.loaded.acting
        self._fill_rules()
        self._show_note()
        self._run()

    def _change_texts(self) -> tuple[str, ...]:
        return tuple(f"{tier}.{field}={value}" for (tier, field), value in self._changes.items())

    def _candidate(self) -> RuleSet | None:
        if self._base is None:
            return None
        changes = self._change_texts()
        return with_changes(self._base, changes) if changes else self._base

    def _run(self) -> None:
        self._simulated = None
        self._show_heading()
        self.simulate(self._change_texts())

    @on(Simulated)
    def _show_simulation(self, message: Simulated) -> None:
        if message.changes != self._change_texts():
            return  # an older simulation; the newer one is on its way
        self._report = message.report
        self._simulated = message.changes
        self.query_one(TransitionMatrix).transitions = message.report.transitions
        self._fill_changed()
        self._show_heading()
        self.refresh_bindings()

    # -- drawing -----------------------------------------------------------------------------------

    def _analyst(self) -> bool:
        return self._acting is not None and self._acting.role == Role.ANALYST

    def _show_heading(self) -> None:
        line = Text(with_chinese("Tier simulation"), style="bold")
        if self._base is not None:
            line.append("  " + _("rules v{version}").format(version=self._base.version))
        if self._report is not None:
            line.append("  ·  ", style="dim")
            line.append(_("against {month}").format(month=self._report.month))
        line.append("  ·  ", style="dim")
        count = len(self._changes)
        line.append(
            _("changed parameters: {count}").format(count=count) if count else _("no change yet"),
            style="bold" if count else "dim",
        )
        line.append("  ·  ", style="dim")
        if self._simulated is None:
            line.append(_("simulating…"), style="dim italic")
        else:
            line.append(_("nothing is written"), style="dim")
        self.query_one("#heading", Static).update(line)

    def _show_note(self) -> None:
        note = self.query_one("#note", Static)
        if self._acting is not None and not self._analyst():
            note.update(
                _(
                    "Only an analyst confirms a rule set (客户级别确认). You may simulate as often as you "
                    "like: nothing is written."
                )
            )
        elif self._analyst():
            note.update(_("c confirms the changed rules as a new version and recomputes every tier."))
        else:
            note.update("")

    def _fill_rules(self) -> None:
        table: DataTable[Text] = self.query_one("#rules", DataTable)
        candidate = self._candidate()
        if self._base is None or candidate is None:
            return
        coordinate = table.cursor_coordinate
        colours = self.app.theme_variables
        headers = {"field": Text(_("Parameter"), style="dim")}
        headers.update(
            {rule.tier.value: tier_header(rule.tier.value, self._lang, colours) for rule in self._base.rules}
        )
        rows: list[tuple[str | None, dict[str, Text]]] = []
        for field, label in FIELD_LABELS.items():
            cells = {"field": Text(_(label), style="bold")}
            for rule in candidate.rules:
                edited = (rule.tier.value, field) in self._changes
                unused = field_value(rule, field) in (None, False)
                style = "bold reverse" if edited else ("dim" if unused else "")
                cells[rule.tier.value] = Text(shown_value(rule, field), style=style, justify="right")
            rows.append((field, cells))
        fill_table(table, headers, rows)
        table.move_cursor(row=coordinate.row, column=max(coordinate.column, 1))
        pane = self.query_one("#rules-pane")
        pane.border_subtitle = (
            _("enter edits · edited values reversed") if self._changes else _("enter edits a value")
        )

    def _fill_changed(self) -> None:
        changed = self._report.changed if self._report is not None else ()
        rows: list[tuple[str | None, dict[str, Text]]] = [(cif, {"cif": Text(cif)}) for cif in changed]
        fill_table(self.query_one("#changed", DataTable), {"cif": Text(_("CIF"))}, rows)
        pane = self.query_one("#changed-pane")
        if self._report is None:
            pane.border_subtitle = ""
            return
        pane.border_title = f"{with_chinese('Changed customers')} ({len(self._report.changed):,})"
        moved = self.query_one(TransitionMatrix).moved()
        pane.border_subtitle = _("{count} change tier").format(count=moved) if moved else _("nobody moves")

    # -- keys --------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Confirm is for analysts only, once a change was simulated; editing needs the rules table."""
        if action == "confirm":
            if not self._analyst():
                return False
            return (bool(self._changes) and self._simulated == self._change_texts()) or None
        if action == "reset":
            return bool(self._changes) or None
        if action == "edit":
            return self.query_one("#rules", DataTable).has_focus and (self._cursor() is not None or None)
        return True

    def _cursor(self) -> tuple[TierRule, str] | None:
        candidate = self._candidate()
        table: DataTable[Text] = self.query_one("#rules", DataTable)
        if candidate is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate)
        rule = candidate.rule(str(key.column_key.value))
        if rule is None:
            return None
        return rule, str(key.row_key.value)

    def action_edit(self) -> None:
        """Change the parameter under the cursor."""
        found = self._cursor()
        if found is not None:
            self.edit_flow(*found)

    def _hint(self, field: str) -> str:
        if field in MONEY_FIELDS:
            hint = _("An amount in yuan, such as 800000.")
            if field in OPTIONAL_FIELDS:
                hint += " " + _("Empty leaves the criterion out.")
            return hint
        if field == "window":
            return _("Months before the current one, 0 to 24; the churn bound is always window + 1.")
        if field in FLAG_FIELDS:
            return _("yes or no.")
        hint = _("Whole months.")
        if field in OPTIONAL_FIELDS:
            hint += " " + _("Empty leaves the attention band out.")
        return hint

    def _check(self, tier: str, field: str) -> object:
        def check(text: str) -> str | None:
            if self._base is None:
                return None
            others = [f"{t}.{f}={v}" for (t, f), v in self._changes.items() if (t, f) != (tier, field)]
            try:
                with_changes(self._base, [*others, f"{tier}.{field}={normalised(field, text)}"])
            except RuleSetError as exc:
                return failure_text(exc)
            return None

        return check

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def edit_flow(self, rule: TierRule, field: str) -> None:
        """Ask for the new value; keep it as a change and simulate again."""
        tier = rule.tier.value
        dialog = EditRuleDialog(
            f"{tier_word(tier, self._lang)} · {_(FIELD_LABELS[field])}",
            label=_(FIELD_LABELS[field]),
            value=typed_value(rule, field),
            hint=self._hint(field),
            check=self._check(tier, field),  # type: ignore[arg-type]
        )
        typed = await self.app.push_screen_wait(dialog)
        if typed is None or self._base is None:
            return
        value = normalised(field, typed)
        base_rule = self._base.rule(tier)
        self._changes[(tier, field)] = value
        candidate = self._candidate()
        changed_rule = candidate.rule(tier) if candidate else None
        same = base_rule is not None and changed_rule is not None
        if same and field_value(base_rule, field) == field_value(changed_rule, field):  # type: ignore[arg-type]
            del self._changes[(tier, field)]
        self._fill_rules()
        self._run()

    def action_reset(self) -> None:
        """Drop every change."""
        self._changes.clear()
        self._fill_rules()
        self._run()

    def action_confirm(self) -> None:
        """Ask once more, then store the rules as a new version (analysts)."""
        if self._analyst() and self._changes and self._report is not None:
            self.confirm_flow()

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def confirm_flow(self) -> None:
        """Ask once more, naming the version it will create; then store and recompute."""
        candidate = self._candidate()
        report = self._report
        if candidate is None or report is None:
            return
        changes = self._change_texts()
        version = report.base_version + 1
        dialog = ConfirmRulesDialog(
            _("Confirm tier rules version {version}").format(version=version),
            question=_(
                "Store these rules as version {version} and recompute every customer's tier for {month}? "
                "{count} customers change tier."
            ).format(version=version, month=report.month, count=len(report.changed)),
            changes=changes,
        )
        note = await self.app.push_screen_wait(dialog)
        if note is None:
            return
        try:
            stored, recomputed = await self.save_rules(
                candidate, note or "tier simulation: " + "; ".join(changes)
            ).wait()
        except WorkerFailed as failed:
            self._say(failure_text(failed.error), good=False)
            return
        self.post_message(self.Confirmed(stored, recomputed))

    @work(thread=True, group="save", exit_on_error=False)
    def save_rules(self, rules: RuleSet, note: str) -> tuple[int, RecomputeReport]:
        """Store the rule set as a new version and recompute (the service reads it from a file)."""
        with tempfile.TemporaryDirectory(prefix="rmc-rules-") as folder:
            path = Path(folder) / "tier-rules.toml"
            path.write_text(to_toml(rules), encoding="utf-8")
            return self._services.tiers.confirm(path, note)

    @on(Confirmed)
    def _confirmed(self, message: Confirmed) -> None:
        self._say(
            _("Stored tier rules version {version}; {count} customers changed tier.").format(
                version=message.version, count=message.report.tiers_changed
            ),
            good=True,
        )
        self._changes.clear()
        self._report = None
        self.load_rules()

    # -- failures ----------------------------------------------------------------------------------

    def _say(self, text: str, *, good: bool) -> None:
        line = self.query_one("#message", Static)
        line.update(text)
        line.set_class(good, "good")
        line.set_class(not good, "bad")

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """Show a failed load or simulation as a sentence, never a traceback."""
        if event.state != WorkerState.ERROR or event.worker.group == "save":
            return
        self._say(failure_text(event.worker.error), good=False)
