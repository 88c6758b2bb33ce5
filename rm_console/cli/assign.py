"""``rmc assign``, ``rmc assign batch``, ``rmc recycle``, ``rmc pool``, ``rmc customer show`` (SPEC §4).

``rmc assign CIF …`` and ``rmc assign batch …`` share one command name: a first argument that is not
a subcommand is a CIF, and goes to ``assign single``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from rm_console.cli.common import keep_whole, out, print_json, refuse, services_of
from rm_console.domain.calendar import BUSINESS_TZ
from rm_console.domain.dto import AssignmentChange, CustomerCard, ShareDTO
from rm_console.domain.errors import UserError
from rm_console.domain.money import format_yuan
from rm_console.domain.records_dto import CustomerRecords
from rm_console.domain.words import status_label, tier_label

#: How many pool rows the human output lists before summarising the rest.
POOL_SHOWN = 200

PrimaryOption = Annotated[
    str,
    typer.Option("--primary", help="The primary RM 主客户经理: STAFF or STAFF:PCT (default: what is left)."),
]
SecondaryOption = Annotated[
    list[str] | None,
    typer.Option("--secondary", help="A secondary RM 副客户经理: STAFF:PCT (repeat for several)."),
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Why; required when the customer already has RMs.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


class _AssignGroup(TyperGroup):
    """``rmc assign CIF …`` runs ``assign single CIF …``; ``rmc assign batch …`` runs batch."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["single", *args]
        return super().parse_args(ctx, args)


assign_app = typer.Typer(
    cls=_AssignGroup,
    help=(
        "Assign customers to RMs 客户归属分配. "
        "rmc assign CIF --primary STAFF[:PCT] [--secondary STAFF:PCT ...] [--reason TEXT]; "
        "rmc assign batch --institution CODE [--tier TIER] [--unassigned] --primary ... [--secondary ...]."
    ),
    no_args_is_help=True,
)
customer_app = typer.Typer(help="Customers 客户.", no_args_is_help=True)


def _shares(shares: tuple[ShareDTO, ...]) -> str:
    if not shares:
        return "none (unassigned pool 待分配客户)"
    return ", ".join(
        f"{s.staff} {s.name} {'primary 主' if s.role == 'primary' else 'secondary 副'} {s.pct}%"
        for s in shares
    )


def _print_change(change: AssignmentChange) -> None:
    verb = {"assign": "Assigned", "adjust": "Adjusted", "recycle": "Recycled"}[change.action]
    out.print(f"{verb} {change.cif} {change.name}.", markup=False)
    if change.action != "assign":
        out.print(f"  before: {_shares(change.before)}", markup=False)
    out.print(f"  after:  {_shares(change.after)}", markup=False)
    if change.reason:
        out.print(f"  reason: {change.reason}", markup=False)


