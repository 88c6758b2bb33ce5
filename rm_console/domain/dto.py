"""Data passed out of services: frozen, plain values that outlive any database session."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RowError:
    """One refused cell or row of an import file."""

    line: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did (or, on a dry run or refusal, would have done)."""

    kind: str
    file: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: tuple[RowError, ...] = ()
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return not self.errors

    def as_json(self) -> dict[str, object]:
        """The JSON document of SPEC §12."""
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"line": e.line, "column": e.column, "message": e.message} for e in self.errors],
        }


@dataclass(frozen=True, slots=True)
class StaffDTO:
    """A staff member as the console shows them."""

    code: str
    name: str
    role: str
    institution_code: str
    institution_name: str


@dataclass(frozen=True, slots=True)
class TierCount:
    """How many customers in scope are in one tier, and how many of them by status."""

    tier: str
    customers: int
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShellInfo:
    """What the console's header line shows: who is acting, the business date and the sync state."""

    acting: StaffDTO | None
    business_date: str | None
    #: When the store last synced (ISO timestamp, UTC); None when it never did.
    last_sync: str | None
    #: Changes made on this terminal that wait to go up to the central database.
    pending: int = 0


@dataclass(frozen=True, slots=True)
class Overview:
    """Who is acting, the store's business date, and customers in scope by tier."""

    acting: StaffDTO | None
    business_date: str | None
    customers: int
    tiers: tuple[TierCount, ...]
    evaluated_month: str | None


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What ``rmc demo`` built."""

    path: str
    seed: int
    as_of: str
    months: int
    counts: dict[str, int]
    seconds: float


# -- tiers (SPEC §3) ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecomputeReport:
    """What ``rmc tiers recompute`` evaluated and wrote."""

    month: str
    rule_version: int
    customers: int
    by_tier: dict[str, dict[str, int]]
    transitions: dict[str, dict[str, int]]
    tiers_changed: int
    history: int
    alerts: int
    notifications: int
    cases: int

    def as_json(self) -> dict[str, object]:
        """The JSON document of ``rmc tiers recompute --json``."""
        return {
            "month": self.month,
            "rule_version": self.rule_version,
            "customers": self.customers,
            "counts": self.by_tier,
            "transitions": self.transitions,
            "written": {
                "tiers_changed": self.tiers_changed,
                "history": self.history,
                "alerts": self.alerts,
                "notifications": self.notifications,
                "retention_cases": self.cases,
            },
        }


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """A what-if evaluation: how many customers would move from each tier to each other tier, and who."""

    month: str
    base_version: int
    transitions: dict[str, dict[str, int]]
    changed: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The JSON document of SPEC §12: ``{"transitions": {FROM: {TO: n}}, "changed": [cif, ...]}``."""
        return {
            "month": self.month,
            "base_version": self.base_version,
            "transitions": self.transitions,
            "changed": list(self.changed),
        }


# ---------------------------------------------------------------------------------------------------
# Reports: the churn report and the tier counts (``rmc report churn`` / ``rmc report tiers``)
# ---------------------------------------------------------------------------------------------------


