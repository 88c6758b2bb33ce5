"""Benchmark: attribution of 1,000,000 sales and a month's leaderboard, against a hand-written floor.

The data: the deterministic demo bank (``Services.demo.build``, ``--customers`` customers × 14 months,
as of 2026-11-22) has about 0.3 sales per customer over its last 92 days. The benchmark amplifies its
sales by set-based SQL until there are ``--sales`` of them: each copy *n* of every demo sale becomes a
new ``txn`` row (key ``id + n × stride``, ``txn_id`` ``B{n}-{txn_id}``, same customer, institution,
teller, product and amount) dated ``(days before the business date + 37 n) mod 183`` days before the
business date — so the copies spread over the last six months — and a new, unsettled ``sale`` row.

In one run, on that store, it times

* (a) ``storage.sales.attribute`` over every unsettled sale (as of the business date, with the
  store's grace days), committed: the automatic, manual and grace-period rules in one set-based pass;
* (b) the head office's leaderboard for the business month: ``PerformanceService.leaderboard`` as
  the analyst (b), and the set-based query it runs, :func:`storage.performance.credit_sums` (b′);
* (c) the floor: ``SELECT c.staff_id, SUM(s.amount_fen) FROM sale s JOIN sale_credit c … WHERE
  s.sale_date in the month AND c.role = 'seller' GROUP BY c.staff_id``, and (c′) the same with the
  join order fixed to read the month's sales first (``CROSS JOIN``), in case SQLite's planner drives
  (c) from every credit.

(b), (b′), (c) and (c′) run ``--repeat`` times each and the best counts. It prints the times, the
rows, and the ratios b/c and b′/c (target ≤ 2), and b/c′, b′/c′.

    .venv/bin/python benchmarks/bench_sales.py [--customers 20000] [--sales 1000000] [--repeat 5]
        [--keep DIR] [--plan]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Select, text  # noqa: E402

from rm_console.domain.attribution import GRACE_PARAMETER, parse_grace_days  # noqa: E402
from rm_console.domain.calendar import month_idx, month_start, month_text  # noqa: E402
from rm_console.services import Services  # noqa: E402
from storage.engine import make_engine, refresh_statistics, sqlite_url  # noqa: E402
from storage.meta import parameters  # noqa: E402
from storage.performance import covers_every_institution, credit_sums, credit_sums_query  # noqa: E402
from storage.sales import attribute  # noqa: E402
from storage.scope import institution_and_descendants  # noqa: E402

#: The target of the leaderboard against the floor.
TARGET_B_OVER_C = 2.0
#: The demo bank's business date.
AS_OF = date(2026, 11, 22)
#: The analyst of the demo bank, who sees the head office's board.
ANALYST = "AN01"
#: How far back the copies are spread, in days.
SPREAD_DAYS = 183

FLOOR_SQL = (
    "SELECT c.staff_id, SUM(s.amount_fen) FROM sale s JOIN sale_credit c ON c.txn_pk = s.txn_pk "
    "WHERE s.sale_date BETWEEN :first AND :last AND c.role = 'seller' GROUP BY c.staff_id"
)
#: The same floor with SQLite's join order fixed to read the month's sales first (CROSS JOIN): without
#: statistics SQLite may otherwise drive the floor from every credit through the staff_id index.
FLOOR_SALES_FIRST_SQL = FLOOR_SQL.replace(" JOIN sale_credit", " CROSS JOIN sale_credit")


def build_bank(store: Path, customers: int) -> tuple[float, dict[str, int]]:
    """Build the demo bank with the demo service; return the seconds and the table counts."""
    services = Services(store)
    started = time.perf_counter()
    try:
        report = services.demo.build(
            customers=customers, months=14, seed=20261122, as_of=AS_OF, force=True, progress=None
        )
    finally:
        services.close()
    return time.perf_counter() - started, report.counts


def amplify(conn: Connection, target: int) -> tuple[int, int, int]:
    """Copy the demo's sales (txn + sale rows) by set-based SQL until there are ``target`` sales.

    Returns (demo sales, copies per sale at most, sales now).
    """
    base = int(conn.exec_driver_sql("SELECT count(*) FROM sale").scalar_one())
    if base == 0:
        raise SystemExit("the demo bank has no sales to copy")
    if base >= target:
        return base, 0, base
    top = int(conn.exec_driver_sql("SELECT max(id) FROM txn").scalar_one())
    stride = 10 ** len(str(top))
    copies = -(-(target - base) // base)
    params = {"copies": copies, "stride": stride, "as_of": AS_OF.isoformat(), "spread": SPREAD_DAYS}
    conn.execute(
        text(
            "WITH RECURSIVE copy(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copy WHERE n < :copies) "
            "INSERT INTO txn (id, txn_id, customer_id, txn_date, amount_fen, direction, channel, "
            "institution_id, teller_id, product_id, counterparty) "
            "SELECT t.id + copy.n * :stride, 'B' || copy.n || '-' || t.txn_id, t.customer_id, "
            "date(:as_of, '-' || ((CAST(julianday(:as_of) - julianday(t.txn_date) AS INTEGER) "
            "+ 37 * copy.n) % :spread) || ' days'), "
            "t.amount_fen, t.direction, t.channel, t.institution_id, t.teller_id, t.product_id, "
            "t.counterparty FROM copy CROSS JOIN sale s JOIN txn t ON t.id = s.txn_pk "
            "ORDER BY copy.n, s.txn_pk LIMIT :extra"
        ),
        {**params, "extra": target - base},
    )
    conn.execute(
        text(
            "INSERT INTO sale (txn_pk, institution_id, product_id, sale_date, amount_fen, attributed_at) "
            "SELECT id, institution_id, product_id, txn_date, amount_fen, NULL FROM txn "
            "WHERE id >= :stride AND product_id IS NOT NULL"
        ),
        {"stride": stride},
    )
    return base, copies, int(conn.exec_driver_sql("SELECT count(*) FROM sale").scalar_one())


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, list[float], Any]:
    """(best seconds, every run's seconds, the last result) of ``repeat`` runs of ``run``."""
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return min(seconds), seconds, result


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s * 1000:.0f}" for s in seconds)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000, help="customers in the demo bank")
    parser.add_argument("--sales", type=int, default=1_000_000, help="sales after amplification")
    parser.add_argument("--repeat", type=int, default=5, help="runs of (b), (b′), (c), (c′); the best counts")
    parser.add_argument("--keep", type=Path, help="build the store in this directory and keep it")
    parser.add_argument("--plan", action="store_true", help="print SQLite's query plans of (b′) and (c)")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="rmc-bench-sales-"))
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "demo.db"
    try:
        seconds, counts = build_bank(store, args.customers)
        print(
            f"demo bank: {args.customers:,} customers × 14 months as of {AS_OF} built in {seconds:.1f} s "
            f"({counts.get('sale', 0):,} sales, {counts.get('txn', 0):,} transactions)"
        )
        engine = make_engine(sqlite_url(store))
        try:
            started = time.perf_counter()
            with engine.begin() as conn:
                base, copies, total = amplify(conn, args.sales)
                # An import of this many sales ends by refreshing the planner's statistics; so does this.
                refresh_statistics(conn)
            print(
                f"amplified: {base:,} demo sales copied up to {copies:,} times by set-based SQL (new keys "
                f"and txn_ids, dates spread over the last {SPREAD_DAYS} days) → {total:,} sales, all "
                f"unsettled ({time.perf_counter() - started:.1f} s)"
            )
            with engine.begin() as conn:
                grace = parse_grace_days(parameters(conn).get(GRACE_PARAMETER))
                started = time.perf_counter()
                settled = attribute(
                    conn, as_of=AS_OF, grace_days=grace, at=datetime.now(UTC), actor="bench-sales"
                )
                attributed = time.perf_counter() - started
            with engine.connect() as conn:
                credits = int(conn.exec_driver_sql("SELECT count(*) FROM sale_credit").scalar_one())
                by_source = dict(
                    conn.exec_driver_sql("SELECT source, count(*) FROM sale_credit GROUP BY source").all()
                )
            print(
                f"(a) attribute (as of {AS_OF}, grace {grace} days):  {attributed:8.2f} s   "
                f"{settled:,} sales settled, {credits:,} credits {by_source}"
            )

            month = month_idx(AS_OF)
            first, last = month_start(month), month_start(month + 1) - timedelta(days=1)
            services = Services(store, actor=ANALYST, engine=engine)
            board_time, board_runs, board = best_of(
                args.repeat, lambda: services.performance.leaderboard(month=month_text(month))
            )

            with engine.connect() as conn:
                head = int(
                    conn.exec_driver_sql("SELECT id FROM institution WHERE parent_id IS NULL").scalar_one()
                )
                in_month = int(
                    conn.execute(
                        text("SELECT count(*) FROM sale WHERE sale_date BETWEEN :first AND :last"),
                        {"first": first.isoformat(), "last": last.isoformat()},
                    ).scalar_one()
                )

                # As the service asks: the one root's tree needs no institution filter.
                whole = covers_every_institution(conn, head)

                def tree(name: str) -> Select[tuple[int]] | None:
                    return None if whole else institution_and_descendants(head, name=name)

                def query() -> list[dict[str, Any]]:
                    return credit_sums(
                        conn,
                        institutions=tree("sale_tree"),
                        first=first,
                        last=last,
                        by="staff",
                        staff_institutions=tree("staff_tree"),
                    )

                def floor() -> list[Any]:
                    return list(
                        conn.execute(
                            text(FLOOR_SQL), {"first": first.isoformat(), "last": last.isoformat()}
                        ).all()
                    )

                def floor_sales_first() -> list[Any]:
                    return list(
                        conn.execute(
                            text(FLOOR_SALES_FIRST_SQL),
                            {"first": first.isoformat(), "last": last.isoformat()},
                        ).all()
                    )

                query_time, query_runs, sums = best_of(args.repeat, query)
                floor_time, floor_runs, floored = best_of(args.repeat, floor)
                first_time, first_runs, _ = best_of(args.repeat, floor_sales_first)
                if args.plan:
                    statement = credit_sums_query(
                        institutions=tree("sale_tree"),
                        first=first,
                        last=last,
                        by="staff",
                        staff_institutions=tree("staff_tree"),
                    ).compile(conn, compile_kwargs={"literal_binds": True})
                    for name, sql in (
                        ("(b′)", str(statement)),
                        ("(c)", FLOOR_SQL),
                        ("(c′)", FLOOR_SALES_FIRST_SQL),
                    ):
                        sql = sql.replace(":first", f"'{first}'").replace(":last", f"'{last}'")
                        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
                        print(f"plan {name}: " + " | ".join(str(row[-1]) for row in plan))
            credited_month = sum(row.sales for row in board.rows)
            print(
                f"month {month_text(month)}: {in_month:,} sales dated in it; "
                f"{credited_month:,} (staff, sale) credits on the head office's board"
            )
            print(
                f"(b) leaderboard service (HO, {month_text(month)}):  {board_time * 1000:8.0f} ms   "
                f"runs {_runs(board_runs)} ms   {len(board.rows):,} staff ranked"
            )
            print(
                f"(b′) credit_sums query (by staff × product):  {query_time * 1000:8.0f} ms   "
                f"runs {_runs(query_runs)} ms   {len(sums):,} rows"
            )
            print(
                f"(c) floor (seller amounts by staff):          {floor_time * 1000:8.0f} ms   "
                f"runs {_runs(floor_runs)} ms   {len(floored):,} rows"
            )
            print(
                f"(c′) floor, month's sales read first:         {first_time * 1000:8.0f} ms   "
                f"runs {_runs(first_runs)} ms"
            )
            ratio, query_ratio = board_time / floor_time, query_time / floor_time
            print(
                f"b/c = {ratio:.2f}   b′/c = {query_ratio:.2f}   (target ≤ {TARGET_B_OVER_C:.0f}): "
                + ("target met" if ratio <= TARGET_B_OVER_C else "TARGET MISSED")
            )
            print(f"b/c′ = {board_time / first_time:.2f}   b′/c′ = {query_time / first_time:.2f}")
        finally:
            engine.dispose()
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
