"""The branch manager's screens, driven headless on a small demo bank: allocation (assign, batch assign,
recycle, history), sales attribution review (adjust credits), the churn report and tier simulation
(simulate without writing; confirm for analysts only). Pictures at 120×40.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from conftest import tables_sized
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static

from rm_console.app import RMConsoleApp, make_app
from rm_console.domain.assignment import AssignmentError
from rm_console.domain.errors import PermissionRefused
from rm_console.services import Services
from rm_console.settings import Settings
from screens.allocation import AllocationScreen
from screens.attribution import AttributionScreen
from screens.churn_report import ChurnReportScreen
from screens.manager_dialogs import (
    AdjustCreditsDialog,
    AssignmentDialog,
    ConfirmRulesDialog,
    EditRuleDialog,
    RecycleDialog,
)
from screens.tier_simulation import TierSimulationScreen
from widgets.rm_roster import RmRosterTable
from widgets.transition_matrix import TransitionMatrix

AS_OF = date(2026, 11, 22)
SIZE = (120, 40)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo bank built once for the module."""
    path = tmp_path_factory.mktemp("manager") / "demo.db"
    services = Services(path)
    services.demo.build(customers=400, months=14, seed=7, as_of=AS_OF, force=True, progress=None)
    services.close()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the demo bank."""
    copy = tmp_path / "local.db"
    shutil.copyfile(demo_template, copy)
    return copy


def _app(db: Path, acting: str, lang: str = "en") -> RMConsoleApp:
    return make_app(Services(db, actor=acting), Settings(db_path=db, acting=acting, lang=lang))


async def _settle(pilot: Pilot[None]) -> None:
    """Wait until the workers that read or write have finished and the screen has refreshed (a dialog's
    flow waits for the person, so it is not waited for)."""
    for _round in range(4):
        await pilot.pause()
        busy = [w for w in pilot.app.workers if w.group != "dialog" and not w.is_finished]
        if not busy:
            break
        await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
    await tables_sized(pilot)


async def _open(pilot: Pilot[None], screen: Screen[None]) -> None:
    await _settle(pilot)
    await pilot.app.push_screen(screen)
    await _settle(pilot)


def _services(db: Path, acting: str) -> Services:
    return Services(db, actor=acting)


def _count(db: Path, sql: str, *args: object) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


def _text(screen: Screen[object], selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _cursor_key(table: DataTable[object]) -> str:
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def _choose(pilot: Pilot[None], select_id: str, value: str) -> None:
    """Pick ``value`` in a dialog's select with the keyboard: open it, type to find, enter."""
    dialog = pilot.app.screen
    select = dialog.query_one(select_id, Select)
    select.focus()
    await pilot.press("enter")
    await pilot.press(*value)
    await pilot.press("enter")
    await pilot.pause()
    assert select.value == value


async def _type(pilot: Pilot[None], input_id: str, text: str) -> None:
    """Replace what an input holds with ``text``."""
    field = pilot.app.screen.query_one(input_id, Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)
    await pilot.pause()


# -- the services behind the allocation screen -------------------------------------------------------


def test_the_roster_counts_what_each_rm_manages_and_sells(demo_db: Path) -> None:
    services = _services(demo_db, "BM03")
    roster = services.assignments.roster()
    assert roster.institution == "OT01" and roster.acting.code == "BM03"
    # The outlet's RMs, and the branch's RM who may take its customers too.
    assert [(row.code, row.institution_code) for row in roster.rows] == [
        ("RM001", "OT01"),
        ("RM002", "OT01"),
        ("RM003", "OT01"),
        ("RM019", "BR01"),
    ]
    board = {row.staff_code: row for row in services.performance.leaderboard().rows}
    for row in roster.rows:
        customers = _count(
            demo_db,
            "SELECT count(*) FROM assignment a JOIN customer c ON c.id = a.customer_id "
            "JOIN staff s ON s.id = a.staff_id JOIN institution i ON i.id = c.institution_id "
            "WHERE s.code = ? AND i.code = 'OT01'",
            row.code,
        )
        weighted = _count(
            demo_db,
            "SELECT coalesce(sum(m.aum_fen * a.pct), 0) FROM assignment a "
            "JOIN customer c ON c.id = a.customer_id JOIN staff s ON s.id = a.staff_id "
            "JOIN institution i ON i.id = c.institution_id "
            "JOIN monthly_aum m ON m.customer_id = a.customer_id "
            "AND m.month_idx = (SELECT max(month_idx) FROM monthly_aum) "
            "WHERE s.code = ? AND i.code = 'OT01'",
            row.code,
        )
        assert row.customers == customers
        assert row.aum_fen == (weighted + 50) // 100
        assert row.weighted_fen == (board[row.code].weighted_fen if row.code in board else 0)


