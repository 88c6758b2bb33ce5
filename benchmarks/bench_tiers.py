"""Benchmark: the set-based tier evaluation (SPEC §3) against a hand-written floor, on the demo bank.

In one run, on the same store and month (the bank's business month M), it times

* (a) the floor: a minimal hand-written query that computes, for every tier of the default rules,
  only the window maximum of the monthly AUM and the streak of months below the threshold (a
  bitmask of the months at or above it, decoded into trailing months below), into a temporary table;
* (b) what ``rmc tiers simulate`` runs: :func:`storage.tier_eval.evaluate_all` with the default rules
  (tier, status, months below, churn, qualifying criterion and the previous month, for every
  customer) plus :func:`~storage.tier_eval.transition_counts` and
  :func:`~storage.tier_eval.changed_customers`;
* (c) the full recompute: ``Services(db, actor="AN01").tiers.recompute()`` (evaluation, customer
  tiers, history, alerts, notifications and retention cases, committed);
* the pure-Python reference rule (:func:`rm_console.domain.tiers.evaluate`) over the same months:
  reading each customer's series and evaluating it, checked against (b)'s answer.

(a) and (b) run ``--repeat`` times and the best is kept. It prints each time, the ratios b/a and c/a
and the targets of issue 3: b/a ≤ 1.5, c/a ≤ 4, and (c) under 20 s for 1,000,000 customers.

    .venv/bin/python benchmarks/bench_tiers.py [--customers 1000000] [--db PATH] [--keep DIR]
        [--repeat 2] [--no-reference]

Without ``--db`` it builds the bank with ``rmc demo --customers N --months 14`` in a temporary
directory (kept with ``--keep DIR``). With ``--db`` it uses that bank and (c) writes into it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, text  # noqa: E402

from rm_console.domain.calendar import month_idx, parse_date  # noqa: E402
from rm_console.domain.tiers import MonthFigures, RuleSet, evaluate  # noqa: E402
from rm_console.services import Services  # noqa: E402
from storage.engine import make_engine, sqlite_url  # noqa: E402
from storage.meta import BUSINESS_DATE, get_meta  # noqa: E402
from storage.tier_eval import (  # noqa: E402
    changed_customers,
    evaluate_all,
    transition_counts,
)
from storage.tiers import load_rule_set  # noqa: E402

#: Issue 3's targets.
TARGET_B_OVER_A = 1.5
TARGET_C_OVER_A = 4.0
TARGET_C_SECONDS = 20.0
#: The analyst the demo bank has, who may recompute.
ANALYST = "AN01"


def build_bank(store: Path, customers: int, workdir: Path) -> float:
    """Build the demo bank with ``rmc demo --customers N --months 14``; return the seconds it took."""
    rmc = shutil.which("rmc", path=str(Path(sys.executable).parent)) or shutil.which("rmc")
    command = [rmc] if rmc else [sys.executable, "-c", "from rm_console.cli import main; main()"]
    args = [*command, "--db", str(store), "demo", "--customers", str(customers), "--months", "14"]
    env = {**os.environ, "RMC_CONFIG": str(workdir / "no-config.toml"), "RMC_USER": "BENCH"}
    started = time.perf_counter()
    done = subprocess.run([*args, "--force", "--json"], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"rmc demo failed ({done.returncode}):\n{done.stderr}\n{done.stdout[:2000]}")
    json.loads(done.stdout)
    return time.perf_counter() - started


def floor_sql(rules: RuleSet, month: int) -> tuple[str, dict[str, int]]:
    """The floor: per tier, the window maximum and the streak below the threshold; nothing else."""
    span = max(max(rule.window_months + 2, rule.churn_at + 1) for rule in rules.rules)
    params = {"m": month, "first": month - span + 1}
    aggregates, columns = [], []
    for rule in rules.rules:
        tier = rule.tier.value
        params[f"{tier}_from"] = month - rule.window_months
        params[f"{tier}_min"] = rule.aum_min_fen
        aggregates += [
            f"MAX(CASE WHEN month_idx >= :{tier}_from THEN aum_fen END) AS max_{tier}",
            f"SUM(CASE WHEN aum_fen >= :{tier}_min THEN 1 << (:m - month_idx) ELSE 0 END) AS mask_{tier}",
        ]
        streak = " ".join(f"WHEN mask_{tier} & {1 << n} THEN {n}" for n in range(rule.churn_at))
        columns.append(f"max_{tier}, CASE {streak} ELSE {rule.churn_at} END AS below_{tier}")
    sql = (
        f"CREATE TEMPORARY TABLE tier_floor AS SELECT customer_id, {', '.join(columns)} "
        f"FROM (SELECT customer_id, {', '.join(aggregates)} FROM monthly_aum "
        f"WHERE +month_idx BETWEEN :first AND :m GROUP BY customer_id) AS per_customer"
    )
    return sql, params


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, list[float], Any]:
    """(best seconds, every run's seconds, the last result) of ``repeat`` runs of ``run``."""
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return min(seconds), seconds, result


def packed_floor_sql(rules: RuleSet, month: int) -> tuple[str, dict[str, int]]:
    """A tighter floor: per tier, whether the window reaches the threshold and the streak below it, from
    bitmasks of the months at or above each threshold packed into as few sums as fit in 62 bits."""
    span = max(max(rule.window_months + 2, rule.churn_at + 1) for rule in rules.rules)
    per_word = 62 // span
    params = {"m": month, "first": month - span + 1}
    words: list[list[str]] = []
    columns = []
    for n, rule in enumerate(rules.rules):
        tier, offset = rule.tier.value, (n % per_word) * span
        word = f"w{n // per_word}"
        if n % per_word == 0:
            words.append([])
        params[f"{tier}_min"] = rule.aum_min_fen
        words[-1].append(f"CASE WHEN aum_fen >= :{tier}_min THEN {1 << offset} ELSE 0 END")
        window = ((1 << (rule.window_months + 1)) - 1) << offset
        streak = " ".join(f"WHEN {word} & {1 << (offset + k)} THEN {k}" for k in range(rule.churn_at))
        columns += [
            f"({word} & {window}) <> 0 AS reached_{tier}",
            f"CASE {streak} ELSE {rule.churn_at} END AS below_{tier}",
        ]
    sums = ", ".join(f"SUM(({' + '.join(bits)}) << (:m - month_idx)) AS w{n}" for n, bits in enumerate(words))
    sql = (
        f"CREATE TEMPORARY TABLE tier_floor AS SELECT customer_id, {', '.join(columns)} "
        f"FROM (SELECT customer_id, {sums} FROM monthly_aum "
        f"WHERE +month_idx BETWEEN :first AND :m GROUP BY customer_id) AS per_customer"
    )
    return sql, params


def time_floor(
    conn: Connection, rules: RuleSet, month: int, build: Callable[[RuleSet, int], tuple[str, dict[str, int]]]
) -> int:
    """Run a floor query once into a fresh temporary table; return its row count."""
    sql, params = build(rules, month)
    conn.exec_driver_sql("DROP TABLE IF EXISTS temp.tier_floor")
    conn.exec_driver_sql(sql, params)
    return int(conn.exec_driver_sql("SELECT count(*) FROM tier_floor").scalar_one())


def simulate(conn: Connection, rules: RuleSet, month: int) -> tuple[int, dict[str, dict[str, int]], int]:
    """What ``rmc tiers simulate`` runs: (customers, transition matrix, changed customers)."""
    customers = evaluate_all(conn, rules, month)
    matrix = transition_counts(conn)
    changed = changed_customers(conn)
    return customers, matrix, len(changed)


def evaluated(conn: Connection) -> dict[int, tuple[Any, ...]]:
    """(b)'s answer per customer."""
    rows = conn.execute(
        text("SELECT customer_id, tier, status, months_below, churned_from, qualified_by FROM tier_eval")
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def series_by_customer(path: Path, first: int, last: int) -> Iterator[tuple[int, dict[int, MonthFigures]]]:
    """Each customer's monthly figures of the months ``first`` … ``last``, one customer at a time."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT customer_id, month_idx, aum_fen, mortgage_fen, credit_loan_fen, card_spend_12m_fen, "
            "diamond_card FROM monthly_aum WHERE +month_idx BETWEEN ? AND ? ORDER BY customer_id, month_idx",
            (first, last),
        )
        current, months = None, {}
        for customer, idx, aum, mortgage, credit, card, diamond in rows:
            if customer != current:
                if current is not None:
                    yield current, months
                current, months = customer, {}
            months[idx] = MonthFigures(idx, aum, mortgage or 0, credit or 0, card or 0, bool(diamond))
        if current is not None:
            yield current, months
    finally:
        db.close()


def reference(path: Path, rules: RuleSet, month: int) -> tuple[float, float, dict[int, tuple[Any, ...]]]:
    """(seconds in all, seconds in :func:`evaluate`, answers) of the pure-Python rule for every customer."""
    span = max(max(rule.window_months + 2, rule.churn_at + 1) for rule in rules.rules)
    answers: dict[int, tuple[Any, ...]] = {}
    in_rule = 0.0
    started = time.perf_counter()
    with sqlite3.connect(path) as db:
        customers = [row[0] for row in db.execute("SELECT id FROM customer")]
    for customer, months in series_by_customer(path, month - span + 1, month):
        began = time.perf_counter()
        result = evaluate(rules, months, month)
        in_rule += time.perf_counter() - began
        answers[customer] = _answer(result)
    for customer in customers:
        if customer not in answers:
            answers[customer] = _answer(evaluate(rules, {}, month))
    return time.perf_counter() - started, in_rule, answers


def _answer(result: Any) -> tuple[Any, ...]:
    return (
        result.tier.value,
        result.status.value if result.status else None,
        result.months_below,
        result.churned_from.value if result.churned_from else None,
        result.qualified_by,
    )


def recompute(path: Path) -> None:
    """The full recompute through the service, committed."""
    services = Services(path, actor=ANALYST)
    try:
        services.tiers.recompute()
    finally:
        services.close()


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers in the demo bank")
    parser.add_argument("--db", type=Path, help="use this demo bank instead of building one")
    parser.add_argument("--keep", type=Path, help="build the bank in this directory and keep it")
    parser.add_argument("--repeat", type=int, default=2, help="runs of (a) and (b); the best counts")
    parser.add_argument("--no-reference", action="store_true", help="skip the pure-Python reference")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="rmc-bench-tiers-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.db is not None:
            store = args.db
            print(f"demo bank: {store}")
        else:
            store = workdir / "demo.db"
            seconds = build_bank(store, args.customers, workdir)
            print(f"demo bank: {args.customers:,} customers × 14 months built in {seconds:.1f} s ({store})")
        engine = make_engine(sqlite_url(store))
        try:
            with engine.connect() as conn:
                rules = load_rule_set(conn)
                business = get_meta(conn, BUSINESS_DATE)
                if business is None:
                    raise SystemExit(f"{store}: no business date; is it a demo bank?")
                month = month_idx(parse_date(business))
                customers = int(conn.exec_driver_sql("SELECT count(*) FROM customer").scalar_one())
                rows = int(conn.exec_driver_sql("SELECT count(*) FROM monthly_aum").scalar_one())
                print(f"{customers:,} customers, {rows:,} monthly AUM rows, evaluation month {business[:7]}")
                floor, floor_runs, _ = best_of(args.repeat, lambda: time_floor(conn, rules, month, floor_sql))
                conn.rollback()
                packed, packed_runs, _ = best_of(
                    args.repeat, lambda: time_floor(conn, rules, month, packed_floor_sql)
                )
                conn.rollback()

                def run_b() -> tuple[int, dict[str, dict[str, int]], int]:
                    conn.rollback()
                    return simulate(conn, rules, month)

                sim, sim_runs, (evaluated_count, matrix, changed) = best_of(args.repeat, run_b)
                answers = evaluated(conn)
                conn.rollback()
        finally:
            engine.dispose()
        moved = sum(n for old, row in matrix.items() for new, n in row.items() if old != new)
        print(f"(a) floor (window maxima + streak per tier):   {floor:7.2f} s   runs {_runs(floor_runs)}")
        print(f"(a′) packed bitmask floor (reached + streak):   {packed:7.2f} s   runs {_runs(packed_runs)}")
        print(
            f"(b) simulate (evaluate_all + transitions):     {sim:7.2f} s   runs {_runs(sim_runs)}   "
            f"{evaluated_count:,} evaluated, {moved:,} would move, {changed:,} listed"
        )
        if not args.no_reference:
            total, in_rule, expected = reference(store, rules, month)
            agree = sum(1 for customer, answer in expected.items() if answers.get(customer) == answer)
            print(
                f"    pure-Python reference:                     {total:7.2f} s   "
                f"({in_rule:.2f} s in evaluate(); {total / sim:.1f} × (b)); "
                f"agrees with (b) on {agree:,} of {len(expected):,} customers"
            )
        started = time.perf_counter()
        recompute(store)
        full = time.perf_counter() - started
        print(f"(c) recompute:                               {full:7.2f} s   tiers.recompute() as {ANALYST}")
        print(f"b/a = {sim / floor:.2f} (target ≤ {TARGET_B_OVER_A})   b/a′ = {sim / packed:.2f}")
        print(f"c/a = {full / floor:.2f} (target ≤ {TARGET_C_OVER_A})   c/a′ = {full / packed:.2f}")
        verdicts = [
            sim / floor <= TARGET_B_OVER_A,
            full / floor <= TARGET_C_OVER_A,
            customers < 1_000_000 or full < TARGET_C_SECONDS,
        ]
        if customers >= 1_000_000:
            verdict = "meets" if full < TARGET_C_SECONDS else "MISSES"
            print(f"(c) {verdict} the target of under {TARGET_C_SECONDS:.0f} s for 1,000,000 customers")
        print("all targets met" if all(verdicts) else "SOME TARGETS MISSED")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in seconds)


if __name__ == "__main__":
    main()
