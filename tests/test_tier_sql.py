"""The set-based tier evaluation (``storage.tier_eval``) equals the reference rule for every customer,
on SQLite and PostgreSQL: random customers and rule sets (hypothesis), the status bands on their
boundary months, churn judged against the stored previous month, re-evaluation, the simulation's
transition counts, and a demo bank."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, delete, insert, text

from rm_console.domain.calendar import month_idx, month_text
from rm_console.domain.enums import Status, Tier
from rm_console.domain.tiers import (
    MonthFigures,
    RuleSet,
    TierRule,
    band,
    classify,
    evaluate,
    months_below,
)
from rm_console.services import Services
from storage.engine import make_engine, sqlite_url
from storage.migrate import upgrade
from storage.models import Customer, CustomerTier, Institution, MonthlyAum
from storage.tier_apply import write_customer_tiers
from storage.tier_eval import (
    EVAL_COLUMNS,
    changed_customers,
    evaluate_all,
    transition_counts,
)
from storage.tiers import load_rule_set

NOW = 2026 * 12 + 10  # 2026-11
Y = 100  # fen per yuan
CRITERIA = ("aum", "card_spend", "mortgage", "credit_loan", "diamond_card")
TIERS = tuple(tier for tier in Tier if tier != Tier.ORDINARY)
EVALUATED_AT = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)

_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_AUM = MonthlyAum.__table__  # type: ignore[attr-defined]
_TIER = CustomerTier.__table__  # type: ignore[attr-defined]
_INSTITUTION = Institution.__table__  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------------
# Stores and scenarios
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """A customer's stored ``customer_tier`` row (the parts the evaluation reads)."""

    month_idx: int
    tier: str
    status: str | None
    qualified_by: str | None
    prev_month_idx: int | None = None
    prev_tier: str | None = None
    prev_status: str | None = None
    prev_qualified_by: str | None = None


@dataclass
class Case:
    """One customer: monthly rows (None figures are stored as NULL) and maybe a stored evaluation."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    stored: Stored | None = None


def _reset_pg_schema(engine: Engine) -> None:
    """Empty the PostgreSQL database (its public schema)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated store per backend for the whole module, with one institution; each scenario
    replaces its customers."""
    if request.param == "sqlite":
        engine = make_engine(sqlite_url(tmp_path_factory.mktemp("tier-sql") / "store.db"))
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
        _reset_pg_schema(engine)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(_INSTITUTION), [{"id": 1, "code": "HO", "name": "总行", "kind": "head_office"}])
    try:
        yield engine
    finally:
        if request.param == "postgresql":
            _reset_pg_schema(engine)  # leave the session's database empty for whoever uses it next
        engine.dispose()


def load(engine: Engine, cases: Sequence[Case]) -> None:
    """Replace the store's customers, their monthly rows and stored evaluations with ``cases``."""
    with engine.begin() as conn:
        for table in (_TIER, _AUM, _CUSTOMER):
            conn.execute(delete(table))
        if not cases:
            return
        conn.execute(
            insert(_CUSTOMER),
            [
                {"id": n, "cif": f"C{n:06d}", "name": f"客户{n}", "kind": "individual", "institution_id": 1}
                for n, _ in enumerate(cases, start=1)
            ],
        )
        rows = [
            {
                "customer_id": n,
                "month_idx": idx,
                "month": month_text(idx),
                "aum_fen": figures["aum_fen"],
                "mortgage_fen": figures.get("mortgage_fen"),
                "credit_loan_fen": figures.get("credit_loan_fen"),
                "card_spend_12m_fen": figures.get("card_spend_12m_fen"),
                "diamond_card": bool(figures.get("diamond_card", False)),
            }
            for n, case in enumerate(cases, start=1)
            for idx, figures in case.rows.items()
        ]
        if rows:
            conn.execute(insert(_AUM), rows)
        stored = [
            {
                "customer_id": n,
                "month_idx": case.stored.month_idx,
                "month": month_text(case.stored.month_idx),
                "tier": case.stored.tier,
                "status": case.stored.status,
                "months_below": 0,
                "churned_from": None,
                "qualified_by": case.stored.qualified_by,
                "rule_version": 1,
                "evaluated_at": EVALUATED_AT,
                "prev_month_idx": case.stored.prev_month_idx,
                "prev_tier": case.stored.prev_tier,
                "prev_status": case.stored.prev_status,
                "prev_qualified_by": case.stored.prev_qualified_by,
            }
            for n, case in enumerate(cases, start=1)
            if case.stored is not None
        ]
        if stored:
            conn.execute(insert(_TIER), stored)