def test_assign_many_is_for_branch_managers(demo_db: Path) -> None:
    with pytest.raises(PermissionRefused):
        _services(demo_db, "RM001").assignments.assign_many(["1000000025"], "RM001")
    with pytest.raises(AssignmentError):
        _services(demo_db, "BM03").assignments.assign_many([], "RM001")


# -- allocation ---------------------------------------------------------------------------------------


async def test_assign_from_the_pool_writes_the_store_and_an_event(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AllocationScreen(app.services))
        table = app.screen.query_one("#customers", DataTable)
        cif = _cursor_key(table)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AssignmentDialog)
        await _choose(pilot, "#rm-0", "RM002")
        await _type(pilot, "#pct-0", "70")
        await _choose(pilot, "#rm-1", "RM003")
        await _type(pilot, "#pct-1", "30")
        assert _text(app.screen, "#sum") == "100%"
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert isinstance(app.screen, AllocationScreen)
        assert "Assigned" in _text(app.screen, "#message")
        assert cif not in [str(k.value) for k in table.rows]
        history = app.screen.query_one("#history", DataTable)
        assert history.row_count == 1
    card = _services(demo_db, "BM03").assignments.customer(cif)
    assert [(s.staff, s.role, s.pct) for s in card.rms] == [
        ("RM002", "primary", 70),
        ("RM003", "secondary", 30),
    ]
    assert [(e.action, e.actor) for e in card.events] == [("assign", "BM03")]


async def test_the_dialog_offers_only_rms_who_may_serve_the_customer(demo_db: Path) -> None:
    """A branch's pool holds customers of its outlets; an outlet's customer may be served by RMs of that
    outlet or of the branch, so only they are offered (an RM of another outlet would be refused)."""
    services = _services(demo_db, "BM01")
    pool = services.assignments.pool()
    roster = services.assignments.roster()
    places = dict(pool.rm_places)
    app = _app(demo_db, "BM01")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AllocationScreen(app.services))
        table = app.screen.query_one("#customers", DataTable)
        cif = _cursor_key(table)
        [row] = [row for row in pool.rows if row.cif == cif]
        assert places[row.institution] == (row.institution, "BR01")  # an outlet, and its branch
        await pilot.press("a")
        await pilot.pause()
        offered = [str(value) for _label, value in app.screen.query_one("#rm-0", Select)._options[1:]]
    expected = [rm.code for rm in roster.rows if rm.institution_code in places[row.institution]]
    assert offered == expected
    assert 0 < len(offered) < len(roster.rows)


async def test_the_dialog_refuses_a_sum_other_than_100_and_keeps_what_was_typed(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AllocationScreen(app.services))
        cif = _cursor_key(app.screen.query_one("#customers", DataTable))
        await pilot.press("a")
        await pilot.pause()
        await _choose(pilot, "#rm-0", "RM001")
        await _type(pilot, "#pct-0", "60")
        await _choose(pilot, "#rm-1", "RM002")
        await _type(pilot, "#pct-1", "30")
        await _type(pilot, "#reason", "split the family")
        await pilot.press("ctrl+s")
        await _settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AssignmentDialog)
        error = dialog.query_one("#sum-error", Static)
        assert error.has_class("shown")
        assert "must sum to exactly 100; they sum to 90" in str(error.render())
        assert dialog.query_one("#rm-0", Select).value == "RM001"
        assert dialog.query_one("#pct-0", Input).value == "60"
        assert dialog.query_one("#rm-1", Select).value == "RM002"
        assert dialog.query_one("#pct-1", Input).value == "30"
        assert dialog.query_one("#reason", Input).value == "split the family"
        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(app.screen, AllocationScreen)
    assert _services(demo_db, "BM03").assignments.customer(cif).events == ()


