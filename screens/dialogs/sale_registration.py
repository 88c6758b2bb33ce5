"""Register as seller (销售人) or referrer (推荐人) of a sale of one's institution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Input, Select

from rm_console.domain.attribution import RegistrationOutcome, SaleList, SaleRow
from rm_console.domain.money import format_yuan
from rm_console.i18n import N_, _
from screens.dialogs.form import FieldError, FormDialog
from widgets.data_table import Table

if TYPE_CHECKING:
    from rm_console.services import Services

#: The roles one registers for, with their names (English messages, translated when shown).
ROLES: tuple[tuple[str, str], ...] = (("seller", N_("seller")), ("referrer", N_("referrer")))
#: How many sales awaiting attribution the dialog lists to choose from.
PENDING_SHOWN = 50

_STATUS_WORDS: dict[str, str] = {
    "awaiting": N_("awaiting"),
    "settled": N_("settled"),
    "adjusted": N_("adjusted"),
}


def _sale_words(row: SaleRow) -> str:
    """``2026-11-21 · TB002 五年期储蓄国债 · ¥116,000 · awaiting``."""
    status = _(_STATUS_WORDS.get(row.status.value, row.status.value))
    return (
        f"{row.sale_date.isoformat()} · {row.product_code} {row.product_name} · "
        f"{format_yuan(row.amount_fen)} · {status}"
    )


class SaleRegistrationDialog(FormDialog[RegistrationOutcome]):
    """Registers the acting person on a sale through ``services.sales.register``; dismisses with the
    :class:`RegistrationOutcome`. Lists the institution's sales awaiting attribution: enter on one
    fills the transaction id."""

    TITLE_TEXT = N_("Register a sale")
    START = ("sale",)
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("no sale has", "sale"),
        ("the role must", "role"),
    )

    class SalesLoaded(Message):
        """The sales awaiting attribution arrived."""

        def __init__(self, sales: SaleList) -> None:
            super().__init__()
            self.sales = sales

    def __init__(self, services: Services, *, txn_id: str | None = None, role: str = "seller") -> None:
        super().__init__(services)
        self._txn_id = txn_id
        self._role = role if role in {key for key, _name in ROLES} else "seller"
        self._rows: dict[str, SaleRow] = {}

    def compose_fields(self) -> ComposeResult:
        """The sale, the role, and the sales awaiting attribution to pick from."""
        yield self.field_row(
            "sale",
            _("Sale"),
            self.text_input("sale", value=self._txn_id or "", placeholder=_("transaction id")),
        )
        roles = [(_(name), key) for key, name in ROLES]
        yield self.field_row("role", _("Role"), self.select("role", roles, value=self._role))
        table: DataTable[str | Text] = Table(id="sales", cursor_type="row", zebra_stripes=True)
        table.border_title = _("Awaiting attribution")
        yield table

    def on_mount(self) -> None:
        """Read the sales awaiting attribution too."""
        super().on_mount()
        table = self.query_one("#sales", DataTable)
        table.add_column(_("Date"), key="date")
        table.add_column(_("Transaction"), key="txn")
        table.add_column(_("Product"), key="product")
        table.add_column(Text(_("Amount"), justify="right"), key="amount")
        table.add_column(_("Credited"), key="credits")
        self.load_sales()

    @work(thread=True, exclusive=True, group="sales", exit_on_error=False)
    def load_sales(self) -> None:
        """Read the sales awaiting attribution in a thread."""
        self.post_message(self.SalesLoaded(self.services.sales.list(pending_only=True, limit=PENDING_SHOWN)))

    @on(SalesLoaded)
    def _show_sales(self, message: SalesLoaded) -> None:
        table = self.query_one("#sales", DataTable)
        table.clear()
        self._rows = {row.txn_id: row for row in message.sales.rows}
        for row in message.sales.rows:
            credited = ", ".join(f"{credit.name} {_(credit.role)}" for credit in row.credits) or "—"
            table.add_row(
                row.sale_date.isoformat(),
                row.txn_id,
                f"{row.product_code} {row.product_name}",
                Text(format_yuan(row.amount_fen), justify="right"),
                credited,
                key=row.txn_id,
            )
        self._show_sale(self.query_one("#sale", Input).value)

    @on(DataTable.RowSelected, "#sales")
    def _pick_sale(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        self.query_one("#sale", Input).value = event.row_key.value
        self.query_one("#role", Select).focus()

    @on(Input.Changed, "#sale")
    def _sale_changed(self, event: Input.Changed) -> None:
        self._show_sale(event.value)

    def _show_sale(self, txn_id: str) -> None:
        row = self._rows.get(txn_id.strip())
        self.set_hint("sale", _sale_words(row) if row is not None else "")

    def save(self, values: Mapping[str, str]) -> RegistrationOutcome:
        """Register."""
        txn_id = values.get("sale", "").strip()
        if not txn_id:
            raise FieldError("sale", _("Choose a sale: type its transaction id or pick it from the list"))
        return self.services.sales.register(txn_id, values.get("role", ""))


__all__ = ["ROLES", "SaleRegistrationDialog"]
