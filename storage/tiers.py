"""Tier rule sets as stored in ``tier_rule_set`` / ``tier_rule``."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from rm_console.domain.enums import Tier
from rm_console.domain.tiers import RuleSet, TierRule
from storage.models import TierRule as TierRuleRow
from storage.models import TierRuleSet

_RULE = TierRuleRow.__table__  # type: ignore[attr-defined]
_SET = TierRuleSet.__table__  # type: ignore[attr-defined]


def current_version(conn: Connection) -> int | None:
    """The rule-set version in force (the highest), or None in an empty store."""
    return conn.execute(select(func.max(_SET.c.version))).scalar_one_or_none()


def load_rule_set(conn: Connection, version: int | None = None) -> RuleSet:
    """The rule set of ``version`` (the one in force when omitted)."""
    if version is None:
        version = current_version(conn)
        if version is None:
            raise LookupError("the store has no tier rule set; run 'rmc db upgrade'")
    rows = conn.execute(select(_RULE).where(_RULE.c.version == version).order_by(_RULE.c.rank)).mappings()
    rules = tuple(
        TierRule(
            tier=Tier(row["tier"]),
            rank=row["rank"],
            aum_min_fen=row["aum_min_fen"],
            window_months=row["window_months"],
            watch_max=row["watch_max"],
            attention_max=row["attention_max"],
            churn_at=row["churn_at"],
            card_spend_min_fen=row["card_spend_min_fen"],
            mortgage_min_fen=row["mortgage_min_fen"],
            mortgage_max_fen=row["mortgage_max_fen"],
            credit_loan_min_fen=row["credit_loan_min_fen"],
            credit_loan_max_fen=row["credit_loan_max_fen"],
            diamond_card=bool(row["diamond_card"]),
        )
        for row in rows
    )
    if not rules:
        raise LookupError(f"tier rule set version {version} does not exist")
    return RuleSet(version=version, rules=rules)
