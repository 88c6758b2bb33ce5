"""Tiers (客户等级) and status (客户状态): the reference rule of SPEC §3.

This module is the readable specification. It evaluates one customer at a time over plain values;
the set-based SQL in ``storage`` must give the same answer for every customer.

Definitions used throughout:

* ``month_idx`` is year × 12 + month − 1, so consecutive months differ by one.
* "AUM reached X within window N" holds when the largest monthly AUM over the evaluation month and
  the N months before it is ≥ X. A month with no figures counts as AUM 0: it never raises the
  maximum and it extends a below-threshold streak.
* Non-AUM criteria (card spend, mortgage, credit-loan balance, diamond card) are read from the
  evaluation month's figures; a missing month's figures are all zero (and no diamond card), so with
  the positive minimums a valid rule set has, it holds none of them.
* ``months_below`` (m) is the number of consecutive months, ending with the evaluation month, whose
  AUM was below the threshold of the tier it is measured against, counted up to that tier's churn
  bound (m never exceeds it, since reaching it is all any rule needs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rm_console.domain.enums import Status, Tier


@dataclass(frozen=True, slots=True)
class TierRule:
    """One tier's criteria and status bands.

    A criterion whose parameter is None is not used by the tier. Ranges are half-open: a balance
    qualifies when ``min ≤ balance`` and, if a maximum is set, ``balance < max``.
    """

    tier: Tier
    rank: int
    aum_min_fen: int
    window_months: int
    watch_max: int
    attention_max: int | None
    churn_at: int
    card_spend_min_fen: int | None = None
    mortgage_min_fen: int | None = None
    mortgage_max_fen: int | None = None
    credit_loan_min_fen: int | None = None
    credit_loan_max_fen: int | None = None
    diamond_card: bool = False


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A version of the tier parameters: the tiers above ordinary, highest first."""

    version: int
    rules: tuple[TierRule, ...]

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.rules, key=lambda rule: rule.rank))
        object.__setattr__(self, "rules", ordered)

    def rule(self, tier: Tier | str) -> TierRule | None:
        """The rule of ``tier``, or None for ordinary (which has no criteria)."""
        for rule in self.rules:
            if rule.tier == tier:
                return rule
        return None


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One customer's figures for one month (a row of monthly AUM)."""

    month_idx: int
    aum_fen: int
    mortgage_fen: int = 0
    credit_loan_fen: int = 0
    card_spend_12m_fen: int = 0
    diamond_card: bool = False


#: A month with no row: AUM 0 and no other criterion held.
def _empty(month_idx: int) -> MonthFigures:
    return MonthFigures(month_idx=month_idx, aum_fen=0)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion of one tier, whether it held, and the figures it was judged on."""

    tier: Tier
    name: str
    held: bool
    value: int
    minimum: int | None = None
    maximum: int | None = None
    window_months: int | None = None

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict (amounts in fen)."""
        return {
            "tier": self.tier.value,
            "criterion": self.name,
            "held": self.held,
            "value": self.value,
            "min": self.minimum,
            "max": self.maximum,
            "window": self.window_months,
        }


@dataclass(frozen=True, slots=True)
class TierEvaluation:
    """A customer's tier and status for one month, with the reasons."""

    month_idx: int
    tier: Tier
    status: Status | None
    months_below: int
    churned_from: Tier | None
    qualified_by: str | None
    criteria: tuple[Criterion, ...]


def _in_range(value: int, minimum: int | None, maximum: int | None) -> bool:
    return minimum is not None and value >= minimum and (maximum is None or value < maximum)


def _criteria(rule: TierRule, by_month: Mapping[int, MonthFigures], month_idx: int) -> list[Criterion]:
    """Every criterion of ``rule`` at ``month_idx``, AUM first."""
    window = range(month_idx - rule.window_months, month_idx + 1)
    peak = max((by_month[m].aum_fen for m in window if m in by_month), default=0)
    now = by_month.get(month_idx) or _empty(month_idx)
    found = [
        Criterion(
            rule.tier, "aum", peak >= rule.aum_min_fen, peak, rule.aum_min_fen, None, rule.window_months
        )
    ]
    if rule.card_spend_min_fen is not None:
        held = now.card_spend_12m_fen >= rule.card_spend_min_fen
        found.append(
            Criterion(rule.tier, "card_spend", held, now.card_spend_12m_fen, rule.card_spend_min_fen)
        )
    if rule.mortgage_min_fen is not None:
        held = _in_range(now.mortgage_fen, rule.mortgage_min_fen, rule.mortgage_max_fen)
        found.append(
            Criterion(
                rule.tier, "mortgage", held, now.mortgage_fen, rule.mortgage_min_fen, rule.mortgage_max_fen
            )
        )
    if rule.credit_loan_min_fen is not None:
        held = _in_range(now.credit_loan_fen, rule.credit_loan_min_fen, rule.credit_loan_max_fen)
        found.append(
            Criterion(
                rule.tier,
                "credit_loan",
                held,
                now.credit_loan_fen,
                rule.credit_loan_min_fen,
                rule.credit_loan_max_fen,
            )
        )
    if rule.diamond_card:
        found.append(Criterion(rule.tier, "diamond_card", now.diamond_card, int(now.diamond_card), 1))
    return found


