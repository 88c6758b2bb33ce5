"""Allocation (F6, 分配): the branch manager's unassigned pool, the RMs of the institution, assigning,
batch-assigning a selection, adjusting, recycling, and a customer's assignment history (SPEC §4).

Left: the unassigned pool (待分配客户), filtered by tier and outlet, several customers selected with
space; or, after enter on an RM, the customers of that RM. Right: the RMs with the customers and AUM
they manage and the month's sales. Bottom: the assignment history (分配调整记录) of a customer.
"""

from __future__ import annotations

from collections.abc import Sequence
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

from rm_console.domain.dto import (
    AssignmentChange,
    BookRow,
    CustomerCard,
    Pool,
    PoolRow,
    RmBook,
    RmRoster,
    ShareDTO,
)
from rm_console.domain.enums import Role, Tier
from rm_console.domain.money import format_yuan
from rm_console.i18n import N_, _, failure_text, language, with_chinese
from screens.localized import LocalizedBindings
from screens.manager_dialogs import AssignmentDialog, AssignmentRequest, RecycleDialog
from widgets.data_table import Table
from widgets.manager_cells import (
    fill_table,
    fit_columns,
    money_cell,
    right,
    status_cell,
    status_word,
    tier_cell,
    tier_word,
)
from widgets.rm_roster import RmRosterTable
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader

if TYPE_CHECKING:
    from rm_console.services import Services

#: The name of each assignment event's action, translated when shown.
ACTION_WORDS = {"assign": N_("assign"), "adjust": N_("adjust"), "recycle": N_("recycle")}
#: The left table shows the unassigned pool, or the customers of one RM.
POOL, BOOK = "pool", "book"
#: The mark of a selected customer.
SELECTED = "●"


def shares_text(shares: Sequence[ShareDTO]) -> str:
    """``RM001 李明 70% · RM002 王芳 30%``; an em dash for none."""
    if not shares:
        return "—"
    return " · ".join(f"{s.staff} {s.name} {s.pct}%".replace("  ", " ") for s in shares)


