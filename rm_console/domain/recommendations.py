"""Product recommendations (新产品自动推荐, SPEC §6.3): pure rules over one customer's facts.

The services gather :class:`CustomerFacts` and the catalogue; :func:`recommend` says what to offer and
why, in English and Chinese; :func:`visible` hides what the RM dismissed in the last 30 days.

Rules, in the order their recommendations are listed (:class:`RecommendationKind`):

* ``maturing_deposit`` — a deposit matures within N days (``maturity_days``, default 7): counting
  ``days = maturity_date − today``, a deposit with ``0 ≤ days ≤ N`` qualifies (day N yes, day N + 1 no;
  one already past maturity no longer does). Offer a wealth product or a treasury bond.
* ``idle_balance`` — the settlement (current account) balance is strictly above
  ``idle_balance_threshold_fen`` (exactly the threshold does not qualify). Offer a fund or a wealth product.
* ``approaching_tier`` — AUM is below the next tier's AUM threshold by at most ``approach_pct`` percent
  (default 10) of that threshold: ``threshold × (100 − pct) / 100 ≤ AUM < threshold``, in exact integer
  fen (AUM at exactly 90 % qualifies, one fen less does not). Offer a deposit or a wealth product.
* ``wealth_card`` — a platinum, growth or core customer without a wealth card. Offer a wealth card.
* ``mobile_banking`` — no mobile banking. Offer mobile banking.
* ``assess_risk`` — no valid risk-tolerance assessment: a flag asking the RM to assess the customer.

Suitability (适当性): a product of risk level Rn is offered to a customer assessed Cm only if n ≤ m.
Without a valid assessment only R1 and R2 products are offered (``unassessed_max_risk``). Products with
no risk level (deposits, channels, cards) are always suitable.

Which product: among the suitable catalogue products of the rule's categories that the customer does
not already hold and that no earlier rule of the same run has named, the one with the highest
performance weight; ties go to the lower risk level (no risk level counts lowest), then to the smaller
product code. A rule with no such product gives no recommendation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from rm_console.domain.enums import ProductCategory, RiskLevel, RiskTolerance, Tier, member
from rm_console.domain.errors import UserError
from rm_console.domain.money import format_yuan
from rm_console.domain.tiers import RuleSet
from rm_console.domain.words import TIER_ZH

#: Days a dismissed recommendation stays hidden after the day it was dismissed (SPEC §6.3).
DISMISSAL_DAYS = 30


class RecommendationError(UserError):
    """Recommendation parameters that cannot be used; the message names the parameter."""


class RecommendationKind(StrEnum):
    """The rule that produced a recommendation, in the order recommendations are listed."""

    MATURING_DEPOSIT = "maturing_deposit"
    IDLE_BALANCE = "idle_balance"
    APPROACHING_TIER = "approaching_tier"
    WEALTH_CARD = "wealth_card"
    MOBILE_BANKING = "mobile_banking"
    ASSESS_RISK = "assess_risk"


#: The product categories each product rule offers from.
WANTED_CATEGORIES: dict[RecommendationKind, frozenset[ProductCategory]] = {
    RecommendationKind.MATURING_DEPOSIT: frozenset(
        {ProductCategory.WEALTH_PRODUCT, ProductCategory.TREASURY_BOND}
    ),
    RecommendationKind.IDLE_BALANCE: frozenset({ProductCategory.FUND, ProductCategory.WEALTH_PRODUCT}),
    RecommendationKind.APPROACHING_TIER: frozenset({ProductCategory.DEPOSIT, ProductCategory.WEALTH_PRODUCT}),
    RecommendationKind.WEALTH_CARD: frozenset({ProductCategory.WEALTH_CARD}),
    RecommendationKind.MOBILE_BANKING: frozenset({ProductCategory.MOBILE_BANKING}),
}

#: Tiers entitled to a wealth card: platinum and above.
WEALTH_CARD_TIERS: frozenset[Tier] = frozenset({Tier.CORE, Tier.GROWTH, Tier.PLATINUM})

_CATEGORY_EN: dict[str, str] = {
    ProductCategory.DEPOSIT: "deposit",
    ProductCategory.FUND: "fund",
    ProductCategory.WEALTH_PRODUCT: "wealth product",
    ProductCategory.TREASURY_BOND: "treasury bond",
    ProductCategory.MOBILE_BANKING: "mobile banking",
    ProductCategory.WEALTH_CARD: "wealth card",
}
_CATEGORY_ZH: dict[str, str] = {
    ProductCategory.DEPOSIT: "存款",
    ProductCategory.FUND: "基金",
    ProductCategory.WEALTH_PRODUCT: "理财产品",
    ProductCategory.TREASURY_BOND: "国债",
    ProductCategory.MOBILE_BANKING: "手机银行",
    ProductCategory.WEALTH_CARD: "财富管理卡",
}


@dataclass(frozen=True, slots=True)
class RecommendationParams:
    """The rule parameters (data from a versioned table in the store; these are the defaults)."""

    #: A deposit maturing within this many days (today counts as day 0) triggers a recommendation.
    maturity_days: int = 7
    #: A settlement balance strictly above this, in fen, is idle money (default ¥50,000).
    idle_balance_threshold_fen: int = 5_000_000
    #: AUM within this percentage below the next tier's threshold is "approaching" it.
    approach_pct: int = 10
    #: The highest risk level offered to a customer without a valid assessment.
    unassessed_max_risk: RiskLevel = RiskLevel.R2

    def __post_init__(self) -> None:
        if self.maturity_days < 0:
            raise RecommendationError("maturity_days: {days} must not be negative", days=self.maturity_days)
        if self.idle_balance_threshold_fen < 0:
            raise RecommendationError(
                "idle_balance_threshold_fen: {fen} must not be negative", fen=self.idle_balance_threshold_fen
            )
        if not 1 <= self.approach_pct <= 99:
            raise RecommendationError("approach_pct: {pct} is not between 1 and 99", pct=self.approach_pct)
        object.__setattr__(self, "unassessed_max_risk", RiskLevel(self.unassessed_max_risk))


@dataclass(frozen=True, slots=True)
class CatalogueProduct:
    """A product of the catalogue as the rules see it (the ``product`` table)."""

    code: str
    name: str
    category: ProductCategory
    risk_level: RiskLevel | None = None
    #: Performance weight in basis points of one (weight 1 = 10,000).
    weight_bp: int = 10_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", member(ProductCategory, self.category))
        if self.risk_level is not None:
            object.__setattr__(self, "risk_level", member(RiskLevel, self.risk_level))


@dataclass(frozen=True, slots=True)
class HoldingFact:
    """One holding of the customer: which product, its balance and maturity."""

    product_code: str
    category: ProductCategory
    balance_fen: int
    maturity_date: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", member(ProductCategory, self.category))


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """What the rules know about one customer.

    ``next_tier`` and ``next_tier_aum_min_fen`` describe the tier just above the customer's (None for
    core); :func:`next_tier_threshold` reads them from a tier rule set. ``risk_tolerance`` is the level
    of the customer's *valid* assessment, None when there is none or it expired. ``has_wealth_card`` is
    true for a wealth card or a private-banking card.
    """

    customer: str
    tier: Tier
    aum_fen: int
    next_tier: Tier | None = None
    next_tier_aum_min_fen: int | None = None
    holdings: tuple[HoldingFact, ...] = ()
    settlement_balance_fen: int = 0
    has_mobile_banking: bool = False
    has_wealth_card: bool = False
    risk_tolerance: RiskTolerance | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tier", member(Tier, self.tier))
        object.__setattr__(self, "holdings", tuple(self.holdings))
        if self.next_tier is not None:
            object.__setattr__(self, "next_tier", member(Tier, self.next_tier))
        if self.risk_tolerance is not None:
            object.__setattr__(self, "risk_tolerance", member(RiskTolerance, self.risk_tolerance))


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One thing to offer a customer, and why (both languages).

    ``id`` is stable: ``CUSTOMER:KIND:PRODUCT`` (``CUSTOMER:assess_risk`` for the assessment flag), so
    the same facts always give the same ids. ``amount_fen`` is the money the rule is about (maturing
    total, idle balance, shortfall to the next tier); ``due`` the earliest maturity date.
    """

    id: str
    customer: str
    kind: RecommendationKind
    reason_en: str
    reason_zh: str
    product_code: str | None = None
    product_name: str | None = None
    category: ProductCategory | None = None
    risk_level: RiskLevel | None = None
    amount_fen: int | None = None
    due: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", member(RecommendationKind, self.kind))

    @property
    def dismissal_key(self) -> str:
        """The key a dismissal of this recommendation is stored under: its product code, else its kind."""
        return self.product_code if self.product_code is not None else self.kind.value


