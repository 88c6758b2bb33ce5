"""``rmc today`` and ``rmc remind …``: the acting RM's day and what they do with it (SPEC §6, §12)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from rm_console.cli.common import keep_whole, out, print_json, refuse, services_of, settings_of
from rm_console.domain.dto import ReminderDTO, ReminderMark, TodayReport
from rm_console.domain.errors import UserError
from rm_console.domain.money import format_yuan
from rm_console.domain.words import status_label, tier_label

#: How many recommendations the human output lists before summarising the rest.
RECOMMENDATIONS_SHOWN = 20
#: The priority marks of the human output.
PRIORITY_MARK = {"high": "[bold red]![/]", "normal": "·", "low": "[dim]·[/]"}

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]

remind_app = typer.Typer(
    help="Write a reminder 手工提醒; mark a reminder 提醒 done, snooze it, or dismiss it; dismiss a "
    "recommendation 推荐.",
    no_args_is_help=True,
)


def _trend(aum: tuple[tuple[str, int | None], ...]) -> str:
    """A sparkline of the AUM months (gaps as spaces)."""
    bars = "▁▂▃▄▅▆▇█"
    values = [fen for _, fen in aum if fen is not None]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low or 1
    return "".join(" " if fen is None else bars[(fen - low) * (len(bars) - 1) // span] for _, fen in aum)


def _print_today(report: TodayReport, lang: str) -> None:
    staff = report.staff
    out.print(
        f"[bold]{staff.name}[/] {staff.code} · {staff.institution_code} · {report.day} · "
        f"{report.customers:,} customers 管辖客户"
    )
    out.print(f"\n[bold]Reminders 当日工作提醒[/] ({len(report.reminders)})")
    for reminder in report.reminders:
        out.print(f" {PRIORITY_MARK[reminder.priority]} {reminder.text(lang)}", highlight=False)
        out.print(f"   [dim]{reminder.id}[/]", highlight=False)
    if not report.reminders:
        out.print(" nothing today")
    out.print(f"\n[bold]Churn alerts 流失预警[/] ({len(report.alerts)})")
    if report.alerts:
        table = Table(show_edge=False, box=None, pad_edge=False)
        for column, justify in (
            ("CIF", "left"),
            ("name 姓名", "left"),
            ("status 状态", "left"),
            ("tier 等级", "left"),
            ("AUM 12m", "left"),
            ("now 当前", "right"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for alert in report.alerts:
            last = alert.aum[-1][1] if alert.aum else None
            from_tier = f" ← {tier_label(alert.churned_from, lang)}" if alert.churned_from else ""
            table.add_row(
                alert.cif,
                alert.name,
                f"{status_label(alert.status, lang)} {alert.months_below}m",
                tier_label(alert.tier, lang) + from_tier,
                _trend(alert.aum),
                format_yuan(last) if last is not None else "",
            )
        out.print(keep_whole(table, "CIF", "AUM", "now"))
    out.print(f"\n[bold]Recommendations 产品推荐[/] ({len(report.recommendations)})")
    for item in report.recommendations[:RECOMMENDATIONS_SHOWN]:
        out.print(f" · {item.name} {item.cif}: {item.reason(lang)}", highlight=False, markup=False)
        out.print(f"   [dim]{item.id}[/]", highlight=False)
    hidden = len(report.recommendations) - RECOMMENDATIONS_SHOWN
    if hidden > 0:
        out.print(f" … and {hidden:,} more (--json lists all)")


def today(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="The day (YYYY-MM-DD; default: the store's business date).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The acting RM's day: reminders, churn alerts and recommendations 客户经理工作台."""
    services = services_of(ctx, current_store=True)
    try:
        report = services.today.today(day)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(report.as_json())
    else:
        _print_today(report, settings_of(ctx).lang)


def _print_mark(mark: ReminderMark, as_json: bool) -> None:
    if as_json:
        print_json(mark.as_json())
        return
    until = f" until {mark.snooze_until}" if mark.snooze_until else ""
    out.print(f"{mark.key}: {mark.state}{until}.", markup=False)


ReminderArgument = Annotated[str, typer.Argument(help="The reminder's id, as 'rmc today' lists it.")]


@remind_app.command("add")
def remind_add(
    ctx: typer.Context,
    on: Annotated[str, typer.Option("--on", help="The day it shows (YYYY-MM-DD; today or later).")],
    text: Annotated[str, typer.Option("--text", help="What to do (at most 200 characters).")],
    customer: Annotated[
        str | None, typer.Option("--customer", help="The CIF of the customer it is about.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a reminder 手工提醒 for a day: it shows from that day on until done or dismissed."""
    services = services_of(ctx, current_store=True)
    try:
        reminder: ReminderDTO = services.today.add_reminder(on, text, customer)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(reminder.as_json())
        return
    out.print(f"{reminder.id}: {reminder.text(settings_of(ctx).lang)}", markup=False)


@remind_app.command("done")
def remind_done(ctx: typer.Context, reminder: ReminderArgument, as_json: JsonOption = False) -> None:
    """Mark a reminder done 已完成."""
    services = services_of(ctx, current_store=True)
    try:
        mark = services.today.mark(reminder, "done")
    except UserError as exc:
        refuse(str(exc))
    _print_mark(mark, as_json)


@remind_app.command("snooze")
def remind_snooze(
    ctx: typer.Context,
    reminder: ReminderArgument,
    until: Annotated[str, typer.Option("--until", help="The day it shows again (YYYY-MM-DD).")],
    as_json: JsonOption = False,
) -> None:
    """Snooze a reminder 稍后提醒 until a later day."""
    services = services_of(ctx, current_store=True)
    try:
        mark = services.today.mark(reminder, "snooze", until)
    except UserError as exc:
        refuse(str(exc))
    _print_mark(mark, as_json)


@remind_app.command("dismiss")
def remind_dismiss(ctx: typer.Context, reminder: ReminderArgument, as_json: JsonOption = False) -> None:
    """Dismiss a reminder 忽略."""
    services = services_of(ctx, current_store=True)
    try:
        mark = services.today.mark(reminder, "dismiss")
    except UserError as exc:
        refuse(str(exc))
    _print_mark(mark, as_json)


@remind_app.command("dismiss-recommendation")
def dismiss_recommendation(
    ctx: typer.Context,
    recommendation: Annotated[str, typer.Argument(help="The recommendation's id, as 'rmc today' lists it.")],
    as_json: JsonOption = False,
) -> None:
    """Dismiss a recommendation for 30 days."""
    services = services_of(ctx, current_store=True)
    try:
        mark = services.today.dismiss_recommendation(recommendation)
    except UserError as exc:
        refuse(str(exc))
    _print_mark(mark, as_json)


def register_today_commands(app: typer.Typer) -> None:
    """Add ``today`` and ``remind`` to ``app``."""
    app.command("today")(today)
    app.add_typer(remind_app, name="remind")


__all__ = ["register_today_commands"]
