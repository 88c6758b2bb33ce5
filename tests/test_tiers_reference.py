"""The reference tier rule (SPEC §3) on boundary months, qualifiers, gaps and churn."""

from __future__ import annotations

from pathlib import Path

import pytest

from rm_console.domain.enums import Status, Tier
from rm_console.domain.tiers import MonthFigures, RuleSet, TierRule, change_reason, evaluate
from storage.engine import make_engine, sqlite_url
from storage.migrate import upgrade
from storage.tiers import load_rule_set

Y = 100  # fen per yuan

#: SPEC §3's table, written out independently of the migration that seeds it.
SPEC_RULES = RuleSet(
    version=1,
    rules=(
        TierRule(Tier.CORE, 0, 10_000_000 * Y, 12, watch_max=6, attention_max=12, churn_at=13),
        TierRule(
            Tier.GROWTH,
            1,
            5_000_000 * Y,
            12,
            watch_max=6,
            attention_max=12,
            churn_at=13,
            card_spend_min_fen=500_000 * Y,
            mortgage_min_fen=5_000_000 * Y,
            diamond_card=True,
        ),
        TierRule(
            Tier.PLATINUM,
            2,
            500_000 * Y,
            6,
            watch_max=3,
            attention_max=6,
            churn_at=7,
            card_spend_min_fen=100_000 * Y,
            mortgage_min_fen=1_500_000 * Y,
            mortgage_max_fen=5_000_000 * Y,
            credit_loan_min_fen=600_000 * Y,
        ),
        TierRule(
            Tier.GOLD,
            3,
            200_000 * Y,
            6,
            watch_max=3,
            attention_max=6,
            churn_at=7,
            credit_loan_min_fen=300_000 * Y,
            credit_loan_max_fen=600_000 * Y,
        ),
        TierRule(Tier.POTENTIAL, 4, 50_000 * Y, 3, watch_max=3, attention_max=None, churn_at=4),
    ),
)

NOW = 2026 * 12 + 10  # 2026-11


def series(*yuan: int, **now: int | bool) -> list[MonthFigures]:
    """Monthly AUM in yuan, oldest first, ending at NOW; keyword figures apply to NOW (in yuan)."""
    start = NOW - len(yuan) + 1
    months = [MonthFigures(start + i, amount * Y) for i, amount in enumerate(yuan)]
    if now:
        last = months[-1]
        months[-1] = MonthFigures(
            last.month_idx,
            last.aum_fen,
            mortgage_fen=int(now.get("mortgage", 0)) * Y,
            credit_loan_fen=int(now.get("credit_loan", 0)) * Y,
            card_spend_12m_fen=int(now.get("card_spend", 0)) * Y,
            diamond_card=bool(now.get("diamond", False)),
        )
    return months


def test_the_migration_seeds_spec_rules(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "s.db"))
    upgrade(engine)
    with engine.connect() as conn:
        assert load_rule_set(conn) == SPEC_RULES


@pytest.mark.parametrize(
    ("below", "status"),
    [(0, Status.NORMAL), (1, Status.WATCH), (6, Status.WATCH), (7, Status.ATTENTION), (12, Status.ATTENTION)],
)
def test_core_status_bands(below: int, status: Status) -> None:
    history = [12_000_000] * (14 - below) + [9_000_000] * below
    result = evaluate(SPEC_RULES, series(*history), NOW)
    assert (result.tier, result.status, result.months_below) == (Tier.CORE, status, below)
    assert result.churned_from is None


def test_core_churns_in_the_thirteenth_month_below() -> None:
    result = evaluate(SPEC_RULES, series(12_000_000, *[9_000_000] * 13), NOW)
    assert result.tier == Tier.GROWTH
    assert result.status == Status.CHURNED
    assert result.churned_from == Tier.CORE
    assert result.months_below == 13
    assert result.qualified_by == "aum"


def test_after_the_churn_month_status_follows_the_new_tier() -> None:
    history = series(12_000_000, *[9_000_000] * 14)
    result = evaluate(SPEC_RULES, history, NOW)
    assert (result.tier, result.status, result.churned_from, result.months_below) == (
        Tier.GROWTH,
        Status.NORMAL,
        None,
        0,
    )


@pytest.mark.parametrize(
    ("below", "status"),
    [(0, Status.NORMAL), (3, Status.WATCH), (4, Status.ATTENTION), (6, Status.ATTENTION)],
)
def test_platinum_status_bands(below: int, status: Status) -> None:
    history = [600_000] * (8 - below) + [100_000] * below
    result = evaluate(SPEC_RULES, series(*history), NOW)
    assert (result.tier, result.status, result.months_below) == (Tier.PLATINUM, status, below)


def test_platinum_churns_in_the_seventh_month_below() -> None:
    result = evaluate(SPEC_RULES, series(600_000, *[100_000] * 7), NOW)
    assert (result.tier, result.status, result.churned_from, result.months_below) == (
        Tier.POTENTIAL,
        Status.CHURNED,
        Tier.PLATINUM,
        7,
    )