_RISK_NUMBERS: dict[str, int] = {
    **{level.value: int(level.value[1:]) for level in RiskLevel},
    **{tolerance.value: int(tolerance.value[1:]) for tolerance in RiskTolerance},
}
_LEVEL_OF_TOLERANCE = {tolerance: RiskLevel(f"R{tolerance.value[1:]}") for tolerance in RiskTolerance}


def risk_number(level: RiskLevel | RiskTolerance | str) -> int:
    """1–5 for R1–R5 or C1–C5."""
    found = _RISK_NUMBERS.get(level)
    return found if found is not None else int(str(level)[1:])


def max_risk(tolerance: RiskTolerance | None, params: RecommendationParams | None = None) -> RiskLevel:
    """The highest product risk level suitable for ``tolerance`` (R1↔C1 … R5↔C5; unassessed: R2)."""
    if tolerance is None:
        return (params or RecommendationParams()).unassessed_max_risk
    return _LEVEL_OF_TOLERANCE[member(RiskTolerance, tolerance)]


def is_suitable(
    product: CatalogueProduct, tolerance: RiskTolerance | None, params: RecommendationParams | None = None
) -> bool:
    """Whether ``product`` may be offered to a customer of ``tolerance`` (None: no valid assessment)."""
    if product.risk_level is None:
        return True
    return risk_number(product.risk_level) <= risk_number(max_risk(tolerance, params))


