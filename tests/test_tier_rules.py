"""Tier rule sets as a person edits them: TOML round trip, --set changes, and every refusal."""

from __future__ import annotations

import re

import pytest
from test_tiers_reference import SPEC_RULES

from rm_console.domain.enums import Tier
from rm_console.domain.tier_rules import RuleSetError, parse_toml, to_toml, validate, with_changes


def test_toml_round_trip_is_exact() -> None:
    text = to_toml(SPEC_RULES)
    assert "[platinum]" in text and "mortgage_max = 5000000" in text and "churn_at" not in text
    assert parse_toml(text, version=1) == SPEC_RULES


def test_amounts_with_fen_round_trip() -> None:
    rules = with_changes(SPEC_RULES, ["gold.aum=200000.50"])
    assert parse_toml(to_toml(rules), version=1) == rules
    assert rules.rule(Tier.GOLD).aum_min_fen == 20_000_050  # type: ignore[union-attr]


def test_changes_apply_and_windows_carry_the_churn_bound() -> None:
    rules = with_changes(SPEC_RULES, ["platinum.aum=800000", "gold.window=3"])
    platinum, gold = rules.rule(Tier.PLATINUM), rules.rule(Tier.GOLD)
    assert platinum is not None and platinum.aum_min_fen == 80_000_000
    assert gold is not None and (gold.window_months, gold.churn_at) == (3, 4)


def test_an_optional_criterion_can_be_dropped() -> None:
    rules = with_changes(SPEC_RULES, ["growth.card_spend=none", "growth.diamond_card=false"])
    growth = rules.rule(Tier.GROWTH)
    assert growth is not None and growth.card_spend_min_fen is None and not growth.diamond_card


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("platinum.aum=6000000", "platinum.aum: ¥6,000,000 must be below growth.aum (¥5,000,000)"),
        ("potential.aum=200000", "potential.aum: ¥200,000 must be below gold.aum"),
        ("gold.colour=1", "gold.colour: unknown field"),
        ("silver.aum=1", "unknown tier 'silver'"),
        ("ordinary.aum=1", "unknown tier 'ordinary'"),
        ("gold.window=x", "gold.window: 'x' is not a whole number of months"),
        ("gold.window=30", "gold.window: 30 is not between 0 and 24 months"),
        ("gold.aum=1.234", "gold.aum: '1.234' has more than 2 decimals"),
        ("gold.aum=-5", "gold.aum: '-5' is negative"),
        ("gold.aum=none", "gold.aum: required"),
        ("gold.aum=0", "gold.aum: must be more than 0"),
        ("platinum.card_spend=0", "platinum.card_spend: must be more than 0"),
        ("gold.credit_loan_min=0", "gold.credit_loan_min: must be more than 0"),
        ("gold", "write a change as TIER.FIELD=VALUE"),
        ("gold.churn_at=3", "gold.churn_at: the churn bound is always window + 1"),
        ("gold.credit_loan_max=100000", "gold.credit_loan_max: must be above gold.credit_loan_min"),
        ("core.mortgage_max=1", "core.mortgage_max: a maximum needs core.mortgage_min"),
        ("platinum.attention_max=2", "platinum.attention_max: 2 must be above watch_max (3)"),
        ("growth.diamond_card=maybe", "growth.diamond_card: 'maybe' is not true or false"),
    ],
)
def test_refusals_name_the_tier_and_field(change: str, message: str) -> None:
    with pytest.raises(RuleSetError, match=re.escape(message)):
        with_changes(SPEC_RULES, [change])


def test_a_file_must_define_every_tier() -> None:
    text = to_toml(SPEC_RULES).replace("[potential]", "[potential_removed]")
    with pytest.raises(RuleSetError, match="unknown tier 'potential_removed'"):
        parse_toml(text)
    missing = to_toml(SPEC_RULES).split("[potential]")[0]
    with pytest.raises(RuleSetError, match="potential: the rule set has no rule for this tier"):
        parse_toml(missing)


def test_bad_toml_and_missing_fields_are_named() -> None:
    with pytest.raises(RuleSetError, match=re.escape("rules.toml: not valid TOML")):
        parse_toml("[gold\naum = 1", source="rules.toml")
    no_window = "\n".join(
        line for line in to_toml(SPEC_RULES).splitlines() if not line.startswith("window = 6")
    )
    with pytest.raises(RuleSetError, match=re.escape("platinum.window: required")):
        parse_toml(no_window)


def test_validate_accepts_the_spec_rules() -> None:
    assert validate(SPEC_RULES) is SPEC_RULES