def evaluated(conn: Connection, table: str = "tier_eval") -> dict[int, dict[str, Any]]:
    """The evaluation table's rows by customer id."""
    rows = conn.execute(text(f"SELECT {', '.join(EVAL_COLUMNS)} FROM {table}")).mappings()
    return {row["customer_id"]: dict(row) for row in rows}


def run(engine: Engine, rules: RuleSet, month: int = NOW) -> dict[int, dict[str, Any]]:
    """Evaluate every customer at ``month`` in SQL (writing nothing) and return the rows."""
    with engine.connect() as conn:
        count = evaluate_all(conn, rules, month)
        rows = evaluated(conn)
        conn.rollback()
    assert count == len(rows)
    return rows


# ---------------------------------------------------------------------------------------------------
# The reference, with the previous month the SQL takes
# ---------------------------------------------------------------------------------------------------


def series(case: Case) -> dict[int, MonthFigures]:
    """The reference rule's view of a case's rows (NULL figures are 0 and false)."""
    return {
        idx: MonthFigures(
            idx,
            figures["aum_fen"],
            mortgage_fen=figures.get("mortgage_fen") or 0,
            credit_loan_fen=figures.get("credit_loan_fen") or 0,
            card_spend_12m_fen=figures.get("card_spend_12m_fen") or 0,
            diamond_card=bool(figures.get("diamond_card", False)),
        )
        for idx, figures in case.rows.items()
    }


def computed_previous(
    rules: RuleSet, by_month: dict[int, MonthFigures], month: int
) -> tuple[str, str | None, str | None]:
    """(tier, status without churn, qualified_by) of the month before ``month``, from the data."""
    tier, held, _ = classify(rules, by_month, month - 1)
    rule = rules.rule(tier)
    if rule is None:
        return tier.value, None, None
    if any(name != "aum" for name in held):
        status = Status.NORMAL
    else:
        status = band(rule, months_below(rule, by_month, month - 1))
    return tier.value, status.value, held[0]


def expected(rules: RuleSet, case: Case, month: int = NOW) -> dict[str, Any]:
    """The row the SQL must produce for ``case``: the reference rule with the same previous month."""
    by_month = series(case)
    stored = case.stored
    if stored is not None and stored.month_idx == month - 1:
        prev = (stored.tier, stored.status, stored.qualified_by)
    elif stored is not None and stored.month_idx == month and stored.prev_month_idx == month - 1:
        prev = (stored.prev_tier, stored.prev_status, stored.prev_qualified_by)
    else:
        prev = None
    previous = None if prev is None else (Tier(prev[0]), prev[2])
    result = evaluate(rules, by_month, month, previous=previous)
    if prev is None:
        prev = computed_previous(rules, by_month, month)
    return {
        "tier": result.tier.value,
        "status": result.status.value if result.status else None,
        "months_below": result.months_below,
        "churned_from": result.churned_from.value if result.churned_from else None,
        "qualified_by": result.qualified_by,
        "prev_month_idx": month - 1,
        "prev_tier": prev[0],
        "prev_status": prev[1],
        "prev_qualified_by": prev[2],
    }


def assert_matches_reference(rows: dict[int, dict[str, Any]], rules: RuleSet, cases: Sequence[Case]) -> None:
    """Every case has its row, and each row is what the reference rule says."""
    assert sorted(rows) == list(range(1, len(cases) + 1))
    for n, case in enumerate(cases, start=1):
        got = {key: value for key, value in rows[n].items() if key != "customer_id"}
        assert got == expected(rules, case), f"customer {n}: {case}"


