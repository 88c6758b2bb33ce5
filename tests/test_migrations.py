"""The migrations build the whole schema on SQLite and PostgreSQL, and agree with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from rm_console.domain.errors import UserError
from rm_console.services import Services
from storage.engine import make_engine, sqlite_url
from storage.migrate import SCHEMA_HEAD, current_revision, downgrade, head_revision, stored_revision, upgrade
from storage.tiers import load_rule_set

EXPECTED_TABLES = set(SQLModel.metadata.tables)


def _check_store(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert tables >= EXPECTED_TABLES
    assert current_revision(engine) == head_revision() == stored_revision(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        rules = load_rule_set(conn)
        assert rules.version == 1
        assert [rule.tier for rule in rules.rules] == ["core", "growth", "platinum", "gold", "potential"]
        params = dict(conn.execute(text("SELECT key, value FROM parameter")).all())
        assert params["large_txn_threshold_fen"] == "5000000"
        assert params["sale_grace_days"] == "5"


def test_sqlite_store_is_built_from_nothing(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "new" / "local.db"))
    before, after = upgrade(engine)
    assert (before, after) == (None, head_revision())
    _check_store(engine)
    assert upgrade(engine) == (head_revision(), head_revision())


def test_the_schema_head_is_the_newest_migration() -> None:
    """Commands check a store against SCHEMA_HEAD without importing Alembic: it must name Alembic's head."""
    assert head_revision() == SCHEMA_HEAD


def test_the_stored_revision_is_read_as_alembic_reads_it(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "local.db"))
    assert stored_revision(engine) is None
    upgrade(engine, "0002")
    assert stored_revision(engine) == current_revision(engine) == "0002"
    downgrade(engine, "base")
    assert stored_revision(engine) is None


def test_sqlite_store_uses_the_architecture_pragmas(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "local.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="must be a file"):
        make_engine("sqlite://")


def test_sqlite_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "local.db"))
    upgrade(engine)
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    _check_store(engine)


@pytest.mark.postgres
def test_postgresql_is_built_by_the_same_migrations(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        _check_store(engine)
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        _check_store(engine)
        downgrade(engine, "base")
    finally:
        engine.dispose()


def test_commands_refuse_a_store_behind_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "local.db"
    services = Services(path)
    with pytest.raises(UserError, match="no store here yet"):
        services.store.require_current()
    upgrade(services.engine, "0002")
    with pytest.raises(UserError, match=f"at schema 0002, not {SCHEMA_HEAD}; run 'rmc db upgrade'"):
        services.store.require_current()
    services.store.upgrade()
    services.store.require_current()
    services.close()