class AllocationScreen(LocalizedBindings, Screen[None]):
    """The branch manager's allocation screen: pool, RMs, assignment dialog, recycle, history.

    Analysts may look (the pool and the RMs of any institution); only a branch manager assigns and
    recycles, and the footer offers those keys only to them.
    """

    CSS_PATH = "allocation.tcss"

    BINDINGS = [
        Binding(
            "space",
            "toggle_selection",
            N_("Select"),
            tooltip=N_("Select or unselect the focused customer for a batch assignment"),
            id="allocation.select",
        ),
        Binding(
            "a",
            "assign",
            N_("Assign"),
            tooltip=N_("Assign the focused customer to RMs (adjust its RMs if it has some)"),
            id="allocation.assign",
        ),
        Binding(
            "b",
            "batch",
            N_("Batch"),
            tooltip=N_("Give every selected customer the same RMs, all or none"),
            id="allocation.batch",
        ),
        Binding(
            "R",
            "recycle",
            N_("Recycle"),
            tooltip=N_("Take the focused customer back into the unassigned pool, with a reason"),
            id="allocation.recycle",
        ),
        Binding(
            "h",
            "history",
            N_("History"),
            tooltip=N_("Show the assignment history of the focused customer"),
            id="allocation.history",
        ),
        Binding(
            "t",
            "filter_tier",
            N_("Tier"),
            tooltip=N_("Show one tier, the next, or all"),
            id="allocation.tier",
        ),
        Binding(
            "o",
            "filter_outlet",
            N_("Outlet"),
            tooltip=N_("Show one outlet, the next, or all"),
            id="allocation.outlet",
        ),
        Binding(
            "enter",
            "open_rm",
            N_("Customers"),
            tooltip=N_("Show the customers of the focused RM"),
            id="allocation.rm_customers",
            priority=True,
        ),
        Binding(
            "p",
            "show_pool",
            N_("Pool"),
            tooltip=N_("Back to the unassigned pool"),
            id="allocation.pool",
        ),
    ]

    class PoolLoaded(Message):
        """The unassigned pool arrived."""

        def __init__(self, pool: Pool) -> None:
            super().__init__()
            self.pool = pool

    class RosterLoaded(Message):
        """The RMs arrived."""

        def __init__(self, roster: RmRoster) -> None:
            super().__init__()
            self.roster = roster

    class BookLoaded(Message):
        """The customers of one RM arrived."""

        def __init__(self, book: RmBook) -> None:
            super().__init__()
            self.book = book

    class HistoryLoaded(Message):
        """A customer's assignment history arrived."""

        def __init__(self, card: CustomerCard) -> None:
            super().__init__()
            self.card = card

    class Saved(Message):
        """An assignment, adjustment or recycle was written."""

        def __init__(self, text: str, cifs: tuple[str, ...]) -> None:
            super().__init__()
            self.text = text
            self.cifs = cifs

    def __init__(self, services: Services, *, lang: str | None = None) -> None:
        super().__init__()
        self._services = services
        self._lang = lang or language()
        self._pool: Pool | None = None
        self._roster: RmRoster | None = None
        self._book: RmBook | None = None
        self._book_staff: str | None = None
        self._mode = POOL
        self._selected: set[str] = set()
        self._tier: str | None = None
        self._outlet: str | None = None

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Heading, the customers and the RMs side by side, the history, a message line, the footer."""
        yield ShellHeader()
        yield Static("", id="heading")
        with Horizontal(id="panes"):
            with Vertical(id="customers-pane"):
                yield Table(id="customers", cursor_type="row", zebra_stripes=True)
            with Vertical(id="roster-pane"):
                yield RmRosterTable(id="roster")
        with Vertical(id="history-pane"):
            yield Table(id="history", cursor_type="none")
        yield Static("", id="message")
        yield ShellFooter(compact=True)

    def on_mount(self) -> None:
        """Titles, empty tables, and start loading."""
        self.query_one("#history", DataTable).can_focus = False
        self.query_one("#roster-pane").border_title = with_chinese("RMs")
        self._fill_customers()
        self._fill_history(None)
        self.query_one("#customers", DataTable).focus()
        self.load_pool()
        self.load_roster()

    # -- loading -----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="pool", exit_on_error=False)
    def load_pool(self) -> None:
        """Read the unassigned pool."""
        self.post_message(self.PoolLoaded(self._services.assignments.pool()))

    @work(thread=True, exclusive=True, group="roster", exit_on_error=False)
    def load_roster(self) -> None:
        """Read the RMs with what they manage and sell."""
        self.post_message(self.RosterLoaded(self._services.assignments.roster()))

    @work(thread=True, exclusive=True, group="book", exit_on_error=False)
    def load_book(self, staff: str) -> None:
        """Read the customers of one RM."""
        self.post_message(self.BookLoaded(self._services.assignments.book(staff)))

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def load_history(self, cif: str) -> None:
        """Read a customer's assignment events."""
        self.post_message(self.HistoryLoaded(self._services.assignments.customer(cif)))

    @on(PoolLoaded)
    def _show_pool(self, message: PoolLoaded) -> None:
        self._pool = message.pool
        self._show_heading()
        if self._mode == POOL:
            self._selected &= {row.cif for row in message.pool.rows}
            self._fill_customers()

    @on(RosterLoaded)
    def _show_roster(self, message: RosterLoaded) -> None:
        self._roster = message.roster
        self._show_heading()
        roster = self.query_one(RmRosterTable)
        roster.roster = message.roster
        self.query_one("#roster-pane").border_subtitle = _("AUM {aum} · sales {sales}").format(
            aum=message.roster.aum_month or "—", sales=message.roster.sales_month
        )
        self.refresh_bindings()

    @on(BookLoaded)
    def _show_book(self, message: BookLoaded) -> None:
        if self._mode != BOOK or message.book.staff != self._book_staff:
            return
        self._book = message.book
        self._selected &= {row.cif for row in message.book.rows}
        self._fill_customers()

    @on(HistoryLoaded)
    def _show_history(self, message: HistoryLoaded) -> None:
        self._fill_history(message.card)

    # -- the customers table -----------------------------------------------------------------------

    def _all_rows(self) -> Sequence[PoolRow | BookRow]:
        if self._mode == BOOK:
            return self._book.rows if self._book else ()
        return self._pool.rows if self._pool else ()

    def _rows(self) -> list[PoolRow | BookRow]:
        return [
            row
            for row in self._all_rows()
            if (self._tier is None or row.tier == self._tier)
            and (self._outlet is None or row.institution == self._outlet)
        ]

    def _outlets(self) -> list[str]:
        return sorted({row.institution for row in self._all_rows()})

    def _fill_customers(self) -> None:
        table: DataTable[Text] = self.query_one("#customers", DataTable)
        focused = self._focused_cif()
        index = table.cursor_row
        colours = self.app.theme_variables
        several = len(self._outlets()) > 1
        headers = {
            "cif": Text(_("CIF")),
            "name": Text(_("Name")),
            "tier": Text(_("Tier")),
            "status": Text(_("Status")),
            "aum": right(_("AUM")),
        }
        if several:
            headers["outlet"] = Text(_("Outlet"))
        if self._mode == BOOK:
            headers["share"] = Text(_("Share"))
        else:
            headers["recycled"] = Text(_("Recycled"))
        rows = self._rows()
        filled: list[tuple[str | None, dict[str, Text]]] = []
        for row in rows:
            chosen = row.cif in self._selected
            mark = Text(f"{SELECTED} " if chosen else "  ", style="bold")
            mark.append(row.cif, style="bold" if chosen else "")
            cells = {
                "cif": mark,
                "name": Text(row.name),
                "tier": tier_cell(row.tier, self._lang, colours, padded=False),
                "status": status_cell(row.status, self._lang, colours),
                "aum": money_cell(row.aum_fen),
                "outlet": Text(row.institution, style="dim"),
            }
            if isinstance(row, BookRow):
                role = _("primary") if row.role == "primary" else _("secondary")
                cells["share"] = Text(f"{role} {row.pct}%")
            else:
                cells["recycled"] = Text(row.recycled_on or "", style="dim")
            filled.append((row.cif, cells))
        scrollbar = 1 if len(rows) > max(table.size.height, 10) - 1 else 0
        shown = fit_columns(
            headers,
            [cells for _key, cells in filled],
            max(table.size.width, self.size.width - 48) - scrollbar,
            ("recycled", "outlet", "status"),
        )
        fill_table(table, headers, filled, shown)
        keys = [row.cif for row in rows]
        if focused in keys:
            table.move_cursor(row=keys.index(focused))
        elif rows:
            table.move_cursor(row=min(index, len(rows) - 1))
        self._show_titles(len(rows))
        self.refresh_bindings()

    def _show_titles(self, shown: int) -> None:
        pane = self.query_one("#customers-pane")
        if self._mode == BOOK:
            name = self._book.name if self._book is not None else ""
            pane.border_title = _("Customers of {name} {code} ({count})").format(
                name=name, code=self._book_staff, count=shown
            )
        else:
            title = with_chinese("Unassigned pool")
            pane.border_title = f"{title} ({shown})"
        parts = [
            _("tier: {tier}").format(tier=tier_word(self._tier, self._lang) if self._tier else _("all")),
        ]
        if len(self._outlets()) > 1 or self._outlet:
            parts.append(_("outlet: {outlet}").format(outlet=self._outlet or _("all")))
        if self._selected:
            parts.append(_("{count} selected").format(count=len(self._selected)))
        pane.border_subtitle = " · ".join(parts)

    def _show_heading(self) -> None:
        place = self._roster or self._pool
        if place is None:
            return
        line = Text(with_chinese("Allocation"), style="bold")
        line.append(f"  {place.institution_name} {place.institution}")
        if self._pool is not None:
            line.append("  ·  ", style="dim")
            line.append(_("{count} customers waiting").format(count=len(self._pool.rows)), style="dim")
        if self._roster is not None and self._roster.acting.role != Role.BRANCH_MANAGER:
            line.append("  ·  ", style="dim")
            line.append(_("Only a branch manager assigns and recycles; you may look."), style="dim")
        self.query_one("#heading", Static).update(line)

    def _focused_cif(self) -> str | None:
        table: DataTable[Text] = self.query_one("#customers", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _focused_row(self) -> PoolRow | BookRow | None:
        cif = self._focused_cif()
        return next((row for row in self._all_rows() if row.cif == cif), None)

    @on(DataTable.RowHighlighted, "#customers")
    def _moved(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        """Keys depend on what has focus."""
        self.refresh_bindings()

    # -- the history -------------------------------------------------------------------------------

    def _fill_history(self, card: CustomerCard | None) -> None:
        headers = {
            "at": Text(_("When")),
            "action": Text(_("Action")),
            "by": Text(_("By")),
            "before": Text(_("Before")),
            "after": Text(_("After")),
            "reason": Text(_("Reason")),
        }
        rows: list[tuple[str | None, dict[str, Text]]] = []
        for number, event in enumerate(reversed(card.events if card else ())):
            cells = {
                "at": Text(event.at[:16].replace("T", " "), style="dim"),
                "action": Text(_(ACTION_WORDS.get(event.action, event.action)), style="bold"),
                "by": Text(event.actor or "—"),
                "before": Text(shares_text(event.before), style="dim"),
                "after": Text(shares_text(event.after)),
                "reason": Text(event.reason or ""),
            }
            rows.append((str(number), cells))
        fill_table(self.query_one("#history", DataTable), headers, rows)
        pane = self.query_one("#history-pane")
        if card is None:
            pane.border_title = with_chinese("Assignment history")
            pane.border_subtitle = _("h shows the focused customer's history")
            return
        title = with_chinese("Assignment history")
        pane.border_title = f"{title} — {card.cif} {card.name}"
        if card.events:
            pane.border_subtitle = _("RMs now: {shares}").format(shares=shares_text(card.rms))
        else:
            pane.border_subtitle = _("No assignment changes yet; RMs now: {shares}").format(
                shares=shares_text(card.rms)
            )

    # -- keys --------------------------------------------------------------------------------------

    def _manager(self) -> bool:
        return self._roster is not None and self._roster.acting.role == Role.BRANCH_MANAGER

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what may be done now: assignment keys to branch managers, recycle to assigned
        customers, batch assignment to a selection."""
        has_row = self._focused_cif() is not None
        if action == "toggle_selection":
            return self._manager() and (has_row or None)
        if action == "assign":
            return self._manager() and (has_row or None)
        if action == "batch":
            return self._manager() and bool(self._selected)
        if action == "recycle":
            return self._manager() and self._mode == BOOK and (has_row or None)
        if action == "history":
            return has_row or None
        if action == "filter_outlet":
            return len(self._outlets()) > 1 or self._outlet is not None
        if action == "show_pool":
            return self._mode == BOOK
        if action == "open_rm":
            roster = self.query_one(RmRosterTable)
            return roster.has_focus and roster.highlighted_code is not None
        return True

    def action_toggle_selection(self) -> None:
        """Select or unselect the focused customer, then move down."""
        cif = self._focused_cif()
        if cif is None:
            return
        self._selected ^= {cif}
        table: DataTable[Text] = self.query_one("#customers", DataTable)
        row = table.cursor_row
        self._fill_customers()
        table.move_cursor(row=min(row + 1, table.row_count - 1))

    def action_filter_tier(self) -> None:
        """Show the next tier present, or all."""
        present = {row.tier for row in self._all_rows()}
        choices: list[str | None] = [None, *(t.value for t in Tier if t.value in present)]
        at = choices.index(self._tier) if self._tier in choices else 0
        self._tier = choices[(at + 1) % len(choices)]
        self._fill_customers()

    def action_filter_outlet(self) -> None:
        """Show the next outlet present, or all."""
        choices: list[str | None] = [None, *self._outlets()]
        at = choices.index(self._outlet) if self._outlet in choices else 0
        self._outlet = choices[(at + 1) % len(choices)]
        self._fill_customers()

    def action_show_pool(self) -> None:
        """Back from an RM's customers to the unassigned pool."""
        self._mode = POOL
        self._book = None
        self._book_staff = None
        self._selected.clear()
        self._tier = self._outlet = None
        self.query_one(RmRosterTable).chosen = None
        self._fill_customers()
        self.query_one("#customers", DataTable).focus()

    def action_open_rm(self) -> None:
        """Show the customers of the RM under the roster's cursor."""
        code = self.query_one(RmRosterTable).highlighted_code
        if code is not None:
            self._open_book(code)

    @on(RmRosterTable.Chosen)
    def _chosen(self, message: RmRosterTable.Chosen) -> None:
        self._open_book(message.code)

    def _open_book(self, code: str) -> None:
        self._mode = BOOK
        self._book = None
        self._book_staff = code
        self._selected.clear()
        self._tier = self._outlet = None
        self.query_one(RmRosterTable).chosen = code
        self._fill_customers()
        self.load_book(code)
        self.query_one("#customers", DataTable).focus()

    def action_history(self) -> None:
        """Show the focused customer's assignment history."""
        cif = self._focused_cif()
        if cif is not None:
            self.load_history(cif)

    def _choices(self, cifs: Sequence[str]) -> list[tuple[str, str]]:
        """The RMs the dialog offers for ``cifs``: those working where every one of these customers' RMs
        may work (as the store says), so that a choice is not refused for its place; every RM of the
        roster when the store did not say, or when no RM may serve them all (the refusal then says why)."""
        if self._roster is None:
            return []
        source = self._book if self._mode == BOOK else self._pool
        places = dict(source.rm_places) if source is not None else {}
        wanted = set(cifs)
        allowed: set[str] | None = None
        for row in self._all_rows():
            if row.cif in wanted and row.institution in places:
                where = set(places[row.institution])
                allowed = where if allowed is None else allowed & where
        return [
            (row.code, f"{row.code} {row.name} · {row.institution_code}")
            for row in self._roster.rows
            if not allowed or row.institution_code in allowed
        ]

    def _about(self, row: PoolRow | BookRow) -> str:
        parts = [
            tier_word(row.tier, self._lang) if row.tier else "—",
            status_word(row.status, self._lang) if row.status else "—",
            f"{_('AUM')} {format_yuan(row.aum_fen) if row.aum_fen is not None else '—'}",
        ]
        shares = row.shares if isinstance(row, BookRow) else ()
        parts.append(_("RMs now: {shares}").format(shares=shares_text(shares)))
        return " · ".join(parts)

    def action_assign(self) -> None:
        """Assign (or adjust) the focused customer in the assignment dialog."""
        row = self._focused_row()
        if row is None or not self._manager():
            return
        shares = row.shares if isinstance(row, BookRow) else ()
        if shares:
            title = _("Adjust the RMs of {cif} {name}").format(cif=row.cif, name=row.name)
        else:
            title = _("Assign {cif} {name}").format(cif=row.cif, name=row.name)
        self.assignment_flow(
            (row.cif,), title, self._about(row), AssignmentRequest.from_shares(shares), bool(shares)
        )

    def action_batch(self) -> None:
        """Give every selected customer the same RMs in the assignment dialog."""
        if not self._selected or not self._manager():
            return
        chosen = [row for row in self._all_rows() if row.cif in self._selected]
        adjusting = any(isinstance(row, BookRow) and row.shares for row in chosen)
        title = _("Assign {count} selected customers").format(count=len(chosen))
        about = ", ".join(f"{row.cif} {row.name}" for row in chosen[:4])
        if len(chosen) > 4:
            about += " " + _("and {count} more").format(count=len(chosen) - 4)
        self.assignment_flow(tuple(row.cif for row in chosen), title, about, None, adjusting)

    def action_recycle(self) -> None:
        """Take the focused customer back into the unassigned pool, with a reason."""
        row = self._focused_row()
        if not isinstance(row, BookRow) or not self._manager():
            return
        self.recycle_flow(row)

    # -- dialogs and writing -----------------------------------------------------------------------

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def assignment_flow(
        self,
        cifs: tuple[str, ...],
        title: str,
        about: str,
        initial: AssignmentRequest | None,
        adjusting: bool,
    ) -> None:
        """Ask for the RMs until the service accepts them or the person cancels; a refusal reopens the
        dialog with every typed value and the service's sentence."""
        request, error = initial, None
        while True:
            dialog = AssignmentDialog(
                title, self._choices(cifs), about=about, initial=request, adjusting=adjusting, error=error
            )
            request = await self.app.push_screen_wait(dialog)
            if request is None:
                return
            try:
                changes = await self.save_assignment(cifs, request).wait()
            except WorkerFailed as failed:
                error = failure_text(failed.error)
                continue
            self.post_message(self.Saved(self._saved_text(changes), cifs))
            return

    @work(thread=True, group="save", exit_on_error=False)
    def save_assignment(
        self, cifs: tuple[str, ...], request: AssignmentRequest
    ) -> tuple[AssignmentChange, ...]:
        """Write one assignment, or one for every customer of a selection in one transaction."""
        service = self._services.assignments
        if len(cifs) == 1:
            return (service.assign(cifs[0], request.primary_text, request.secondary_texts, request.reason),)
        return service.assign_many(cifs, request.primary_text, request.secondary_texts, request.reason)

    def _saved_text(self, changes: Sequence[AssignmentChange]) -> str:
        if len(changes) == 1:
            change = changes[0]
            text = (
                _("Adjusted {cif} {name}: {shares}.")
                if change.action == "adjust"
                else _("Assigned {cif} {name}: {shares}.")
            )
            return text.format(cif=change.cif, name=change.name, shares=shares_text(change.after))
        after = changes[0].after if changes else ()
        return _("Assigned {count} customers: {shares}.").format(
            count=len(changes), shares=shares_text(after)
        )

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def recycle_flow(self, row: BookRow) -> None:
        """Ask for the reason until the service accepts it or the person cancels."""
        reason, error = "", None
        about = _("{name} returns to the unassigned pool of {institution}. RMs now: {shares}.").format(
            name=row.name, institution=row.institution, shares=shares_text(row.shares)
        )
        while True:
            dialog = RecycleDialog(
                _("Recycle {cif} {name}").format(cif=row.cif, name=row.name),
                about=about,
                reason=reason,
                error=error,
            )
            typed = await self.app.push_screen_wait(dialog)
            if typed is None:
                return
            reason = typed
            try:
                change = await self.save_recycle(row.cif, reason).wait()
            except WorkerFailed as failed:
                error = failure_text(failed.error)
                continue
            text = _("Recycled {cif} {name} into the unassigned pool.").format(
                cif=change.cif, name=change.name
            )
            self.post_message(self.Saved(text, (row.cif,)))
            return

    @work(thread=True, group="save", exit_on_error=False)
    def save_recycle(self, cif: str, reason: str) -> AssignmentChange:
        """Write the recycle."""
        return self._services.assignments.recycle(cif, reason)

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self._say(message.text, good=True)
        self._selected -= set(message.cifs)
        self.load_pool()
        self.load_roster()
        if self._mode == BOOK and self._book_staff is not None:
            self.load_book(self._book_staff)
        self.load_history(message.cifs[0])

    # -- failures ----------------------------------------------------------------------------------

    def _say(self, text: str, *, good: bool) -> None:
        line = self.query_one("#message", Static)
        line.update(text)
        line.set_class(good, "good")
        line.set_class(not good, "bad")

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """Show a failed load as a sentence, never a traceback (a refused save goes back to its dialog)."""
        if event.state != WorkerState.ERROR or event.worker.group == "save":
            return
        self._say(failure_text(event.worker.error), good=False)