async def test_batch_assign_of_a_selection(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AllocationScreen(app.services))
        table = app.screen.query_one("#customers", DataTable)
        first = _cursor_key(table)
        await pilot.press("space")
        second = _cursor_key(table)
        await pilot.press("space")
        await pilot.pause()
        assert "2 selected" in str(app.screen.query_one("#customers-pane").border_subtitle)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, AssignmentDialog)
        await _choose(pilot, "#rm-0", "RM003")
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert isinstance(app.screen, AllocationScreen)
        assert "Assigned 2 customers" in _text(app.screen, "#message")
    services = _services(demo_db, "BM03")
    for cif in (first, second):
        card = services.assignments.customer(cif)
        assert [(s.staff, s.pct) for s in card.rms] == [("RM003", 100)]
        assert [e.action for e in card.events] == ["assign"]


async def test_batch_assign_is_all_or_nothing(demo_db: Path) -> None:
    # A potential-tier customer with RMs is recycled: it waits in the pool but may not be assigned again.
    low = "1000000022"
    _services(demo_db, "BM03").assignments.recycle(low, "moved away")
    events_before = _count(demo_db, "SELECT count(*) FROM assignment_event")
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AllocationScreen(app.services))
        table = app.screen.query_one("#customers", DataTable)
        good = _cursor_key(table)
        await pilot.press("space")
        keys = [str(k.value) for k in table.rows]
        table.move_cursor(row=keys.index(low))
        await pilot.press("space")
        await pilot.press("b")
        await pilot.pause()
        await _choose(pilot, "#rm-0", "RM001")
        await pilot.press("ctrl+s")
        await _settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AssignmentDialog)  # reopened with the service's sentence
        refusal = _text(dialog, "#form-error")
        assert refusal.startswith("Nothing was assigned") and low in refusal
        assert dialog.query_one("#rm-0", Select).value == "RM001"
        await pilot.press("escape")
        await _settle(pilot)
    assert _count(demo_db, "SELECT count(*) FROM assignment_event") == events_before
    assert _services(demo_db, "BM03").assignments.customer(good).rms == ()


async def test_recycle_with_a_reason(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AllocationScreen(app.services))
        roster = app.screen.query_one(RmRosterTable)
        roster.focus()
        await pilot.press("enter")
        await _settle(pilot)
        assert roster.chosen == "RM001"
        table = app.screen.query_one("#customers", DataTable)
        assert table.has_focus
        cif = _cursor_key(table)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, RecycleDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "needs a reason" in _text(app.screen, "#reason-error")
        await pilot.press(*"customer moved")
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert isinstance(app.screen, AllocationScreen)
        assert "Recycled" in _text(app.screen, "#message")
        assert cif not in [str(k.value) for k in table.rows]
        await pilot.press("p")
        await _settle(pilot)
        assert cif in [str(k.value) for k in table.rows]
    card = _services(demo_db, "BM03").assignments.customer(cif)
    assert card.rms == ()
    assert (card.events[-1].action, card.events[-1].reason) == ("recycle", "customer moved")


async def test_history_of_the_focused_customer(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AllocationScreen(app.services))
        table = app.screen.query_one("#customers", DataTable)
        keys = [str(k.value) for k in table.rows]
        table.move_cursor(row=keys.index("1000000277"))  # recycled in the demo
        await pilot.press("h")
        await _settle(pilot)
        history = app.screen.query_one("#history", DataTable)
        assert history.row_count >= 1
        assert "1000000277" in str(app.screen.query_one("#history-pane").border_title)


