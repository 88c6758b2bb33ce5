"""Sales attribution review (销售归属): the sales of the branch manager's institution, those awaiting
attribution first, each sale's credits (seller 销售人 and referrer 推荐人 with their ratios), and the
branch manager's adjustment of a sale's credits (SPEC §5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerFailed, WorkerState

from rm_console.domain.attribution import CreditView, SaleList, SaleView, ratio_text
from rm_console.domain.dto import RmRoster, StaffDTO
from rm_console.domain.enums import Role
from rm_console.domain.money import format_yuan
from rm_console.i18n import N_, _, failure_text, language, with_chinese
from screens.localized import LocalizedBindings
from screens.manager_dialogs import AdjustCreditsDialog, AdjustRequest, CreditLine
from widgets.data_table import Table
from widgets.manager_cells import colour, fill_table, fit_columns, money_cell, right
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader

if TYPE_CHECKING:
    from rm_console.services import Services

#: How many sales the review lists at most.
LIMIT = 200
#: The name of each sale status, translated when shown.
STATUS_WORDS = {"awaiting": N_("awaiting"), "settled": N_("settled"), "adjusted": N_("adjusted")}
#: The theme colour of each sale status.
STATUS_COLOURS = {"awaiting": "text-warning", "settled": "text-success", "adjusted": "text-accent"}
#: The name of each credit role, translated when shown.
ROLE_WORDS = {"seller": N_("seller"), "referrer": N_("referrer")}
#: Where a credit came from, translated when shown.
SOURCE_WORDS = {
    "auto": N_("automatic: primary RM"),
    "manual": N_("registered"),
    "grace": N_("grace rule: teller"),
    "adjusted": N_("adjusted"),
}


def credits_text(credits: Sequence[CreditView]) -> str:
    """``RM001 李明 seller 0.7 · TL001 梁晓梅 referrer 0.3``; an em dash for none."""
    if not credits:
        return "—"
    return " · ".join(
        f"{c.staff} {c.name} {_(ROLE_WORDS.get(c.role, c.role))} {ratio_text(c.ratio_bp)}" for c in credits
    )


class AttributionScreen(LocalizedBindings, Screen[None]):
    """The sales of the institution (those awaiting attribution, or all of the newest), each sale's
    credits, and a branch manager's adjustment of them."""

    CSS_PATH = "attribution.tcss"

    BINDINGS = [
        Binding(
            "enter",
            "show_credits",
            N_("Credits"),
            tooltip=N_("Show the credits and registrations of the focused sale"),
            id="attribution.credits",
            priority=True,
        ),
        Binding(
            "a",
            "adjust",
            N_("Adjust"),
            tooltip=N_("Replace the focused sale's credits (branch managers)"),
            id="attribution.adjust",
        ),
        Binding(
            "p",
            "toggle_pending",
            N_("Pending only"),
            tooltip=N_("Show only the sales awaiting attribution, or every sale"),
            id="attribution.pending",
        ),
    ]

    class ActingLoaded(Message):
        """Who is acting arrived."""

        def __init__(self, acting: StaffDTO | None) -> None:
            super().__init__()
            self.acting = acting

    class SalesLoaded(Message):
        """The sales arrived."""

        def __init__(self, sales: SaleList) -> None:
            super().__init__()
            self.sales = sales

    class SaleLoaded(Message):
        """One sale with its credits arrived."""

        def __init__(self, sale: SaleView) -> None:
            super().__init__()
            self.sale = sale

    class RosterLoaded(Message):
        """The RMs arrived (their codes complete the adjustment form)."""

        def __init__(self, roster: RmRoster) -> None:
            super().__init__()
            self.roster = roster

    class Adjusted(Message):
        """A sale's credits were replaced."""

        def __init__(self, sale: SaleView) -> None:
            super().__init__()
            self.sale = sale

    def __init__(self, services: Services, *, lang: str | None = None, pending_only: bool = True) -> None:
        super().__init__()
        self._services = services
        self._lang = lang or language()
        self._pending_only = pending_only
        self._acting: StaffDTO | None = None
        self._sales: SaleList | None = None
        self._sale: SaleView | None = None
        self._staff_codes: set[str] = set()

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Heading, the sales, the focused sale's credits, a message line, the footer."""
        yield ShellHeader()
        yield Static("", id="heading")
        with Vertical(id="sales-pane"):
            yield Table(id="sales", cursor_type="row", zebra_stripes=True)
        with Vertical(id="credits-pane"):
            yield Static("", id="sale")
            yield Table(id="credits", cursor_type="none")
            yield Static("", id="registrations")
        yield Static("", id="message")
        yield ShellFooter()

    def on_mount(self) -> None:
        """Empty tables, then load."""
        self.query_one("#credits", DataTable).can_focus = False
        self._fill_sales()
        self._fill_sale(None)
        self.query_one("#sales", DataTable).focus()
        self.load_acting()
        self.load_sales()

    # -- loading -----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="acting", exit_on_error=False)
    def load_acting(self) -> None:
        """Read who is acting (branch managers may adjust)."""
        self.post_message(self.ActingLoaded(self._services.overview.acting()))

    @work(thread=True, exclusive=True, group="sales", exit_on_error=False)
    def load_sales(self) -> None:
        """Read the sales."""
        self.post_message(
            self.SalesLoaded(self._services.sales.list(pending_only=self._pending_only, limit=LIMIT))
        )

    @work(thread=True, exclusive=True, group="sale", exit_on_error=False)
    def load_sale(self, txn_id: str) -> None:
        """Read one sale with its credits and registrations."""
        self.post_message(self.SaleLoaded(self._services.sales.show(txn_id)))

    @work(thread=True, exclusive=True, group="roster", exit_on_error=False)
    def load_roster(self) -> None:
        """Read the RMs of the institution."""
        self.post_message(self.RosterLoaded(self._services.assignments.roster()))

    @on(ActingLoaded)
    def _show_acting(self, message: ActingLoaded) -> None:
        self._acting = message.acting
        if self._manager():
            self.load_roster()
        self._show_heading()
        self.refresh_bindings()

    @on(RosterLoaded)
    def _keep_roster(self, message: RosterLoaded) -> None:
        self._staff_codes |= {row.code for row in message.roster.rows}

    @on(SalesLoaded)
    def _show_sales(self, message: SalesLoaded) -> None:
        self._sales = message.sales
        for row in message.sales.rows:
            self._staff_codes |= {credit.staff for credit in row.credits}
        self._fill_sales()
        self._show_heading()
        focused = self._focused_txn()
        if focused is not None and (self._sale is None or self._sale.txn_id != focused):
            self.load_sale(focused)
        elif focused is None:
            self._fill_sale(None)

    @on(SaleLoaded)
    def _show_sale(self, message: SaleLoaded) -> None:
        self._fill_sale(message.sale)

    # -- tables ------------------------------------------------------------------------------------

    def _manager(self) -> bool:
        return self._acting is not None and self._acting.role == Role.BRANCH_MANAGER

    def _show_heading(self) -> None:
        line = Text(with_chinese("Sales attribution"), style="bold")
        if self._acting is not None:
            line.append(f"  {self._acting.institution_name} {self._acting.institution_code}")
        if self._sales is not None:
            line.append("  ·  ", style="dim")
            if self._pending_only:
                text = _("{count} awaiting attribution").format(count=self._sales.total)
            else:
                text = _("{shown} newest of {count} sales").format(
                    shown=len(self._sales.rows), count=self._sales.total
                )
            line.append(text, style="dim")
        if self._acting is not None and not self._manager():
            line.append("  ·  ", style="dim")
            line.append(_("Only a branch manager adjusts credits; you may look."), style="dim")
        self.query_one("#heading", Static).update(line)

    def _status_cell(self, status: str) -> Text:
        shade = colour(self.app.theme_variables, STATUS_COLOURS.get(status))
        return Text(_(STATUS_WORDS.get(status, status)), style=shade or "")

    def on_resize(self) -> None:
        """Fit the sales' columns to the new width."""
        if self.is_mounted:
            self._fill_sales()

    def _fill_sales(self) -> None:
        table: DataTable[Text] = self.query_one("#sales", DataTable)
        focused = self._focused_txn()
        index = table.cursor_row
        headers = {
            "txn": Text(_("Transaction")),
            "date": Text(_("Date")),
            "outlet": Text(_("Outlet")),
            "product": Text(_("Product")),
            "amount": right(_("Amount")),
            "status": Text(_("Status")),
            "credits": Text(_("Credits")),
        }
        sales = self._sales.rows if self._sales is not None else ()
        rows: list[tuple[str | None, dict[str, Text]]] = [
            (
                row.txn_id,
                {
                    "txn": Text(row.txn_id),
                    "date": Text(row.sale_date.isoformat(), style="dim"),
                    "outlet": Text(row.institution, style="dim"),
                    "product": Text(row.product_name),
                    "amount": money_cell(row.amount_fen),
                    "status": self._status_cell(row.status.value),
                    "credits": Text(credits_text(row.credits), style="" if row.credits else "dim"),
                },
            )
            for row in sales
        ]
        if len({row.institution for row in sales}) <= 1:
            del headers["outlet"]  # one outlet: said in the heading
        height = max(table.size.height, self.size.height - 18)
        scrollbar = 2 if len(rows) > height - 1 else 0
        shown = fit_columns(
            headers,
            [cells for _key, cells in rows],
            max(table.size.width, self.size.width - 2) - scrollbar,
            ("date", "product"),
        )
        fill_table(table, headers, rows, shown)
        pane = self.query_one("#sales-pane")
        pane.border_title = (
            with_chinese("Sales awaiting attribution") if self._pending_only else with_chinese("Sales")
        )
        if self._sales is None:
            return
        if not sales:
            pane.border_subtitle = (
                _("No sale is awaiting attribution.") if self._pending_only else _("No sales.")
            )
        else:
            pane.border_subtitle = _("{shown} of {count}").format(shown=len(sales), count=self._sales.total)
        keys = [row.txn_id for row in sales]
        if focused in keys:
            table.move_cursor(row=keys.index(focused))
        elif keys:
            table.move_cursor(row=min(index, len(keys) - 1))
        self.refresh_bindings()

    def _fill_sale(self, sale: SaleView | None) -> None:
        self._sale = sale
        table: DataTable[Text] = self.query_one("#credits", DataTable)
        headers = {
            "staff": Text(_("Staff")),
            "name": Text(_("Name")),
            "role": Text(_("Role")),
            "ratio": right(_("Ratio")),
            "amount": right(_("Amount")),
            "source": Text(_("Source")),
        }
        rows: list[tuple[str | None, dict[str, Text]]] = []
        for credit in sale.credits if sale is not None else ():
            share = (sale.amount_fen if sale is not None else 0) * credit.ratio_bp // 10_000
            cells = {
                "staff": Text(credit.staff),
                "name": Text(credit.name),
                "role": Text(_(ROLE_WORDS.get(credit.role, credit.role))),
                "ratio": right(ratio_text(credit.ratio_bp)),
                "amount": money_cell(share),
                "source": Text(_(SOURCE_WORDS.get(credit.source, credit.source)), style="dim"),
            }
            rows.append((credit.staff, cells))
        fill_table(table, headers, rows)
        pane = self.query_one("#credits-pane")
        head = self.query_one("#sale", Static)
        registrations = self.query_one("#registrations", Static)
        if sale is None:
            table.display = False
            pane.border_title = with_chinese("Credits")
            head.update(Text(_("enter shows the focused sale's credits"), style="dim"))
            registrations.update("")
            return
        pane.border_title = f"{with_chinese('Credits')} — {sale.txn_id}"
        line = Text(f"{sale.sale_date.isoformat()}  {sale.product_name} ({sale.product_code})  ")
        line.append(format_yuan(sale.amount_fen), style="bold")
        line.append("  ·  ")
        line.append_text(self._status_cell(sale.status.value))
        if sale.status.value == "awaiting":
            line.append(
                "  " + _("grace period ends {day}").format(day=sale.grace_end.isoformat()), style="dim"
            )
        if sale.adjusted_by:
            line.append("  " + _("adjusted by {staff}").format(staff=sale.adjusted_by), style="dim")
        head.update(line)
        table.display = bool(sale.credits)
        notes = [] if sale.credits else [_("Nobody is credited yet.")]
        if sale.registrations:
            shown = " · ".join(
                f"{r.staff} {r.name} {_(ROLE_WORDS.get(r.role, r.role))}" for r in sale.registrations
            )
            notes.append(_("Registered: {who}").format(who=shown))
        else:
            notes.append(_("Nobody has registered on this sale."))
        registrations.update(Text("  ".join(notes), style="dim"))
        self._staff_codes |= {r.staff for r in sale.registrations} | {c.staff for c in sale.credits}
        self.refresh_bindings()

    def _focused_txn(self) -> str | None:
        table: DataTable[Text] = self.query_one("#sales", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key else None

    # -- keys --------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Adjusting is for branch managers, on a sale."""
        if action == "adjust":
            return self._manager() and (self._focused_txn() is not None or None)
        if action == "show_credits":
            return self.query_one("#sales", DataTable).has_focus and (self._focused_txn() is not None or None)
        return True

    def action_show_credits(self) -> None:
        """Show the focused sale's credits and registrations."""
        txn = self._focused_txn()
        if txn is not None:
            self.load_sale(txn)

    def action_toggle_pending(self) -> None:
        """Only the sales awaiting attribution, or every sale."""
        self._pending_only = not self._pending_only
        self.load_sales()

    @on(DataTable.RowHighlighted, "#sales")
    def _moved(self) -> None:
        self.refresh_bindings()

    def action_adjust(self) -> None:
        """Replace the focused sale's credits in the adjustment form."""
        txn = self._focused_txn()
        if txn is not None and self._manager():
            self.adjust_flow(txn)

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def adjust_flow(self, txn_id: str) -> None:
        """Read the sale, then ask for its credits until the service accepts them or the person cancels;
        a refusal reopens the form with every typed value and the service's sentence."""
        try:
            sale = await self.fetch_sale(txn_id).wait()
        except WorkerFailed as failed:
            self._say(failure_text(failed.error), good=False)
            return
        self._fill_sale(sale)
        request: AdjustRequest | None = AdjustRequest(
            tuple(CreditLine(c.staff, c.role, ratio_text(c.ratio_bp)) for c in sale.credits), ""
        )
        error: str | None = None
        about = f"{sale.sale_date.isoformat()} · {sale.product_name} · {format_yuan(sale.amount_fen)}"
        about += " · " + _("now: {credits}").format(credits=credits_text(sale.credits))
        while True:
            dialog = AdjustCreditsDialog(
                _("Adjust the credits of sale {txn}").format(txn=txn_id),
                about=about,
                initial=request,
                staff=sorted(self._staff_codes),
                error=error,
            )
            request = await self.app.push_screen_wait(dialog)
            if request is None:
                return
            try:
                adjusted = await self.save_adjustment(txn_id, request).wait()
            except WorkerFailed as failed:
                error = failure_text(failed.error)
                continue
            self.post_message(self.Adjusted(adjusted))
            return

    @work(thread=True, group="save", exit_on_error=False)
    def fetch_sale(self, txn_id: str) -> SaleView:
        """Read the sale to adjust."""
        return self._services.sales.show(txn_id)

    @work(thread=True, group="save", exit_on_error=False)
    def save_adjustment(self, txn_id: str, request: AdjustRequest) -> SaleView:
        """Write the adjustment."""
        return self._services.sales.adjust(txn_id, request.texts, request.reason or None)

    @on(Adjusted)
    def _adjusted(self, message: Adjusted) -> None:
        sale = message.sale
        self._say(
            _("Adjusted sale {txn}: {credits}.").format(txn=sale.txn_id, credits=credits_text(sale.credits)),
            good=True,
        )
        self._fill_sale(sale)
        self.load_sales()

    # -- failures ----------------------------------------------------------------------------------

    def _say(self, text: str, *, good: bool) -> None:
        line = self.query_one("#message", Static)
        line.update(text)
        line.set_class(good, "good")
        line.set_class(not good, "bad")

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """Show a failed load as a sentence, never a traceback (a refused save goes back to its form)."""
        if event.state != WorkerState.ERROR or event.worker.group == "save":
            return
        self._say(failure_text(event.worker.error), good=False)