def next_tier_threshold(rules: RuleSet, tier: Tier) -> tuple[Tier, int] | None:
    """The tier just above ``tier`` and its AUM threshold in fen, or None above core."""
    rank = Tier(tier).rank
    if rank == 0:
        return None
    above = rules.rule(list(Tier)[rank - 1])
    return None if above is None else (above.tier, above.aum_min_fen)


def _preference(product: CatalogueProduct) -> tuple[int, int, str]:
    """Highest performance weight first, then lowest risk, then code."""
    risk = 0 if product.risk_level is None else risk_number(product.risk_level)
    return (-product.weight_bp, risk, product.code)


_RankKey = tuple[RecommendationKind, RiskTolerance | None, RecommendationParams]


class Catalogue:
    """The product catalogue as the rules read it, with each rule's suitable products ranked once.

    :func:`recommend` accepts the products themselves too; a service that recommends for many
    customers passes one ``Catalogue`` so that the ranking is not redone for each.
    """

    __slots__ = ("_ranked", "products")

    def __init__(self, products: Iterable[CatalogueProduct]) -> None:
        self.products = tuple(products)
        self._ranked: dict[_RankKey, tuple[CatalogueProduct, ...]] = {}

    def ranked(
        self, kind: RecommendationKind, tolerance: RiskTolerance | None, params: RecommendationParams
    ) -> tuple[CatalogueProduct, ...]:
        """The products of the categories ``kind`` wants that suit ``tolerance``, best first."""
        key = (kind, tolerance, params)
        found = self._ranked.get(key)
        if found is None:
            wanted = WANTED_CATEGORIES[kind]
            found = tuple(
                sorted(
                    (p for p in self.products if p.category in wanted and is_suitable(p, tolerance, params)),
                    key=_preference,
                )
            )
            self._ranked[key] = found
        return found


def _choose(
    kind: RecommendationKind,
    catalogue: Catalogue,
    tolerance: RiskTolerance | None,
    params: RecommendationParams,
    excluded: set[str],
) -> CatalogueProduct | None:
    """The best suitable product for ``kind`` that is not in ``excluded``, or None."""
    for product in catalogue.ranked(kind, tolerance, params):
        if product.code not in excluded:
            return product
    return None


def _label_en(product: CatalogueProduct) -> str:
    category = _CATEGORY_EN.get(product.category, product.category.value)
    risk = f", {product.risk_level.value}" if product.risk_level is not None else ""
    return f"{product.name} ({product.code}, {category}{risk})"


def _label_zh(product: CatalogueProduct) -> str:
    category = _CATEGORY_ZH.get(product.category, product.category.value)
    risk = f"，{product.risk_level.value}" if product.risk_level is not None else ""
    return f"{category}「{product.name}」（{product.code}{risk}）"


