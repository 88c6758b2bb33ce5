"""Writing a tier evaluation: rule-set versions, customer tiers, tier history, alerts, notifications and
retention cases. Every function works on an evaluation held in a temporary table made by
:func:`storage.tier_eval.evaluate_all`, inside the caller's transaction, and is idempotent: applying
the same evaluation twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, text

from rm_console.domain.calendar import month_text
from rm_console.domain.enums import Role, Tier
from rm_console.domain.tiers import RuleSet
from storage.models import Alert, NotificationOutbox, RetentionCase, RetentionStep, TierRuleSet
from storage.models import TierRule as TierRuleRow
from storage.tier_eval import EVAL_COLUMNS, drop_temp_table
from storage.types import new_id

_RULE = TierRuleRow.__table__  # type: ignore[attr-defined]
_SET = TierRuleSet.__table__  # type: ignore[attr-defined]
_ALERT = Alert.__table__  # type: ignore[attr-defined]
_OUTBOX = NotificationOutbox.__table__  # type: ignore[attr-defined]
_CASE = RetentionCase.__table__  # type: ignore[attr-defined]
_STEP = RetentionStep.__table__  # type: ignore[attr-defined]

#: Tiers whose attention or churn opens a retention case (platinum and above).
RETENTION_TIERS = (Tier.CORE.value, Tier.GROWTH.value, Tier.PLATINUM.value)

#: The default steps of a retention case (挽留流程): title and days after opening it is due.
RETENTION_STEPS: tuple[tuple[str, int], ...] = (
    ("Call the customer 电话联系客户", 3),
    ("Visit with a retention offer 上门拜访并提出挽留方案", 10),
    ("Review the outcome 复盘挽留结果", 30),
)


@dataclass(frozen=True, slots=True)
class ApplyCounts:
    """What applying an evaluation wrote."""

    tiers_changed: int
    history: int
    alerts: int
    notifications: int
    cases: int


def store_rule_set(conn: Connection, rules: RuleSet, *, actor: str, note: str | None, at: datetime) -> int:
    """Store ``rules`` as a new version (one more than the newest) and return that version."""
    newest = conn.execute(select(_SET.c.version).order_by(_SET.c.version.desc()).limit(1)).scalar()
    version = (newest or 0) + 1
    conn.execute(insert(_SET).values(version=version, note=note, created_by=actor, created_at=at))
    conn.execute(
        insert(_RULE),
        [
            {
                "version": version,
                "tier": rule.tier.value,
                "rank": rule.rank,
                "aum_min_fen": rule.aum_min_fen,
                "window_months": rule.window_months,
                "card_spend_min_fen": rule.card_spend_min_fen,
                "mortgage_min_fen": rule.mortgage_min_fen,
                "mortgage_max_fen": rule.mortgage_max_fen,
                "credit_loan_min_fen": rule.credit_loan_min_fen,
                "credit_loan_max_fen": rule.credit_loan_max_fen,
                "diamond_card": rule.diamond_card,
                "watch_max": rule.watch_max,
                "attention_max": rule.attention_max,
                "churn_at": rule.churn_at,
            }
            for rule in rules.rules
        ],
    )
    return version


#: The evaluation's fields besides the customer id, as :mod:`storage.tier_eval` makes them.
_EVAL_FIELDS = EVAL_COLUMNS[1:]


def _changed_condition(old: str, new: str) -> str:
    """SQL that is true when any evaluation field of ``old`` differs from ``new``, NULL counting as a
    value of its own (``IS DISTINCT FROM``, written so that SQLite and PostgreSQL both run it)."""
    return " OR ".join(
        f"({old}.{f} <> {new}.{f} OR ({old}.{f} IS NULL) <> ({new}.{f} IS NULL))" for f in _EVAL_FIELDS
    )


def write_customer_tiers(
    conn: Connection, table: str, *, month_idx: int, rule_version: int, at: datetime
) -> int:
    """Upsert every customer's evaluation into ``customer_tier``; rows already equal are not touched
    (their ``evaluated_at`` stays). Returns how many rows were inserted or changed."""
    params = {"month_idx": month_idx, "month": month_text(month_idx), "version": rule_version, "at": at}
    changed_table = f"{table}_changed"
    drop_temp_table(conn, changed_table)
    conn.execute(
        text(
            f"CREATE TEMPORARY TABLE {changed_table} AS "
            f"SELECT e.customer_id FROM {table} e LEFT JOIN customer_tier t ON t.customer_id = e.customer_id "
            "WHERE t.customer_id IS NULL OR t.month_idx <> :month_idx OR t.rule_version <> :version OR "
            + _changed_condition("t", "e")
        ),
        params,
    )
    changed = int(conn.execute(text(f"SELECT count(*) FROM {changed_table}")).scalar_one())
    if changed:
        columns = ", ".join(_EVAL_FIELDS)
        updates = ", ".join(f"{f} = excluded.{f}" for f in (*_EVAL_FIELDS, "month_idx", "month"))
        conn.execute(
            text(
                "INSERT INTO customer_tier "
                f"(customer_id, month_idx, month, rule_version, evaluated_at, {columns}) "
                "SELECT e.customer_id, :month_idx, :month, :version, :at, "
                + ", ".join(f"e.{f}" for f in _EVAL_FIELDS)
                + f" FROM {table} e JOIN {changed_table} c ON c.customer_id = e.customer_id WHERE 1 = 1 "
                f"ON CONFLICT (customer_id) DO UPDATE SET {updates}, "
                "rule_version = excluded.rule_version, evaluated_at = excluded.evaluated_at"
            ),
            params,
        )
    drop_temp_table(conn, changed_table)
    return changed


_RANK_SQL = "CASE {col} " + " ".join(f"WHEN '{t.value}' THEN {t.rank}" for t in Tier) + " END"


def write_history(conn: Connection, table: str, *, month_idx: int, rule_version: int, at: datetime) -> int:
    """Make ``tier_history`` for ``month_idx`` hold exactly the customers whose tier moved from the
    previous month (from, to, reason: upgrade, downgrade or churn). Returns rows added or corrected."""
    new_rank = _RANK_SQL.format(col="e.tier")
    old_rank = _RANK_SQL.format(col="e.prev_tier")
    reason = (
        "CASE WHEN e.status = 'churned' AND e.churned_from IS NOT NULL THEN 'churn' "
        f"WHEN {new_rank} < {old_rank} THEN 'upgrade' ELSE 'downgrade' END"
    )
    moved = "e.prev_tier IS NOT NULL AND e.prev_tier <> e.tier"
    conn.execute(
        text(
            "DELETE FROM tier_history WHERE month_idx = :month_idx AND customer_id NOT IN "
            f"(SELECT e.customer_id FROM {table} e WHERE {moved})"
        ),
        {"month_idx": month_idx},
    )
    result = conn.execute(
        text(
            "INSERT INTO tier_history (customer_id, month_idx, month, from_tier, to_tier, reason, "
            "rule_version, recorded_at) "
            f"SELECT e.customer_id, :month_idx, :month, e.prev_tier, e.tier, {reason}, :version, :at "
            f"FROM {table} e WHERE {moved} "
            "ON CONFLICT (customer_id, month_idx) DO UPDATE SET from_tier = excluded.from_tier, "
            "to_tier = excluded.to_tier, reason = excluded.reason, rule_version = excluded.rule_version, "
            "recorded_at = excluded.recorded_at "
            "WHERE NOT (tier_history.from_tier = excluded.from_tier "
            "AND tier_history.to_tier = excluded.to_tier AND tier_history.reason = excluded.reason)"
        ),
        {"month_idx": month_idx, "month": month_text(month_idx), "version": rule_version, "at": at},
    )
    return max(result.rowcount or 0, 0)


@dataclass(frozen=True, slots=True)
class Entering:
    """A customer who entered attention or churn in the evaluated month, with who looks after them."""

    customer_id: int
    cif: str
    name: str
    kind: str
    tier: str
    churned_from: str | None
    months_below: int
    threshold_fen: int
    institution_id: int


def entering(conn: Connection, table: str, rules: RuleSet) -> list[Entering]:
    """Customers whose status became attention or churned this month (it was something else before)."""
    rows = conn.execute(
        text(
            "SELECT e.customer_id, c.cif, c.name, e.status, e.tier, e.churned_from, e.months_below, "
            f"c.institution_id FROM {table} e JOIN customer c ON c.id = e.customer_id "
            "WHERE e.status IN ('attention', 'churned') "
            "AND (e.prev_status IS NULL OR e.prev_status <> e.status) ORDER BY e.customer_id"
        )
    ).all()
    found = []
    for customer_id, cif, name, status, tier, churned_from, months_below, institution_id in rows:
        measured = rules.rule(churned_from or tier)
        found.append(
            Entering(
                customer_id=customer_id,
                cif=cif,
                name=name,
                kind="churn" if status == "churned" else "attention",
                tier=tier,
                churned_from=churned_from,
                months_below=months_below,
                threshold_fen=measured.aum_min_fen if measured is not None else 0,
                institution_id=institution_id,
            )
        )
    return found


def assigned_rms(conn: Connection, customer_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Each customer's assigned RMs as (staff id, role), primary first."""
    found: dict[int, list[tuple[int, str]]] = {}
    for start in range(0, len(customer_ids), 500):
        chunk = customer_ids[start : start + 500]
        marks = ", ".join(f":c{i}" for i in range(len(chunk)))
        rows = conn.execute(
            text(
                f"SELECT customer_id, staff_id, role FROM assignment WHERE customer_id IN ({marks}) "
                "ORDER BY customer_id, CASE role WHEN 'primary' THEN 0 ELSE 1 END, staff_id"
            ),
            {f"c{i}": cid for i, cid in enumerate(chunk)},
        ).all()
        for customer_id, staff_id, role in rows:
            found.setdefault(customer_id, []).append((staff_id, role))
    return found


