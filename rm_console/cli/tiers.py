"""``rmc tiers …``: recompute, simulate, confirm and explain tiers; export rule sets (SPEC §3, §12)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from rm_console.cli.common import err, out, print_json, refuse, services_of
from rm_console.domain.dto import RecomputeReport
from rm_console.domain.enums import Status, Tier
from rm_console.domain.errors import UserError
from rm_console.domain.money import format_yuan
from rm_console.domain.words import status_label, tier_label

tiers_app = typer.Typer(
    help="Customer tiers 客户等级: recompute, simulate, confirm, explain.", no_args_is_help=True
)
rules_app = typer.Typer(help="Tier rule sets 级别参数.", no_args_is_help=True)
tiers_app.add_typer(rules_app, name="rules")

#: How many changed customers the human output lists before summarising the rest.
CHANGED_SHOWN = 20

MonthOption = Annotated[
    str | None,
    typer.Option("--month", help="Evaluation month YYYY-MM (default: the newest month with AUM figures)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _matrix(transitions: dict[str, dict[str, int]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("from \\ to 从\\到", no_wrap=True)
    for tier in Tier:
        table.add_column(tier_label(tier), justify="right")
    for source in Tier:
        row = transitions.get(source.value, {})
        cells = []
        for target in Tier:
            n = row.get(target.value, 0)
            style = "dim" if source is target else ("bold" if n else "")
            cells.append(Text(f"{n:,}" if n else "·", style=style))
        table.add_row(tier_label(source), *cells)
    return table


def _print_recompute(report: RecomputeReport) -> None:
    table = Table(
        title=f"Tiers 客户等级 · {report.month} · rules v{report.rule_version}", title_justify="left"
    )
    table.add_column("tier 等级", no_wrap=True)
    for status in Status:
        table.add_column(status_label(status), justify="right")
    table.add_column("total 合计", justify="right")
    for tier in Tier:
        counts = report.by_tier.get(tier.value, {})
        cells = [Text(f"{counts.get(s.value, 0):,}") for s in Status]
        table.add_row(tier_label(tier), *cells, Text(f"{sum(counts.values()):,}", style="bold"))
    out.print(table)
    moved = sum(
        n for source, row in report.transitions.items() for target, n in row.items() if source != target
    )
    out.print(
        f"{report.customers:,} customers evaluated; {moved:,} changed tier. Written: "
        f"{report.tiers_changed:,} tier rows, {report.history:,} history rows, {report.alerts:,} alerts, "
        f"{report.notifications:,} notifications, {report.cases:,} retention cases.",
        markup=False,
    )


@tiers_app.command("recompute")
def recompute(ctx: typer.Context, month: MonthOption = None, as_json: JsonOption = False) -> None:
    """Evaluate every customer and store tiers, history, alerts and retention cases (analysts)."""
    services = services_of(ctx, current_store=True)
    try:
        report = services.tiers.recompute(month)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(report.as_json())
    else:
        _print_recompute(report)


@tiers_app.command("simulate")
def simulate(
    ctx: typer.Context,
    changes: Annotated[
        list[str] | None,
        typer.Option("--set", help="A change TIER.FIELD=VALUE (amounts in yuan), e.g. platinum.aum=800000."),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="A rule set file (TOML) to start from.")
    ] = None,
    month: MonthOption = None,
    as_json: JsonOption = False,
) -> None:
    """What-if: who would move between tiers under changed rules. Writes nothing."""
    services = services_of(ctx, current_store=True)
    try:
        report = services.tiers.simulate(changes or [], rules, month)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(report.as_json())
        return
    out.print(
        _matrix(
            report.transitions, f"Simulation 级别模拟 · {report.month} · against rules v{report.base_version}"
        )
    )
    shown = ", ".join(report.changed[:CHANGED_SHOWN])
    more = f" and {len(report.changed) - CHANGED_SHOWN:,} more" if len(report.changed) > CHANGED_SHOWN else ""
    out.print(f"{len(report.changed):,} customers would change tier{': ' + shown if shown else ''}{more}.")
    out.print("Nothing was written.", style="dim")


@tiers_app.command("confirm")
def confirm(
    ctx: typer.Context,
    rules: Annotated[Path, typer.Option("--rules", help="The rule set file (TOML) to apply.")],
    note: Annotated[str | None, typer.Option("--note", help="Why the rules change.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Store a rule set as a new version and recompute with it (analysts)."""
    services = services_of(ctx, current_store=True)
    try:
        version, report = services.tiers.confirm(rules, note)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json({"version": version, **report.as_json()})
        return
    out.print(f"Stored tier rules version {version}.")
    _print_recompute(report)


@tiers_app.command("explain")
def explain(
    ctx: typer.Context,
    cif: Annotated[str, typer.Argument(help="The customer's CIF.")],
    as_json: JsonOption = False,
) -> None:
    """Why a customer has their tier and status: every criterion with its figures."""
    services = services_of(ctx, current_store=True)
    try:
        document = services.tiers.explain(cif)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(document)
        return
    status = document["status"]
    line = f"CIF {cif} · {document['month']} · {tier_label(str(document['tier']))}"
    if status:
        line += f" · {status_label(str(status))} ({document['months_below']} months below)"
    if document["churned_from"]:
        line += f" · churned from {tier_label(str(document['churned_from']))}"
    out.print(line, markup=False)
    table = Table(title=f"criteria (rules v{document['rule_version']})", title_justify="left")
    for column in ("tier", "criterion", "held", "value", "threshold", "window"):
        table.add_column(column, justify="right" if column in ("value", "threshold", "window") else "left")
    for criterion in document["criteria"]:  # type: ignore[attr-defined]
        money = criterion["criterion"] != "diamond_card"
        value = format_yuan(criterion["value"]) if money else ("yes" if criterion["value"] else "no")
        low, high = criterion["min"], criterion["max"]
        threshold = (
            "" if not money else f"≥ {format_yuan(low)}" + (f", < {format_yuan(high)}" if high else "")
        )
        window = "" if criterion["window"] is None else f"{criterion['window']} mo"
        held = Text("✓ held", style="green") if criterion["held"] else Text("✗", style="dim")
        table.add_row(tier_label(criterion["tier"]), criterion["criterion"], held, value, threshold, window)
    out.print(table)


@rules_app.command("export")
def export_rules(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the TOML file.")],
    version: Annotated[
        int | None, typer.Option("--version", help="A stored version (default: in force).")
    ] = None,
) -> None:
    """Write a rule set to a TOML file a person can read and edit."""
    services = services_of(ctx, current_store=True)
    try:
        written = services.tiers.export_rules(file, version)
    except UserError as exc:
        refuse(str(exc))
    err.print(f"Wrote tier rules version {written} to {file}", markup=False)