def _in_days_en(days: int) -> str:
    if days == 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def _in_days_zh(days: int) -> str:
    if days == 0:
        return "今天"
    return "明天" if days == 1 else f"{days} 天后"


def _reasons(
    kind: RecommendationKind,
    facts: CustomerFacts,
    product: CatalogueProduct,
    amount: int | None,
    due: date | None,
    today: date,
    params: RecommendationParams,
) -> tuple[str, str]:
    en, zh = _label_en(product), _label_zh(product)
    if kind is RecommendationKind.MATURING_DEPOSIT:
        assert amount is not None and due is not None
        days = (due - today).days
        return (
            f"Deposits of {format_yuan(amount)} mature within {params.maturity_days} days, the first on "
            f"{due.isoformat()} ({_in_days_en(days)}): offer {en} to keep the money with the bank.",
            f"{format_yuan(amount)} 存款将在 {params.maturity_days} 天内到期（最早 {due.isoformat()}，"
            f"{_in_days_zh(days)}），推荐{zh}承接到期资金。",
        )
    if kind is RecommendationKind.IDLE_BALANCE:
        threshold = format_yuan(params.idle_balance_threshold_fen)
        balance = format_yuan(facts.settlement_balance_fen)
        return (
            f"Settlement balance {balance} is above the idle-money threshold {threshold}: "
            f"offer {en} to put it to work.",
            f"结算账户余额 {balance} 超过闲置资金阈值 {threshold}，推荐{zh}盘活资金。",
        )
    if kind is RecommendationKind.APPROACHING_TIER:
        assert amount is not None and facts.next_tier is not None
        assert facts.next_tier_aum_min_fen is not None
        target = facts.next_tier
        threshold = format_yuan(facts.next_tier_aum_min_fen)
        return (
            f"AUM {format_yuan(facts.aum_fen)} is {format_yuan(amount, cents=amount % 100 != 0)} short of "
            f"the {target.value} threshold {threshold} (within {params.approach_pct}%): offer {en} to lift "
            f"AUM to {target.value}.",
            f"资产 {format_yuan(facts.aum_fen)} 距{TIER_ZH[target]}门槛 {threshold} 仅差 "
            f"{format_yuan(amount, cents=amount % 100 != 0)}（{params.approach_pct}% 以内），"
            f"推荐{zh}提升资产至{TIER_ZH[target]}。",
        )
    if kind is RecommendationKind.WEALTH_CARD:
        return (
            f"A {facts.tier.value} customer without a wealth card: offer {en}.",
            f"{TIER_ZH[facts.tier]}客户尚未持有财富管理卡，推荐{zh}。",
        )
    return (
        f"No mobile banking yet: offer {en} for self-service banking.",
        f"尚未开通手机银行，推荐开通{zh}。",
    )


def _triggers(
    facts: CustomerFacts, today: date, params: RecommendationParams
) -> list[tuple[RecommendationKind, int | None, date | None]]:
    """The product rules that hold for ``facts``, in listing order, with their amount and due date."""
    fired: list[tuple[RecommendationKind, int | None, date | None]] = []
    maturing = [
        holding
        for holding in facts.holdings
        if holding.category is ProductCategory.DEPOSIT
        and holding.maturity_date is not None
        and 0 <= (holding.maturity_date - today).days <= params.maturity_days
    ]
    if maturing:
        first = min(holding.maturity_date for holding in maturing if holding.maturity_date is not None)
        total = sum(holding.balance_fen for holding in maturing)
        fired.append((RecommendationKind.MATURING_DEPOSIT, total, first))
    if facts.settlement_balance_fen > params.idle_balance_threshold_fen:
        fired.append((RecommendationKind.IDLE_BALANCE, facts.settlement_balance_fen, None))
    threshold = facts.next_tier_aum_min_fen
    if (
        facts.next_tier is not None
        and threshold is not None
        and facts.aum_fen * 100 >= threshold * (100 - params.approach_pct)
        and facts.aum_fen < threshold
    ):
        fired.append((RecommendationKind.APPROACHING_TIER, threshold - facts.aum_fen, None))
    if facts.tier in WEALTH_CARD_TIERS and not facts.has_wealth_card:
        fired.append((RecommendationKind.WEALTH_CARD, None, None))
    if not facts.has_mobile_banking:
        fired.append((RecommendationKind.MOBILE_BANKING, None, None))
    return fired


