"""``rmc sales …``: registration, revocation, attribution, adjustment and display of sales (SPEC §5, §12).

Every command calls :class:`rm_console.services.sales.SalesService`; a refusal prints ``error: …`` on
standard error and exits 1. With ``--json`` a command prints one JSON document and nothing else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from rm_console.cli.common import keep_whole, out, print_json, refuse, services_of
from rm_console.domain.attribution import (
    ROLE_ZH,
    STATUS_ZH,
    CreditView,
    RegistrationOutcome,
    SaleList,
    SaleView,
    ratio_text,
)
from rm_console.domain.errors import UserError
from rm_console.domain.money import format_yuan
from rm_console.domain.words import bilingual

sales_app = typer.Typer(
    help="Sales 销售业绩: register, revoke, attribute, adjust, show, list.", no_args_is_help=True
)

#: The Chinese name of each credit source.
SOURCE_ZH: dict[str, str] = {
    "auto": "自动",
    "manual": "登记",
    "grace": "宽限期规则",
    "adjusted": "网点经理调整",
}


class RoleChoice(StrEnum):
    """The role a person registers in."""

    seller = "seller"
    referrer = "referrer"


TxnArgument = Annotated[str, typer.Argument(help="The transaction id of the sale (交易流水号).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _role(role: str) -> str:
    return bilingual(role, ROLE_ZH.get(role, role), "en")


def _source(source: str) -> str:
    return bilingual(source, SOURCE_ZH.get(source, source), "en")


def _status(status: str) -> str:
    return bilingual(status, STATUS_ZH.get(status, status), "en")


def _credits_table(credits: tuple[CreditView, ...]) -> Table:
    table = Table(title="Credits 业绩归属", title_justify="left")
    table.add_column("staff 员工", no_wrap=True)
    table.add_column("name 姓名")
    table.add_column("role 角色")
    table.add_column("ratio 比例", justify="right")
    table.add_column("source 来源")
    for credit in credits:
        table.add_row(
            credit.staff, credit.name, _role(credit.role), ratio_text(credit.ratio_bp), _source(credit.source)
        )
    return table


def _print_sale(view: SaleView) -> None:
    where = f"{view.institution} {view.institution_name}"
    out.print(f"Sale 销售 {view.txn_id} · {where} · {view.sale_date.isoformat()}", markup=False)
    out.print(
        f"Product 产品: {view.product_code} {view.product_name} · amount 金额 "
        f"{format_yuan(view.amount_fen, cents=True)}",
        markup=False,
    )
    status = f"Status 状态: {_status(view.status.value)}"
    if view.adjusted_by:
        status += f" by {view.adjusted_by}"
    status += f" · grace period ends 宽限期至 {view.grace_end.isoformat()}"
    out.print(status, markup=False)
    if view.registrations:
        registered = "; ".join(f"{r.staff} {r.name} {_role(r.role)}" for r in view.registrations)
        out.print(f"Registrations 登记: {registered}", markup=False)
    else:
        out.print("Registrations 登记: none", markup=False)
    if view.credits:
        out.print(_credits_table(view.credits))
    else:
        out.print(Text("No credits 暂无业绩归属.", style="dim"))


def _print_outcome(outcome: RegistrationOutcome) -> None:
    roles = " and ".join(_role(role) for role in outcome.roles)
    out.print(f"{outcome.staff}: {outcome.action} as {roles} of sale {outcome.sale.txn_id}.", markup=False)
    _print_sale(outcome.sale)


def _print_list(listing: SaleList) -> None:
    title = "Sales 销售"
    if listing.pending_only:
        title += " awaiting attribution 待归属"
    if listing.month:
        title += f" · {listing.month}"
    table = Table(title=title, title_justify="left")
    table.add_column("txn id 交易流水号", no_wrap=True)
    table.add_column("date 日期", no_wrap=True)
    table.add_column("institution 机构")
    table.add_column("product 产品")
    table.add_column("amount 金额", justify="right")
    table.add_column("status 状态")
    table.add_column("credits 业绩归属")
    for row in listing.rows:
        credits = ", ".join(f"{c.staff} {c.role} {ratio_text(c.ratio_bp)}" for c in row.credits)
        table.add_row(
            row.txn_id,
            row.sale_date.isoformat(),
            row.institution,
            f"{row.product_code} {row.product_name}",
            format_yuan(row.amount_fen),
            _status(row.status.value),
            credits or "—",
        )
    out.print(keep_whole(table, "txn id", "date", "amount"))
    shown = len(listing.rows)
    more = f" (newest {shown:,} shown; --limit shows more)" if listing.total > shown else ""
    out.print(f"{listing.total:,} sales{more}.", markup=False)


@sales_app.command("register")
def register(
    ctx: typer.Context,
    txn_id: TxnArgument,
    role: Annotated[
        RoleChoice, typer.Option("--role", help="seller 销售人 or referrer 推荐人.", case_sensitive=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """Register yourself (--as) as seller or referrer of a sale of your institution."""
    services = services_of(ctx, current_store=True)
    try:
        outcome = services.sales.register(txn_id, role.value)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(outcome.as_json())
    else:
        _print_outcome(outcome)


@sales_app.command("revoke")
def revoke(ctx: typer.Context, txn_id: TxnArgument, as_json: JsonOption = False) -> None:
    """Revoke your own registration on a sale (no approval needed)."""
    services = services_of(ctx, current_store=True)
    try:
        outcome = services.sales.revoke(txn_id)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(outcome.as_json())
    else:
        _print_outcome(outcome)


@sales_app.command("attribute")
def attribute(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Attribution date YYYY-MM-DD (default: the store's business date)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Settle the sales whose grace period has ended: automatic, registered and teller rules
    (branch managers and analysts)."""
    services = services_of(ctx, current_store=True)
    try:
        run = services.sales.attribute(as_of)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(run.as_json())
        return
    out.print(
        f"Attribution 业绩归属 as of {run.as_of.isoformat()} (grace period 宽限期 {run.grace_days} days): "
        f"settled {run.settled:,} sales dated on or before {run.cutoff.isoformat()}.",
        markup=False,
    )


@sales_app.command("adjust")
def adjust(
    ctx: typer.Context,
    txn_id: TxnArgument,
    credits: Annotated[
        list[str],
        typer.Option(
            "--credit",
            help="A share STAFF:ROLE:RATIO, e.g. RM001:seller:0.7 (repeat; ratios sum to 1).",
        ),
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why the attribution changes.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Set a sale's credits (branch managers of the sale's institution or one above it)."""
    services = services_of(ctx, current_store=True)
    try:
        view = services.sales.adjust(txn_id, credits, reason)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(view.as_json())
        return
    out.print(f"Adjusted sale {view.txn_id}.", markup=False)
    _print_sale(view)


@sales_app.command("show")
def show(ctx: typer.Context, txn_id: TxnArgument, as_json: JsonOption = False) -> None:
    """A sale with its status, registrations and credits."""
    services = services_of(ctx, current_store=True)
    try:
        view = services.sales.show(txn_id)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(view.as_json())
    else:
        _print_sale(view)


@sales_app.command("list")
def list_sales(
    ctx: typer.Context,
    pending: Annotated[
        bool, typer.Option("--pending", help="Only sales awaiting attribution 待归属.")
    ] = False,
    month: Annotated[str | None, typer.Option("--month", help="Only sales of this month YYYY-MM.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many of the newest sales to show.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The newest sales you may see, to find one to register on."""
    services = services_of(ctx, current_store=True)
    try:
        listing = services.sales.list(pending_only=pending, month=month, limit=limit)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(listing.as_json())
    else:
        _print_list(listing)
