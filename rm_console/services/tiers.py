"""Tiers and status (SPEC §3): rule sets, recompute, what-if simulation, confirmation and explanation.

Evaluation is one set-based SQL pass (:mod:`storage.tier_eval`); this service decides who may do what,
owns the transaction, and writes the audit row. Recomputing the same month twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, text

from rm_console.domain.alerts import alert_text
from rm_console.domain.calendar import business_date, month_idx, month_text, parse_date, parse_month
from rm_console.domain.dto import RecomputeReport, SimulationReport
from rm_console.domain.enums import Role, Status, Tier
from rm_console.domain.errors import NotFound, Phrase, UserError
from rm_console.domain.tier_rules import RuleSetError, parse_toml, to_toml, validate, with_changes
from rm_console.domain.tiers import MonthFigures, RuleSet, evaluate
from rm_console.services.acting import acting_staff
from storage import audit
from storage.meta import BUSINESS_DATE, get_meta
from storage.models import Customer, CustomerTier, MonthlyAum
from storage.scope import visible_customer_ids
from storage.tier_apply import (
    RETENTION_TIERS,
    assigned_rms,
    branch_manager_of,
    entering,
    existing_alerts,
    existing_cases,
    insert_alerts,
    insert_notifications,
    open_cases,
    store_rule_set,
    write_customer_tiers,
    write_history,
)
from storage.tier_eval import changed_customers, drop_temp_table, evaluate_all, transition_counts
from storage.tiers import current_version, load_rule_set
from storage.types import utcnow

if TYPE_CHECKING:
    from rm_console.services.context import Services

_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_TIER = CustomerTier.__table__  # type: ignore[attr-defined]
_AUM = MonthlyAum.__table__  # type: ignore[attr-defined]

#: The temporary table an evaluation is held in.
EVAL_TABLE = "tier_eval"
#: Notification channels for an alert.
CHANNELS = ("sms", "email")


class TierService:
    """Tier rule sets, recompute, simulate, confirm and explain, for the acting staff member."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- who may do what --------------------------------------------------------------------------

    def _acting(self, conn: Connection, allowed: Iterable[str] | None, doing: Phrase) -> dict[str, Any]:
        return acting_staff(conn, self._services.actor, doing=doing, roles=allowed or ())

    # -- months and rules -------------------------------------------------------------------------

    def _month(self, conn: Connection, month: str | None) -> int:
        """``month`` validated; by default the newest month with AUM figures (month-end data arrives
        after the month ends), or the business date's month in a store without figures."""
        if month is not None:
            try:
                return parse_month(month)
            except ValueError:
                raise UserError("--month: {text!r} is not a month (YYYY-MM)", text=month) from None
        newest = conn.execute(select(func.max(_AUM.c.month_idx))).scalar()
        if newest is not None:
            return int(newest)
        stored = get_meta(conn, BUSINESS_DATE)
        return month_idx(parse_date(stored) if stored else business_date())

    def rules(self, version: int | None = None) -> RuleSet:
        """The rule set in force (or ``version``)."""
        with self._services.engine.connect() as conn:
            wanted = version if version is not None else current_version(conn)
            if wanted is None:
                raise NotFound("the store has no tier rule set; run 'rmc db upgrade'")
            try:
                return load_rule_set(conn, wanted)
            except LookupError:
                raise NotFound("tier rule set version {version} does not exist", version=wanted) from None

    def export_rules(self, path: Path, version: int | None = None) -> int:
        """Write the rule set (in force, or ``version``) to a TOML file; return its version."""
        rules = self.rules(version)
        try:
            path.write_text(to_toml(rules), encoding="utf-8")
        except OSError as exc:
            raise UserError(
                "{path}: cannot write the rule set: {error}", path=path, error=exc.strerror or exc
            ) from None
        return rules.version

    @staticmethod
    def read_rules(path: Path) -> RuleSet:
        """A rule set from a TOML file, validated; RuleSetError names the file, tier and field."""
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError("{path}: no such file", path=path) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError("{path}: cannot read the rule set: {error}", path=path, error=exc) from None
        try:
            return parse_toml(content, source=str(path))
        except RuleSetError as exc:
            if str(exc).startswith(str(path)):
                raise exc from None  # it names the file already
            raise RuleSetError("{path}: {error}", path=path, error=exc) from None

    def _candidate(self, conn: Connection, changes: list[str], rules_file: Path | None) -> RuleSet:
        base = self.read_rules(rules_file) if rules_file is not None else load_rule_set(conn)
        return with_changes(base, changes) if changes else validate(base)

    # -- recompute --------------------------------------------------------------------------------

    def recompute(self, month: str | None = None) -> RecomputeReport:
        """Evaluate every customer for ``month`` (default: the business date's month) with the rules in
        force and write tiers, history, alerts, notifications and retention cases (analysts only)."""
        with self._services.engine.begin() as conn:
            self._acting(conn, (Role.ANALYST,), Phrase("recompute tiers"))
            target = self._month(conn, month)
            rules = load_rule_set(conn)
            return self._apply(conn, rules, target, action="tiers.recompute")

    def _apply(self, conn: Connection, rules: RuleSet, target: int, *, action: str) -> RecomputeReport:
        now = utcnow()
        customers = evaluate_all(conn, rules, target, table=EVAL_TABLE)
        transitions = transition_counts(conn, EVAL_TABLE)
        changed = write_customer_tiers(conn, EVAL_TABLE, month_idx=target, rule_version=rules.version, at=now)
        history = write_history(conn, EVAL_TABLE, month_idx=target, rule_version=rules.version, at=now)
        alerts, notifications, cases = self._respond(conn, rules, target, now)
        by_tier = self._counts(conn, target)
        report = RecomputeReport(
            month=month_text(target),
            rule_version=rules.version,
            customers=customers,
            by_tier=by_tier,
            transitions=transitions,
            tiers_changed=changed,
            history=history,
            alerts=alerts,
            notifications=notifications,
            cases=cases,
        )
        audit.record(
            conn,
            actor=self._services.audit_actor,
            action=action,
            entity="customer_tier",
            after={k: v for k, v in report.as_json().items() if k != "counts"},
        )
        drop_temp_table(conn, EVAL_TABLE)
        return report

    def _respond(self, conn: Connection, rules: RuleSet, target: int, now: datetime) -> tuple[int, int, int]:
        """Alerts for each assigned RM, their SMS and e-mail, and retention cases for platinum and above;
        each only once per customer and month, however often the month is recomputed."""
        found = entering(conn, EVAL_TABLE, rules)
        if not found:
            return 0, 0, 0
        rms = assigned_rms(conn, [item.customer_id for item in found])
        raised = existing_alerts(conn, target)
        opened = existing_cases(conn, target)
        opened_on = parse_date(get_meta(conn, BUSINESS_DATE) or business_date().isoformat())
        managers: dict[int, int | None] = {}
        month = month_text(target)
        alerts: list[dict[str, Any]] = []
        notifications: list[dict[str, Any]] = []
        cases: list[dict[str, Any]] = []
        for item in found:
            team = rms.get(item.customer_id, [])
            case_opened = False
            if (item.churned_from or item.tier) in RETENTION_TIERS and item.customer_id not in opened:
                owner = next((staff for staff, role in team if role == "primary"), None)
                if owner is None:
                    if item.institution_id not in managers:
                        managers[item.institution_id] = branch_manager_of(conn, item.institution_id)
                    owner = managers[item.institution_id]
                if owner is not None:
                    reason = Status.CHURNED.value if item.kind == "churn" else Status.ATTENTION.value
                    cases.append(
                        {
                            "customer_id": item.customer_id,
                            "owner_id": owner,
                            "month_idx": target,
                            "reason": reason,
                        }
                    )
                    case_opened = True
            new_staff = [staff for staff, _role in team if (item.customer_id, staff, item.kind) not in raised]
            if not new_staff:
                continue
            message = alert_text(
                kind=item.kind,
                name=item.name,
                cif=item.cif,
                tier=item.tier,
                churned_from=item.churned_from,
                months_below=item.months_below,
                threshold_fen=item.threshold_fen,
                month=month,
                case_opened=case_opened or item.customer_id in opened,
            )
            for staff in new_staff:
                alerts.append(
                    {
                        "customer_id": item.customer_id,
                        "staff_id": staff,
                        "kind": item.kind,
                        "month_idx": target,
                        "month": month,
                        "tier": item.tier,
                        "churned_from": item.churned_from,
                        "months_below": item.months_below,
                        "created_at": now,
                    }
                )
                notifications.extend(
                    {
                        "staff_id": staff,
                        "channel": channel,
                        "dedupe_key": f"{item.kind}:{item.customer_id}:{staff}:{target}:{channel}",
                        "subject": message.subject,
                        "body": message.body,
                        "created_at": now,
                    }
                    for channel in CHANNELS
                )
        return (
            insert_alerts(conn, alerts),
            insert_notifications(conn, notifications),
            open_cases(conn, cases, opened=opened_on, at=now),
        )

    @staticmethod
    def _counts(conn: Connection, target: int) -> dict[str, dict[str, int]]:
        rows = conn.execute(
            select(_TIER.c.tier, _TIER.c.status, text("count(*)"))
            .where(_TIER.c.month_idx == target)
            .group_by(_TIER.c.tier, _TIER.c.status)
        ).all()
        counts: dict[str, dict[str, int]] = {tier.value: {} for tier in Tier}
        for tier, status, n in rows:
            counts.setdefault(tier, {})[status or "none"] = int(n)
        return counts

    # -- simulate and confirm ---------------------------------------------------------------------

    def simulate(
        self, changes: list[str] | None = None, rules_file: Path | None = None, month: str | None = None
    ) -> SimulationReport:
        """Evaluate changed rules against today's data and report who would move; writes nothing."""
        with self._services.engine.connect() as conn:
            try:
                self._acting(conn, (Role.BRANCH_MANAGER, Role.ANALYST), Phrase("simulate tier rules"))
                target = self._month(conn, month)
                base_version = current_version(conn) or 0
                candidate = self._candidate(conn, list(changes or ()), rules_file)
                evaluate_all(conn, candidate, target, table=EVAL_TABLE)
                transitions = transition_counts(conn, EVAL_TABLE)
                changed = changed_customers(conn, EVAL_TABLE)
            finally:
                conn.rollback()  # a simulation writes nothing, not even its temporary table
        return SimulationReport(month_text(target), base_version, transitions, tuple(changed))

    def confirm(self, rules_file: Path, note: str | None = None) -> tuple[int, RecomputeReport]:
        """Store the rule set of ``rules_file`` as a new version and recompute with it (analysts only).
        Returns the new version and the recompute report."""
        with self._services.engine.begin() as conn:
            self._acting(conn, (Role.ANALYST,), Phrase("confirm tier rules"))
            rules = self.read_rules(rules_file)
            target = self._month(conn, None)
            version = store_rule_set(
                conn,
                rules,
                actor=self._services.audit_actor,
                note=note or f"from {rules_file.name}",
                at=utcnow(),
            )
            stored = load_rule_set(conn, version)
            audit.record(
                conn,
                actor=self._services.audit_actor,
                action="tiers.confirm",
                entity="tier_rule_set",
                entity_id=str(version),
                before={"version": version - 1},
                after={"version": version, "rules": to_toml(stored)},
            )
            return version, self._apply(conn, stored, target, action="tiers.recompute")

    # -- explain ----------------------------------------------------------------------------------

    def explain(self, cif: str) -> dict[str, object]:
        """The stored evaluation of one customer with every criterion judged (SPEC §12's document)."""
        with self._services.engine.connect() as conn:
            staff = self._acting(conn, None, Phrase("explain a tier"))
            scope = visible_customer_ids(int(staff["id"]), str(staff["role"]), int(staff["institution_id"]))
            customer_id = conn.execute(
                select(_CUSTOMER.c.id).where(_CUSTOMER.c.cif == cif, _CUSTOMER.c.id.in_(scope))
            ).scalar()
            if customer_id is None:
                raise NotFound("no customer {cif!r}", cif=cif)
            stored = conn.execute(select(_TIER).where(_TIER.c.customer_id == customer_id)).mappings().first()
            if stored is None:
                raise NotFound(
                    "customer {cif!r} has not been evaluated yet; run 'rmc tiers recompute'", cif=cif
                )
            rules = load_rule_set(conn, int(stored["rule_version"]))
            series = [
                MonthFigures(
                    month_idx=row["month_idx"],
                    aum_fen=row["aum_fen"],
                    mortgage_fen=row["mortgage_fen"] or 0,
                    credit_loan_fen=row["credit_loan_fen"] or 0,
                    card_spend_12m_fen=row["card_spend_12m_fen"] or 0,
                    diamond_card=bool(row["diamond_card"]),
                )
                for row in conn.execute(
                    select(_AUM).where(
                        _AUM.c.customer_id == customer_id, _AUM.c.month_idx <= stored["month_idx"]
                    )
                ).mappings()
            ]
        target = int(stored["month_idx"])
        previous = None
        if stored["prev_month_idx"] == target - 1 and stored["prev_tier"] is not None:
            previous = (Tier(stored["prev_tier"]), stored["prev_qualified_by"])
        reference = evaluate(rules, series, target, previous=previous)
        return {
            "cif": cif,
            "month": stored["month"],
            "tier": stored["tier"],
            "status": stored["status"],
            "months_below": stored["months_below"],
            "churned_from": stored["churned_from"],
            "qualified_by": stored["qualified_by"],
            "rule_version": stored["rule_version"],
            "criteria": [criterion.as_json() for criterion in reference.criteria],
        }
