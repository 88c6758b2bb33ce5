"""The layering rules of ARCHITECTURE.md, as import-linter contracts (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_fixtures_are_data_only() -> None:
    code = [p.relative_to(ROOT) for p in (ROOT / "fixtures").rglob("*.py")]
    assert code == [], f"fixtures/ holds data only, found: {code}"


def test_no_engine_is_made_at_import_time() -> None:
    probe = (
        "import sqlalchemy, sqlalchemy.engine.create as c\n"
        "made = []\n"
        "orig = c.create_engine\n"
        "sqlalchemy.create_engine = c.create_engine = lambda *a, **k: made.append(a) or orig(*a, **k)\n"
        "import rm_console.cli, rm_console.app, storage.models, storage.engine, storage.migrate\n"
        "assert not made, made\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
