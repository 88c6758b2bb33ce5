"""``rmc leaderboard`` and ``rmc report sales``: weighted sales by staff, outlet and product (SPEC §5)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rm_console.cli.common import (
    err,
    keep_whole,
    out,
    print_json,
    refuse,
    services_of,
    settings_of,
    write_csv,
)
from rm_console.domain.errors import UserError
from rm_console.domain.money import fen_to_decimal, format_yuan
from rm_console.domain.performance import Leaderboard, SalesReport, format_units, units_text
from rm_console.domain.words import bilingual

#: Columns of ``rmc report sales --csv``: amounts in yuan with two decimals, units exact.
SALES_CSV_HEADER = (
    "by",
    "key",
    "name",
    "institution",
    "category",
    "weighted_sales",
    "units",
    "credited_amount",
    "sales",
)

#: The mark of the acting person's own row on the leaderboard.
MINE_MARK = "▶"


class SalesKey(StrEnum):
    """What ``rmc report sales`` groups by."""

    staff = "staff"
    outlet = "outlet"
    product = "product"


InstitutionOption = Annotated[
    str | None,
    typer.Option("--institution", metavar="CODE", help="This institution and the institutions under it."),
]
MonthOption = Annotated[
    str | None,
    typer.Option("--month", metavar="YYYY-MM", help="The month (default: the store's business month)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
CsvOption = Annotated[
    Path | None,
    typer.Option(
        "--csv", metavar="FILE", help="Write the rows to FILE as CSV (UTF-8 with BOM); no table is printed."
    ),
]

_RULE = "weighted = amount × product weight × share; channel products and cards count in units"


def _leaderboard_table(board: Leaderboard, lang: str) -> Table:
    title = (
        f"{bilingual('Sales leaderboard', '销售排行榜', lang)} · {board.month} · "
        f"{board.institution_code} {board.institution_name}"
    )
    mine = board.mine
    me = board.scope.acting.code
    if mine is not None:
        standing = f"{me} is #{mine.rank} of {len(board.rows):,}"
    else:
        standing = f"{me} has no credited sales here this month"
    caption = f"{len(board.rows):,} staff · {standing} · {_RULE}"
    table = Table(title=title, caption=caption)
    table.add_column("#", justify="right")
    table.add_column(bilingual("Staff", "员工", lang))
    table.add_column(bilingual("Name", "姓名", lang))
    table.add_column(bilingual("Outlet", "网点", lang))
    table.add_column(bilingual("Weighted sales", "加权销售额", lang), justify="right")
    table.add_column(bilingual("Units", "件数", lang), justify="right")
    table.add_column(bilingual("Sales", "笔数", lang), justify="right")
    for row in board.rows:
        table.add_row(
            f"{MINE_MARK} {row.rank}" if row.mine else str(row.rank),
            row.staff_code,
            row.staff_name,
            row.institution_code,
            format_yuan(row.weighted_fen),
            format_units(row.units),
            f"{row.sales:,}",
            style="bold" if row.mine else None,
        )
    return keep_whole(
        table,
        "#",
        "Staff",
        "员工",
        "Weighted",
        "加权",
        "Units",
        "件数",
        "Sales",
        "笔数",
        "Credited",
        "业绩",
        "Amount",
        "金额",
    )


def _report_table(report: SalesReport, lang: str) -> Table:
    heading = {
        "staff": bilingual("Staff", "员工", lang),
        "outlet": bilingual("Outlet", "网点", lang),
        "product": bilingual("Product", "产品", lang),
    }[report.by]
    scope = report.scope
    zh = {"staff": "按员工", "outlet": "按网点", "product": "按产品"}[report.by]
    title = (
        f"{bilingual('Sales by ' + report.by, '销售业绩' + zh, lang)} · {report.month} · "
        f"{scope.institution_code} {scope.institution_name}"
    )
    own = f"only {scope.acting.code}'s own credits · " if report.own_only else ""
    table = Table(title=title, caption=f"{own}{_RULE}", show_footer=True)
    total = report.total
    table.add_column(heading, footer=bilingual("total", "合计", lang))
    table.add_column(bilingual("Name", "名称", lang))
    if report.by == "staff":
        table.add_column(bilingual("Outlet", "网点", lang))
    if report.by == "product":
        table.add_column(bilingual("Category", "类别", lang))
    table.add_column(
        bilingual("Weighted sales", "加权销售额", lang),
        justify="right",
        footer=format_yuan(total.weighted_fen),
    )
    table.add_column(bilingual("Units", "件数", lang), justify="right", footer=format_units(total.units))
    table.add_column(
        bilingual("Credited", "业绩金额", lang), justify="right", footer=format_yuan(total.credited_fen)
    )
    table.add_column(bilingual("Sales", "笔数", lang), justify="right", footer=f"{total.sales:,}")
    for row in report.rows:
        extra = [row.institution_code or ""] if report.by == "staff" else []
        extra += [row.category or ""] if report.by == "product" else []
        figures = row.figures
        table.add_row(
            row.key,
            row.name,
            *extra,
            format_yuan(figures.weighted_fen),
            format_units(figures.units),
            format_yuan(figures.credited_fen),
            f"{figures.sales:,}",
        )
    return keep_whole(
        table,
        "#",
        "Staff",
        "员工",
        "Weighted",
        "加权",
        "Units",
        "件数",
        "Sales",
        "笔数",
        "Credited",
        "业绩",
        "Amount",
        "金额",
    )


def leaderboard(
    ctx: typer.Context,
    institution: InstitutionOption = None,
    month: MonthOption = None,
    as_json: JsonOption = False,
) -> None:
    """The sales leaderboard (销售排行榜): staff ranked by the month's weighted sales.

    Ranks the staff of the institution and of the institutions under it by
    weighted sales of that institution's sales; equal figures by name, then
    staff code. Your own row is marked ▶. Default institution: an RM's or
    teller's branch, a branch manager's institution, the head office for an
    analyst.

    --json prints one document:
      report ("leaderboard"), month, institution, institution_name,
      scope {staff, staff_name, role, staff_institution, institution,
             institution_name},
      staff (how many are ranked), my_rank (null when you are not ranked),
      rows [{rank, staff, name, institution, institution_name,
             weighted_fen, weighted_yuan, units, credited_fen, credited_yuan,
             sales, mine}]
    *_fen are integer fen, *_yuan texts with two decimals, units an exact
    decimal text.
    """
    services = services_of(ctx, current_store=True)
    try:
        board = services.performance.leaderboard(institution=institution, month=month)
    except UserError as exc:
        refuse(str(exc))
    finally:
        services.close()
    if as_json:
        print_json(board.as_json())
    else:
        out.print(_leaderboard_table(board, settings_of(ctx).lang))


def sales(
    ctx: typer.Context,
    by: Annotated[SalesKey, typer.Option("--by", help="Group by staff, outlet or product.")] = SalesKey.staff,
    month: MonthOption = None,
    institution: InstitutionOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = None,
) -> None:
    """Sales performance (销售业绩): the month's weighted sales by staff, outlet or product.

    Covers the sales of the institution and the institutions under it; an
    outlet is the sale's institution. RMs and tellers see only their own
    credits. The total is computed from every credit at once (it may differ
    by a fen from the sum of the rounded rows).

    --json prints one document:
      report ("sales"), by, month, own_only,
      scope {staff, staff_name, role, staff_institution, institution,
             institution_name},
      rows [{key, name, institution, category, weighted_fen, weighted_yuan,
             units, credited_fen, credited_yuan, sales}],
      total {weighted_fen, weighted_yuan, units, credited_fen, credited_yuan,
             sales}
    institution is the staff member's (by staff), category the product's
    (by product), null otherwise.

    --csv FILE writes the rows (amounts in yuan, no total row) and says on
    stderr where.
    """
    services = services_of(ctx, current_store=True)
    try:
        report = services.performance.sales_report(by=by.value, month=month, institution=institution)
    except UserError as exc:
        refuse(str(exc))
    finally:
        services.close()
    if csv is not None:
        write_csv(
            csv,
            SALES_CSV_HEADER,
            (
                (
                    report.by,
                    row.key,
                    row.name,
                    row.institution_code or "",
                    row.category or "",
                    fen_to_decimal(row.figures.weighted_fen),
                    units_text(row.figures.units),
                    fen_to_decimal(row.figures.credited_fen),
                    row.figures.sales,
                )
                for row in report.rows
            ),
        )
        err.print(f"wrote {len(report.rows):,} rows to {csv}", markup=False, highlight=False)
    if as_json:
        print_json(report.as_json())
    elif csv is None:
        out.print(_report_table(report, settings_of(ctx).lang))


def register_performance_commands(app: typer.Typer, report_app: typer.Typer) -> None:
    """Add ``leaderboard`` to ``app`` and ``sales`` to ``report_app``."""
    app.command("leaderboard")(leaderboard)
    report_app.command("sales")(sales)


__all__ = ["MINE_MARK", "SALES_CSV_HEADER", "SalesKey", "register_performance_commands"]