def _yuan_text(fen: int) -> str:
    """Fen as a yuan text with two decimals (``123450`` → ``"1234.50"``)."""
    sign = "-" if fen < 0 else ""
    whole, rest = divmod(abs(fen), 100)
    return f"{sign}{whole}.{rest:02d}"


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Whose customers a report covers: what the acting person may see, narrowed to an institution
    and the institutions below it when one was asked for."""

    acting: StaffDTO
    institution_code: str | None = None
    institution_name: str | None = None

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "staff": self.acting.code,
            "staff_name": self.acting.name,
            "role": self.acting.role,
            "staff_institution": self.acting.institution_code,
            "institution": self.institution_code,
            "institution_name": self.institution_name,
        }


@dataclass(frozen=True, slots=True)
class RmShare:
    """An RM of a customer with their participation percentage (参与度)."""

    code: str
    name: str
    pct: int

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"code": self.code, "name": self.name, "pct": self.pct}


@dataclass(frozen=True, slots=True)
class ChurnReportRow:
    """A churned or attention customer on the churn report; amounts in fen.

    ``measured_tier`` is the tier the months below are counted against (the old tier of a churned
    customer, else the tier), and the peak is the largest monthly AUM over the report month and the
    ``window_months`` before it (that tier's window).
    """

    cif: str
    name: str
    institution_code: str
    institution_name: str
    tier: str
    status: str
    churned_from: str | None
    months_below: int
    measured_tier: str
    window_months: int
    owner: RmShare | None
    secondary: tuple[RmShare, ...]
    aum_now_fen: int
    peak_aum_fen: int
    peak_month: str | None

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict: amounts in fen (integers) and in yuan (texts with two decimals)."""
        return {
            "cif": self.cif,
            "name": self.name,
            "institution": self.institution_code,
            "institution_name": self.institution_name,
            "tier": self.tier,
            "status": self.status,
            "churned_from": self.churned_from,
            "months_below": self.months_below,
            "measured_tier": self.measured_tier,
            "window_months": self.window_months,
            "owner_rm": self.owner.as_json() if self.owner is not None else None,
            "secondary_rms": [share.as_json() for share in self.secondary],
            "aum_now_fen": self.aum_now_fen,
            "aum_now_yuan": _yuan_text(self.aum_now_fen),
            "peak_aum_fen": self.peak_aum_fen,
            "peak_aum_yuan": _yuan_text(self.peak_aum_fen),
            "peak_month": self.peak_month,
        }


@dataclass(frozen=True, slots=True)
class ChurnReport:
    """The branch manager's churn report (流失报表) for one month: churned customers first, then
    attention, by tier (core first), months below (most first) and CIF.

    ``source`` is ``stored`` when the stored evaluation of the month was read, ``evaluated`` when the
    month was evaluated for the report (nothing stored changes).
    """

    month: str
    scope: ReportScope
    source: str
    rule_version: int | None
    rows: tuple[ChurnReportRow, ...]

    @property
    def churned(self) -> int:
        """How many rows are churned customers."""
        return sum(1 for row in self.rows if row.status == "churned")

    @property
    def attention(self) -> int:
        """How many rows are attention customers."""
        return sum(1 for row in self.rows if row.status == "attention")

    def as_json(self) -> dict[str, object]:
        """The ``rmc report churn --json`` document."""
        return {
            "report": "churn",
            "month": self.month,
            "scope": self.scope.as_json(),
            "source": self.source,
            "rule_version": self.rule_version,
            "customers": len(self.rows),
            "churned": self.churned,
            "attention": self.attention,
            "rows": [row.as_json() for row in self.rows],
        }


@dataclass(frozen=True, slots=True)
class TierReportRow:
    """How many customers of one institution are in one tier and status.

    ``tier`` is None for customers never evaluated; ``status`` is None for ordinary customers (who have
    no status) and for customers never evaluated.
    """

    institution_code: str
    institution_name: str
    tier: str | None
    status: str | None
    customers: int

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "institution": self.institution_code,
            "institution_name": self.institution_name,
            "tier": self.tier,
            "status": self.status,
            "customers": self.customers,
        }


@dataclass(frozen=True, slots=True)
class TierReport:
    """Customers in scope by institution × tier × status (客户等级分布), from the stored evaluation."""

    month: str
    scope: ReportScope
    customers: int
    rows: tuple[TierReportRow, ...]

    def as_json(self) -> dict[str, object]:
        """The ``rmc report tiers --json`` document."""
        return {
            "report": "tiers",
            "month": self.month,
            "scope": self.scope.as_json(),
            "customers": self.customers,
            "rows": [row.as_json() for row in self.rows],
        }


# ---------------------------------------------------------------------------------------------------
# Assignment (SPEC §4)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShareDTO:
    """An RM's part in a customer's assignment: primary or secondary, with participation (参与度)."""

    staff: str
    name: str
    role: str
    pct: int

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"staff": self.staff, "name": self.name, "role": self.role, "pct": self.pct}


@dataclass(frozen=True, slots=True)
class AssignmentChange:
    """What ``assign`` or ``recycle`` did to one customer."""

    cif: str
    name: str
    action: str
    before: tuple[ShareDTO, ...]
    after: tuple[ShareDTO, ...]
    reason: str | None

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "cif": self.cif,
            "name": self.name,
            "action": self.action,
            "before": [share.as_json() for share in self.before],
            "after": [share.as_json() for share in self.after],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class BatchAssignment:
    """What ``assign batch`` did: how many customers it assigned (and how many of them were adjusted)."""

    institution: str
    tier: str | None
    unassigned_only: bool
    assigned: int
    adjusted: int
    after: tuple[ShareDTO, ...]

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "institution": self.institution,
            "tier": self.tier,
            "unassigned_only": self.unassigned_only,
            "assigned": self.assigned,
            "adjusted": self.adjusted,
            "after": [share.as_json() for share in self.after],
        }


