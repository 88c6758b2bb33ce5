"""The console's first screen, driven headless: who is acting and their customers by tier."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from rm_console.app import make_app
from rm_console.domain.enums import Tier
from rm_console.services import Services
from rm_console.settings import Settings

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo bank built once for the module."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    services = Services(path)
    services.demo.build(customers=300, months=14, seed=7, as_of=AS_OF, force=True, progress=None)
    services.close()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the demo bank."""
    copy = tmp_path / "local.db"
    shutil.copyfile(demo_template, copy)
    return copy


def _app(db: Path, acting: str | None, lang: str = "en"):  # type: ignore[no-untyped-def]
    return make_app(Services(db, actor=acting), Settings(db_path=db, acting=acting, lang=lang))


async def _settle(pilot: Pilot[None]) -> None:
    """Wait until every worker (the app's and its screens') has finished and the screen has refreshed."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _expected_counts(db: Path, staff_code: str) -> dict[str, int]:
    services = Services(db)
    with services.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.tier, count(*) FROM customer_tier t "
                "JOIN (SELECT DISTINCT a.customer_id FROM assignment a JOIN staff s ON s.id = a.staff_id "
                "      WHERE s.code = :code) mine ON mine.customer_id = t.customer_id GROUP BY t.tier"
            ),
            {"code": staff_code},
        ).all()
    services.close()
    return {tier: n for tier, n in rows}


async def test_an_rm_sees_their_customers_by_tier(demo_db: Path) -> None:
    app = _app(demo_db, "RM001")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        who = str(app.screen.query_one("#who", Static).render())
        assert "RM001" not in who  # the name is shown, not the code
        assert "2026-11-22" in who
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(Tier)
        expected = _expected_counts(demo_db, "RM001")
        assert sum(expected.values()) > 0
        for tier in Tier:
            total = str(table.get_cell(tier.value, "total"))
            assert total.replace(",", "") == str(expected.get(tier.value, 0))


async def test_nobody_acting_sees_no_customers(demo_db: Path) -> None:
    app = _app(demo_db, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert "rmc --as" in str(app.screen.query_one("#who", Static).render())
        assert "0 customers" in str(app.screen.query_one("#scope", Static).render())


async def test_an_unknown_staff_code_is_shown_not_raised(demo_db: Path) -> None:
    app = _app(demo_db, "NOBODY")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert "no staff member has the code 'NOBODY'" in str(
            app.screen.query_one("#problem", Static).render()
        )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_home_snapshot(demo_db: Path, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, "RM001", lang), terminal_size=(120, 40), run_before=_settle)


def test_home_snapshot_small_terminal(demo_db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, "BM01"), terminal_size=(80, 24), run_before=_settle)