# ---------------------------------------------------------------------------------------------------
# Random customers and rule sets
# ---------------------------------------------------------------------------------------------------


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    """A valid rule set: some of the tiers, thresholds descending with rank, windows 0–12, status bands
    watch < attention < churn (or no attention band), any non-AUM criteria; amounts are small so that
    the generated figures land on and around them."""
    tiers = draw(st.one_of(st.just(list(TIERS)), st.lists(st.sampled_from(TIERS), unique=True)))
    tiers.sort(key=lambda tier: tier.rank)
    thresholds = sorted(
        draw(st.sets(st.integers(0, 60), min_size=len(tiers), max_size=len(tiers))), reverse=True
    )
    rules = []
    for tier, threshold in zip(tiers, thresholds, strict=True):
        window = draw(st.integers(0, 12))
        churn_at = draw(st.one_of(st.just(window + 1), st.integers(1, 13)))
        watch_max = draw(st.integers(0, churn_at - 1))
        attention_max = None
        if watch_max + 1 <= churn_at - 1:
            attention_max = draw(st.none() | st.integers(watch_max + 1, churn_at - 1))
        rules.append(
            TierRule(
                tier,
                tier.rank,
                threshold,
                window,
                watch_max=watch_max,
                attention_max=attention_max,
                churn_at=churn_at,
                card_spend_min_fen=draw(st.none() | st.integers(0, 60)),
                **draw(_range("mortgage")),
                **draw(_range("credit_loan")),
                diamond_card=draw(st.booleans()),
            )
        )
    return RuleSet(version=1, rules=tuple(rules))


def _range(name: str) -> st.SearchStrategy[dict[str, int | None]]:
    """A balance criterion: none, a minimum, or a half-open range."""

    def build(bounds: tuple[int | None, int | None]) -> dict[str, int | None]:
        low, high = bounds
        return {f"{name}_min_fen": low, f"{name}_max_fen": high if low is not None else None}

    ranges = st.integers(0, 60).flatmap(
        lambda low: st.tuples(st.just(low), st.none() | st.integers(low + 1, 70))
    )
    return st.one_of(st.just((None, None)), ranges).map(build)


def _bounds(rules: RuleSet) -> list[int]:
    """Amounts on, just below and just above the rule set's bounds, and 0."""
    bounds = {0}
    for rule in rules.rules:
        for value in (
            rule.aum_min_fen,
            rule.card_spend_min_fen,
            rule.mortgage_min_fen,
            rule.mortgage_max_fen,
            rule.credit_loan_min_fen,
            rule.credit_loan_max_fen,
        ):
            if value is not None:
                bounds.update((value, max(value - 1, 0), value + 1))
    return sorted(bounds)


class Picker:
    """Where a customer's random choices come from: hypothesis draws (shrinkable; a few customers), or
    a :class:`random.Random` seeded by a draw (many customers, cheaply)."""

    def __init__(self, draw: st.DrawFn | None = None, rng: random.Random | None = None) -> None:
        self.draw = draw
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        if self.draw is not None:
            return self.draw(st.integers(low, high))
        assert self.rng is not None
        return self.rng.randint(low, high)

    def amount(self, bounds: Sequence[int]) -> int:
        """An amount: mostly on or next to a bound, sometimes anywhere."""
        if self.integer(0, 3):
            return bounds[self.integer(0, len(bounds) - 1)]
        return self.integer(0, 70)

    def maybe_amount(self, bounds: Sequence[int]) -> int | None:
        """An amount, or None (a NULL figure)."""
        return None if self.integer(0, 4) == 0 else self.amount(bounds)

    def one_of(self, values: Sequence[Any]) -> Any:
        """One of ``values``."""
        return values[self.integer(0, len(values) - 1)]


def make_case(pick: Picker, bounds: Sequence[int]) -> Case:
    """A customer: AUM in runs of a level (so streaks below and above thresholds form), starting up to
    16 months before NOW (sometimes only after it), with gaps, sometimes one month after NOW; non-AUM
    figures (NULL or not) in NOW and NOW − 1; maybe a stored evaluation of NOW − 1, of NOW (with or
    without the previous month beside it), or older."""
    first = NOW - pick.integer(-1, 16)
    last = NOW + pick.integer(0, 1)
    gaps = pick.one_of([0, 0, 0, 1, 3])  # in about 1 month of n + 1 (0: never)
    rows: dict[int, dict[str, Any]] = {}
    idx = first
    while idx <= last:
        level = pick.amount(bounds)
        for _ in range(pick.integer(1, 14)):
            if idx > last:
                break
            if not (gaps and pick.integer(0, gaps) == 0):
                rows[idx] = {"aum_fen": level}
                if idx >= NOW - 1:
                    rows[idx] |= {
                        "mortgage_fen": pick.maybe_amount(bounds),
                        "credit_loan_fen": pick.maybe_amount(bounds),
                        "card_spend_12m_fen": pick.maybe_amount(bounds),
                        "diamond_card": bool(pick.integer(0, 1)),
                    }
            idx += 1
    return Case(rows=rows, stored=make_stored(pick))