@dataclass(frozen=True, slots=True)
class PoolRow:
    """A customer in the unassigned pool (待分配客户)."""

    cif: str
    name: str
    institution: str
    tier: str
    status: str | None
    aum_fen: int | None
    recycled_on: str | None

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "cif": self.cif,
            "name": self.name,
            "institution": self.institution,
            "tier": self.tier,
            "status": self.status,
            "aum_fen": self.aum_fen,
            "recycled_on": self.recycled_on,
        }


@dataclass(frozen=True, slots=True)
class Pool:
    """The unassigned pool of an institution and those below it."""

    institution: str
    institution_name: str
    rows: tuple[PoolRow, ...]
    rm_places: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """For each institution of the rows, the institutions its customers' RMs may work at (its own, and
    the branch above an outlet): what an assignment of those customers can name."""

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "institution": self.institution,
            "institution_name": self.institution_name,
            "customers": len(self.rows),
            "rows": [row.as_json() for row in self.rows],
        }


@dataclass(frozen=True, slots=True)
class AssignmentEventDTO:
    """One change of a customer's RMs (分配调整记录)."""

    action: str
    actor: str | None
    effective: str
    at: str
    before: tuple[ShareDTO, ...]
    after: tuple[ShareDTO, ...]
    reason: str | None

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "action": self.action,
            "actor": self.actor,
            "effective": self.effective,
            "at": self.at,
            "before": [share.as_json() for share in self.before],
            "after": [share.as_json() for share in self.after],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class CustomerCard:
    """A customer as ``customer show`` prints it: identity (masked), tier, and RMs at a moment."""

    cif: str
    name: str
    kind: str
    institution_code: str
    institution_name: str
    tier: str | None
    status: str | None
    tier_month: str | None
    id_no_masked: str
    phone_masked: str
    #: The business date the RMs are shown for (None: now).
    at: str | None
    rms: tuple[ShareDTO, ...]
    events: tuple[AssignmentEventDTO, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "cif": self.cif,
            "name": self.name,
            "kind": self.kind,
            "institution": self.institution_code,
            "institution_name": self.institution_name,
            "tier": self.tier,
            "status": self.status,
            "tier_month": self.tier_month,
            "id_no": self.id_no_masked,
            "phone": self.phone_masked,
            "at": self.at,
            "rms": [share.as_json() for share in self.rms],
            "assignment_events": [event.as_json() for event in self.events],
        }


# ---------------------------------------------------------------------------------------------------
# The RM's day (SPEC §6)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChurnAlertDTO:
    """A customer of the RM in attention or churned status, with the last 12 months of AUM."""

    cif: str
    name: str
    status: str
    tier: str
    churned_from: str | None
    months_below: int
    #: ``(YYYY-MM, AUM fen)`` for the 12 months up to the evaluation month, oldest first (None: no figure).
    aum: tuple[tuple[str, int | None], ...]

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "cif": self.cif,
            "name": self.name,
            "status": self.status,
            "tier": self.tier,
            "churned_from": self.churned_from,
            "months_below": self.months_below,
            "aum": [{"month": month, "aum_fen": fen} for month, fen in self.aum],
        }


@dataclass(frozen=True, slots=True)
class ReminderDTO:
    """One reminder of the day, as screens and ``rmc today`` show it."""

    id: str
    kind: str
    cif: str | None
    name: str | None
    due: str
    priority: str
    text_en: str
    text_zh: str

    def text(self, lang: str) -> str:
        """The one-line text in ``zh`` or English."""
        return self.text_zh if lang == "zh" else self.text_en

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "kind": self.kind,
            "cif": self.cif,
            "name": self.name,
            "due": self.due,
            "priority": self.priority,
            "text_en": self.text_en,
            "text_zh": self.text_zh,
        }


