"""The ``rmc`` command's global options, ``db upgrade`` and its exit codes, through typer's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rm_console.cli import app
from storage.engine import make_engine, sqlite_url
from storage.migrate import current_revision, head_revision

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMC_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("RMC_DB", "RMC_USER", "RMC_LANG"):
        monkeypatch.delenv(name, raising=False)


def test_db_upgrade_creates_then_reports_current(tmp_path: Path) -> None:
    db = tmp_path / "store" / "local.db"
    first = runner.invoke(app, ["--db", str(db), "db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"schema none → {head_revision()}" in first.output
    assert current_revision(make_engine(sqlite_url(db))) == head_revision()
    again = runner.invoke(app, ["--db", str(db), "db", "upgrade"])
    assert again.exit_code == 0
    assert "already at schema" in again.output


def test_db_location_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("RMC_DB", str(db))
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert db.exists()


def test_db_location_comes_from_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "configured.db"
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{db}"\nas = "RM001"\nlang = "zh"\n', encoding="utf-8")
    monkeypatch.setenv("RMC_CONFIG", str(config))
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert db.exists()


def test_an_unreadable_config_file_is_refused_with_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("db = \n", encoding="utf-8")
    monkeypatch.setenv("RMC_CONFIG", str(config))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert str(config) in result.output


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "x.db"), "--lang", "fr", "db", "upgrade"])
    assert result.exit_code == 1
    assert "language 'fr' is not supported" in result.output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["--db", str(tmp_path / "x.db"), "no-such-command"]).exit_code == 2
    assert runner.invoke(app, ["--db", str(tmp_path / "x.db"), "import", "widgets", "f.csv"]).exit_code == 2


def test_the_console_refuses_a_missing_store(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "none.db"), "--as", "RM001"])
    assert result.exit_code == 1
    assert "no store here yet" in result.output
    assert not (tmp_path / "none.db").exists()


def test_the_console_refuses_an_outdated_store(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = make_engine(sqlite_url(db))
    with engine.connect():
        pass
    engine.dispose()
    result = runner.invoke(app, ["--db", str(db), "--as", "RM001"])
    assert result.exit_code == 1
    assert f"is at schema none, not {head_revision()}" in result.output


def test_the_console_refuses_an_unknown_staff_code(tmp_path: Path) -> None:
    db = tmp_path / "local.db"
    assert runner.invoke(app, ["--db", str(db), "db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["--db", str(db), "--as", "NOBODY"])
    assert result.exit_code == 1
    assert "no staff member has the code 'NOBODY'" in result.output
