"""The customer 360 (统一客户视图, SPEC §7): one customer's profile, money, records and open work.

A two-line header (name, tier badge, status, masked ID and phone with an audited reveal, age, RMs with
their participation) above tabs: overview (13 months of AUM, holdings by asset class), holdings
(maturities highlighted), loans (five-category class), transactions (large and out-of-bank flagged),
the contacts timeline, complaints, tier history, recommendations and retention cases.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from rm_console.domain.customer_dto import Customer360, HoldingRow, RevealField
from rm_console.domain.enums import AssetClass, Status
from rm_console.domain.money import format_yuan
from rm_console.domain.records_dto import local_day, local_text
from rm_console.domain.words import TIER_ZH, tier_label
from rm_console.i18n import N_, _, failure_text, language
from rm_console.services.customers import CustomerService
from screens.localized import LocalizedBindings
from widgets.aum_chart import AumChart
from widgets.data_table import Table
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader
from widgets.tier_badge import status_markup, tier_markup

if TYPE_CHECKING:
    from rm_console.services import Services

#: The tabs, in the order of their keys 1–9.
PANES = (
    "overview",
    "holdings",
    "loans",
    "transactions",
    "contacts",
    "complaints",
    "tiers",
    "recommendations",
    "retention",
)
#: Each tab's title (translated when shown).
TAB_TITLES = {
    "overview": N_("Overview"),
    "holdings": N_("Holdings"),
    "loans": N_("Loans"),
    "transactions": N_("Transactions"),
    "contacts": N_("Contacts"),
    "complaints": N_("Complaints"),
    "tiers": N_("Tiers"),
    "recommendations": N_("Recommendations"),
    "retention": N_("Retention"),
}
#: Below this many cells of width the tables drop their low-priority columns.
COMPACT_BELOW = 110
#: From this many cells of width the tables show their lowest-priority columns too.
WIDE_FROM = 140
#: Columns of free text, cut on a narrow terminal.
FREE_TEXT = frozenset({"what", "description", "step", "detail", "next", "product"})
#: How many cells a free-text cell keeps on a narrow terminal.
NARROW_TEXT = 24
#: How many maturities and recommendations the overview lists.
OVERVIEW_ITEMS = 4

#: The words of the asset classes (资产分类), loan types, five-category classes (五级分类), card levels,
#: transaction directions and counterparties, contact kinds, case statuses, tier-change reasons,
#: retention reasons and tier criteria, translated when shown.
ASSET_CLASSES = {
    AssetClass.DEPOSIT: N_("deposit"),
    AssetClass.WEALTH: N_("wealth"),
    AssetClass.SETTLEMENT: N_("settlement"),
    AssetClass.LOAN: N_("loan"),
    AssetClass.CHANNEL: N_("channel"),
    AssetClass.CARD: N_("card"),
}
LOAN_TYPES = {"mortgage": N_("mortgage"), "credit": N_("credit/guarantee"), "business": N_("business")}
LOAN_CLASSES = {
    "pass": N_("pass"),
    "special_mention": N_("special mention"),
    "substandard": N_("substandard"),
    "doubtful": N_("doubtful"),
    "loss": N_("loss"),
}
CARD_LEVELS = {
    "diamond": N_("diamond card"),
    "platinum": N_("platinum card"),
    "gold": N_("gold card"),
    "standard": N_("standard card"),
}
DIRECTIONS = {"in": N_("in"), "out": N_("out")}
COUNTERPARTIES = {"in_bank": N_("in-bank"), "out_bank": N_("out-of-bank")}
CONTACT_KINDS = {
    "visit": N_("visit"),
    "call": N_("call"),
    "message": N_("message"),
    "event": N_("event"),
    "plan": N_("planned visit"),
}
CASE_STATUSES = {"open": N_("open"), "closed": N_("closed")}
TIER_REASONS = {"upgrade": N_("upgrade"), "downgrade": N_("downgrade"), "churn": N_("churn")}
RETENTION_REASONS = {"churned": N_("churned"), "attention": N_("attention")}
QUALIFIED_BY = {
    "aum": N_("AUM"),
    "card_spend": N_("card spend"),
    "mortgage": N_("mortgage balance"),
    "credit_loan": N_("credit loan balance"),
    "diamond_card": N_("diamond card"),
}


def _word(words: dict[str, str], value: str | None) -> str:
    """``value``'s translated word, the value itself when it has none, a dash for nothing."""
    if value is None:
        return "—"
    return _(words[value]) if value in words else value


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _rate(rate_e4: int | None) -> str:
    """Ten-thousandths of a percent as a percentage with two decimals (``32500`` → ``3.25%``)."""
    if rate_e4 is None:
        return "—"
    hundredths = (rate_e4 + 50) // 100
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def tier_word(tier: str, lang: str) -> str:
    """A tier in the UI language only (``core`` or ``核心级``), for text that already shows its badge."""
    return TIER_ZH.get(tier, tier) if lang == "zh" else tier