async def test_an_analyst_may_look_but_not_assign(demo_db: Path) -> None:
    app = _app(demo_db, "AN01")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AllocationScreen(app.services))
        screen = app.screen
        assert screen.check_action("assign", ()) is False
        assert screen.check_action("batch", ()) is False
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AllocationScreen)
        assert "Only a branch manager" in _text(screen, "#heading")


# -- sales attribution ----------------------------------------------------------------------------------


async def test_adjust_credits(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AttributionScreen(app.services))
        table = app.screen.query_one("#sales", DataTable)
        txn = _cursor_key(table)
        await pilot.press("a")
        await _settle(pilot)
        assert isinstance(app.screen, AdjustCreditsDialog)
        await _type(pilot, "#staff-0", "RM001")
        await _type(pilot, "#ratio-0", "0.6")
        await _type(pilot, "#staff-1", "RM002")
        await _type(pilot, "#ratio-1", "0.3")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AdjustCreditsDialog)
        assert "they sum to 0.9" in _text(app.screen, "#sum-error")
        await _type(pilot, "#ratio-1", "0.4")
        await _type(pilot, "#reason", "joint sale")
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert isinstance(app.screen, AttributionScreen)
        assert "Adjusted sale" in _text(app.screen, "#message")
        await pilot.press("p")
        await _settle(pilot)
        assert txn in [str(k.value) for k in table.rows]
    sale = _services(demo_db, "BM03").sales.show(txn)
    assert sale.status.value == "adjusted"
    assert [(c.staff, c.role, c.ratio_bp) for c in sale.credits] == [
        ("RM001", "seller", 6000),
        ("RM002", "referrer", 4000),
    ]


async def test_pending_only_toggles_and_enter_shows_credits(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, AttributionScreen(app.services))
        table = app.screen.query_one("#sales", DataTable)
        pending = table.row_count
        await pilot.press("p")
        await _settle(pilot)
        assert table.row_count > pending
        settled = next(row.txn_id for row in app.screen._sales.rows if row.credits)
        keys = [str(k.value) for k in table.rows]
        table.move_cursor(row=keys.index(settled))
        await pilot.press("enter")
        await _settle(pilot)
        assert settled in str(app.screen.query_one("#credits-pane").border_title)
        assert app.screen.query_one("#credits", DataTable).row_count >= 1


# -- churn report ---------------------------------------------------------------------------------------


async def test_churn_report_lists_churned_first(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, ChurnReportScreen(app.services))
        report = app.screen._report
        assert report is not None and report.rows
        table = app.screen.query_one("#report", DataTable)
        assert table.row_count == len(report.rows)
        assert report.rows[0].status == "churned"
        await pilot.press("left_square_bracket")
        await _settle(pilot)
        assert app.screen._report.month == "2026-10"


# -- tier simulation ------------------------------------------------------------------------------------


def _store_state(db: Path) -> tuple[int, int, int, int]:
    return (
        _count(db, "SELECT count(*) FROM tier_rule_set"),
        _count(db, "SELECT count(*) FROM audit_log"),
        _count(db, "SELECT count(*) FROM tier_history"),
        _count(db, "SELECT sum(length(tier) + months_below) FROM customer_tier"),
    )


async def _edit_platinum_aum(pilot: Pilot[None], value: str) -> None:
    """Move to platinum's AUM threshold, edit it, and wait for the simulation."""
    table = pilot.app.screen.query_one("#rules", DataTable)
    table.move_cursor(row=0, column=3)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, EditRuleDialog)
    await pilot.press(*value, "enter")
    await _settle(pilot)