def classify(
    rules: RuleSet, by_month: Mapping[int, MonthFigures], month_idx: int
) -> tuple[Tier, tuple[str, ...], tuple[Criterion, ...]]:
    """The highest tier whose criteria hold at ``month_idx``, the names of its criteria that held (AUM
    first), and every criterion judged on the way down (tiers above the result, then the result's own)."""
    judged: list[Criterion] = []
    for rule in rules.rules:
        found = _criteria(rule, by_month, month_idx)
        judged.extend(found)
        held = tuple(criterion.name for criterion in found if criterion.held)
        if held:
            return rule.tier, held, tuple(judged)
    return Tier.ORDINARY, (), tuple(judged)


def months_below(rule: TierRule, by_month: Mapping[int, MonthFigures], month_idx: int) -> int:
    """Consecutive months ending at ``month_idx`` with AUM below the threshold, up to the churn bound."""
    count = 0
    while count < rule.churn_at:
        figures = by_month.get(month_idx - count)
        if figures is not None and figures.aum_fen >= rule.aum_min_fen:
            break
        count += 1
    return count


def band(rule: TierRule, below: int) -> Status:
    """The status band of ``below`` months below ``rule``'s threshold."""
    if below >= rule.churn_at:
        return Status.CHURNED
    if rule.attention_max is not None and below > rule.watch_max:
        return Status.ATTENTION
    return Status.WATCH if below > 0 else Status.NORMAL


def _as_mapping(series: Iterable[MonthFigures] | Mapping[int, MonthFigures]) -> Mapping[int, MonthFigures]:
    if isinstance(series, Mapping):
        return series
    return {figures.month_idx: figures for figures in series}


def evaluate(
    rules: RuleSet,
    series: Sequence[MonthFigures] | Mapping[int, MonthFigures],
    month_idx: int,
    *,
    previous: tuple[Tier, str | None] | None = None,
) -> TierEvaluation:
    """Evaluate one customer at ``month_idx`` (SPEC §3).

    ``previous`` is the stored evaluation of the month before, as (tier, qualified_by); when omitted
    it is computed from ``series``. Months after ``month_idx`` are ignored.

    ``qualified_by`` names the first criterion that held, AUM first, so "reached through AUM" means the
    AUM criterion held. Status is ``normal`` while any non-AUM criterion of the tier holds; otherwise
    it is the band of the months below the tier's threshold. Churn: the tier at the month before was
    reached through AUM and the tier is now lower because the months below the old tier's threshold
    reached its churn bound; status is then ``churned`` and ``months_below`` counts against the old
    tier.
    """
    by_month = _as_mapping(series)
    tier, held, criteria = classify(rules, by_month, month_idx)
    qualified_by = held[0] if held else None
    if previous is None:
        prev_tier, prev_held, _ = classify(rules, by_month, month_idx - 1)
        prev_qualified_by = prev_held[0] if prev_held else None
    else:
        prev_tier, prev_qualified_by = previous
    old_rule = rules.rule(prev_tier)
    if old_rule is not None and prev_qualified_by == "aum" and Tier(tier).rank > Tier(prev_tier).rank:
        below_old = months_below(old_rule, by_month, month_idx)
        if below_old >= old_rule.churn_at:
            return TierEvaluation(
                month_idx, Tier(tier), Status.CHURNED, below_old, Tier(prev_tier), qualified_by, criteria
            )
    rule = rules.rule(tier)
    if rule is None:
        return TierEvaluation(month_idx, Tier.ORDINARY, None, 0, None, None, criteria)
    below = months_below(rule, by_month, month_idx)
    other_criterion_holds = any(name != "aum" for name in held)
    status = Status.NORMAL if other_criterion_holds else band(rule, below)
    return TierEvaluation(month_idx, Tier(tier), status, below, None, qualified_by, criteria)


def change_reason(old: Tier | None, new: Tier, *, churned: bool) -> str | None:
    """Why the tier moved from ``old`` to ``new``: upgrade, downgrade, churn — or None if it did not."""
    if old is None or old == new:
        return None if old == new else "upgrade"
    if churned:
        return "churn"
    return "upgrade" if Tier(new).rank < Tier(old).rank else "downgrade"
