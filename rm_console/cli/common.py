"""What every ``rmc`` command shares: the consoles, the resolved settings, refusal and JSON output."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from rm_console.domain.errors import UserError
from rm_console.services import Services
from rm_console.settings import Settings

#: Standard output: results.
out = Console(highlight=False, soft_wrap=True)
#: Standard error: errors and progress.
err = Console(stderr=True, highlight=False, soft_wrap=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings resolved by the root callback."""
    settings: Settings = ctx.find_root().obj
    return settings


def services_of(ctx: typer.Context, *, current_store: bool = False) -> Services:
    """Services over the chosen store for the acting person; with ``current_store``, refuse a store
    that is missing or not at the newest schema."""
    settings = settings_of(ctx)
    services = Services(settings.db_path, actor=settings.acting)
    if current_store:
        try:
            services.store.require_current()
        except UserError as exc:
            refuse(str(exc))
    return services


def keep_whole(table: Table, *headers: str) -> Table:
    """Never cut the cells of the columns whose header starts with one of ``headers`` (codes, dates,
    amounts): such a column is at least as wide as its widest cell; its header and the other columns
    wrap instead."""
    for column in table.columns:
        if not str(column.header).startswith(headers):
            continue
        cells = [cell_len(str(cell)) for cell in column.cells]
        footer = cell_len(str(column.footer)) if column.footer else 0
        column.min_width = max([*cells, footer, 1])
    return table


def refuse(message: str) -> NoReturn:
    """Print ``error: message`` on standard error and exit 1 (the input was refused)."""
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(1)


def print_json(document: Any) -> None:
    """Print one JSON document on standard output."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a UTF-8 CSV (with BOM, so Excel reads Chinese text) of ``header`` and ``rows``."""
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        refuse(f"{path}: cannot write the CSV file: {exc.strerror or exc}")