async def test_tier_simulation_writes_nothing(demo_db: Path) -> None:
    before = _store_state(demo_db)
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, TierSimulationScreen(app.services))
        screen = app.screen
        assert isinstance(screen, TierSimulationScreen)
        assert screen._report is not None and screen._report.changed == ()
        await _edit_platinum_aum(pilot, "400000")
        assert isinstance(app.screen, TierSimulationScreen)
        assert screen._change_texts() == ("platinum.aum=400000",)
        assert screen._report.changed
        assert screen.query_one(TransitionMatrix).moved() == len(screen._report.changed)
        assert screen.query_one("#changed", DataTable).row_count == len(screen._report.changed)
    assert _store_state(demo_db) == before


async def test_a_refused_parameter_stays_in_its_dialog(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, TierSimulationScreen(app.services))
        await _edit_platinum_aum(pilot, "6000000")
        dialog = app.screen
        assert isinstance(dialog, EditRuleDialog)
        assert "thresholds descend" in _text(dialog, "#value-error")
        assert dialog.query_one("#value", Input).value == "6000000"


async def test_confirm_is_refused_to_a_branch_manager(demo_db: Path) -> None:
    app = _app(demo_db, "BM03")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, TierSimulationScreen(app.services))
        screen = app.screen
        await _edit_platinum_aum(pilot, "400000")
        assert screen.check_action("confirm", ()) is False
        assert "tiers.confirm" not in {b.binding.id for b in screen.active_bindings.values()} or not any(
            b.enabled for b in screen.active_bindings.values() if b.binding.id == "tiers.confirm"
        )
        await pilot.press("c")
        await _settle(pilot)
        assert app.screen is screen
        assert "Only an analyst confirms" in _text(screen, "#note")
    assert _count(demo_db, "SELECT max(version) FROM tier_rule_set") == 1


async def test_confirm_works_for_an_analyst(demo_db: Path) -> None:
    app = _app(demo_db, "AN01")
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, TierSimulationScreen(app.services))
        screen = app.screen
        await _edit_platinum_aum(pilot, "400000")
        assert screen.check_action("confirm", ()) is True
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmRulesDialog)
        assert "version 2" in str(dialog.query_one("#form").border_title)
        await pilot.press(*"lower platinum entry", "ctrl+s")
        await _settle(pilot)
        assert app.screen is screen
        assert "Stored tier rules version 2" in _text(screen, "#message")
        assert screen._base is not None and screen._base.version == 2
        assert screen._changes == {}
    rules = _services(demo_db, "AN01").tiers.rules()
    assert rules.version == 2
    platinum = rules.rule("platinum")
    assert platinum is not None and platinum.aum_min_fen == 40_000_000


# -- pictures -------------------------------------------------------------------------------------------


def _run_before(screen_class: type[Screen[None]]):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, RMConsoleApp)
        await _open(pilot, screen_class(app.services))  # type: ignore[call-arg]

    return run_before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_allocation_snapshot(demo_db: Path, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        _app(demo_db, "BM03", lang), terminal_size=SIZE, run_before=_run_before(AllocationScreen)
    )


def test_assignment_dialog_snapshot(demo_db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await _run_before(AllocationScreen)(pilot)
        await pilot.press("a")
        await pilot.pause()
        await _choose(pilot, "#rm-0", "RM001")
        await _type(pilot, "#pct-0", "60")
        await _choose(pilot, "#rm-1", "RM002")
        await _type(pilot, "#pct-1", "30")
        await _settle(pilot)

    assert snap_compare(_app(demo_db, "BM03"), terminal_size=SIZE, run_before=run_before)


def test_attribution_snapshot(demo_db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, "BM03"), terminal_size=SIZE, run_before=_run_before(AttributionScreen))


def test_churn_report_snapshot(demo_db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, "BM03"), terminal_size=SIZE, run_before=_run_before(ChurnReportScreen))


def test_tier_simulation_snapshot(demo_db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await _run_before(TierSimulationScreen)(pilot)
        await _edit_platinum_aum(pilot, "400000")

    assert snap_compare(_app(demo_db, "BM03"), terminal_size=SIZE, run_before=run_before)