def recommend(
    facts: CustomerFacts,
    catalogue: Sequence[CatalogueProduct] | Catalogue,
    today: date,
    params: RecommendationParams | None = None,
) -> tuple[Recommendation, ...]:
    """Every recommendation for one customer on ``today``, in rule order (see the module docstring).

    Each names a different product; none exceeds the customer's assessed risk tolerance (or R2 when
    unassessed, in which case an ``assess_risk`` flag comes last).
    """
    params = params or RecommendationParams()
    ranked = catalogue if isinstance(catalogue, Catalogue) else Catalogue(catalogue)
    excluded = {holding.product_code for holding in facts.holdings}
    found: list[Recommendation] = []
    for kind, amount, due in _triggers(facts, today, params):
        product = _choose(kind, ranked, facts.risk_tolerance, params, excluded)
        if product is None:
            continue
        excluded.add(product.code)
        reason_en, reason_zh = _reasons(kind, facts, product, amount, due, today, params)
        found.append(
            Recommendation(
                id=f"{facts.customer}:{kind.value}:{product.code}",
                customer=facts.customer,
                kind=kind,
                reason_en=reason_en,
                reason_zh=reason_zh,
                product_code=product.code,
                product_name=product.name,
                category=product.category,
                risk_level=product.risk_level,
                amount_fen=amount,
                due=due,
            )
        )
    if facts.risk_tolerance is None:
        top = max_risk(None, params).value
        found.append(
            Recommendation(
                id=f"{facts.customer}:{RecommendationKind.ASSESS_RISK.value}",
                customer=facts.customer,
                kind=RecommendationKind.ASSESS_RISK,
                reason_en=(
                    "No valid risk-tolerance assessment: assess the customer; until then only "
                    f"products up to {top} can be offered."
                ),
                reason_zh=f"客户无有效的风险承受能力评估，请尽快评估；评估前仅可推荐 {top} 及以下产品。",
            )
        )
    return tuple(found)


def last_hidden_day(dismissed_on: date, days: int = DISMISSAL_DAYS) -> date:
    """The last day a recommendation dismissed on ``dismissed_on`` stays hidden.

    Hidden on the day of dismissal and the ``days`` days after it: dismissed on 1 March, hidden through
    31 March (day 30) and shown again on 1 April (day 31).
    """
    return dismissed_on + timedelta(days=days)


def is_dismissed(
    recommendation: Recommendation,
    dismissals: Mapping[tuple[str, str], date],
    today: date,
    *,
    days: int = DISMISSAL_DAYS,
) -> bool:
    """Whether a dismissal hides ``recommendation`` on ``today``.

    ``dismissals`` maps (customer, key) to the date of the latest dismissal, where key is a product
    code (hides that product whichever rule offers it) or a kind's value (hides that rule's
    recommendation whatever product it names; ``assess_risk`` is dismissed this way). Hidden while
    ``today − dismissed_on ≤ days`` (day 30 hidden, day 31 shown).
    """
    return is_hidden(
        recommendation.customer,
        recommendation.kind,
        recommendation.product_code,
        dismissals,
        today,
        days=days,
    )


def is_hidden(
    customer: str,
    kind: RecommendationKind | str,
    product_code: str | None,
    dismissals: Mapping[tuple[str, str], date],
    today: date,
    *,
    days: int = DISMISSAL_DAYS,
) -> bool:
    """:func:`is_dismissed` for the recommendation of ``kind`` naming ``product_code`` (None for the
    ``assess_risk`` flag) to ``customer``: the form a stored recommendation keeps."""
    keys = (str(kind),) if product_code is None else (product_code, str(kind))
    for key in keys:
        dismissed_on = dismissals.get((customer, key))
        if dismissed_on is not None and today <= last_hidden_day(dismissed_on, days):
            return True
    return False


def visible(
    recommendations: Iterable[Recommendation],
    dismissals: Mapping[tuple[str, str], date],
    today: date,
    *,
    days: int = DISMISSAL_DAYS,
) -> tuple[Recommendation, ...]:
    """``recommendations`` without those a dismissal hides on ``today`` (see :func:`is_dismissed`)."""
    return tuple(rec for rec in recommendations if not is_dismissed(rec, dismissals, today, days=days))