def make_stored(pick: Picker) -> Stored | None:
    """Nothing stored, or an evaluation with random (valid) names."""
    kind = pick.integer(0, 4)
    if kind == 0:
        return None
    tiers = [tier.value for tier in Tier]
    statuses = [None, *(status.value for status in Status)]
    criteria = [None, *CRITERIA]
    return Stored(
        month_idx={1: NOW - 1, 2: NOW, 3: NOW, 4: NOW - 2}[kind],
        tier=pick.one_of(tiers),
        status=pick.one_of(statuses),
        qualified_by=pick.one_of(criteria),
        prev_month_idx=NOW - 1 if kind == 2 else pick.one_of([None, NOW - 2, NOW - 1]),
        prev_tier=pick.one_of(tiers),
        prev_status=pick.one_of(statuses),
        prev_qualified_by=pick.one_of(criteria),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RuleSet, list[Case]]:
    """A rule set, a few customers hypothesis drew, and some dozens more from a seed it drew."""
    rules = draw(rule_sets())
    bounds = _bounds(rules)
    drawn = [make_case(Picker(draw=draw), bounds) for _ in range(draw(st.integers(0, 3)))]
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    bulk = [make_case(Picker(rng=rng), bounds) for _ in range(draw(st.integers(0, 50)))]
    return rules, drawn + bulk


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(scenario=scenarios())
def test_sql_equals_the_reference_rule_for_random_customers_and_rules(
    store: Engine, scenario: tuple[RuleSet, list[Case]]
) -> None:
    rules, customers = scenario
    load(store, customers)
    assert_matches_reference(run(store, rules), rules, customers)


# ---------------------------------------------------------------------------------------------------
# SPEC §3's bands on their boundary months, and churn
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec_rules(store: Engine) -> RuleSet:
    """The default rule set the migration seeds (SPEC §3's table)."""
    with store.connect() as conn:
        return load_rule_set(conn)


def history(*yuan: int, **now: int | bool) -> Case:
    """Monthly AUM in yuan, oldest first, ending at NOW; keyword figures (yuan) apply to NOW."""
    start = NOW - len(yuan) + 1
    rows: dict[int, dict[str, Any]] = {start + i: {"aum_fen": amount * Y} for i, amount in enumerate(yuan)}
    for key, value in now.items():
        column = {"card_spend": "card_spend_12m_fen", "diamond": "diamond_card"}.get(key, f"{key}_fen")
        rows[NOW][column] = value if isinstance(value, bool) else value * Y
    return Case(rows=rows)


#: (case, tier, status, months below, churned from) on the boundary months of each band.
BOUNDARIES = {
    "core 0 below": (history(*[12_000_000] * 14), "core", "normal", 0, None),
    "core 1 below": (history(*[12_000_000] * 13, 9_000_000), "core", "watch", 1, None),
    "core 6 below": (history(*[12_000_000] * 8, *[9_000_000] * 6), "core", "watch", 6, None),
    "core 7 below": (history(*[12_000_000] * 7, *[9_000_000] * 7), "core", "attention", 7, None),
    "core 12 below": (history(*[12_000_000] * 2, *[9_000_000] * 12), "core", "attention", 12, None),
    "core 13 below": (history(12_000_000, *[9_000_000] * 13), "growth", "churned", 13, "core"),
    "core 14 below": (history(12_000_000, *[9_000_000] * 14), "growth", "normal", 0, None),
    "platinum 3 below": (history(*[600_000] * 5, *[100_000] * 3), "platinum", "watch", 3, None),
    "platinum 4 below": (history(*[600_000] * 4, *[100_000] * 4), "platinum", "attention", 4, None),
    "platinum 6 below": (history(*[600_000] * 2, *[100_000] * 6), "platinum", "attention", 6, None),
    "platinum 7 below": (history(600_000, *[100_000] * 7), "potential", "churned", 7, "platinum"),
    "potential 3 below": (history(60_000, 10, 10, 10), "potential", "watch", 3, None),
    "potential 4 below": (history(60_000, 10, 10, 10, 10), "ordinary", "churned", 4, "potential"),
    "gap counts as below": (
        Case(rows={NOW - 5: {"aum_fen": 600_000 * Y}, NOW: {"aum_fen": 100_000 * Y}}),
        "platinum",
        "attention",
        5,
        None,
    ),
    "card spend keeps normal": (
        history(600_000, *[100_000] * 5, card_spend=150_000),
        "platinum",
        "normal",
        5,
        None,
    ),
    "diamond card": (history(0, diamond=True), "growth", "normal", 13, None),
    "mortgage range top is open": (history(0, mortgage=5_000_000), "growth", "normal", 13, None),
    "credit loan just short": (history(0, credit_loan=299_999), "ordinary", None, 0, None),
    "no rows at all": (Case(), "ordinary", None, 0, None),
}


