"""Benchmark: ``rmc demo --customers N`` end to end against raw ``sqlite3.executemany`` of AUM rows.

In the same run it times

* ``rmc --db A demo --customers N --force --json`` as a subprocess: interpreter start, generating
  the whole bank (every table), loading it, rebuilding the indexes, swapping the file into place;
* raw ``sqlite3.executemany`` of as many ``monthly_aum`` rows as the demo wrote, already built as
  tuples (built in batches outside the timer), into the empty ``monthly_aum`` table (same indexes)
  of a freshly upgraded store B, committed.

It prints the demo's wall time, its rows per second over all tables, the raw rate and their ratio.
The target of issue 2 is ``--customers 1000000`` in under 3 minutes on the 2-core machine.

    .venv/bin/python benchmarks/bench_demo.py [--customers 1000000] [--as-of YYYY-MM-DD] [--keep DIR]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.engine import make_engine, sqlite_url  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

#: Issue 2's limit for one million customers, in seconds.
TARGET_SECONDS = 180
#: Raw rows built and inserted per batch (keeps the baseline's memory bounded).
BATCH = 1_000_000
#: The first month index of the raw rows (2025-10).
FIRST_MONTH_IDX = 2025 * 12 + 9
MONTHS = 14

_COLUMNS = (
    "customer_id, month_idx, month, aum_fen, deposit_fen, investment_fen, mortgage_fen, "
    "credit_loan_fen, card_spend_12m_fen, diamond_card"
)


def time_demo(
    store: Path, customers: int, as_of: str | None, workdir: Path
) -> tuple[float, dict[str, object]]:
    """Seconds for ``rmc --db STORE demo --customers N --force --json`` and its JSON report."""
    rmc = shutil.which("rmc", path=str(Path(sys.executable).parent)) or shutil.which("rmc")
    command = [rmc] if rmc else [sys.executable, "-c", "from rm_console.cli import main; main()"]
    args = [*command, "--db", str(store), "demo", "--customers", str(customers), "--force", "--json"]
    if as_of:
        args += ["--as-of", as_of]
    env = {**os.environ, "RMC_CONFIG": str(workdir / "no-config.toml"), "RMC_USER": "BENCH"}
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"rmc demo failed ({done.returncode}):\n{done.stderr}\n{done.stdout[:2000]}")
    return seconds, json.loads(done.stdout)


def _batch(start: int, count: int) -> list[tuple[object, ...]]:
    """``count`` AUM rows as stored values, 14 months per customer, starting at row ``start``."""
    rows: list[tuple[object, ...]] = []
    for n in range(start, start + count):
        customer, month = divmod(n, MONTHS)
        idx = FIRST_MONTH_IDX + month
        year, month0 = divmod(idx, 12)
        aum = (customer * 7_919 % 5_000_000 + 1) * 100
        deposit = aum * 3 // 5
        rows.append(
            (
                customer + 1,
                idx,
                f"{year:04d}-{month0 + 1:02d}",
                aum,
                deposit,
                aum - deposit,
                None,
                None,
                None,
                0,
            )
        )
    return rows


def time_raw(store: Path, rows: int) -> float:
    """Seconds for raw ``sqlite3.executemany`` of ``rows`` AUM rows into ``monthly_aum``, committed.

    The rows are built in batches outside the timer; only ``executemany`` and the commit are timed.
    """
    engine = make_engine(sqlite_url(store))
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(store)
    sql = f"INSERT INTO monthly_aum ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    seconds = 0.0
    try:
        for start in range(0, rows, BATCH):
            batch = _batch(start, min(BATCH, rows - start))
            started = time.perf_counter()
            conn.executemany(sql, batch)
            seconds += time.perf_counter() - started
        started = time.perf_counter()
        conn.commit()
        seconds += time.perf_counter() - started
        return seconds
    finally:
        conn.close()


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--customers", type=int, default=1_000_000, help="customers in the demo bank (1,000,000)"
    )
    parser.add_argument("--as-of", help="business date of the bank (default: today in Shanghai)")
    parser.add_argument("--keep", type=Path, help="build the stores in this directory and keep them")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="rmc-bench-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        demo, raw = workdir / "demo.db", workdir / "raw.db"
        for store in (demo, raw):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{store}{suffix}").unlink(missing_ok=True)
        demo_seconds, report = time_demo(demo, args.customers, args.as_of, workdir)
        counts = report["counts"]
        assert isinstance(counts, dict)
        total_rows = sum(int(n) for n in counts.values())
        aum_rows = int(counts["monthly_aum"])
        raw_seconds = time_raw(raw, aum_rows)

        demo_rate = total_rows / demo_seconds
        raw_rate = aum_rows / raw_seconds
        print(f"demo bank: {args.customers:,} customers, {total_rows:,} rows ({aum_rows:,} monthly AUM rows)")
        print(f"rmc demo (end to end):    {demo_seconds:8.2f} s  {demo_rate:12,.0f} rows/s (all tables)")
        print(
            f"raw sqlite3.executemany:  {raw_seconds:8.2f} s  {raw_rate:12,.0f} rows/s "
            f"({aum_rows:,} AUM rows)"
        )
        print(f"ratio demo/raw (rows/s): {demo_rate / raw_rate:.3f}")
        print(f"demo wall / raw wall:    {demo_seconds / raw_seconds:.3f}")
        if args.customers == 1_000_000:
            verdict = "meets" if demo_seconds < TARGET_SECONDS else "MISSES"
            print(f"{verdict} the target of under {TARGET_SECONDS} s for 1,000,000 customers")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