def branch_manager_of(conn: Connection, institution_id: int) -> int | None:
    """The branch manager of an institution, or of the nearest institution above it that has one."""
    current: int | None = institution_id
    while current is not None:
        staff = conn.execute(
            text(
                "SELECT id FROM staff WHERE institution_id = :i AND role = :r AND active "
                "ORDER BY code LIMIT 1"
            ),
            {"i": current, "r": Role.BRANCH_MANAGER.value},
        ).scalar()
        if staff is not None:
            return int(staff)
        current = conn.execute(
            text("SELECT parent_id FROM institution WHERE id = :i"), {"i": current}
        ).scalar()
    return None


def existing_alerts(conn: Connection, month_idx: int) -> set[tuple[int, int, str]]:
    """(customer, staff, kind) of the alerts already raised for ``month_idx``."""
    rows = conn.execute(
        select(_ALERT.c.customer_id, _ALERT.c.staff_id, _ALERT.c.kind).where(_ALERT.c.month_idx == month_idx)
    )
    return {(customer, staff, kind) for customer, staff, kind in rows}


def existing_cases(conn: Connection, month_idx: int) -> set[int]:
    """Customers with a retention case opened for ``month_idx``."""
    rows = conn.execute(select(_CASE.c.customer_id).where(_CASE.c.opened_month_idx == month_idx))
    return {customer for (customer,) in rows}


