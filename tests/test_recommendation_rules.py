"""The recommendation rules of SPEC §6.3: each rule and its boundaries, suitability, dismissals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_console.domain.enums import ProductCategory, RiskLevel, RiskTolerance, Tier
from rm_console.domain.recommendations import (
    DISMISSAL_DAYS,
    CatalogueProduct,
    CustomerFacts,
    HoldingFact,
    Recommendation,
    RecommendationError,
    RecommendationKind,
    RecommendationParams,
    is_suitable,
    last_hidden_day,
    max_risk,
    next_tier_threshold,
    recommend,
    visible,
)
from rm_console.domain.tiers import RuleSet, TierRule

K = RecommendationKind
PC = ProductCategory
TODAY = date(2025, 6, 10)
YUAN = 100


def product(code: str, category: PC, risk: str | None = None, weight: float = 1.0) -> CatalogueProduct:
    return CatalogueProduct(
        code, f"{code} name", category, RiskLevel(risk) if risk else None, int(weight * 10_000)
    )


#: A catalogue shaped like the demo one: several risk levels in each investment category.
CATALOGUE = (
    product("DEP004", PC.DEPOSIT, weight=0.6),
    product("DEP008", PC.DEPOSIT, weight=1.0),
    product("FND001", PC.FUND, "R1", 0.8),
    product("FND002", PC.FUND, "R2", 1.2),
    product("FND003", PC.FUND, "R3", 1.5),
    product("FND005", PC.FUND, "R5", 1.5),
    product("TB001", PC.TREASURY_BOND, "R1", 0.8),
    product("WMP001", PC.WEALTH_PRODUCT, "R1", 0.8),
    product("WMP002", PC.WEALTH_PRODUCT, "R2", 1.2),
    product("WMP003", PC.WEALTH_PRODUCT, "R2", 1.2),
    product("WMP004", PC.WEALTH_PRODUCT, "R3", 1.2),
    product("WMP006", PC.WEALTH_PRODUCT, "R4", 1.5),
    product("MOB001", PC.MOBILE_BANKING, weight=0.3),
    product("WCD001", PC.WEALTH_CARD, weight=0.5),
    product("CCD001", PC.CREDIT_CARD),
)


def facts(**changes: object) -> CustomerFacts:
    """A gold customer who triggers no rule: assessed C3, mobile banking, nothing maturing or idle."""
    base = CustomerFacts(
        customer="C0001",
        tier=Tier.GOLD,
        aum_fen=300_000 * YUAN,
        next_tier=Tier.PLATINUM,
        next_tier_aum_min_fen=500_000 * YUAN,
        holdings=(HoldingFact("DEP004", PC.DEPOSIT, 100_000 * YUAN, date(2026, 1, 1)),),
        settlement_balance_fen=10_000 * YUAN,
        has_mobile_banking=True,
        has_wealth_card=False,
        risk_tolerance=RiskTolerance.C3,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def kinds(found: tuple[Recommendation, ...]) -> list[K]:
    return [rec.kind for rec in found]


def only(found: tuple[Recommendation, ...], kind: K) -> Recommendation:
    matching = [rec for rec in found if rec.kind is kind]
    assert len(matching) == 1, found
    return matching[0]


def test_a_customer_triggering_nothing_gets_nothing() -> None:
    assert recommend(facts(), CATALOGUE, TODAY) == ()


# --- maturing deposit --------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "fires"), [(-1, False), (0, True), (1, True), (7, True), (8, False)])
def test_a_deposit_maturing_within_n_days_fires_day_n_yes_day_n_plus_one_no(days: int, fires: bool) -> None:
    holding = HoldingFact("DEP004", PC.DEPOSIT, 100_000 * YUAN, TODAY + timedelta(days=days))
    found = recommend(facts(holdings=(holding,)), CATALOGUE, TODAY)
    assert (K.MATURING_DEPOSIT in kinds(found)) is fires


def test_the_maturity_window_is_a_parameter() -> None:
    holding = HoldingFact("DEP004", PC.DEPOSIT, 100_000 * YUAN, TODAY + timedelta(days=14))
    params = RecommendationParams(maturity_days=14)
    assert K.MATURING_DEPOSIT in kinds(recommend(facts(holdings=(holding,)), CATALOGUE, TODAY, params))
    assert K.MATURING_DEPOSIT not in kinds(recommend(facts(holdings=(holding,)), CATALOGUE, TODAY))


def test_a_maturing_deposit_offers_a_suitable_wealth_product_or_bond_with_reasons() -> None:
    holdings = (
        HoldingFact("DEP004", PC.DEPOSIT, 100_000 * YUAN, TODAY + timedelta(days=3)),
        HoldingFact("DEP002", PC.DEPOSIT, 50_000 * YUAN, TODAY + timedelta(days=6)),
    )
    rec = only(recommend(facts(holdings=holdings), CATALOGUE, TODAY), K.MATURING_DEPOSIT)
    # C3: the highest-weighted suitable one of wealth products and bonds; WMP006 (R4) is not suitable.
    assert rec.product_code == "WMP002"
    assert rec.category is PC.WEALTH_PRODUCT
    assert rec.amount_fen == 150_000 * YUAN
    assert rec.due == TODAY + timedelta(days=3)
    assert rec.id == "C0001:maturing_deposit:WMP002"
    assert "¥150,000" in rec.reason_en and "2025-06-13 (in 3 days)" in rec.reason_en
    assert "WMP002" in rec.reason_en
    assert "¥150,000" in rec.reason_zh and "到期" in rec.reason_zh and "3 天后" in rec.reason_zh


def test_only_deposits_count_as_maturing() -> None:
    holding = HoldingFact("WMP002", PC.WEALTH_PRODUCT, 100_000 * YUAN, TODAY + timedelta(days=2))
    assert K.MATURING_DEPOSIT not in kinds(recommend(facts(holdings=(holding,)), CATALOGUE, TODAY))


def test_a_c1_customer_is_offered_only_r1() -> None:
    holding = HoldingFact("DEP004", PC.DEPOSIT, 100_000 * YUAN, TODAY)
    rec = only(
        recommend(facts(holdings=(holding,), risk_tolerance=RiskTolerance.C1), CATALOGUE, TODAY),
        K.MATURING_DEPOSIT,
    )
    # TB001 and WMP001 tie on weight (0.8) and risk (R1): the smaller code wins.
    assert rec.product_code == "TB001"
    assert "today" in rec.reason_en


# --- idle settlement balance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("balance", "fires"),
    [
        (50_000 * YUAN - 1, False),
        (50_000 * YUAN, False),
        (50_000 * YUAN + 1, True),
        (0, False),
        (-500, False),
    ],
)
def test_idle_balance_fires_strictly_above_the_threshold(balance: int, fires: bool) -> None:
    found = recommend(facts(settlement_balance_fen=balance), CATALOGUE, TODAY)
    assert (K.IDLE_BALANCE in kinds(found)) is fires


def test_idle_balance_offers_a_fund_or_wealth_product() -> None:
    rec = only(recommend(facts(settlement_balance_fen=80_000 * YUAN), CATALOGUE, TODAY), K.IDLE_BALANCE)
    assert rec.product_code == "FND003"  # weight 1.5, R3 ≤ C3 (FND005 R5 and WMP006 R4 are not suitable)
    assert rec.amount_fen == 80_000 * YUAN
    assert "¥80,000" in rec.reason_en and "¥50,000" in rec.reason_en
    assert "闲置资金" in rec.reason_zh


def test_the_idle_threshold_is_a_parameter() -> None:
    params = RecommendationParams(idle_balance_threshold_fen=5_000 * YUAN)
    found = recommend(facts(settlement_balance_fen=10_000 * YUAN), CATALOGUE, TODAY, params)
    assert K.IDLE_BALANCE in kinds(found)


# --- approaching a higher tier -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aum", "fires"),
    [
        (450_000 * YUAN - 1, False),  # one fen more than 10% below
        (450_000 * YUAN, True),  # exactly 10% below
        (499_999 * YUAN, True),
        (500_000 * YUAN - 1, True),
        (500_000 * YUAN, False),  # reached: not approaching
    ],
)
def test_approaching_fires_within_ten_percent_below_the_next_threshold(aum: int, fires: bool) -> None:
    found = recommend(facts(aum_fen=aum), CATALOGUE, TODAY)
    assert (K.APPROACHING_TIER in kinds(found)) is fires


def test_approaching_offers_a_deposit_or_wealth_product_naming_the_shortfall() -> None:
    rec = only(recommend(facts(aum_fen=460_000 * YUAN), CATALOGUE, TODAY), K.APPROACHING_TIER)
    assert rec.category in (PC.DEPOSIT, PC.WEALTH_PRODUCT)
    assert rec.product_code == "WMP002"  # weight 1.2 beats DEP008 (1.0); WMP006 (R4) is unsuitable for C3
    assert rec.amount_fen == 40_000 * YUAN
    assert "¥40,000 short of the platinum threshold ¥500,000" in rec.reason_en
    assert "白金级" in rec.reason_zh


def test_a_core_customer_has_no_higher_tier_to_approach() -> None:
    found = recommend(
        facts(
            tier=Tier.CORE,
            aum_fen=9_500_000 * YUAN,
            next_tier=None,
            next_tier_aum_min_fen=None,
            has_wealth_card=True,
        ),
        CATALOGUE,
        TODAY,
    )
    assert K.APPROACHING_TIER not in kinds(found)


def test_next_tier_threshold_reads_the_rule_set() -> None:
    def rule(tier: Tier, rank: int, aum_yuan: int) -> TierRule:
        return TierRule(tier, rank, aum_yuan * YUAN, 6, 3, 6, 7)

    rules = RuleSet(
        1,
        (
            rule(Tier.CORE, 0, 10_000_000),
            rule(Tier.GROWTH, 1, 5_000_000),
            rule(Tier.PLATINUM, 2, 500_000),
            rule(Tier.GOLD, 3, 200_000),
            rule(Tier.POTENTIAL, 4, 50_000),
        ),
    )
    assert next_tier_threshold(rules, Tier.GOLD) == (Tier.PLATINUM, 500_000 * YUAN)
    assert next_tier_threshold(rules, Tier.ORDINARY) == (Tier.POTENTIAL, 50_000 * YUAN)
    assert next_tier_threshold(rules, Tier.CORE) is None


# --- wealth card and mobile banking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "has_card", "fires"),
    [
        (Tier.CORE, False, True),
        (Tier.GROWTH, False, True),
        (Tier.PLATINUM, False, True),
        (Tier.PLATINUM, True, False),
        (Tier.GOLD, False, False),
        (Tier.ORDINARY, False, False),
    ],
)
def test_wealth_card_for_platinum_and_above_without_one(tier: Tier, has_card: bool, fires: bool) -> None:
    found = recommend(facts(tier=tier, has_wealth_card=has_card, next_tier=None), CATALOGUE, TODAY)
    assert (K.WEALTH_CARD in kinds(found)) is fires
    if fires:
        rec = only(found, K.WEALTH_CARD)
        assert rec.product_code == "WCD001"
        assert "wealth card" in rec.reason_en and "财富管理卡" in rec.reason_zh


@pytest.mark.parametrize(("has_mobile", "fires"), [(False, True), (True, False)])
def test_mobile_banking_when_the_customer_has_none(has_mobile: bool, fires: bool) -> None:
    found = recommend(facts(has_mobile_banking=has_mobile), CATALOGUE, TODAY)
    assert (K.MOBILE_BANKING in kinds(found)) is fires
    if fires:
        assert only(found, K.MOBILE_BANKING).product_code == "MOB001"


def test_a_rule_without_a_product_in_the_catalogue_gives_nothing() -> None:
    catalogue = tuple(p for p in CATALOGUE if p.category is not PC.MOBILE_BANKING)
    assert recommend(facts(has_mobile_banking=False), catalogue, TODAY) == ()


# --- order, ids, distinct products, held products --------------------------------------------------------


def everything() -> CustomerFacts:
    return facts(
        tier=Tier.PLATINUM,
        aum_fen=4_600_000 * YUAN,
        next_tier=Tier.GROWTH,
        next_tier_aum_min_fen=5_000_000 * YUAN,
        holdings=(HoldingFact("DEP004", PC.DEPOSIT, 100_000 * YUAN, TODAY + timedelta(days=1)),),
        settlement_balance_fen=200_000 * YUAN,
        has_mobile_banking=False,
        has_wealth_card=False,
    )


def test_every_rule_in_order_each_with_its_own_product_and_a_stable_id() -> None:
    found = recommend(everything(), CATALOGUE, TODAY)
    assert kinds(found) == [
        K.MATURING_DEPOSIT,
        K.IDLE_BALANCE,
        K.APPROACHING_TIER,
        K.WEALTH_CARD,
        K.MOBILE_BANKING,
    ]
    codes = [rec.product_code for rec in found]
    assert codes == ["WMP002", "FND003", "WMP003", "WCD001", "MOB001"]
    assert len(set(codes)) == len(codes)
    assert [rec.id for rec in found] == [f"C0001:{rec.kind.value}:{rec.product_code}" for rec in found]
    assert recommend(everything(), tuple(reversed(CATALOGUE)), TODAY) == found


def test_a_product_the_customer_holds_is_not_offered() -> None:
    held = (*everything().holdings, HoldingFact("FND003", PC.FUND, 10_000 * YUAN))
    rec = only(recommend(replace(everything(), holdings=held), CATALOGUE, TODAY), K.IDLE_BALANCE)
    assert rec.product_code == "FND002"


# --- suitability ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("risk", "tolerance", "ok"),
    [
        ("R1", "C1", True),
        ("R2", "C1", False),
        ("R3", "C3", True),
        ("R4", "C3", False),
        ("R5", "C5", True),
        ("R2", None, True),
        ("R3", None, False),
        (None, None, True),
        (None, "C1", True),
    ],
)
def test_suitability_rn_iff_n_at_most_m(risk: str | None, tolerance: str | None, ok: bool) -> None:
    item = product("X", PC.FUND, risk)
    assert is_suitable(item, RiskTolerance(tolerance) if tolerance else None) is ok


def test_without_an_assessment_only_r1_r2_and_an_assess_risk_flag() -> None:
    found = recommend(replace(everything(), risk_tolerance=None), CATALOGUE, TODAY)
    assert found[-1].kind is K.ASSESS_RISK
    assert found[-1].id == "C0001:assess_risk"
    assert found[-1].product_code is None
    assert "R2" in found[-1].reason_en and "风险承受能力评估" in found[-1].reason_zh
    levels = [rec.risk_level for rec in found if rec.risk_level is not None]
    assert levels and all(level in (RiskLevel.R1, RiskLevel.R2) for level in levels)
    assert only(found, K.IDLE_BALANCE).product_code == "FND002"
    assert max_risk(None) is RiskLevel.R2


def test_an_assessed_customer_gets_no_assess_risk_flag() -> None:
    assert K.ASSESS_RISK not in kinds(recommend(everything(), CATALOGUE, TODAY))


def test_an_unassessed_customer_triggering_nothing_still_gets_the_flag() -> None:
    assert kinds(recommend(facts(risk_tolerance=None), CATALOGUE, TODAY)) == [K.ASSESS_RISK]


risk_levels = st.sampled_from([None, *RiskLevel])
catalogues = st.lists(
    st.builds(
        CatalogueProduct,
        code=st.text("ABCDEFGHIJ0123456789", min_size=1, max_size=6),
        name=st.just("p"),
        category=st.sampled_from(list(PC)),
        risk_level=risk_levels,
        weight_bp=st.integers(0, 30_000),
    ),
    max_size=25,
)
customers = st.builds(
    CustomerFacts,
    customer=st.just("C9"),
    tier=st.sampled_from(list(Tier)),
    aum_fen=st.integers(0, 20_000_000 * YUAN),
    next_tier=st.sampled_from([None, *Tier]),
    next_tier_aum_min_fen=st.one_of(st.none(), st.integers(1, 20_000_000 * YUAN)),
    holdings=st.lists(
        st.builds(
            HoldingFact,
            product_code=st.text("ABCDEFGHIJ0123456789", min_size=1, max_size=6),
            category=st.sampled_from(list(PC)),
            balance_fen=st.integers(0, 10**10),
            maturity_date=st.one_of(
                st.none(), st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=30))
            ),
        ),
        max_size=5,
    ).map(tuple),
    settlement_balance_fen=st.integers(-(10**7), 10**9),
    has_mobile_banking=st.booleans(),
    has_wealth_card=st.booleans(),
    risk_tolerance=st.sampled_from([None, *RiskTolerance]),
)


@given(
    customer=customers, catalogue=st.one_of(catalogues, catalogues.map(lambda extra: [*CATALOGUE, *extra]))
)
def test_no_recommendation_ever_exceeds_the_assessed_level(
    customer: CustomerFacts, catalogue: list[CatalogueProduct]
) -> None:
    found = recommend(customer, catalogue, TODAY)
    ceiling = 2 if customer.risk_tolerance is None else int(customer.risk_tolerance.value[1])
    for rec in found:
        if rec.risk_level is not None:
            assert int(rec.risk_level.value[1]) <= ceiling
    assert (K.ASSESS_RISK in kinds(found)) is (customer.risk_tolerance is None)
    held = {holding.product_code for holding in customer.holdings}
    codes = [rec.product_code for rec in found if rec.product_code is not None]
    assert len(set(codes)) == len(codes) and not held & set(codes)
    assert len({rec.id for rec in found}) == len(found)


# --- dismissals -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_after", "hidden"), [(0, True), (1, True), (29, True), (30, True), (31, False)]
)
def test_a_dismissal_hides_through_day_30_and_day_31_shows_again(days_after: int, hidden: bool) -> None:
    found = recommend(everything(), CATALOGUE, TODAY)
    dismissed_on = TODAY - timedelta(days=days_after)
    shown = visible(found, {("C0001", "FND003"): dismissed_on}, TODAY)
    assert ("FND003" not in [rec.product_code for rec in shown]) is hidden
    assert len(shown) == len(found) - (1 if hidden else 0)


def test_last_hidden_day_is_dismissal_plus_thirty() -> None:
    assert DISMISSAL_DAYS == 30
    assert last_hidden_day(date(2025, 3, 1)) == date(2025, 3, 31)


def test_a_dismissal_by_kind_hides_that_rule_and_applies_to_its_customer_only() -> None:
    found = recommend(replace(everything(), risk_tolerance=None), CATALOGUE, TODAY)
    dismissals = {("C0001", "assess_risk"): TODAY, ("C0002", "mobile_banking"): TODAY}
    shown = visible(found, dismissals, TODAY)
    assert K.ASSESS_RISK not in kinds(shown)
    assert K.MOBILE_BANKING in kinds(shown)
    assert visible(found, {("C0001", "mobile_banking"): TODAY}, TODAY) == tuple(
        rec for rec in found if rec.kind is not K.MOBILE_BANKING
    )


def test_dismissal_key_is_the_product_else_the_kind() -> None:
    found = recommend(replace(everything(), risk_tolerance=None), CATALOGUE, TODAY)
    assert found[0].dismissal_key == found[0].product_code
    assert found[-1].dismissal_key == "assess_risk"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"maturity_days": -1}, "maturity_days: -1 must not be negative"),
        ({"idle_balance_threshold_fen": -1}, "idle_balance_threshold_fen: -1 must not be negative"),
        ({"approach_pct": 0}, "approach_pct: 0 is not between 1 and 99"),
        ({"approach_pct": 100}, "approach_pct: 100 is not between 1 and 99"),
    ],
)
def test_bad_parameters_are_refused(changes: dict[str, int], message: str) -> None:
    with pytest.raises(RecommendationError, match=message):
        RecommendationParams(**changes)  # type: ignore[arg-type]