def test_potential_has_no_attention_band_and_churns_at_four() -> None:
    assert evaluate(SPEC_RULES, series(60_000, 10, 10, 10), NOW).status == Status.WATCH
    churned = evaluate(SPEC_RULES, series(60_000, 10, 10, 10, 10), NOW)
    assert (churned.tier, churned.status, churned.churned_from) == (
        Tier.ORDINARY,
        Status.CHURNED,
        Tier.POTENTIAL,
    )


def test_missing_months_count_as_zero_and_never_raise_the_maximum() -> None:
    months = [MonthFigures(NOW - 5, 600_000 * Y), MonthFigures(NOW, 100_000 * Y)]
    result = evaluate(SPEC_RULES, months, NOW)
    assert (result.tier, result.status, result.months_below) == (Tier.PLATINUM, Status.ATTENTION, 5)


def test_a_young_customer_is_judged_on_the_months_it_has() -> None:
    result = evaluate(SPEC_RULES, [MonthFigures(NOW, 250_000 * Y)], NOW)
    assert (result.tier, result.status, result.months_below) == (Tier.GOLD, Status.NORMAL, 0)


@pytest.mark.parametrize(
    ("figures", "tier", "criterion"),
    [
        ({"card_spend": 500_000}, Tier.GROWTH, "card_spend"),
        ({"mortgage": 5_000_000}, Tier.GROWTH, "mortgage"),
        ({"diamond": True}, Tier.GROWTH, "diamond_card"),
        ({"card_spend": 100_000}, Tier.PLATINUM, "card_spend"),
        ({"mortgage": 1_500_000}, Tier.PLATINUM, "mortgage"),
        ({"mortgage": 4_999_999}, Tier.PLATINUM, "mortgage"),
        ({"credit_loan": 600_000}, Tier.PLATINUM, "credit_loan"),
        ({"credit_loan": 300_000}, Tier.GOLD, "credit_loan"),
        ({"credit_loan": 599_999}, Tier.GOLD, "credit_loan"),
        ({"card_spend": 99_999}, Tier.ORDINARY, None),
        ({"credit_loan": 299_999}, Tier.ORDINARY, None),
        ({"mortgage": 1_499_999}, Tier.ORDINARY, None),
    ],
)
def test_non_aum_qualifiers_and_their_bounds(
    figures: dict[str, int], tier: Tier, criterion: str | None
) -> None:
    result = evaluate(SPEC_RULES, series(0, **figures), NOW)
    assert (result.tier, result.qualified_by) == (tier, criterion)
    assert result.status == (None if tier == Tier.ORDINARY else Status.NORMAL)


def test_a_non_aum_qualifier_keeps_the_status_normal_while_aum_slips() -> None:
    result = evaluate(SPEC_RULES, series(600_000, *[100_000] * 5, card_spend=150_000), NOW)
    assert (result.tier, result.status, result.qualified_by) == (Tier.PLATINUM, Status.NORMAL, "aum")


def test_losing_a_non_aum_qualifier_is_a_downgrade_not_churn() -> None:
    months = series(0, 0)
    months[0] = MonthFigures(NOW - 1, 0, card_spend_12m_fen=120_000 * Y)
    result = evaluate(SPEC_RULES, months, NOW)
    assert (result.tier, result.status, result.churned_from) == (Tier.ORDINARY, None, None)
    assert change_reason(Tier.PLATINUM, result.tier, churned=False) == "downgrade"


def test_a_stored_previous_evaluation_decides_churn() -> None:
    history = series(600_000, *[100_000] * 7)
    assert evaluate(SPEC_RULES, history, NOW, previous=(Tier.PLATINUM, "card_spend")).status != Status.CHURNED
    assert evaluate(SPEC_RULES, history, NOW, previous=(Tier.PLATINUM, "aum")).status == Status.CHURNED


def test_criteria_list_the_tiers_judged_down_to_the_result() -> None:
    result = evaluate(SPEC_RULES, series(250_000), NOW)
    assert [c.tier for c in result.criteria if c.name == "aum"] == [
        Tier.CORE,
        Tier.GROWTH,
        Tier.PLATINUM,
        Tier.GOLD,
    ]
    held = [(c.tier, c.name) for c in result.criteria if c.held]
    assert held == [(Tier.GOLD, "aum")]


def test_change_reasons() -> None:
    assert change_reason(Tier.GOLD, Tier.PLATINUM, churned=False) == "upgrade"
    assert change_reason(Tier.CORE, Tier.GROWTH, churned=True) == "churn"
    assert change_reason(Tier.GOLD, Tier.GOLD, churned=False) is None
    assert change_reason(None, Tier.GOLD, churned=False) == "upgrade"