def insert_alerts(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert new alerts (the caller has left out those that exist); return how many."""
    if rows:
        conn.execute(insert(_ALERT), [{"id": new_id(), **row} for row in rows])
    return len(rows)


def insert_notifications(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert outbox messages (each with a new dedupe key); return how many."""
    if rows:
        conn.execute(insert(_OUTBOX), [{"id": new_id(), **row} for row in rows])
    return len(rows)


def open_cases(conn: Connection, cases: list[dict[str, Any]], *, opened: date, at: datetime) -> int:
    """Open retention cases (``customer_id``, ``owner_id``, ``month_idx``, ``reason``) with their default
    steps; the caller has left out customers whose case for the month exists. Returns how many."""
    if not cases:
        return 0
    rows = [
        {
            "id": new_id(),
            "customer_id": case["customer_id"],
            "owner_id": case["owner_id"],
            "opened_month_idx": case["month_idx"],
            "reason": case["reason"],
            "status": "open",
            "created_at": at,
        }
        for case in cases
    ]
    conn.execute(insert(_CASE), rows)
    conn.execute(
        insert(_STEP),
        [
            {
                "id": new_id(),
                "case_id": row["id"],
                "seq": seq,
                "title": title,
                "due_date": opened + timedelta(days),
            }
            for row in rows
            for seq, (title, days) in enumerate(RETENTION_STEPS, start=1)
        ],
    )
    return len(rows)
