"""Tier rule sets as a person reads and edits them: TOML files and ``--set TIER.FIELD=VALUE`` changes.

A rule set file has one table per tier above ordinary, amounts in yuan::

    [platinum]
    aum = 500000            # AUM reached within the window (yuan)
    window = 6              # months before the current one
    card_spend = 100000     # 12-month card spend at least (yuan)
    mortgage_min = 1500000  # mortgage balance in [min, max) (yuan)
    mortgage_max = 5000000
    credit_loan_min = 600000
    watch_max = 3           # 1..watch_max months below: watch 观察
    attention_max = 6       # up to attention_max: attention 关注 (omit for no attention band)

The churn bound is not written: it is always one more than the window (SPEC §3). Every refusal is a
:class:`RuleSetError` whose message names the tier and field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from rm_console.domain.enums import Tier
from rm_console.domain.errors import UserError
from rm_console.domain.money import AmountError, format_yuan, parse_yuan
from rm_console.domain.tiers import RuleSet, TierRule

#: The tiers a rule set defines, highest first (ordinary is what is left).
RULE_TIERS: tuple[Tier, ...] = tuple(tier for tier in Tier if tier is not Tier.ORDINARY)
#: Longest window a rule may look back, in months.
MAX_WINDOW = 24

#: Money fields: file name → TierRule attribute (stored in fen).
MONEY_FIELDS: dict[str, str] = {
    "aum": "aum_min_fen",
    "card_spend": "card_spend_min_fen",
    "mortgage_min": "mortgage_min_fen",
    "mortgage_max": "mortgage_max_fen",
    "credit_loan_min": "credit_loan_min_fen",
    "credit_loan_max": "credit_loan_max_fen",
}
#: Whole-number fields: file name → TierRule attribute.
COUNT_FIELDS: dict[str, str] = {
    "window": "window_months",
    "watch_max": "watch_max",
    "attention_max": "attention_max",
}
#: Yes/no fields.
FLAG_FIELDS: dict[str, str] = {"diamond_card": "diamond_card"}
#: Fields that may be left out (the criterion or band is then not used).
OPTIONAL_FIELDS = frozenset(
    {
        "card_spend",
        "mortgage_min",
        "mortgage_max",
        "credit_loan_min",
        "credit_loan_max",
        "attention_max",
        "diamond_card",
    }
)
FIELDS: tuple[str, ...] = (*MONEY_FIELDS, *COUNT_FIELDS, *FLAG_FIELDS)

_COMMENTS = {
    "aum": "AUM reached within the window, yuan (资产)",
    "window": "months before the current one that count",
    "card_spend": "credit-card spend over 12 months at least, yuan",
    "mortgage_min": "mortgage balance at least, yuan",
    "mortgage_max": "... and below, yuan",
    "credit_loan_min": "credit/guarantee loan balance at least, yuan",
    "credit_loan_max": "... and below, yuan",
    "diamond_card": "holding a valid diamond card qualifies",
    "watch_max": "1..watch_max months below the AUM threshold: watch 观察",
    "attention_max": "watch_max+1..attention_max: attention 关注",
}


class RuleSetError(UserError):
    """A rule set or a change to one that cannot be used; the message names the tier and field."""


def _money(tier: str, name: str, value: Any) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    if isinstance(value, bool):
        raise RuleSetError(
            "{tier}.{field}: {value!r} is not an amount in yuan", tier=tier, field=name, value=value
        )
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        return parse_yuan(text)
    except AmountError as exc:
        raise RuleSetError("{tier}.{field}: {error}", tier=tier, field=name, error=exc) from None


def _count(tier: str, name: str, value: Any) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    if isinstance(value, bool):
        raise RuleSetError(
            "{tier}.{field}: {value!r} is not a whole number of months", tier=tier, field=name, value=value
        )
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.isdigit():
        raise RuleSetError(
            "{tier}.{field}: {value!r} is not a whole number of months", tier=tier, field=name, value=value
        )
    return int(text)


def _flag(tier: str, name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", "none", ""):
        return False
    raise RuleSetError("{tier}.{field}: {value!r} is not true or false", tier=tier, field=name, value=value)


def _tier(name: str) -> Tier:
    try:
        tier = Tier(name)
    except ValueError:
        tier = None
    if tier is None or tier is Tier.ORDINARY:
        names = ", ".join(t.value for t in RULE_TIERS)
        raise RuleSetError("unknown tier {tier!r}; the tiers with rules are {tiers}", tier=name, tiers=names)
    return tier


def _set_field(rule: TierRule, name: str, value: Any) -> TierRule:
    tier = rule.tier.value
    if name in MONEY_FIELDS:
        amount = _money(tier, name, value)
        if amount is None and name not in OPTIONAL_FIELDS:
            raise RuleSetError("{tier}.{field}: required", tier=tier, field=name)
        return replace(rule, **{MONEY_FIELDS[name]: amount})
    if name in COUNT_FIELDS:
        count = _count(tier, name, value)
        if count is None and name not in OPTIONAL_FIELDS:
            raise RuleSetError("{tier}.{field}: required", tier=tier, field=name)
        changed = replace(rule, **{COUNT_FIELDS[name]: count})
        if name == "window" and count is not None:
            changed = replace(changed, churn_at=count + 1)
        return changed
    if name in FLAG_FIELDS:
        return replace(rule, **{FLAG_FIELDS[name]: _flag(tier, name, value)})
    if name == "churn_at":
        raise RuleSetError(
            "{tier}.churn_at: the churn bound is always window + 1; change {tier}.window instead", tier=tier
        )
    raise RuleSetError(
        "{tier}.{field}: unknown field; the fields are {fields}",
        tier=tier,
        field=name,
        fields=", ".join(FIELDS),
    )


def validate(rules: RuleSet) -> RuleSet:
    """Return ``rules`` if they can be used, else raise RuleSetError naming the first problem.

    Every tier above ordinary has a rule; AUM thresholds descend strictly with the tiers; windows are
    0–24 months and each churn bound is its window + 1 (bands reaching past it are cut there); an
    attention band, if any, ends after the watch band; every minimum is more than 0 (a customer with no
    figures must not qualify); a range maximum needs its minimum and lies above it.
    """
    present = {rule.tier for rule in rules.rules}
    for tier in RULE_TIERS:
        if tier not in present:
            raise RuleSetError("{tier}: the rule set has no rule for this tier", tier=tier.value)
    if len(rules.rules) != len(RULE_TIERS):
        raise RuleSetError("the rule set names a tier twice or names ordinary, which has no rule")
    higher: TierRule | None = None
    for rank, tier in enumerate(RULE_TIERS):
        rule = rules.rule(tier)
        assert rule is not None  # every tier is present (checked above)
        name = tier.value
        if rule.rank != rank:
            raise RuleSetError(
                "{tier}: rank {rank} should be {expected}", tier=name, rank=rule.rank, expected=rank
            )
        if rule.aum_min_fen <= 0:
            raise RuleSetError("{tier}.aum: must be more than 0", tier=name)
        if higher is not None and rule.aum_min_fen >= higher.aum_min_fen:
            raise RuleSetError(
                "{tier}.aum: {amount} must be below {higher}.aum ({higher_amount}): thresholds descend "
                "with the tiers",
                tier=name,
                amount=format_yuan(rule.aum_min_fen),
                higher=higher.tier.value,
                higher_amount=format_yuan(higher.aum_min_fen),
            )
        if not 0 <= rule.window_months <= MAX_WINDOW:
            raise RuleSetError(
                "{tier}.window: {months} is not between 0 and {max_months} months",
                tier=name,
                months=rule.window_months,
                max_months=MAX_WINDOW,
            )
        if rule.churn_at != rule.window_months + 1:
            raise RuleSetError(
                "{tier}: the churn bound must be window + 1 ({churn_at})",
                tier=name,
                churn_at=rule.window_months + 1,
            )
        if rule.watch_max < 0:
            raise RuleSetError("{tier}.watch_max: must not be negative", tier=name)
        if rule.attention_max is not None and rule.attention_max <= rule.watch_max:
            raise RuleSetError(
                "{tier}.attention_max: {attention_max} must be above watch_max ({watch_max})",
                tier=name,
                attention_max=rule.attention_max,
                watch_max=rule.watch_max,
            )
        for low, high in (("mortgage_min", "mortgage_max"), ("credit_loan_min", "credit_loan_max")):
            minimum = getattr(rule, MONEY_FIELDS[low])
            maximum = getattr(rule, MONEY_FIELDS[high])
            if maximum is not None and minimum is None:
                raise RuleSetError(
                    "{tier}.{field}: a maximum needs {tier}.{minimum_field}",
                    tier=name,
                    field=high,
                    minimum_field=low,
                )
            if maximum is not None and minimum is not None and maximum <= minimum:
                raise RuleSetError(
                    "{tier}.{field}: must be above {tier}.{minimum_field}",
                    tier=name,
                    field=high,
                    minimum_field=low,
                )
        for field in ("card_spend", "mortgage_min", "credit_loan_min"):
            value = getattr(rule, MONEY_FIELDS[field])
            if value is not None and value <= 0:
                raise RuleSetError(
                    "{tier}.{field}: must be more than 0 (leave it out to not use it)", tier=name, field=field
                )
        higher = rule
    return rules


def with_changes(rules: RuleSet, changes: Iterable[str]) -> RuleSet:
    """Apply ``TIER.FIELD=VALUE`` changes (amounts in yuan; ``none`` drops an optional criterion).

    The result is validated; the version is left for the store to assign.
    """
    by_tier = {rule.tier: rule for rule in rules.rules}
    for change in changes:
        target, sep, value = change.partition("=")
        tier_name, dot, field = target.strip().partition(".")
        if not sep or not dot or not field:
            raise RuleSetError(
                "{change!r}: write a change as TIER.FIELD=VALUE, e.g. platinum.aum=800000", change=change
            )
        tier = _tier(tier_name.strip())
        by_tier[tier] = _set_field(by_tier[tier], field.strip(), value.strip())
    return validate(RuleSet(version=rules.version, rules=tuple(by_tier.values())))


def parse_toml(text: str, *, version: int = 0, source: str = "rule set") -> RuleSet:
    """A rule set from TOML text (see the module docstring); RuleSetError names what is wrong."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError("{source}: not valid TOML: {error}", source=source, error=exc) from None
    return from_mapping(document, version=version, source=source)


