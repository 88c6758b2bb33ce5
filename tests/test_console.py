"""The console's shell, driven headless: sign-in, the header line, keys by role, the palette, records saved
anywhere, the theme, and the overview of customers by tier."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import tables_sized
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static

from rm_console.app import make_app
from rm_console.domain.dto import ShellInfo, StaffDTO
from rm_console.domain.enums import Tier
from rm_console.i18n import set_language
from rm_console.services import Services
from rm_console.settings import Settings
from screens.allocation import AllocationScreen
from screens.attribution import AttributionScreen
from screens.churn_report import ChurnReportScreen
from screens.customer360 import Customer360Screen
from screens.customers import CustomersScreen
from screens.home import HomeScreen
from screens.new_record import RECORDS, NewRecordMenu
from screens.sign_in import SignInScreen
from screens.tier_simulation import TierSimulationScreen
from screens.workbench import WorkbenchScreen
from widgets.shell_header import ShellHeader, header_text

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
    """Wait until every worker (the app's and its screens') has finished, the tables have sized
    themselves and the screen has refreshed."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await tables_sized(pilot)


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


async def _press(pilot: Pilot[None], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await _settle(pilot)


async def test_an_rm_opens_on_the_workbench_with_the_header_line(demo_db: Path) -> None:
    app = _app(demo_db, "RM001")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert isinstance(app.screen, WorkbenchScreen)
        line = str(app.screen.query_one(ShellHeader).render())
        assert "李明" in line and "relationship manager" in line and "江南支行营业部" in line
        assert "2026-11-22 Sun" in line and "not synced" in line


async def test_the_overview_counts_the_customers_in_scope_by_tier(demo_db: Path) -> None:
    app = _app(demo_db, "RM001")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await _press(pilot, "f10")
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(Tier)
        expected = _expected_counts(demo_db, "RM001")
        assert sum(expected.values()) > 0
        for tier in Tier:
            total = str(table.get_cell(tier.value, "total"))
            assert total.replace(",", "") == str(expected.get(tier.value, 0))


async def test_keys_open_only_the_areas_of_the_role(demo_db: Path) -> None:
    rm = _app(demo_db, "RM001")
    async with rm.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await _press(pilot, "f2")
        assert isinstance(rm.screen, CustomersScreen)
        for key in ("f6", "f7", "f8", "f9"):
            await _press(pilot, key)
            assert isinstance(rm.screen, CustomersScreen), f"{key} must do nothing for an RM"
        await _press(pilot, "f1")
        assert isinstance(rm.screen, WorkbenchScreen)
    bm = _app(demo_db, "BM03")
    async with bm.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        for key, screen in (
            ("f6", AllocationScreen),
            ("f7", TierSimulationScreen),
            ("f8", ChurnReportScreen),
            ("f9", AttributionScreen),
            ("f10", HomeScreen),
        ):
            await _press(pilot, key)
            assert isinstance(bm.screen, screen), key


async def test_nobody_acting_signs_in_from_the_staff_list(demo_db: Path) -> None:
    app = _app(demo_db, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        options = app.screen.query_one(OptionList)
        codes = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "RM001" in codes and "BM03" in codes and len(codes) == 41
        options.highlighted = codes.index("RM001")
        await _press(pilot, "enter")
        assert app.services.actor == "RM001"
        assert isinstance(app.screen, WorkbenchScreen)
        assert "李明" in str(app.screen.query_one(ShellHeader).render())


async def test_an_unknown_staff_code_is_shown_not_raised(demo_db: Path) -> None:
    app = _app(demo_db, "NOBODY")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        problem = str(app.screen.query_one("#problem", Static).render())
        assert "o staff member has the code 'NOBODY'" in problem


async def test_the_palette_finds_a_customer_and_opens_the_360(demo_db: Path) -> None:
    services = Services(demo_db)
    with services.engine.connect() as conn:
        cif = conn.execute(
            text(
                "SELECT c.cif FROM customer c JOIN assignment a ON a.customer_id = c.id "
                "JOIN staff s ON s.id = a.staff_id WHERE s.code = 'RM001' ORDER BY c.cif LIMIT 1"
            )
        ).scalar_one()
    services.close()
    app = _app(demo_db, "RM001")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*cif)
        await pilot.pause(0.5)
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        assert isinstance(app.screen, Customer360Screen)
        assert app.screen.cif == cif


async def test_a_record_saved_from_anywhere_refreshes_the_workbench(demo_db: Path) -> None:
    app = _app(demo_db, "RM001")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await _press(pilot, "n")
        assert isinstance(app.screen, NewRecordMenu)
        menu = app.screen.query_one(OptionList)
        menu.highlighted = [k for k, _ in RECORDS].index("work_log")
        await _press(pilot, "enter")
        await pilot.press(*"called the customer about the fund")
        await _press(pilot, "ctrl+s")
        assert isinstance(app.screen, WorkbenchScreen)
        log = app.screen.query_one("#worklog").query_one(DataTable)
        cells = [str(cell) for row in range(log.row_count) for cell in log.get_row_at(row)]
        assert any("called the customer about the fund" in cell for cell in cells)


async def test_the_header_counts_the_changes_waiting_to_go_up(demo_db: Path) -> None:
    def header() -> str:
        return str(app.screen.query_one(ShellHeader).render())

    app = _app(demo_db, "RM001")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert "not synced" in header() and "to send" not in header()
        await _press(pilot, "d")  # the first of today's reminders done, on the workbench
        assert "not synced · 1 to send" in header()
        await _press(pilot, "n")
        app.screen.query_one(OptionList).highlighted = [k for k, _ in RECORDS].index("work_log")
        await _press(pilot, "enter")
        await pilot.press(*"visited the branch")
        await _press(pilot, "ctrl+s")
        assert "2 to send" in header()
    zh = _app(demo_db, "RM001", "zh")
    async with zh.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert "未同步 · 2 项待上传" in str(zh.screen.query_one(ShellHeader).render())


NAME, ROLE, PLACE = "李明", "relationship manager", "江南支行营业部"
DAY, SYNC = "2026-11-22 Sun", "not synced · 6 to send"


@pytest.mark.parametrize(
    ("width", "shown", "left_out"),
    [
        (120, [NAME, ROLE, PLACE, DAY, SYNC], []),
        (80, [NAME, PLACE, DAY, SYNC], [ROLE]),
        (66, [NAME, DAY, SYNC], [ROLE, PLACE]),
    ],
)
def test_the_header_line_fits_the_terminal_keeping_the_name_date_and_sync_state(
    width: int, shown: list[str], left_out: list[str]
) -> None:
    set_language("en")
    rm = StaffDTO("RM001", "李明", "rm", "OT01", "江南支行营业部")
    line = header_text(ShellInfo(rm, "2026-11-22", None, pending=6), width)
    assert line.cell_len <= width
    assert all(part in line.plain for part in shown)
    assert not any(part in line.plain for part in left_out)


async def test_the_theme_switches_between_dark_and_light(demo_db: Path) -> None:
    app = _app(demo_db, "RM001")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert app.theme == "textual-dark"
        await _press(pilot, "ctrl+t")
        assert app.theme == "textual-light"


async def _open_overview(pilot: Pilot[None]) -> None:
    await _settle(pilot)
    await _press(pilot, "f10")


def test_sign_in_snapshot(demo_db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, None), terminal_size=(120, 40), run_before=_settle)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_overview_snapshot(demo_db: Path, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, "RM001", lang), terminal_size=(120, 40), run_before=_open_overview)


def test_overview_snapshot_small_terminal(demo_db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, "BM01"), terminal_size=(80, 24), run_before=_open_overview)