def pack(groups: list[str], width: int, separator: str = "  ") -> list[str]:
    """Markup ``groups`` on as few lines of ``width`` cells as possible, joined by ``separator``, never
    splitting a group (a group wider than the line gets a line of its own, where it wraps)."""
    lines: list[str] = []
    current: list[str] = []
    used = 0
    gap = Content.from_markup(separator).cell_length
    for group in groups:
        size = Content.from_markup(group).cell_length
        if current and used + gap + size > width:
            lines.append(separator.join(current))
            current, used = [], 0
        used += size + (gap if current else 0)
        current.append(group)
    if current:
        lines.append(separator.join(current))
    return lines


def customer_service(services: Services) -> CustomerService:
    """The app's customer service (``services.customers``) where the composition has one, else a new one."""
    found = getattr(services, "customers", None)
    return found if isinstance(found, CustomerService) else CustomerService(services)


class Customer360Screen(LocalizedBindings, Screen[None]):
    """Everything about one customer the acting person may see, on tabs under a two-line header."""

    CSS_PATH = "customer360.tcss"

    BINDINGS = [
        Binding(
            "r",
            "reveal",
            N_("Reveal"),
            tooltip=N_("Show the full ID number, then the phone number (written to the audit log)"),
            id="customer360.reveal",
        ),
        Binding(
            "n",
            "new_record",
            N_("New record"),
            tooltip=N_("Record a visit, call, complaint… for this customer"),
            id="customer360.new_record",
        ),
        Binding(
            "1",
            "tab(1)",
            N_("Tabs"),
            key_display="1-9 ←→",
            tooltip=N_("Switch tabs: 1–9, or left and right"),
            id="customer360.tab_1",
        ),
        *(
            Binding(str(n), f"tab({n})", N_("Tabs"), show=False, id=f"customer360.tab_{n}")
            for n in range(2, len(PANES) + 1)
        ),
        Binding(
            "left",
            "step_tab(-1)",
            N_("Previous tab"),
            show=False,
            priority=True,
            id="customer360.previous_tab",
        ),
        Binding(
            "right",
            "step_tab(1)",
            N_("Next tab"),
            show=False,
            priority=True,
            id="customer360.next_tab",
        ),
        Binding(
            "escape",
            "back",
            N_("Back"),
            tooltip=N_("Back to where you came from"),
            id="customer360.back",
        ),
    ]

    class ProfileLoaded(Message):
        """The customer 360 arrived from the store."""

        def __init__(self, profile: Customer360) -> None:
            super().__init__()
            self.profile = profile

    class Revealed(Message):
        """A masked field was revealed (and the reveal audited)."""

        def __init__(self, field: RevealField, value: str) -> None:
            super().__init__()
            self.field = field
            self.value = value

    class NewRecord(Message):
        """The person asked for a new record (visit, call, complaint…) for customer ``cif``."""

        def __init__(self, cif: str) -> None:
            super().__init__()
            self.cif = cif

    def __init__(self, services: Services, cif: str) -> None:
        super().__init__()
        self._services = services
        self._customers = customer_service(services)
        self.cif = cif
        """The customer shown."""
        self.profile: Customer360 | None = None
        """The customer 360 once loaded."""
        self._revealed: dict[RevealField, str] = {}
        self._revealing: RevealField | None = None
        self._level = 1

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header lines, the tabs, the open-work line, problems, footer."""
        yield ShellHeader()
        yield Static("", id="head")
        with TabbedContent(id="tabs"):
            with TabPane(self._tab_title("overview"), id="overview"):
                with Horizontal(id="overview-top"):
                    yield AumChart(id="aum")
                    yield Static("", id="classes")
                yield Static("", id="facts")
                with Horizontal(id="overview-bottom"):
                    yield Static("", id="maturities")
                    yield Static("", id="offers")
            for pane in ("holdings", "loans", "transactions", "contacts", "complaints", "tiers"):
                with TabPane(self._tab_title(pane), id=pane):
                    yield Static("", id=f"{pane}-caption", classes="caption")
                    yield Table(id=f"{pane}-table", cursor_type="row", zebra_stripes=True)
            with (
                TabPane(self._tab_title("recommendations"), id="recommendations"),
                VerticalScroll(classes="listing"),
            ):
                yield Static("", id="recommendations-list")
            with TabPane(self._tab_title("retention"), id="retention"):
                yield Static("", id="retention-caption", classes="caption")
                yield Table(id="retention-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="open")
        yield Static("", id="problem")
        yield ShellFooter()

    @staticmethod
    def _tab_title(pane: str) -> str:
        return f"{PANES.index(pane) + 1} {_(TAB_TITLES[pane])}"

    def on_mount(self) -> None:
        """Start loading the customer."""
        self.query_one("#aum", AumChart).border_title = _("AUM 13 months")
        self.query_one("#classes", Static).border_title = _("By asset class")
        self.query_one("#maturities", Static).border_title = _("Next maturities")
        self.query_one("#offers", Static).border_title = _("Recommendations")
        self.load_profile()

    def on_resize(self, event: events.Resize) -> None:
        """Drop low-priority columns on a narrow terminal."""
        self.call_after_refresh(self._show_head)
        self.call_after_refresh(self._show_open)
        width = event.size.width
        self.set_class(width < COMPACT_BELOW, "-compact")
        level = 0 if width < COMPACT_BELOW else (2 if width >= WIDE_FROM else 1)
        if level != self._level:
            self._level = level
            self._show_tables()

    # -- loading ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="customer360", exit_on_error=False)
    def load_profile(self) -> None:
        """Read the customer 360 in a thread and post it back."""
        self.post_message(self.ProfileLoaded(self._customers.profile(self.cif)))

    @work(thread=True, exclusive=True, group="customer360-reveal", exit_on_error=False)
    def reveal(self, field: RevealField) -> None:
        """Reveal one masked field (audited by the service) in a thread."""
        self.post_message(self.Revealed(field, self._customers.reveal(self.cif, field)))

    @on(ProfileLoaded)
    def show_profile(self, message: ProfileLoaded) -> None:
        """Fill the header, the tabs and the open-work line."""
        self.profile = message.profile
        self.query_one("#problem", Static).update("")
        self._show_head()
        self._show_overview()
        self._show_tables()
        self._show_recommendations()
        self._show_open()
        self.refresh_bindings()

    @on(Revealed)
    def show_revealed(self, message: Revealed) -> None:
        """Show the full value in the header."""
        self._revealed[message.field] = message.value
        self._revealing = None
        self._show_head()
        self.refresh_bindings()

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """A failed read or reveal shows its sentence, never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "customer360-reveal":
            self._revealing = None
            self.refresh_bindings()
        error = event.worker.error
        text = failure_text(error)
        self.query_one("#problem", Static).update(Text(text))

    # -- the header ---------------------------------------------------------------------------------

    def _show_head(self) -> None:
        profile = self.profile
        if profile is None:
            return
        lang = language()
        first = [f"[b]{escape(profile.name)}[/b]", f"CIF {profile.cif}", tier_markup(profile.tier, lang)]
        status = status_markup(profile.status, lang)
        if status:
            first.append(status + escape(self._status_note(profile)))
        primary, secondary = _("primary"), _("secondary")
        rms = " · ".join(
            f"{primary if share.role == 'primary' else secondary} "
            f"{escape(share.name or share.staff)} {share.pct}%"
            for share in profile.rms
        )
        unassigned = escape(_("no RM: managed by the institution"))
        first.append(rms or f"[$text-muted]{unassigned}[/]")
        id_label = _("ID")
        second = [
            f"{id_label} {self._shown(RevealField.ID_NO, profile.id_no_masked)}",
            f"☎ {self._shown(RevealField.PHONE, profile.phone_masked)}",
        ]
        about = [str(profile.age)] if profile.age is not None else []
        if profile.occupation:
            about.append(escape(profile.occupation))
        about.append(escape(profile.institution_name))
        second.append(" · ".join(about))
        second.append(self._risk_text(profile))
        second.append(self._credit_text(profile))
        head = self.query_one("#head", Static)
        width = head.content_size.width or max(20, self.size.width - 2)
        head.update("\n".join(pack(first, width) + pack(second, width)))

    @staticmethod
    def _status_note(profile: Customer360) -> str:
        """`` from core (13 mo below ¥10,000,000)`` for a status other than normal."""
        if profile.status in (None, Status.NORMAL):
            return ""
        note = ""
        if profile.churned_from:
            note = " " + _("from {tier}").format(tier=tier_word(profile.churned_from, language()))
        if profile.threshold_fen is not None and profile.months_below:
            note += " " + _("({months} mo below {amount})").format(
                months=profile.months_below, amount=format_yuan(profile.threshold_fen)
            )
        return note

    def _shown(self, field: RevealField, masked: str) -> str:
        revealed = self._revealed.get(field)
        if revealed is not None:
            return f"[b $text-warning]{escape(revealed)}[/]"
        return escape(masked) if masked else "—"

    @staticmethod
    def _risk_text(profile: Customer360) -> str:
        risk = profile.records.risk
        if risk is None:
            text = _("risk not assessed")
            return f"[$text-warning]{escape(text)}[/]"
        if risk.expired:
            text = _("risk {level} expired {day}").format(level=risk.level, day=risk.valid_until.isoformat())
            return f"[$text-error]{escape(text)}[/]"
        return escape(_("risk {level} (to {day})").format(level=risk.level, day=risk.valid_until.isoformat()))

    @staticmethod
    def _credit_text(profile: Customer360) -> str:
        credit = profile.records.credit
        if credit is None:
            return escape(_("credit not rated"))
        return escape(_("credit {grade}").format(grade=credit.grade))

    # -- the overview -------------------------------------------------------------------------------

    def _show_overview(self) -> None:
        profile = self.profile
        if profile is None:
            return
        chart = self.query_one("#aum", AumChart)
        chart.months = profile.aum
        chart.threshold_fen = profile.threshold_fen
        lines = []
        for total in profile.by_class:
            label = _word(ASSET_CLASSES, total.asset_class)
            if total.asset_class == AssetClass.CHANNEL:
                figure = _("signed: {count}").format(count=total.accounts)
            elif total.asset_class == AssetClass.CARD:
                levels = sorted({h.card_level for h in profile.holdings if h.card_level})
                figure = ", ".join(_word(CARD_LEVELS, level) for level in levels) or _(
                    "cards: {count}"
                ).format(count=total.accounts)
            elif total.asset_class == AssetClass.LOAN:
                figure = format_yuan(-total.balance_fen)
            else:
                figure = format_yuan(total.balance_fen)
            lines.append(Text.assemble((label, ""), " ", (figure, "bold")))
        classes = Text("\n").join(lines) if lines else Text(_("No holdings."), style="dim")
        self.query_one("#classes", Static).update(classes)
        facts = []
        now = profile.aum_now_fen
        facts.append(
            _("AUM {month}: {amount}").format(
                month=profile.aum[-1].month if profile.aum else "—",
                amount=format_yuan(now) if now is not None else "—",
            )
        )
        if profile.threshold_fen is not None:
            facts.append(_("tier threshold {amount}").format(amount=format_yuan(profile.threshold_fen)))
        if profile.tier_month:
            facts.append(
                _("evaluated {month}, qualified by {criterion}").format(
                    month=profile.tier_month, criterion=_word(QUALIFIED_BY, profile.qualified_by)
                )
            )
        facts.append(_("loans: {count}").format(count=len(profile.loans)))
        self.query_one("#facts", Static).update(" · ".join(facts))
        self._show_maturities(profile)
        offers = [
            Text.assemble("• ", (item.product_name or _("Assess the customer's risk tolerance"), "bold"))
            for item in profile.recommendations[:OVERVIEW_ITEMS]
        ]
        self.query_one("#offers", Static).update(
            Text("\n").join(offers) if offers else Text(_("No recommendations."), style="dim")
        )

    def _show_maturities(self, profile: Customer360) -> None:
        coming = sorted(
            (h for h in profile.holdings if h.days_to_maturity is not None and h.days_to_maturity >= 0),
            key=lambda h: (h.maturity_date, h.account_no),
        )[:OVERVIEW_ITEMS]
        lines = []
        for holding in coming:
            line = Text.assemble(
                self._maturity(holding),
                "  ",
                holding.product_name,
                "  ",
                (format_yuan(holding.balance_fen), "bold"),
            )
            lines.append(line)
        self.query_one("#maturities", Static).update(
            Text("\n").join(lines) if lines else Text(_("Nothing matures."), style="dim")
        )

    def _show_open(self) -> None:
        profile = self.profile
        if profile is None:
            return
        parts = []
        for case in profile.open_cases:
            step = case.next_step
            if step is None:
                parts.append(_("retention case opened {month}").format(month=case.opened_month))
            else:
                parts.append(
                    _("retention case (step {step}/{steps} due {day})").format(
                        step=step.seq, steps=len(case.steps), day=step.due_date.strftime("%m-%d")
                    )
                )
        if profile.recommendations:
            parts.append(_("recommendations: {count}").format(count=len(profile.recommendations)))
        follow_up = profile.next_follow_up
        if follow_up is not None:
            parts.append(_("follow-up {day}").format(day=follow_up.strftime("%m-%d")))
        complaints = sum(1 for c in profile.records.complaints if c.status == "open")
        if complaints:
            parts.append(_("open complaints: {count}").format(count=complaints))
        maturing = sum(1 for h in profile.holdings if h.maturing)
        if maturing:
            parts.append(_("maturing soon: {count}").format(count=maturing))
        line = self.query_one("#open", Static)
        if not parts:
            line.update(escape(_("Nothing open.")))
            return
        width = line.content_size.width or max(20, self.size.width - 2)
        parts[0] = _("Open: {list}").format(list=parts[0])
        line.update("\n".join(pack([escape(part) for part in parts], width, " · ")))

    def _show_recommendations(self) -> None:
        profile = self.profile
        if profile is None:
            return
        lang = language()
        if not profile.recommendations:
            self.query_one("#recommendations-list", Static).update(_("No recommendations."))
            return
        lines = []
        for item in profile.recommendations:
            what = item.product_name or _("Assess the customer's risk tolerance")
            extra = ", ".join(v for v in (item.product_code, item.risk_level) if v)
            title = f"[b]{escape(what)}[/b]" + (f" [$text-muted]({escape(extra)})[/]" if extra else "")
            lines.append(f"• {title}\n  {escape(item.reason(lang))}")
        self.query_one("#recommendations-list", Static).update("\n".join(lines))

    # -- the tables ---------------------------------------------------------------------------------

    def _table(self, pane: str) -> DataTable[Text | str]:
        table: DataTable[Text | str] = self.query_one(f"#{pane}-table", DataTable)
        table.clear(columns=True)
        return table

    def _columns(self, table: DataTable[Text | str], columns: list[tuple[str, str, bool, int]]) -> list[str]:
        """Add the columns (key, title, right-aligned, priority level) that fit the width; their keys.

        Level 0 always shows, level 1 from :data:`COMPACT_BELOW` cells on, level 2 from :data:`WIDE_FROM`;
        on a narrow terminal free-text cells are cut to :data:`NARROW_TEXT` cells.
        """
        shown = []
        for key, title, right, level in columns:
            if level > self._level:
                continue
            table.add_column(Text(title, justify="right") if right else title, key=key)
            shown.append(key)
        return shown

    def _row(self, table: DataTable[Text | str], keys: list[str], cells: dict[str, Text | str]) -> None:
        row: list[Text | str] = []
        for key in keys:
            cell = cells[key]
            if self._level == 0 and key in FREE_TEXT:
                cell = cell.copy() if isinstance(cell, Text) else Text(cell)
                cell.truncate(NARROW_TEXT, overflow="ellipsis")
            row.append(cell)
        table.add_row(*row)

    def _show_tables(self) -> None:
        if self.profile is None or not self.is_mounted:
            return
        self._show_holdings()
        self._show_loans()
        self._show_transactions()
        self._show_contacts()
        self._show_complaints()
        self._show_tiers()
        self._show_retention()

    def _maturity(self, holding: HoldingRow) -> Text:
        days = holding.days_to_maturity
        if holding.maturity_date is None or days is None:
            return Text("—", style="dim")
        text = holding.maturity_date.isoformat()
        if holding.maturing:
            colour = self.app.get_css_variables().get("text-warning")
            return Text(
                _("{day} (in {days} d)").format(day=text, days=days), style=f"bold {colour or ''}".strip()
            )
        if days < 0:
            return Text(text, style="dim")
        return Text(text)

    def _show_holdings(self) -> None:
        profile = self.profile
        assert profile is not None
        held = [h for h in profile.holdings if h.asset_class != AssetClass.LOAN]
        maturing = sum(1 for h in held if h.maturing)
        self.query_one("#holdings-caption", Static).update(
            _("Accounts: {count} · maturing within {days} days (highlighted): {maturing}").format(
                count=len(held), maturing=maturing, days=profile.maturity_days
            )
        )
        table = self._table("holdings")
        keys = self._columns(
            table,
            [
                ("class", _("Class"), False, 0),
                ("product", _("Product"), False, 0),
                ("balance", _("Balance"), True, 0),
                ("rate", _("Rate"), True, 1),
                ("opened", _("Opened"), False, 1),
                ("matures", _("Matures"), False, 0),
                ("risk", _("Risk"), False, 0),
                ("detail", _("Detail"), False, 1),
                ("account", _("Account"), False, 2),
            ],
        )
        for h in held:
            detail = ""
            if h.card_level:
                detail = _word(CARD_LEVELS, h.card_level)
            if h.repayment_day:
                detail = (detail + " · " if detail else "") + _("repay day {day}").format(day=h.repayment_day)
            balance = "—" if h.asset_class == AssetClass.CHANNEL else format_yuan(h.balance_fen)
            self._row(
                table,
                keys,
                {
                    "class": _word(ASSET_CLASSES, h.asset_class),
                    "product": h.product_name,
                    "balance": Text(balance, justify="right"),
                    "rate": Text(_rate(h.rate_e4), justify="right"),
                    "opened": _day(h.open_date),
                    "matures": self._maturity(h),
                    "risk": h.risk_level or "—",
                    "detail": detail or "—",
                    "account": h.account_no,
                },
            )

    def _show_loans(self) -> None:
        profile = self.profile
        assert profile is not None
        loans = profile.loans
        problems = sum(1 for loan in loans if loan.problem_loan)
        total = sum(loan.balance_fen for loan in loans)
        self.query_one("#loans-caption", Static).update(
            _("Loans: {count} · outstanding: {total} · problem loans: {problems}").format(
                count=len(loans), total=format_yuan(total), problems=problems
            )
        )
        table = self._table("loans")
        keys = self._columns(
            table,
            [
                ("product", _("Product"), False, 0),
                ("type", _("Type"), False, 1),
                ("balance", _("Balance"), True, 0),
                ("class", _("Five-category"), False, 0),
                ("rate", _("Rate"), True, 1),
                ("repay", _("Repayment day"), True, 1),
                ("opened", _("Opened"), False, 1),
                ("matures", _("Matures"), False, 0),
                ("account", _("Account"), False, 2),
            ],
        )
        colours = self.app.get_css_variables()
        for loan in loans:
            style = f"bold {colours.get('text-error', '')}".strip() if loan.problem_loan else ""
            self._row(
                table,
                keys,
                {
                    "product": loan.product_name,
                    "type": _word(LOAN_TYPES, loan.loan_type),
                    "balance": Text(format_yuan(loan.balance_fen), justify="right"),
                    "class": Text(_word(LOAN_CLASSES, loan.loan_class), style=style),
                    "rate": Text(_rate(loan.rate_e4), justify="right"),
                    "repay": Text(str(loan.repayment_day or "—"), justify="right"),
                    "opened": _day(loan.open_date),
                    "matures": self._maturity(loan),
                    "account": loan.account_no,
                },
            )

    def _show_transactions(self) -> None:
        profile = self.profile
        assert profile is not None
        txns = profile.transactions
        large = sum(1 for t in txns if t.large)
        outside = sum(1 for t in txns if t.out_of_bank)
        self.query_one("#transactions-caption", Static).update(
            _(
                "Transactions since {day}: {count} · large (≥ {threshold}): {large} · out-of-bank: {outside}"
            ).format(
                count=len(txns),
                day=profile.transactions_since.isoformat(),
                large=large,
                threshold=format_yuan(profile.large_txn_threshold_fen),
                outside=outside,
            )
        )
        table = self._table("transactions")
        keys = self._columns(
            table,
            [
                ("date", _("Date"), False, 0),
                ("direction", _("Direction"), False, 0),
                ("amount", _("Amount"), True, 0),
                ("counterparty", _("Counterparty"), False, 0),
                ("flags", _("Flags"), False, 0),
                ("channel", _("Via"), False, 1),
                ("product", _("Product"), False, 1),
                ("institution", _("Institution"), False, 1),
            ],
        )
        colours = self.app.get_css_variables()
        warning = f"bold {colours.get('text-warning', '')}".strip()
        error = colours.get("text-error", "")
        for t in txns:
            flags = Text()
            if t.large:
                flags.append(_("large"), style=warning)
            if t.out_of_bank:
                flags.append((" · " if t.large else "") + _("out-of-bank"), style=error)
            self._row(
                table,
                keys,
                {
                    "date": t.txn_date.isoformat(),
                    "direction": _word(DIRECTIONS, t.direction),
                    "amount": Text(
                        format_yuan(t.amount_fen), justify="right", style=warning if t.large else ""
                    ),
                    "counterparty": Text(
                        _word(COUNTERPARTIES, t.counterparty), style=error if t.out_of_bank else ""
                    ),
                    "flags": flags,
                    "channel": t.channel or "—",
                    "product": t.product_name or "—",
                    "institution": t.institution_name,
                },
            )

    def _show_contacts(self) -> None:
        profile = self.profile
        assert profile is not None
        records = profile.records
        plans = [p for p in records.plans if not p.cancelled and local_day(p.planned_at) >= profile.as_of]
        self.query_one("#contacts-caption", Static).update(
            _("Contacts, newest first: {count} · planned visits: {plans}").format(
                count=len(records.contacts), plans=len(plans)
            )
        )
        table = self._table("contacts")
        keys = self._columns(
            table,
            [
                ("when", _("When"), False, 0),
                ("kind", _("Kind"), False, 0),
                ("staff", _("Staff"), False, 0),
                ("what", _("What happened"), False, 0),
                ("next", _("Next step"), False, 1),
                ("follow_up", _("Follow-up"), False, 0),
            ],
        )
        accent = self.app.get_css_variables().get("text-accent", "")
        for plan in sorted(plans, key=lambda p: p.planned_at, reverse=True):
            self._row(
                table,
                keys,
                {
                    "when": Text(local_text(plan.planned_at), style=accent),
                    "kind": Text(_word(CONTACT_KINDS, "plan"), style=accent),
                    "staff": plan.staff_name,
                    "what": plan.purpose,
                    "next": plan.place or "—",
                    "follow_up": "—",
                },
            )
        for contact in records.contacts:
            self._row(
                table,
                keys,
                {
                    "when": local_text(contact.occurred_at),
                    "kind": _word(CONTACT_KINDS, contact.kind),
                    "staff": contact.staff_name,
                    "what": contact.outcome or contact.notes or "—",
                    "next": contact.next_step or "—",
                    "follow_up": _day(contact.follow_up),
                },
            )

    def _show_complaints(self) -> None:
        profile = self.profile
        assert profile is not None
        complaints = profile.records.complaints
        still_open = sum(1 for c in complaints if c.status == "open")
        self.query_one("#complaints-caption", Static).update(
            _("Complaints: {count} · open: {open}").format(count=len(complaints), open=still_open)
        )
        table = self._table("complaints")
        keys = self._columns(
            table,
            [
                ("received", _("Received"), False, 0),
                ("channel", _("Channel"), False, 0),
                ("status", _("Status"), False, 0),
                ("steps", _("Steps"), True, 0),
                ("next", _("Next step"), False, 1),
                ("description", _("Description"), False, 0),
            ],
        )
        for c in complaints:
            self._row(
                table,
                keys,
                {
                    "received": local_text(c.received_at),
                    "channel": c.channel,
                    "status": _word(CASE_STATUSES, c.status),
                    "steps": Text(f"{len(c.steps)}/5", justify="right"),
                    "next": c.next_step or "—",
                    "description": c.description,
                },
            )

    def _show_tiers(self) -> None:
        profile = self.profile
        assert profile is not None
        lang = language()
        self.query_one("#tiers-caption", Static).update(
            _("Tier changes: {count} · now {tier}, evaluated {month}").format(
                count=len(profile.tier_history),
                tier=tier_label(profile.tier, lang) if profile.tier else "—",
                month=profile.tier_month or "—",
            )
        )
        table = self._table("tiers")
        keys = self._columns(
            table,
            [
                ("month", _("Month"), False, 0),
                ("from", _("From"), False, 0),
                ("to", _("To"), False, 0),
                ("reason", _("Reason"), False, 0),
            ],
        )
        for change in profile.tier_history:
            self._row(
                table,
                keys,
                {
                    "month": change.month,
                    "from": tier_label(change.from_tier, lang) if change.from_tier else "—",
                    "to": tier_label(change.to_tier, lang),
                    "reason": _word(TIER_REASONS, change.reason),
                },
            )

    def _show_retention(self) -> None:
        profile = self.profile
        assert profile is not None
        cases = profile.retention_cases
        self.query_one("#retention-caption", Static).update(
            _("Retention cases: {count} · open: {open}").format(
                count=len(cases), open=len(profile.open_cases)
            )
        )
        table = self._table("retention")
        keys = self._columns(
            table,
            [
                ("opened", _("Opened"), False, 0),
                ("reason", _("Reason"), False, 0),
                ("status", _("Status"), False, 0),
                ("owner", _("Owner"), False, 1),
                ("step", _("Step"), False, 0),
                ("due", _("Due"), False, 0),
                ("done", _("Done"), False, 0),
            ],
        )
        colours = self.app.get_css_variables()
        late = colours.get("text-error", "")
        for case in cases:
            steps = case.steps or ()
            for index, step in enumerate(steps):
                overdue = not step.done and step.due_date < profile.as_of
                first = index == 0
                self._row(
                    table,
                    keys,
                    {
                        "opened": case.opened_month if first else "",
                        "reason": _word(RETENTION_REASONS, case.reason) if first else "",
                        "status": _word(CASE_STATUSES, case.status) if first else "",
                        "owner": case.owner_name if first else "",
                        "step": f"{step.seq} {step.title}",
                        "due": Text(step.due_date.isoformat(), style=late if overdue else ""),
                        "done": _day(step.done_on),
                    },
                )

    # -- actions --------------------------------------------------------------------------------------

    def _next_reveal(self) -> RevealField | None:
        """The field ``r`` reveals next: the ID number, then the phone number (only those on file)."""
        profile = self.profile
        if profile is None:
            return None
        for field, masked in (
            (RevealField.ID_NO, profile.id_no_masked),
            (RevealField.PHONE, profile.phone_masked),
        ):
            if masked and field not in self._revealed:
                return field
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Reveal while something is still masked; new records once the customer is shown."""
        if action == "reveal":
            if self._next_reveal() is None:
                return False
            return None if self._revealing is not None else True
        if action == "new_record":
            return self.profile is not None
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True

    def action_reveal(self) -> None:
        """Reveal the next masked field (audited)."""
        field = self._next_reveal()
        if field is not None and self._revealing is None:
            self._revealing = field
            self.refresh_bindings()
            self.reveal(field)

    def action_new_record(self) -> None:
        """Ask for a new record of this customer (the app opens the form)."""
        if self.profile is not None:
            self.post_message(self.NewRecord(self.profile.cif))

    def action_tab(self, number: int) -> None:
        """Show tab ``number`` (1–9)."""
        if 1 <= number <= len(PANES):
            self.query_one("#tabs", TabbedContent).active = PANES[number - 1]

    def action_step_tab(self, step: int) -> None:
        """Show the tab ``step`` places to the right (negative: left), wrapping around."""
        tabs = self.query_one("#tabs", TabbedContent)
        current = PANES.index(tabs.active) if tabs.active in PANES else 0
        tabs.active = PANES[(current + step) % len(PANES)]

    def action_back(self) -> None:
        """Back to the screen below."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
