"""Benchmark: ``rmc today`` for an RM with 500 customers on a 1,000,000-customer store (SPEC §6).

On the demo bank (built with ``rmc demo``), RM001 is given exactly 500 customers of their outlet
(replacing their demo assignments), and some of the facts that make a busy day (visit plans for the
day, follow-ups, reminder states). Then, in one run, it times

* the floor: one indexed query that fetches the RM's customers (``assignment`` by staff joined to
  ``customer``), all columns, as the service's connection would;
* ``Services(db, actor="RM001").today.today()`` as the RM meets it through the day: every reminder,
  churn alert and recommendation, the part from the bank's data taken from the prepared day
  (:mod:`storage.prepared`), the RM's plans, follow-ups, manual reminders and marks read afresh;
* the same when the prepared day is stale (after an import, say): everything computed afresh and the
  day prepared again. The inputs version is raised before each of these runs, outside the clock.

Each runs ``--repeat`` times on a warm connection pool and the median is kept. It prints the times,
the ratios and the targets of issue 5: ratio ≤ 5 and ``today`` under 300 ms, the latter for the day
computed afresh too.

    .venv/bin/python benchmarks/bench_today.py [--customers 1000000] [--db PATH] [--keep DIR]
        [--repeat 15]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_tiers import build_bank  # noqa: E402
from sqlalchemy import text  # noqa: E402

from rm_console.services import Services  # noqa: E402
from storage import prepared  # noqa: E402

#: Issue 5's targets.
TARGET_RATIO = 5.0
TARGET_MS = 300.0
#: The RM whose day is timed, and how many customers they get.
RM = "RM001"
CUSTOMERS = 500


def give_customers(store: Path) -> None:
    """Make RM001 the primary RM of exactly 500 customers of their outlet, with a day's plans."""
    conn = sqlite3.connect(store)
    try:
        staff_id, institution_id = conn.execute(
            "SELECT id, institution_id FROM staff WHERE code = ?", (RM,)
        ).fetchone()
        # The store may have been given to this benchmark before: start RM001's day afresh.
        for table in ("assignment", "contact_record", "visit_plan", "reminder_state"):
            conn.execute(f"DELETE FROM {table} WHERE staff_id = ?", (staff_id,))
        chosen = [
            row[0]
            for row in conn.execute(
                "SELECT c.id FROM customer c JOIN customer_tier t ON t.customer_id = c.id "
                "WHERE c.institution_id = ? AND NOT EXISTS "
                "(SELECT 1 FROM assignment a WHERE a.customer_id = c.id) "
                "ORDER BY CASE t.tier WHEN 'core' THEN 0 WHEN 'growth' THEN 1 WHEN 'platinum' THEN 2 "
                "WHEN 'gold' THEN 3 WHEN 'potential' THEN 4 ELSE 5 END, c.id LIMIT ?",
                (institution_id, CUSTOMERS),
            )
        ]
        if len(chosen) < CUSTOMERS:
            raise SystemExit(f"the outlet has only {len(chosen)} unassigned customers; build a larger bank")
        conn.executemany(
            "INSERT INTO assignment (customer_id, staff_id, role, pct, institution_id, since) "
            "VALUES (?, ?, 'primary', 100, ?, '2026-01-05')",
            [(cid, staff_id, institution_id) for cid in chosen],
        )
        conn.executemany(
            "INSERT INTO visit_plan (id, customer_id, staff_id, purpose, planned_at, cancelled, version, "
            "created_at, updated_at) VALUES (?, ?, ?, 'portfolio review', ?, 0, 1, ?, ?)",
            [
                (
                    f"0192f0000000700080000000{n:08x}",
                    cid,
                    staff_id,
                    f"2026-11-22 0{n % 8}:00:00.000000",
                    *(("2026-11-20 01:00:00.000000",) * 2),
                )
                for n, cid in enumerate(chosen[:6])
            ],
        )
        conn.executemany(
            "INSERT INTO contact_record (id, customer_id, staff_id, kind, occurred_at, follow_up_date, "
            "next_step, version, created_at, updated_at) "
            "VALUES (?, ?, ?, 'call', ?, ?, 'call back', 1, ?, ?)",
            [
                (
                    f"0192f0000000700090000000{n:08x}",
                    cid,
                    staff_id,
                    "2026-11-10 02:00:00.000000",
                    f"2026-11-{15 + n % 10:02d}",
                    "2026-11-10 02:00:00.000000",
                    "2026-11-10 02:00:00.000000",
                )
                for n, cid in enumerate(chosen[10:40])
            ],
        )
        prepared.bump(conn)  # RM001's customers changed: any day prepared for them is stale
        conn.commit()
    finally:
        conn.close()


def median_of(
    repeat: int, run: Callable[[], Any], before: Callable[[], None] | None = None
) -> tuple[float, Any]:
    """The median seconds of ``repeat`` runs (after one warm-up run) and the last result; ``before``
    runs before each, outside the clock."""
    result = run()
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="use this demo bank instead of building one (it is changed)")
    parser.add_argument("--keep", type=Path, help="build the bank in this directory and keep it")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-today-")) if args.keep is None else args.keep
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.db is not None:
            store = args.db
            print(f"bank: {store}")
        else:
            store = workdir / "bank.db"
            seconds = build_bank(store, args.customers, workdir)
            print(f"bank: rmc demo --customers {args.customers:,} built in {seconds:.1f} s")
        give_customers(store)
        services = Services(store, actor=RM)
        try:
            staff_id = (
                sqlite3.connect(store).execute("SELECT id FROM staff WHERE code = ?", (RM,)).fetchone()[0]
            )
            floor_query = text(
                "SELECT c.* FROM assignment a JOIN customer c ON c.id = a.customer_id "
                "WHERE a.staff_id = :staff"
            )

            def floor() -> int:
                with services.engine.connect() as conn:
                    return len(conn.execute(floor_query, {"staff": staff_id}).mappings().all())

            def stale() -> None:
                """Make the prepared day stale, as any write to one of its inputs does."""
                with services.engine.begin() as conn:
                    prepared.bump(conn.connection.dbapi_connection)

            floor_s, fetched = median_of(args.repeat, floor)
            afresh_s, _ = median_of(args.repeat, services.today.today, before=stale)
            today_s, report = median_of(args.repeat, services.today.today)
        finally:
            services.close()
        ratio = today_s / floor_s
        print(f"RM {RM}: {report.customers} customers (floor fetched {fetched})")
        print(
            f"  today: {len(report.reminders)} reminders, {len(report.alerts)} churn alerts, "
            f"{len(report.recommendations)} recommendations"
        )
        print(f"  floor  (one indexed query of the RM's customers): {floor_s * 1000:8.2f} ms (median)")
        print(f"  today  (Services.today.today, day prepared):    {today_s * 1000:8.2f} ms (median)")
        print(f"  today  (stale prepared day: computed afresh):   {afresh_s * 1000:8.2f} ms (median)")
        print(f"  ratio today/floor: {ratio:.2f} (target ≤ {TARGET_RATIO:g})")
        print(f"  ratio afresh/floor: {afresh_s / floor_s:.2f}")
        for label, seconds in (("today", today_s), ("afresh", afresh_s)):
            print(f"  {label} under {TARGET_MS:g} ms: {'yes' if seconds * 1000 < TARGET_MS else 'NO'}")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