@assign_app.command("single")
def assign_single(
    ctx: typer.Context,
    cif: Annotated[str, typer.Argument(help="The customer's CIF.")],
    primary: PrimaryOption,
    secondary: SecondaryOption = None,
    reason: ReasonOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign one customer, or adjust its RMs and participation (branch managers)."""
    services = services_of(ctx, current_store=True)
    try:
        change = services.assignments.assign(cif, primary, secondary or [], reason)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(change.as_json())
    else:
        _print_change(change)


@assign_app.command("batch")
def assign_batch(
    ctx: typer.Context,
    institution: Annotated[str, typer.Option("--institution", help="Institution code (and those below).")],
    primary: PrimaryOption,
    secondary: SecondaryOption = None,
    tier: Annotated[str | None, typer.Option("--tier", help="Only customers of this tier.")] = None,
    unassigned: Annotated[
        bool, typer.Option("--unassigned", help="Only customers without RMs (the pool).")
    ] = False,
    reason: ReasonOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign every selected customer the same RMs, all or none (branch managers)."""
    services = services_of(ctx, current_store=True)
    try:
        result = services.assignments.batch(
            institution, primary, secondary or [], tier=tier, unassigned_only=unassigned, reason=reason
        )
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(result.as_json())
        return
    out.print(
        f"Assigned {result.assigned:,} customers of {result.institution}"
        + (f" ({result.adjusted:,} of them adjusted)" if result.adjusted else "")
        + f": {_shares(result.after)}.",
        markup=False,
    )


def recycle(
    ctx: typer.Context,
    cif: Annotated[str, typer.Argument(help="The customer's CIF.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the customer is taken back.")],
    as_json: JsonOption = False,
) -> None:
    """Take a customer back from its RMs into the unassigned pool 客户回收 (branch managers)."""
    services = services_of(ctx, current_store=True)
    try:
        change = services.assignments.recycle(cif, reason)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(change.as_json())
    else:
        _print_change(change)


def pool(
    ctx: typer.Context,
    institution: Annotated[
        str | None, typer.Option("--institution", help="Institution code (default: your own).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the unassigned pool 待分配客户: customers who may have RMs but have none."""
    services = services_of(ctx, current_store=True)
    try:
        result = services.assignments.pool(institution)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(result.as_json())
        return
    table = Table(
        title=f"Unassigned pool 待分配客户 · {result.institution} {result.institution_name}",
        title_justify="left",
    )
    for column, justify in (
        ("CIF", "left"),
        ("name 姓名", "left"),
        ("institution 机构", "left"),
        ("tier 等级", "left"),
        ("status 状态", "left"),
        ("AUM 资产 (yuan)", "right"),
        ("recycled 回收于", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in result.rows[:POOL_SHOWN]:
        table.add_row(
            row.cif,
            row.name,
            row.institution,
            tier_label(row.tier),
            status_label(row.status) if row.status else "",
            format_yuan(row.aum_fen) if row.aum_fen is not None else "",
            row.recycled_on or "",
        )
    out.print(keep_whole(table, "CIF", "AUM", "recycled"))
    hidden = len(result.rows) - POOL_SHOWN
    more = f" (the first {POOL_SHOWN} shown; --json lists all)" if hidden > 0 else ""
    out.print(f"{len(result.rows):,} customers in the pool{more}.", markup=False)


def _print_card(card: CustomerCard) -> None:
    out.print(f"{card.cif} {card.name} · {card.kind} · {card.institution_code} {card.institution_name}")
    tier = tier_label(card.tier) if card.tier else "not evaluated 未评级"
    status = f" · {status_label(card.status)}" if card.status else ""
    out.print(f"  tier 等级: {tier}{status}" + (f" ({card.tier_month})" if card.tier_month else ""))
    out.print(f"  ID 证件号: {card.id_no_masked or '—'} · phone 电话: {card.phone_masked or '—'}")
    when = f" on {card.at}" if card.at else ""
    out.print(f"  RMs 客户经理{when}: {_shares(card.rms)}", markup=False)
    if card.events:
        out.print("  assignment history 分配调整记录:")
        for event in card.events:
            by = f" by {event.actor}" if event.actor else ""
            why = f" — {event.reason}" if event.reason else ""
            out.print(f"    {event.at} {event.action}{by}: {_shares(event.after)}{why}", markup=False)


def _print_records(records: CustomerRecords) -> None:
    risk = records.risk
    if risk is None:
        out.print("  risk tolerance 风险承受能力: not assessed 未评估")
    else:
        state = "expired 已过期" if risk.expired else "valid 有效"
        out.print(
            f"  risk tolerance 风险承受能力: {risk.level} {risk.level_en} {risk.level_zh} · "
            f"until {risk.valid_until.isoformat()} ({state})",
            markup=False,
        )
    credit = records.credit
    if credit is not None:
        out.print(
            f"  credit rating 信用评级: {credit.grade} ({credit.score}, {credit.scorecard}, "
            f"{credit.rated_on.isoformat()})",
            markup=False,
        )
    if records.contacts:
        out.print("  contacts 接触记录:")
        for contact in records.contacts:
            when = contact.occurred_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
            what = contact.outcome or contact.notes or ""
            follow = f" · follow-up {contact.follow_up.isoformat()}" if contact.follow_up else ""
            out.print(f"    {when} {contact.kind} by {contact.staff}: {what}{follow}", markup=False)
    if records.complaints:
        out.print("  complaints 投诉:")
        for complaint in records.complaints:
            when = complaint.received_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d")
            step = (
                f" · next: {complaint.next_step}"
                if complaint.next_step and complaint.status == "open"
                else ""
            )
            done = f"{len(complaint.steps)}/5 steps"
            out.print(f"    {when} {complaint.status} ({done}){step}: {complaint.description}", markup=False)


@customer_app.command("show")
def customer_show(
    ctx: typer.Context,
    cif: Annotated[str, typer.Argument(help="The customer's CIF.")],
    at: Annotated[
        str | None, typer.Option("--at", help="Show the RMs in force at the end of this date (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a customer: identity (masked), tier and status, RMs and their history, contacts, complaints,
    risk tolerance and credit rating."""
    services = services_of(ctx, current_store=True)
    try:
        card = services.assignments.customer(cif, at)
        records = services.records.customer_records(cif)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json({**card.as_json(), "records": records.as_json()})
    else:
        _print_card(card)
        _print_records(records)


def register_assignment_commands(app: typer.Typer) -> None:
    """Add ``assign``, ``recycle``, ``pool`` and ``customer`` to ``app``."""
    app.add_typer(assign_app, name="assign")
    app.command("recycle")(recycle)
    app.command("pool")(pool)
    app.add_typer(customer_app, name="customer")


__all__ = ["register_assignment_commands"]