def test_status_bands_and_churn_on_their_boundary_months(store: Engine, spec_rules: RuleSet) -> None:
    customers = [case for case, *_ in BOUNDARIES.values()]
    load(store, customers)
    rows = run(store, spec_rules)
    assert_matches_reference(rows, spec_rules, customers)
    for n, (name, (_, *wanted)) in enumerate(BOUNDARIES.items(), start=1):
        row = rows[n]
        got = [row["tier"], row["status"], row["months_below"], row["churned_from"]]
        assert got == wanted, name


def test_the_stored_previous_month_decides_churn(store: Engine, spec_rules: RuleSet) -> None:
    falling = history(600_000, *[100_000] * 7)  # platinum's seventh month below at NOW
    through_card = replace(falling, stored=Stored(NOW - 1, "platinum", "normal", "card_spend"))
    through_aum = replace(falling, stored=Stored(NOW - 1, "platinum", "attention", "aum"))
    from_gold = replace(falling, stored=Stored(NOW - 1, "gold", "attention", "aum"))
    customers = [falling, through_card, through_aum, from_gold]
    load(store, customers)
    rows = run(store, spec_rules)
    assert_matches_reference(rows, spec_rules, customers)
    summary = [(rows[n]["tier"], rows[n]["status"], rows[n]["churned_from"]) for n in range(1, 5)]
    assert summary == [
        ("potential", "churned", "platinum"),  # M − 1 computed from the data: platinum through AUM
        ("potential", "normal", None),  # stored: platinum through card spend, so a downgrade
        ("potential", "churned", "platinum"),
        ("potential", "churned", "gold"),
    ]
    assert [rows[n]["prev_qualified_by"] for n in range(1, 5)] == ["aum", "card_spend", "aum", "aum"]


def test_re_evaluating_the_same_month_is_stable(store: Engine, spec_rules: RuleSet) -> None:
    falling = history(600_000, *[100_000] * 7)
    customers = [
        replace(falling, stored=Stored(NOW - 1, "platinum", "normal", "card_spend")),
        replace(falling, stored=Stored(NOW - 1, "platinum", "attention", "aum")),
        falling,
        history(60_000, 10, 10, 10, 10),
        history(*[12_000_000] * 14),
    ]
    load(store, customers)
    with store.begin() as conn:
        evaluate_all(conn, spec_rules, NOW)
        first = evaluated(conn)
        written = write_customer_tiers(
            conn, "tier_eval", month_idx=NOW, rule_version=spec_rules.version, at=EVALUATED_AT
        )
        assert written == len(customers)
    with store.begin() as conn:
        stored = conn.execute(text("SELECT * FROM customer_tier ORDER BY customer_id")).mappings().all()
        assert [row["prev_month_idx"] for row in stored] == [NOW - 1] * len(customers)
        assert [row["month"] for row in stored] == [month_text(NOW)] * len(customers)
        evaluate_all(conn, spec_rules, NOW)
        second = evaluated(conn)
        assert (
            write_customer_tiers(
                conn, "tier_eval", month_idx=NOW, rule_version=spec_rules.version, at=EVALUATED_AT
            )
            == 0
        )
        again = conn.execute(text("SELECT * FROM customer_tier ORDER BY customer_id")).mappings().all()
    assert second == first
    assert again == stored
    assert first[1]["status"] == "normal" and first[2]["status"] == "churned"


def test_the_next_month_is_judged_against_the_stored_evaluation(store: Engine, spec_rules: RuleSet) -> None:
    case = history(600_000, *[100_000] * 6)  # platinum, attention at NOW − 0 … churns at NOW + 1
    case.rows[NOW + 1] = {"aum_fen": 100_000 * Y}
    load(store, [case])
    with store.begin() as conn:
        evaluate_all(conn, spec_rules, NOW)
        write_customer_tiers(
            conn, "tier_eval", month_idx=NOW, rule_version=spec_rules.version, at=EVALUATED_AT
        )
        evaluate_all(conn, spec_rules, NOW + 1)
        row = evaluated(conn)[1]
    assert (row["tier"], row["status"], row["churned_from"], row["months_below"]) == (
        "potential",
        "churned",
        "platinum",
        7,
    )
    assert (row["prev_month_idx"], row["prev_tier"], row["prev_status"], row["prev_qualified_by"]) == (
        NOW,
        "platinum",
        "attention",
        "aum",
    )


