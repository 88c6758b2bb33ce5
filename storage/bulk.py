"""Fast bulk loading of a new SQLite store, built beside its target and swapped into place.

A store is built in a temporary file next to the target (same directory, so the final
:func:`os.replace` is atomic). While loading, the connection runs without a rollback journal,
fsyncs or constraint checks, and the secondary (non-unique) indexes of the big tables are dropped.
Rows go in through the DBAPI's ``executemany`` in big batches: either straight into the store
(:meth:`BulkLoader.insert`), or into small *part* files that other processes write
(:func:`write_part`) while the store's connection copies earlier parts in with set-based
``INSERT … SELECT`` (:meth:`BulkLoader.merge_part`) — binding rows from Python is the costly step,
and this spreads it over the cores. Monthly series are staged one row per customer and expanded
into ``monthly_aum`` by SQLite. Afterwards the indexes are recreated from the SQLModel metadata,
the file returns to WAL mode and is flushed to disk before it replaces the target. A failure at
any point leaves the target untouched, and :func:`discard` removes the temporary and part files.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, update
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, Index
from sqlmodel import SQLModel

from storage import models

#: Pragmas for a load nobody else sees: no journal, no fsync, no constraint checks (the rows are
#: generated valid; ``PRAGMA integrity_check`` verifies CHECK constraints afterwards in the tests),
#: a big page cache, and sorter threads for the index rebuilds.
FAST_PRAGMAS = (
    "journal_mode=OFF",
    "synchronous=OFF",
    "foreign_keys=OFF",
    "ignore_check_constraints=ON",
    "locking_mode=EXCLUSIVE",
    "temp_store=MEMORY",
    "cache_size=-524288",
    "threads=2",
)

#: Digits per month value in a packed monthly series (enough for ¥9,999,999,999.99).
SERIES_DIGITS = 12

#: Tables loaded without their secondary indexes, which are rebuilt once at the end. (``monthly_aum``
#: keeps its month index: its keys arrive at one append point per month, which is cheaper to
#: maintain while loading than to sort and rebuild afterwards.)
BIG_TABLES = (
    "customer",
    "important_date",
    "holding",
    "txn",
    "sale",
    "customer_tier",
    "tier_history",
    "assignment",
    "assignment_event",
    "risk_assessment",
)

#: One customer's monthly figures, oldest month first: (customer_id, position of its first month,
#: AUM, deposits, mortgage or None, credit loan or None, card spend or None, diamond card 0/1).
#: Investment is stored as AUM minus deposits.
MonthlyRow = tuple[int, int, list[int], list[int], list[int] | None, list[int] | None, list[int] | None, int]

#: A monthly series packed for staging: the lists of :data:`MonthlyRow` as fixed-width digit text.
PackedMonthlyRow = tuple[int, int, str, str, str | None, str | None, str | None, int]

_SUFFIXES = ("-wal", "-shm", "-journal")

_STAGE = "_monthly_stage"
_MONTHS = "_monthly_months"


def pack_monthly(rows: Iterable[MonthlyRow], months: int) -> list[PackedMonthlyRow]:
    """Pack each series of ``months`` values into :data:`SERIES_DIGITS`-wide digit text.

    Values must be whole fen in 0 … 10**SERIES_DIGITS − 1 (the demo's figures are far inside it).
    """
    pack = f"%0{SERIES_DIGITS}d" * months
    return [
        (
            cid,
            first,
            pack % tuple(aum),
            pack % tuple(deposit),
            None if mortgage is None else pack % tuple(mortgage),
            None if credit is None else pack % tuple(credit),
            None if card is None else pack % tuple(card),
            diamond,
        )
        for cid, first, aum, deposit, mortgage, credit, card, diamond in rows
    ]


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def store_has_data(path: Path) -> bool:
    """True when ``path`` holds anything worth keeping: reference data or customers in a store, or a
    file that is not a SQLite database at all. A missing, empty or freshly migrated store is not."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        # Read-write, though it only reads: a read-only connection to a WAL store would leave -wal and
        # -shm files behind, which the last read-write connection removes when it closes.
        conn = sqlite3.connect(path)
    except sqlite3.Error:
        return True
    try:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in ("customer", "institution", "staff", "product"):
            if table in names and conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                return True
        return False
    except sqlite3.DatabaseError:
        return True
    finally:
        conn.close()


def build_path(target: Path) -> Path:
    """The temporary file a new store for ``target`` is built in: hidden, beside the target."""
    return target.with_name(f".{target.name}.building-{os.getpid()}")


def discard(path: Path) -> None:
    """Remove a half-built store, its side files and any part files left of it."""
    for candidate in (
        path,
        *(_sibling(path, s) for s in _SUFFIXES),
        *path.parent.glob(f"{path.name}.part-*"),
    ):
        candidate.unlink(missing_ok=True)


def part_path(building: Path, number: int) -> Path:
    """The file part ``number`` of the store being built in ``building`` is written to."""
    return _sibling(building, f".part-{number:05d}")


def write_part(
    path: Path,
    tables: Mapping[str, tuple[Sequence[str], Sequence[tuple[object, ...]]]],
    monthly: Sequence[PackedMonthlyRow] = (),
) -> None:
    """Write rows into a scratch SQLite file for :meth:`BulkLoader.merge_part` to copy in.

    Binding rows from Python is the costly part of a load; a part can be written by another process
    while the store's own connection copies earlier parts with set-based SQL. The part's columns
    have no declared type, so every value reaches the store exactly as bound here.
    """
    discard(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "locking_mode=EXCLUSIVE"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("BEGIN")
        for table, (columns, rows) in tables.items():
            conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
            conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})", rows)
        conn.execute(
            f"CREATE TABLE {_STAGE} (customer_id INTEGER PRIMARY KEY, first_pos INTEGER, aum TEXT, "
            "deposit TEXT, mortgage TEXT, credit TEXT, card TEXT, diamond INTEGER)"
        )
        conn.executemany(f"INSERT INTO {_STAGE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", monthly)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_store(built: Path, target: Path) -> None:
    """Atomically put the finished store ``built`` in place of ``target``.

    The old store's WAL is folded into it first, so no stale ``-wal`` file can ever be replayed into
    the new one; the side files are then removed and the directory entry is flushed.
    """
    _fsync(built)
    if _sibling(target, "-wal").exists():
        try:
            conn = sqlite3.connect(target)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            pass
    os.replace(built, target)
    for suffix in _SUFFIXES:
        _sibling(target, suffix).unlink(missing_ok=True)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def restamp_defaults(conn: Connection, at: datetime) -> None:
    """Give the rows the migration seeds (rule set v1, parameters v1) the time ``at`` instead of the
    moment the migration ran, so a rebuilt store is identical to the last one."""
    conn.execute(update(models.TierRuleSet.__table__).values(created_at=at))  # type: ignore[attr-defined]
    conn.execute(update(models.Parameter.__table__).values(set_at=at))  # type: ignore[attr-defined]