def from_mapping(document: Mapping[str, Any], *, version: int = 0, source: str = "rule set") -> RuleSet:
    """A rule set from a parsed TOML document."""
    rules: list[TierRule] = []
    for name, table in document.items():
        if name == "version":
            continue
        tier = _tier(name)
        if not isinstance(table, Mapping):
            raise RuleSetError(
                "{source}: {tier} must be a table of fields ([{tier}])", source=source, tier=name
            )
        for required in ("aum", "window", "watch_max"):
            if required not in table:
                raise RuleSetError(
                    "{source}: {tier}.{field}: required", source=source, tier=name, field=required
                )
        window = _count(name, "window", table["window"])
        rule = TierRule(
            tier=tier,
            rank=RULE_TIERS.index(tier),
            aum_min_fen=0,
            window_months=window or 0,
            watch_max=0,
            attention_max=None,
            churn_at=(window or 0) + 1,
        )
        for field, value in table.items():
            rule = _set_field(rule, str(field), value)
        rules.append(rule)
    return validate(RuleSet(version=version, rules=tuple(rules)))


def _yuan(fen: int) -> str:
    whole, cents = divmod(fen, 100)
    return str(whole) if cents == 0 else f'"{whole}.{cents:02d}"'


def to_toml(rules: RuleSet) -> str:
    """The rule set as a commented TOML file a person can read and edit; ``parse_toml`` reads it back."""
    lines = [
        f"# RM Console tier rules (客户等级参数), version {rules.version}.",
        "# Amounts in yuan. A tier's criteria are alternatives (OR); the highest tier that holds wins.",
        "# The churn bound of a tier is always its window + 1 months below the AUM threshold.",
        "",
    ]
    for rule in rules.rules:
        lines.append(f"[{rule.tier.value}]")
        values: dict[str, str] = {}
        for field, attribute in MONEY_FIELDS.items():
            amount = getattr(rule, attribute)
            if amount is not None:
                values[field] = _yuan(amount)
        values["window"] = str(rule.window_months)
        if rule.diamond_card:
            values["diamond_card"] = "true"
        values["watch_max"] = str(rule.watch_max)
        if rule.attention_max is not None:
            values["attention_max"] = str(rule.attention_max)
        for field in FIELDS:
            if field in values:
                assignment = f"{field} = {values[field]}"
                lines.append(f"{assignment:<28}# {_COMMENTS[field]}")
        lines.append("")
    return "\n".join(lines)
