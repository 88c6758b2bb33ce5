"""Shared fixtures: stores on SQLite files and throw-away PostgreSQL databases."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel
from textual.pilot import Pilot
from textual.widgets import DataTable

from rm_console.services import Services
from storage.engine import make_engine, sqlite_url
from storage.migrate import upgrade
from storage.prepared import note_write

#: The server used by PostgreSQL tests; each test session creates and drops its own database there.
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin_url() -> str:
    url = make_url(os.environ.get("RMC_TEST_PG_URL", DEFAULT_PG_URL))
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped at the end of the session.

    Skipped when no server answers, except under ``CI=true``, where PostgreSQL tests must run.
    """
    admin_url = _admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"rmc_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is missing or refuses us
        admin.dispose()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {admin_url} is required under CI: {exc}")
        pytest.skip(f"PostgreSQL at {admin_url} is not reachable: {exc}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_public_schema(engine: Engine) -> None:
    """Empty a PostgreSQL test database (the session's database is shared by the tests that use it)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


def copy_store(source: Path, target: Engine, tables: Iterable[str]) -> None:
    """Migrate ``target`` from nothing and copy ``tables`` of the SQLite store ``source`` into it."""
    reset_public_schema(target)
    upgrade(target)
    metadata = SQLModel.metadata.tables
    wanted = set(tables)
    lite = make_engine(sqlite_url(source))
    try:
        with lite.connect() as reading, target.begin() as writing:
            ordered = [table for table in SQLModel.metadata.sorted_tables if table.name in wanted]
            for table in reversed(ordered):
                writing.execute(metadata[table.name].delete())
            for table in ordered:
                rows = [dict(row) for row in reading.execute(select(table)).mappings()]
                if rows:
                    writing.execute(table.insert(), rows)
                # Rows arrive with their keys; the key sequences must continue after them.
                for column in table.primary_key.columns:
                    if column.autoincrement is True or (
                        column.autoincrement == "auto" and column.type.python_type is int
                    ):
                        writing.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                                f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                            )
                        )
    finally:
        lite.dispose()


async def tables_sized(pilot: Pilot[Any], timeout: float = 3.0) -> None:
    """Wait until every table on the screen has sized its columns and height to its rows.

    A DataTable measures rows added to it when it is next idle; a snapshot taken before that shows its
    columns squeezed to their headers. Gives up quietly after ``timeout`` seconds (a table on a hidden
    tab may wait for longer), leaving the snapshot to tell.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = [
            table
            for table in pilot.app.screen.query(DataTable)
            if table._require_update_dimensions or table._updated_cells
        ]
        if not waiting:
            break
        await pilot.pause(0.02)
    await pilot.pause()


#: The business date of the demo banks the tests build.
DEMO_AS_OF = date(2026, 11, 22)


def build_demo(path: Path, *, customers: int, seed: int) -> Path:
    """Build the demo bank of ``customers`` customers (14 months, as of :data:`DEMO_AS_OF`) at ``path``."""
    services = Services(path)
    services.demo.build(
        customers=customers, months=14, seed=seed, as_of=DEMO_AS_OF, force=True, progress=None
    )
    services.close()
    return path


def isolated_copy(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A test's own copy of ``template``, with no config file or RMC_* environment leaking in."""
    monkeypatch.setenv("RMC_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("RMC_DB", "RMC_USER", "RMC_LANG"):
        monkeypatch.delenv(name, raising=False)
    copy = tmp_path / "local.db"
    shutil.copyfile(template, copy)
    return copy


class WatchedConnection(sqlite3.Connection):
    """A raw SQLite connection whose writes to the inputs of prepared days raise the inputs version, as
    every write path of rmc does (:mod:`storage.prepared`): tests that plant rows with plain SQL open
    the store with ``sqlite3.connect(path, factory=WatchedConnection)``."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        cursor = super().execute(sql, parameters)
        note_write(self, sql)
        return cursor

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        cursor = super().executemany(sql, parameters)
        note_write(self, sql)
        return cursor