def secondary_indexes(tables: Iterable[str]) -> list[Index]:
    """The non-unique indexes the SQLModel metadata declares for ``tables``."""
    found: list[Index] = []
    for name in tables:
        table = SQLModel.metadata.tables[name]
        found.extend(sorted((ix for ix in table.indexes if not ix.unique), key=lambda ix: str(ix.name)))
    return found


class BulkLoader:
    """A raw DBAPI connection to a freshly migrated store, tuned for loading rows fast.

    Use as a context manager; :meth:`finish` recreates the dropped indexes, commits and returns the
    file to WAL mode. Leaving the block without :meth:`finish` (an error) closes the connection and
    leaves the file for the caller to discard.
    """

    def __init__(self, path: Path, *, tables: Sequence[str] = BIG_TABLES, batch_rows: int = 100_000) -> None:
        self.path = path
        self.batch_rows = batch_rows
        self._indexes = secondary_indexes(tables)
        self._conn: sqlite3.Connection | None = None
        self._months = 0

    def __enter__(self) -> BulkLoader:
        conn = sqlite3.connect(self.path, isolation_level=None)
        for pragma in FAST_PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        for index in self._indexes:
            conn.execute(f'DROP INDEX IF EXISTS "{index.name}"')
        conn.execute("BEGIN")
        self._conn = conn
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        """The open DBAPI connection."""
        if self._conn is None:
            raise RuntimeError("the loader is not open")
        return self._conn

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> int:
        """Insert ``rows`` (tuples in ``columns`` order) with ``executemany`` in batches."""
        if not rows:
            return 0
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        step = self.batch_rows
        if len(rows) <= step:
            self.conn.executemany(sql, rows)
        else:
            for start in range(0, len(rows), step):
                self.conn.executemany(sql, rows[start : start + step])
        return len(rows)

    def prepare_months(self, months: Sequence[tuple[int, str]]) -> None:
        """Declare the months of every staged monthly series, oldest first, as (month_idx, ``YYYY-MM``)."""
        conn = self.conn
        conn.execute(f"CREATE TEMP TABLE {_MONTHS} (pos INTEGER PRIMARY KEY, month_idx INTEGER, month TEXT)")
        conn.executemany(
            f"INSERT INTO {_MONTHS} VALUES (?, ?, ?)",
            [(pos, idx, text) for pos, (idx, text) in enumerate(months)],
        )
        self._months = len(months)

    def _expand_monthly(self, stage: str) -> int:
        """Expand staged series into ``monthly_aum`` with one set-based statement.

        Each customer's series is one staged row of fixed-width digits; SQLite cuts it into months,
        several times faster than binding every month's row from Python.
        """
        if not self._months:
            raise RuntimeError("prepare_months() first")
        width = SERIES_DIGITS

        def field(column: str) -> str:
            return f"CAST(substr(s.{column}, m.pos * {width} + 1, {width}) AS INTEGER)"

        cursor = self.conn.execute(
            "INSERT INTO main.monthly_aum (customer_id, month_idx, month, aum_fen, deposit_fen, "
            "investment_fen, mortgage_fen, credit_loan_fen, card_spend_12m_fen, diamond_card) "
            f"SELECT s.customer_id, m.month_idx, m.month, {field('aum')}, {field('deposit')}, "
            f"{field('aum')} - {field('deposit')}, {field('mortgage')}, {field('credit')}, {field('card')}, "
            f"s.diamond FROM {stage} s JOIN temp.{_MONTHS} m ON m.pos >= s.first_pos "
            "ORDER BY s.customer_id, m.pos"
        )
        return cursor.rowcount

    def merge_part(self, path: Path, tables: Mapping[str, Sequence[str]]) -> dict[str, int]:
        """Copy a part written by :func:`write_part` into the store, in the part's row order, and
        remove the part. Returns the rows copied per table (``monthly_aum`` included)."""
        conn = self.conn
        conn.execute("COMMIT")
        conn.execute("ATTACH DATABASE ? AS part", (str(path),))
        counts: dict[str, int] = {}
        try:
            conn.execute("BEGIN")
            present = {
                row[0] for row in conn.execute("SELECT name FROM part.sqlite_master WHERE type = 'table'")
            }
            for table, columns in tables.items():
                if table not in present:
                    continue
                names = ", ".join(columns)
                cursor = conn.execute(
                    f"INSERT INTO main.{table} ({names}) SELECT {names} FROM part.{table} ORDER BY rowid"
                )
                counts[table] = cursor.rowcount
            counts["monthly_aum"] = self._expand_monthly(f"part.{_STAGE}")
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE part")
            conn.execute("BEGIN")
        discard(path)
        return counts

    def finish(self, progress: Callable[[str], None] | None = None) -> None:
        """Recreate the dropped indexes, commit, and return the file to WAL mode."""
        conn = self.conn
        dialect = sqlite_dialect.dialect()
        for index in self._indexes:
            if progress is not None:
                progress(f"indexing {index.name}")
            conn.execute(str(CreateIndex(index).compile(dialect=dialect)))
        if self._months:
            conn.execute(f"DROP TABLE temp.{_MONTHS}")
        conn.execute("COMMIT")
        conn.execute("PRAGMA locking_mode=NORMAL")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
        self._conn = None