def test_simulation_counts_transitions_from_the_stored_tiers(store: Engine, spec_rules: RuleSet) -> None:
    customers = [
        replace(history(*[12_000_000] * 14), stored=Stored(NOW, "core", "normal", "aum")),
        replace(history(*[600_000] * 8), stored=Stored(NOW, "gold", "normal", "aum")),
        replace(history(10), stored=Stored(NOW, "potential", "watch", "aum")),
        history(600_000),  # never evaluated: counts as ordinary
        history(10),
    ]
    load(store, customers)
    stricter = RuleSet(
        version=2,
        rules=tuple(
            replace(rule, aum_min_fen=800_000 * Y) if rule.tier == Tier.PLATINUM else rule
            for rule in spec_rules.rules
        ),
    )
    with store.connect() as conn:
        assert evaluate_all(conn, stricter, NOW) == len(customers)
        matrix = transition_counts(conn)
        changed = changed_customers(conn)
        conn.rollback()
    moves = {(a, b): n for a, row in matrix.items() for b, n in row.items() if n}
    assert moves == {
        ("core", "core"): 1,
        ("gold", "gold"): 1,
        ("potential", "ordinary"): 1,
        ("ordinary", "gold"): 1,
        ("ordinary", "ordinary"): 1,
    }
    assert list(matrix) == [tier.value for tier in Tier]
    assert all(list(row) == [tier.value for tier in Tier] for row in matrix.values())
    assert changed == ["C000003", "C000004"]


def test_evaluating_again_replaces_the_table_and_names_are_checked(
    store: Engine, spec_rules: RuleSet
) -> None:
    load(store, [history(600_000), Case()])
    with store.connect() as conn:
        assert evaluate_all(conn, spec_rules, NOW, table="sim_eval") == 2
        assert evaluate_all(conn, spec_rules, NOW + 1, table="sim_eval") == 2
        assert {row["prev_month_idx"] for row in evaluated(conn, "sim_eval").values()} == {NOW}
        with pytest.raises(ValueError, match="identifier"):
            evaluate_all(conn, spec_rules, NOW, table="sim; DROP TABLE customer")
        conn.rollback()


# ---------------------------------------------------------------------------------------------------
# The demo bank
# ---------------------------------------------------------------------------------------------------


def test_a_demo_bank_evaluates_to_its_stored_tiers(tmp_path: Path) -> None:
    as_of = date(2026, 11, 22)
    path = tmp_path / "demo.db"
    services = Services(path, actor="AN01")
    try:
        services.demo.build(customers=2_000, months=14, seed=20261122, as_of=as_of, force=True)
    finally:
        services.close()
    engine = make_engine(sqlite_url(path))
    month = month_idx(as_of)
    try:
        with engine.connect() as conn:
            rules = load_rule_set(conn)
            assert evaluate_all(conn, rules, month) == 2_000
            rows = evaluated(conn)
            stored = {
                row["customer_id"]: row
                for row in conn.execute(
                    text(
                        "SELECT customer_id, tier, status, months_below, churned_from, qualified_by "
                        "FROM customer_tier WHERE month_idx = :m"
                    ),
                    {"m": month},
                ).mappings()
            }
            figures: dict[int, dict[int, MonthFigures]] = defaultdict(dict)
            for row in conn.execute(text("SELECT * FROM monthly_aum")).mappings():
                figures[row["customer_id"]][row["month_idx"]] = MonthFigures(
                    row["month_idx"],
                    row["aum_fen"],
                    mortgage_fen=row["mortgage_fen"] or 0,
                    credit_loan_fen=row["credit_loan_fen"] or 0,
                    card_spend_12m_fen=row["card_spend_12m_fen"] or 0,
                    diamond_card=bool(row["diamond_card"]),
                )
            conn.rollback()
    finally:
        engine.dispose()
    assert len(stored) == len(rows) == 2_000
    for customer_id, row in rows.items():
        assert {key: row[key] for key in stored[customer_id]} == dict(stored[customer_id])
        prev_tier, prev_status, prev_qualified_by = computed_previous(rules, figures[customer_id], month)
        assert (row["prev_tier"], row["prev_status"], row["prev_qualified_by"]) == (
            prev_tier,
            prev_status,
            prev_qualified_by,
        )
    assert {row["status"] for row in rows.values()} >= {"normal", "watch", "attention", "churned"}