@dataclass(frozen=True, slots=True)
class RecommendationDTO:
    """A product to offer a customer and why."""

    id: str
    cif: str
    name: str
    kind: str
    product_code: str | None
    product_name: str | None
    risk_level: str | None
    reason_en: str
    reason_zh: str

    def reason(self, lang: str) -> str:
        """The reason in ``zh`` or English."""
        return self.reason_zh if lang == "zh" else self.reason_en

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "cif": self.cif,
            "name": self.name,
            "kind": self.kind,
            "product_code": self.product_code,
            "product_name": self.product_name,
            "risk_level": self.risk_level,
            "reason_en": self.reason_en,
            "reason_zh": self.reason_zh,
        }


@dataclass(frozen=True, slots=True)
class TodayReport:
    """The acting RM's day: reminders, churn alerts and recommendations."""

    staff: StaffDTO
    day: str
    customers: int
    reminders: tuple[ReminderDTO, ...]
    alerts: tuple[ChurnAlertDTO, ...]
    recommendations: tuple[RecommendationDTO, ...]

    def as_json(self) -> dict[str, object]:
        """The JSON document of ``rmc today --json``."""
        return {
            "staff": self.staff.code,
            "name": self.staff.name,
            "date": self.day,
            "customers": self.customers,
            "reminders": [r.as_json() for r in self.reminders],
            "churn_alerts": [a.as_json() for a in self.alerts],
            "recommendations": [r.as_json() for r in self.recommendations],
        }


@dataclass(frozen=True, slots=True)
class ReminderMark:
    """What the RM did with a reminder or recommendation."""

    key: str
    state: str
    snooze_until: str | None

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"id": self.key, "state": self.state, "snooze_until": self.snooze_until}


# ---------------------------------------------------------------------------------------------------
# The branch manager's allocation screen: the RM roster and one RM's customers (SPEC §4)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterRow:
    """An RM who may take an institution's customers: what they manage there and this month's sales.

    ``aum_fen`` is the AUM they manage in the newest month with figures, weighted by participation
    (a customer of ¥1,000,000 shared 70/30 counts ¥700,000 for the primary RM), so the rows add up to
    the AUM of the assigned customers. ``weighted_fen`` and ``sales`` are the month's weighted sales and
    number of credited sales on the institution's leaderboard (0 when not on it).
    """

    code: str
    name: str
    institution_code: str
    institution_name: str
    customers: int
    primary: int
    aum_fen: int
    weighted_fen: int
    sales: int

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "staff": self.code,
            "name": self.name,
            "institution": self.institution_code,
            "institution_name": self.institution_name,
            "customers": self.customers,
            "primary": self.primary,
            "aum_fen": self.aum_fen,
            "weighted_fen": self.weighted_fen,
            "sales": self.sales,
        }


@dataclass(frozen=True, slots=True)
class RmRoster:
    """The RMs of an institution (those working there or below it, and at the branch above an outlet)
    with the customers and AUM they manage there and the month's weighted sales."""

    acting: StaffDTO
    institution: str
    institution_name: str
    #: The month the AUM figures are of (``YYYY-MM``), None in a store without figures.
    aum_month: str | None
    #: The month of the sales figures (``YYYY-MM``).
    sales_month: str
    rows: tuple[RosterRow, ...]

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "institution": self.institution,
            "institution_name": self.institution_name,
            "aum_month": self.aum_month,
            "sales_month": self.sales_month,
            "rows": [row.as_json() for row in self.rows],
        }


@dataclass(frozen=True, slots=True)
class BookRow:
    """A customer assigned to one RM: the RM's role and percentage there, and every RM's share."""

    cif: str
    name: str
    institution: str
    tier: str | None
    status: str | None
    aum_fen: int | None
    role: str
    pct: int
    shares: tuple[ShareDTO, ...]

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "cif": self.cif,
            "name": self.name,
            "institution": self.institution,
            "tier": self.tier,
            "status": self.status,
            "aum_fen": self.aum_fen,
            "role": self.role,
            "pct": self.pct,
            "shares": [share.as_json() for share in self.shares],
        }


@dataclass(frozen=True, slots=True)
class RmBook:
    """The customers of an institution (and those below it) that one RM is assigned to."""

    staff: str
    name: str
    institution: str
    rows: tuple[BookRow, ...]
    rm_places: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """For each institution of the rows, the institutions its customers' RMs may work at (see
    :attr:`Pool.rm_places`)."""

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "staff": self.staff,
            "name": self.name,
            "institution": self.institution,
            "customers": len(self.rows),
            "rows": [row.as_json() for row in self.rows],
        }
