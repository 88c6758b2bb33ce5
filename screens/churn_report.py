"""The churn report (流失报表): the churned and attention customers of the acting person's scope in one
month, churned first, with their RMs, AUM now and the peak the months below are counted from (SPEC §3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from rm_console.domain.calendar import month_text, parse_month
from rm_console.domain.dto import ChurnReport, RmShare
from rm_console.i18n import N_, _, failure_text, language, with_chinese
from screens.localized import LocalizedBindings
from widgets.data_table import Table
from widgets.manager_cells import (
    fill_table,
    fit_columns,
    money_cell,
    right,
    status_cell,
    tier_cell,
    tier_style,
    tier_word,
)
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader

if TYPE_CHECKING:
    from rm_console.services import Services


#: The columns left out first when the terminal is narrow.
DROP_ORDER = ("peak_month", "secondary", "peak", "from", "name")


def share_text(share: RmShare | None) -> str:
    """``李明 60%``; an em dash for nobody."""
    return "—" if share is None else f"{share.name} {share.pct}%"


class ChurnReportScreen(LocalizedBindings, Screen[None]):
    """The month's churned and attention customers in scope; ``[`` and ``]`` step through months."""

    CSS_PATH = "churn_report.tcss"

    BINDINGS = [
        Binding(
            "left_square_bracket",
            "month(-1)",
            N_("Previous month"),
            tooltip=N_("The report of the month before"),
            id="churn.previous",
        ),
        Binding(
            "right_square_bracket",
            "month(1)",
            N_("Next month"),
            tooltip=N_("The report of the month after"),
            id="churn.next",
        ),
    ]

    class ReportLoaded(Message):
        """The report arrived."""

        def __init__(self, report: ChurnReport) -> None:
            super().__init__()
            self.report = report

    def __init__(
        self, services: Services, *, lang: str | None = None, institution: str | None = None
    ) -> None:
        super().__init__()
        self._services = services
        self._lang = lang or language()
        self._institution = institution
        self._report: ChurnReport | None = None

    def compose(self) -> ComposeResult:
        """Heading, the report, a message line, the footer."""
        yield ShellHeader()
        yield Static("", id="heading")
        with Vertical(id="report-pane"):
            yield Table(id="report", cursor_type="row", zebra_stripes=True)
        yield Static("", id="message")
        yield ShellFooter()

    def on_mount(self) -> None:
        """Empty table, then load the month of the stored evaluation."""
        self._fill(None)
        self.query_one("#report", DataTable).focus()
        self.load_report(None)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def load_report(self, month: str | None) -> None:
        """Read the report of ``month`` (None: the month of the stored evaluation)."""
        self.post_message(
            self.ReportLoaded(self._services.reports.churn(institution=self._institution, month=month))
        )

    @on(ReportLoaded)
    def _show(self, message: ReportLoaded) -> None:
        self.query_one("#message", Static).update("")
        self._fill(message.report)

    def on_resize(self) -> None:
        """Fit the columns to the new width."""
        if self.is_mounted:
            self._fill(self._report)

    def _fill(self, report: ChurnReport | None) -> None:
        self._report = report
        colours = self.app.theme_variables
        headers = {
            "cif": Text(_("CIF")),
            "name": Text(_("Name")),
            "tier": Text(_("Tier")),
            "status": Text(_("Status")),
            "from": Text(_("Was")),
            "below": right(_("Below")),
            "owner": Text(_("Primary")),
            "secondary": Text(_("Secondary")),
            "aum": right(_("AUM now")),
            "peak": right(_("Peak")),
            "peak_month": Text(_("Peak month")),
        }
        rows: list[dict[str, Text]] = []
        for row in report.rows if report else ():
            was = Text("")
            if row.churned_from:
                was = Text(
                    tier_word(row.churned_from, self._lang), style=tier_style(row.churned_from, colours)
                )
            rows.append(
                {
                    "cif": Text(row.cif),
                    "name": Text(row.name),
                    "tier": tier_cell(row.tier, self._lang, colours),
                    "status": status_cell(row.status, self._lang, colours),
                    "from": was,
                    "below": right(f"{row.months_below}/{row.window_months}"),
                    "owner": Text(share_text(row.owner)),
                    "secondary": Text(" · ".join(share_text(s) for s in row.secondary), style="dim"),
                    "aum": money_cell(row.aum_now_fen),
                    "peak": money_cell(row.peak_aum_fen, style="dim"),
                    "peak_month": Text(row.peak_month or "", style="dim"),
                }
            )
        table: DataTable[Text] = self.query_one("#report", DataTable)
        height = max(table.size.height, self.size.height - 6)
        scrollbar = 2 if len(rows) > height - 1 else 0
        shown = fit_columns(headers, rows, max(table.size.width, self.size.width - 2) - scrollbar, DROP_ORDER)
        keep = table.cursor_row
        keys = [row.cif for row in report.rows] if report else []
        fill_table(table, headers, list(zip(keys, rows, strict=True)), shown)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        pane = self.query_one("#report-pane")
        pane.border_title = with_chinese("Churn report")
        if report is None:
            return
        heading = Text(with_chinese("Churn report"), style="bold")
        scope = report.scope
        place = scope.institution_name or scope.acting.institution_name
        code = scope.institution_code or scope.acting.institution_code
        heading.append(f"  {report.month}  {place} {code}")
        heading.append("  ·  ", style="dim")
        heading.append(
            _("{churned} churned · {attention} attention").format(
                churned=report.churned, attention=report.attention
            )
        )
        heading.append("  ·  ", style="dim")
        source = (
            _("stored evaluation, rules v{version}").format(version=report.rule_version)
            if report.source == "stored"
            else _("evaluated for this report; nothing stored changes")
        )
        heading.append(source, style="dim")
        self.query_one("#heading", Static).update(heading)
        pane.border_title = f"{with_chinese('Churn report')} · {report.month} ({len(report.rows)})"
        pane.border_subtitle = _(
            "Below: months below the threshold / the window · [ and ] step through months"
        ).replace("[", "\\[")
        if not report.rows:
            pane.border_subtitle = _("Nobody churned or in attention in {month}.").format(month=report.month)

    def action_month(self, step: int) -> None:
        """The report of the month before or after."""
        if self._report is None:
            return
        self.load_report(month_text(parse_month(self._report.month) + step))

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """Show a failed load as a sentence, never a traceback (the report shown stays)."""
        if event.state != WorkerState.ERROR:
            return
        line = self.query_one("#message", Static)
        line.update(failure_text(event.worker.error))
