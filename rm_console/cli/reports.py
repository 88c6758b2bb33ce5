"""``rmc report churn`` and ``rmc report tiers``: the churn report and the tier counts, as a table, JSON
or CSV. Each covers the customers the acting person may see (SPEC §1)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text

from rm_console.cli.common import err, out, print_json, refuse, services_of, settings_of, write_csv
from rm_console.domain.dto import ChurnReport, ReportScope, RmShare, TierReport
from rm_console.domain.enums import Role, Status
from rm_console.domain.errors import UserError
from rm_console.domain.money import fen_to_decimal, format_yuan
from rm_console.domain.words import bilingual, role_label, status_label, tier_label

report_app = typer.Typer(
    help="Reports over your customers: churn (流失报表) and tier counts (客户等级分布).",
    no_args_is_help=True,
)

InstitutionOption = Annotated[
    str | None,
    typer.Option(
        "--institution",
        metavar="CODE",
        help="Only this institution and the institutions under it (within what you may see).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
CsvOption = Annotated[
    Path | None,
    typer.Option(
        "--csv", metavar="FILE", help="Write the rows to FILE as CSV (UTF-8 with BOM); no table is printed."
    ),
]

#: Columns of ``rmc report churn --csv``.
CHURN_CSV_HEADER = (
    "cif",
    "name",
    "institution",
    "institution_name",
    "tier",
    "status",
    "churned_from",
    "months_below",
    "measured_tier",
    "window_months",
    "owner_rm",
    "owner_rm_name",
    "owner_pct",
    "secondary_rms",
    "aum_now",
    "peak_aum",
    "peak_month",
)
#: Columns of ``rmc report tiers --csv``.
TIERS_CSV_HEADER = ("institution", "institution_name", "tier", "status", "customers")

#: Column order of the statuses in the tier table; None is "no status" (ordinary, never evaluated).
_STATUS_COLUMNS: tuple[str | None, ...] = (*(status.value for status in Status), None)


def _scope_title(scope: ReportScope, lang: str) -> str:
    """``BR01 江城商业银行江南支行 · BM01 陈国华 (branch manager)``: what the report covers, and for whom."""
    acting = scope.acting
    person = f"{acting.code} {acting.name} ({role_label(acting.role, lang)})"
    if scope.institution_code is not None:
        return f"{scope.institution_code} {scope.institution_name} · {person}"
    if acting.role == Role.RM:
        return f"customers of {person}" if lang != "zh" else f"{person} 的客户"
    if acting.role == Role.ANALYST:
        return f"all institutions 全行 · {person}"
    return f"{acting.institution_code} {acting.institution_name} · {person}"


def _shares(shares: tuple[RmShare, ...]) -> str:
    return "; ".join(f"{share.code} {share.name} ({share.pct}%)" for share in shares)


@dataclass(frozen=True, slots=True)
class _Column:
    """A table column with its cells (rich markup); ``drop`` > 0 marks a column that may be left out
    on a narrow terminal, the highest first."""

    header: str
    cells: list[str]
    justify: JustifyMethod = "left"
    drop: int = 0
    footer: str = ""
    #: Never wrap a cell (short labels that read badly on two lines).
    whole: bool = False

    @property
    def min_width(self) -> int:
        """The width of the longest word of the header or a cell (of the longest cell when ``whole``):
        narrower would break a word."""
        header = (Text.from_markup(text).plain for text in (self.header, self.footer))
        cells = [Text.from_markup(cell).plain for cell in self.cells]
        pieces = [word for text in header for word in text.split()]
        pieces += cells if self.whole else [word for text in cells for word in text.split()]
        return max(map(cell_len, pieces), default=1)


#: Columns of a table cost their padding and one rule each; the table one rule more.
_COLUMN_COST = 3


def _fitted(title: str, caption: str, columns: list[_Column], *, sections: list[bool] | None = None) -> Table:
    """A table of ``columns`` that fits the terminal: droppable columns are left out, the highest
    ``drop`` first, until every word fits on one line (SCREENS.md: narrow terminals drop
    low-priority columns rather than squeeze them). ``sections`` marks the rows that end a section."""
    shown = list(columns)
    for victim in sorted((c for c in columns if c.drop), key=lambda c: -c.drop):
        if sum(c.min_width + _COLUMN_COST for c in shown) + 1 <= out.width:
            break
        shown.remove(victim)
    table = Table(title=title, caption=caption, show_footer=any(c.footer for c in shown))
    for column in shown:
        table.add_column(
            column.header, justify=column.justify, min_width=column.min_width, footer=column.footer
        )
    ends = sections or [False] * len(columns[0].cells)
    for end, cells in zip(ends, zip(*(column.cells for column in shown), strict=True), strict=True):
        table.add_row(*cells, end_section=end)
    return table


def _churn_table(report: ChurnReport, lang: str) -> Table:
    statuses, owners = [], []
    for row in report.rows:
        colour = "red" if row.status == Status.CHURNED else "yellow"
        statuses.append(f"[{colour}]{status_label(row.status, lang)}[/{colour}]")
        owners.append(
            f"{row.owner.code} {row.owner.name}" if row.owner else bilingual("unassigned", "待分配", lang)
        )
    rows = report.rows
    columns = [
        _Column("CIF", [row.cif for row in rows]),
        _Column(bilingual("Customer", "客户", lang), [row.name for row in rows], drop=2),
        _Column(bilingual("Inst.", "机构", lang), [row.institution_code for row in rows], drop=3),
        _Column(bilingual("Status", "状态", lang), statuses, whole=True),
        _Column(
            bilingual("Tier", "等级", lang), [tier_label(row.measured_tier, lang) for row in rows], whole=True
        ),
        _Column(
            bilingual("Now", "现等级", lang),
            [f"→ {tier_label(row.tier, lang)}" if row.churned_from else "" for row in rows],
            drop=5,
            whole=True,
        ),
        _Column(
            bilingual("Months below", "低于月数", lang), [f"{row.months_below:,}" for row in rows], "right"
        ),
        _Column(bilingual("Owner RM", "主客户经理", lang), owners),
        _Column(
            bilingual("Secondary RMs", "副客户经理", lang), [_shares(row.secondary) for row in rows], drop=6
        ),
        _Column(
            bilingual("AUM now", "当月资产", lang),
            [format_yuan(row.aum_now_fen) for row in rows],
            "right",
        ),
        _Column(
            bilingual("Peak", "峰值", lang),
            [format_yuan(row.peak_aum_fen) for row in rows],
            "right",
        ),
        _Column(bilingual("Peak month", "峰值月份", lang), [row.peak_month or "—" for row in rows], drop=4),
    ]
    source = (
        f"stored evaluation, rule set v{report.rule_version}"
        if report.source == "stored"
        else f"evaluated for this report (not stored), rule set v{report.rule_version}"
    )
    return _fitted(
        f"Churn report 流失报表 · {report.month} · {_scope_title(report.scope, lang)}",
        f"{report.churned:,} churned 流失 · {report.attention:,} attention 关注 · {source}",
        columns,
    )


def _tiers_table(report: TierReport, lang: str) -> Table:
    cells: dict[tuple[str, str | None], dict[str | None, int]] = {}
    names: dict[str, str] = {}
    for row in report.rows:
        names[row.institution_code] = row.institution_name
        cells.setdefault((row.institution_code, row.tier), {})[row.status] = row.customers
    keys = list(cells)
    firsts = [n == 0 or keys[n - 1][0] != code for n, (code, _) in enumerate(keys)]
    sections = [n == len(keys) - 1 or keys[n + 1][0] != code for n, (code, _) in enumerate(keys)]
    not_evaluated = bilingual("not evaluated", "未评级", lang)
    columns = [
        _Column(
            bilingual("Inst.", "机构", lang),
            [code if first else "" for first, (code, _) in zip(firsts, keys, strict=True)],
            footer=bilingual("total", "合计", lang),
        ),
        _Column(
            bilingual("Institution name", "机构名称", lang),
            [names[code] if first else "" for first, (code, _) in zip(firsts, keys, strict=True)],
            drop=1,
        ),
        _Column(
            bilingual("Tier", "等级", lang),
            [tier_label(tier, lang) if tier is not None else not_evaluated for _, tier in keys],
            whole=True,
        ),
    ]
    for status in _STATUS_COLUMNS:
        counts = [cells[key].get(status) for key in keys]
        columns.append(
            _Column(
                status_label(status, lang) if status is not None else bilingual("no status", "无状态", lang),
                [f"{n:,}" if n is not None else "" for n in counts],
                "right",
                footer=f"{sum(n for n in counts if n is not None):,}",
            )
        )
    columns.append(
        _Column(
            bilingual("Total", "合计", lang),
            [f"{sum(cells[key].values()):,}" for key in keys],
            "right",
            footer=f"{report.customers:,}",
        )
    )
    return _fitted(
        f"Tier counts 客户等级分布 · {report.month} · {_scope_title(report.scope, lang)}",
        f"{report.customers:,} customers 客户",
        columns,
        sections=sections,
    )


def _wrote(path: Path, rows: int) -> None:
    err.print(f"wrote {rows:,} rows to {path}", markup=False, highlight=False)


@report_app.command("churn")
def churn(
    ctx: typer.Context,
    institution: InstitutionOption = None,
    month: Annotated[
        str | None,
        typer.Option(
            "--month", metavar="YYYY-MM", help="The month to report (default: the stored evaluation's month)."
        ),
    ] = None,
    as_json: JsonOption = False,
    csv: CsvOption = None,
) -> None:
    """The churn report (流失报表): churned and attention customers in your scope.

    Churned customers first, then attention ones; each by tier (core first),
    months below (most first) and CIF. A month without a stored evaluation is
    evaluated for the report; nothing is stored.

    --json prints one document:
      report ("churn"), month, source ("stored" or "evaluated"), rule_version,
      scope {staff, staff_name, role, staff_institution, institution,
             institution_name},
      customers, churned, attention,
      rows [{cif, name, institution, institution_name, tier, status,
             churned_from, months_below, measured_tier, window_months,
             owner_rm {code, name, pct} or null,
             secondary_rms [{code, name, pct}],
             aum_now_fen, aum_now_yuan, peak_aum_fen, peak_aum_yuan, peak_month}]
    measured_tier is the tier the months below and the peak are measured
    against (the old tier of a churned customer); the peak is the largest AUM
    over the month and the window_months before it. *_fen are integer fen,
    *_yuan texts with two decimals.

    --csv FILE writes the same rows (amounts in yuan) and says on stderr where.
    """
    services = services_of(ctx, current_store=True)
    try:
        report = services.reports.churn(institution=institution, month=month)
    except UserError as exc:
        refuse(str(exc))
    finally:
        services.close()
    if csv is not None:
        write_csv(
            csv,
            CHURN_CSV_HEADER,
            (
                (
                    row.cif,
                    row.name,
                    row.institution_code,
                    row.institution_name,
                    row.tier,
                    row.status,
                    row.churned_from or "",
                    row.months_below,
                    row.measured_tier,
                    row.window_months,
                    row.owner.code if row.owner is not None else "",
                    row.owner.name if row.owner is not None else "",
                    row.owner.pct if row.owner is not None else "",
                    _shares(row.secondary),
                    fen_to_decimal(row.aum_now_fen),
                    fen_to_decimal(row.peak_aum_fen),
                    row.peak_month or "",
                )
                for row in report.rows
            ),
        )
        _wrote(csv, len(report.rows))
    if as_json:
        print_json(report.as_json())
    elif csv is None:
        out.print(_churn_table(report, settings_of(ctx).lang))


@report_app.command("tiers")
def tiers(
    ctx: typer.Context,
    institution: InstitutionOption = None,
    as_json: JsonOption = False,
    csv: CsvOption = None,
) -> None:
    """Tier counts (客户等级分布): customers in your scope by institution × tier × status.

    Read from the stored evaluation. Ordinary customers have no status;
    customers never evaluated have neither tier nor status.

    --json prints one document:
      report ("tiers"), month,
      scope {staff, staff_name, role, staff_institution, institution,
             institution_name},
      customers (how many are in scope),
      rows [{institution, institution_name, tier, status, customers}]
    with tier null for customers never evaluated and status null where there
    is none.

    --csv FILE writes the rows and says on stderr where.
    """
    services = services_of(ctx, current_store=True)
    try:
        report = services.reports.tiers(institution=institution)
    except UserError as exc:
        refuse(str(exc))
    finally:
        services.close()
    if csv is not None:
        write_csv(
            csv,
            TIERS_CSV_HEADER,
            (
                (row.institution_code, row.institution_name, row.tier or "", row.status or "", row.customers)
                for row in report.rows
            ),
        )
        _wrote(csv, len(report.rows))
    if as_json:
        print_json(report.as_json())
    elif csv is None:
        out.print(_tiers_table(report, settings_of(ctx).lang))


__all__ = ["CHURN_CSV_HEADER", "TIERS_CSV_HEADER", "report_app"]
