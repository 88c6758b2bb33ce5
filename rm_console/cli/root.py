"""The root of ``rmc``: global options, the console, and the store commands (db, demo, import)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rm_console.cli.assign import register_assignment_commands
from rm_console.cli.common import err, out, print_json, refuse, services_of
from rm_console.cli.performance import register_performance_commands
from rm_console.cli.records import register_record_commands
from rm_console.cli.reports import report_app
from rm_console.cli.sales import sales_app
from rm_console.cli.tiers import tiers_app
from rm_console.cli.today import register_today_commands
from rm_console.domain.calendar import parse_date
from rm_console.domain.dto import ImportReport
from rm_console.domain.errors import UserError
from rm_console.services import Services
from rm_console.settings import Settings, resolve

#: Files with more rows than this get a progress bar (on a terminal, without ``--json``).
PROGRESS_MIN_ROWS = 10_000

app = typer.Typer(
    name="rmc",
    help="RM Console: the relationship manager's workbench. With no command, opens the console.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The local store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(report_app, name="report")
app.add_typer(tiers_app, name="tiers")
app.add_typer(sales_app, name="sales")
register_assignment_commands(app)
register_performance_commands(app, report_app)
register_record_commands(app)
register_today_commands(app)


class ImportKind(StrEnum):
    """The kinds of file ``rmc import`` reads (SPEC §11)."""

    institutions = "institutions"
    staff = "staff"
    products = "products"
    customers = "customers"
    aum = "aum"
    holdings = "holdings"
    transactions = "transactions"


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", envvar="RMC_DB", help="The local store (default: local.db in the user data dir)."
        ),
    ] = None,
    acting: Annotated[
        str | None, typer.Option("--as", envvar="RMC_USER", help="Staff code of the person acting.")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", envvar="RMC_LANG", help="en or zh.")] = None,
) -> None:
    """Resolve the global options; with no command, open the console."""
    try:
        ctx.obj = resolve(db, acting, lang)
    except UserError as exc:
        refuse(str(exc))
    if ctx.invoked_subcommand is None:
        _open_console(ctx.obj)


def _open_console(settings: Settings) -> None:
    from rm_console.app import make_app

    services = Services(settings.db_path, actor=settings.acting)
    try:
        services.store.require_current()
        services.overview.acting()
    except UserError as exc:
        refuse(str(exc))
    make_app(services, settings).run()
    services.close()


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the local store, or migrate it to the newest schema."""
    services = services_of(ctx)
    result = services.store.upgrade()
    if result.before == result.after:
        out.print(f"{result.path}: already at schema {result.after}")
    else:
        out.print(f"{result.path}: schema {result.before or 'none'} → {result.after}")


@app.command("demo")
def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(min=10, help="How many customers.")] = 5_000,
    months: Annotated[int, typer.Option(min=14, max=60, help="Months of AUM history.")] = 14,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed builds the same bank.")] = 20261122,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD (default: today in Shanghai).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing store.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Build the deterministic demo bank into the local store."""
    try:
        as_of_date: date | None = parse_date(as_of) if as_of else None
    except ValueError as exc:
        refuse(f"--as-of: {exc}")
    services = services_of(ctx)
    show = not as_json and err.is_terminal

    def progress(message: str) -> None:
        if show:
            err.print(f"[dim]{message}[/dim]", markup=True)

    try:
        report = services.demo.build(
            customers=customers, months=months, seed=seed, as_of=as_of_date, force=force, progress=progress
        )
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(
            {
                "path": report.path,
                "seed": report.seed,
                "as_of": report.as_of,
                "months": report.months,
                "counts": report.counts,
                "seconds": round(report.seconds, 2),
            }
        )
        return
    counts = ", ".join(f"{n:,} {table}" for table, n in report.counts.items())
    out.print(f"Built the demo bank in {report.path} as of {report.as_of} ({report.seconds:.1f} s): {counts}")


def _import_progress(show: bool) -> tuple[Any, Progress | None]:
    if not show:
        return None, None
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < PROGRESS_MIN_ROWS:
            return
        if "task" not in state:
            bar.start()
            state["task"] = bar.add_task("importing", total=total)
        bar.update(state["task"], completed=done, total=total)

    return update, bar


def _print_import(report: ImportReport) -> None:
    for error in report.errors:
        err.print(f"{report.file}:{error.line}: {error.column}: {error.message}", markup=False)
    if report.errors:
        err.print(
            f"{report.file}: {len(report.errors):,} error(s) in {report.rows:,} rows; nothing was imported",
            markup=False,
        )
        return
    counts = f"{report.inserted:,} inserted, {report.updated:,} updated, {report.unchanged:,} unchanged"
    if report.dry_run:
        counts = f"dry run, nothing written; would be {counts}"
    out.print(f"{report.kind}: {report.rows:,} rows — {counts}", markup=False)


@app.command("import")
def import_file(
    ctx: typer.Context,
    kind: Annotated[ImportKind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file with SPEC §11's header row.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Import institutions, staff, products, customers, AUM, holdings or transactions."""
    services = services_of(ctx, current_store=True)
    update, bar = _import_progress(not as_json and err.is_terminal)
    try:
        report = services.imports.run(kind.value, file, dry_run=dry_run, progress=update)
    except UserError as exc:
        refuse(str(exc))
    finally:
        if bar is not None:
            bar.stop()
    if as_json:
        print_json(report.as_json())
    else:
        _print_import(report)
    if report.errors:
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app()
