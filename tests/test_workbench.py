"""The RM's workbench (F1), driven headless: reminders done, snoozed and dismissed from the keyboard,
recommendations dismissed and shown, the work log, the calendar and its service, and snapshots."""

from __future__ import annotations

import calendar
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import tables_sized
from rich.text import Text
from sqlalchemy import select, text, update
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets._footer import FooterKey

from rm_console.app import make_app
from rm_console.domain import reminders as rem
from rm_console.domain.calendar_dto import CalendarItemKind
from rm_console.domain.dto import ReminderDTO
from rm_console.domain.enums import AssetClass, CardLevel, Direction
from rm_console.services import Services
from rm_console.services.calendar import CalendarService
from rm_console.settings import Settings
from screens.dialogs import SaleRegistrationDialog, VisitPlanDialog
from screens.workbench import (
    DayDialog,
    DetailsDialog,
    SnoozeDialog,
    WorkbenchScreen,
    WorkLogEntryDialog,
)
from storage.models import WorkLogEntry
from widgets.churn_alerts import ChurnAlerts, sparkline
from widgets.data_table import Table
from widgets.leaderboard_panel import LeaderboardPanel, bar
from widgets.month_calendar import MonthCalendar, weeks_of
from widgets.recommendation_list import RecommendationList
from widgets.reminder_list import NAME_WIDTH, Cell, PanelTable, ReminderList, cut
from widgets.work_log_panel import WorkLogPanel

AS_OF = date(2026, 11, 22)
RM = "RM001"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo bank built once for the module, with a few visits, follow-ups and log entries of
    RM001 (written through the services; the log entries' times are then fixed for the snapshots)."""
    path = tmp_path_factory.mktemp("workbench") / "demo.db"
    services = Services(path)
    services.demo.build(customers=400, months=14, seed=7, as_of=AS_OF, force=True, progress=None)
    services.close()
    rm = Services(path, actor=RM)
    rm.records.plan_visit("1000000001", at="2026-11-24 10:00", purpose="wealth review", place="office")
    rm.records.plan_visit("1000000003", at="2026-11-26 15:30", purpose="maturing deposit")
    rm.records.record_visit(
        "1000000002",
        outcome="interested in funds",
        next_step="send fund list",
        follow_up="2026-11-25",
        at="2026-11-20 10:00",
    )
    rm.records.record_contact(
        "1000000005", "call", notes="asked about card fees", follow_up="2026-11-19", at="2026-11-18 09:00"
    )
    first = rm.records.log_work("called 郑卫国 about the card repayment", kind="call")
    second = rm.records.log_work("prepared the fund list for 田成", kind="note")
    with rm.engine.begin() as conn:
        table = WorkLogEntry.__table__  # type: ignore[attr-defined]
        for entry, hour in ((first, 8), (second, 9)):
            at = datetime(2026, 11, 22, hour - 8, 40, tzinfo=UTC)  # 08:40 and 09:40 in Beijing
            conn.execute(update(table).where(table.c.id == uuid.UUID(entry.id)).values(at=at))
    rm.close()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the demo bank."""
    copy = tmp_path / "local.db"
    shutil.copyfile(demo_template, copy)
    return copy


def _app(db: Path, acting: str | None = RM, lang: str = "en"):  # type: ignore[no-untyped-def]
    return make_app(Services(db, actor=acting), Settings(db_path=db, acting=acting, lang=lang))


async def _settle(pilot: Pilot[None]) -> None:
    """Wait until every worker has finished and the screen has refreshed (twice: a finished change
    starts the reloads)."""
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await tables_sized(pilot)


async def _open(pilot: Pilot[None]) -> WorkbenchScreen:
    """Push the workbench and wait for its panels."""
    screen = WorkbenchScreen(pilot.app.services)  # type: ignore[attr-defined]
    pilot.app.push_screen(screen)
    await _settle(pilot)
    return screen


def _states(db: Path) -> dict[str, tuple[str, str | None]]:
    services = Services(db)
    with services.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.reminder_key, r.state, r.snooze_until FROM reminder_state r "
                "JOIN staff s ON s.id = r.staff_id WHERE s.code = :code"
            ),
            {"code": RM},
        ).all()
    services.close()
    return {key: (state, str(until) if until is not None else None) for key, state, until in rows}


def _log_texts(db: Path) -> list[str]:
    services = Services(db)
    with services.engine.connect() as conn:
        table = WorkLogEntry.__table__  # type: ignore[attr-defined]
        texts = [row[0] for row in conn.execute(select(table.c.text).order_by(table.c.at))]
    services.close()
    return texts


# -- reminders ---------------------------------------------------------------------------------------


async def test_done_snooze_and_dismiss_are_stored(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        reminders = screen.query_one(ReminderList)
        assert screen.focused is reminders.table
        first = reminders.current
        assert first is not None
        await pilot.press("d")
        await _settle(pilot)
        assert _states(demo_db)[first.id] == ("done", None)
        assert first.id not in {r.id for r in reminders.reminders or ()}

        second = reminders.current
        assert second is not None and second.id != first.id
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeDialog)
        await pilot.press("+", "3", "enter")
        await _settle(pilot)
        assert app.screen is screen
        assert _states(demo_db)[second.id] == ("snoozed", "2026-11-25")

        third = reminders.current
        assert third is not None
        await pilot.press("x")
        await _settle(pilot)
        assert _states(demo_db)[third.id] == ("dismissed", None)
        assert {first.id, second.id, third.id}.isdisjoint(r.id for r in reminders.reminders or ())


async def test_the_cursor_stays_in_place_after_a_reminder_leaves_the_list(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        reminders = screen.query_one(ReminderList)
        shown = [r.id for r in reminders.reminders or ()]
        await pilot.press("down", "down", "d")
        await _settle(pilot)
        assert _states(demo_db)[shown[2]] == ("done", None)
        assert reminders.table.cursor_row == 2
        assert reminders.current is not None and reminders.current.id == shown[3]


async def test_snooze_refuses_a_past_day_and_keeps_the_text(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        reminder = screen.query_one(ReminderList).current
        assert reminder is not None
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("1", "1", "-", "2", "0", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SnoozeDialog)
        assert dialog.query_one(Input).value == "11-20"
        assert "after today (2026-11-22)" in str(dialog.query_one("#until-error", Static).render())
        dialog.query_one(Input).value = ""
        await pilot.press("enter")  # empty: tomorrow
        await _settle(pilot)
        assert _states(demo_db)[reminder.id] == ("snoozed", "2026-11-23")


async def test_enter_on_a_reminder_shows_it_and_d_there_marks_it_done(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        reminder = screen.query_one(ReminderList).current
        assert reminder is not None
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsDialog)
        await pilot.press("d")
        await _settle(pilot)
        assert _states(demo_db)[reminder.id] == ("done", None)


async def test_the_footer_offers_only_what_the_focused_panel_can_do(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        assert screen.check_action("done", ()) and screen.check_action("dismiss_item", ())
        await pilot.press("tab")  # churn alerts
        assert screen.focused is screen.query_one(ChurnAlerts).table
        assert not screen.check_action("done", ())
        assert not screen.check_action("dismiss_item", ())
        await pilot.press("tab")  # recommendations
        assert screen.focused is screen.query_one(RecommendationList).table
        assert not screen.check_action("snooze", ())
        assert screen.check_action("dismiss_item", ())
        assert screen.check_action("add_log", ())
        await pilot.press("tab", "tab")  # leaderboard, calendar
        assert screen.focused is screen.query_one(MonthCalendar)
        await pilot.press("shift+tab")
        assert screen.focused is screen.query_one(LeaderboardPanel).table


# -- recommendations ---------------------------------------------------------------------------------


async def test_x_on_a_recommendation_stores_its_dismissal(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        panel = screen.query_one(RecommendationList)
        panel.table.focus()
        await pilot.pause()
        chosen = panel.current
        assert chosen is not None
        await pilot.press("x")
        await _settle(pilot)
        key = f"rec:{chosen.cif}:{chosen.product_code or chosen.kind}"
        assert _states(demo_db)[key] == ("dismissed", None)
        assert chosen.id not in {r.id for r in panel.recommendations or ()}


async def test_enter_on_a_recommendation_shows_it_and_accepting_opens_the_form(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        posted: list[WorkbenchScreen.AcceptRecommendation] = []
        original = screen.post_message

        def record(message):  # type: ignore[no-untyped-def]
            if isinstance(message, WorkbenchScreen.AcceptRecommendation):
                posted.append(message)
            return original(message)

        screen.post_message = record  # type: ignore[method-assign]
        panel = screen.query_one(RecommendationList)
        panel.table.focus()
        await pilot.pause()
        chosen = panel.current
        assert chosen is not None
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DetailsDialog)
        shown = " ".join(str(s.render()) for s in dialog.query(".detail-value").results(Static))
        assert chosen.reason_en in shown and chosen.cif in shown
        await pilot.press("r")
        await _settle(pilot)
        assert [(m.recommendation.id, m.form) for m in posted] == [(chosen.id, "sale")]
        assert isinstance(app.screen, SaleRegistrationDialog), "the app opens the sale registration"
        await pilot.press("escape")
        await _settle(pilot)
        panel.table.focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("v")
        await _settle(pilot)
        assert isinstance(app.screen, VisitPlanDialog), "accepting with v opens a visit plan"
        customer = str(app.screen.query_one("#customer", Input).value)
        assert chosen.cif in customer


# -- work log ----------------------------------------------------------------------------------------


async def test_a_adds_a_work_log_entry(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        before = len(screen.query_one(WorkLogPanel).log.entries)  # type: ignore[union-attr]
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkLogEntryDialog)
        await pilot.press("space", "space", "enter")  # nothing but spaces: refused, kept
        await _settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one(Input).value == "  "
        assert str(dialog.query_one("#entry-error", Static).render()) == "Write what you did."
        dialog.query_one(Input).value = "met 孙静怡 at the branch"
        await pilot.press("enter")
        await _settle(pilot)
        assert app.screen is screen
        assert _log_texts(demo_db)[-1] == "met 孙静怡 at the branch"
        log = screen.query_one(WorkLogPanel).log
        assert log is not None and len(log.entries) == before + 1


async def test_refresh_all_shows_records_saved_elsewhere(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        Services(demo_db, actor=RM).records.log_work("written from another screen")
        screen.refresh_all()
        await _settle(pilot)
        log = screen.query_one(WorkLogPanel).log
        assert log is not None and log.entries[-1].text == "written from another screen"


# -- calendar ----------------------------------------------------------------------------------------


async def test_calendar_moves_by_day_week_and_month_and_opens_a_day(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        calendar = screen.query_one(MonthCalendar)
        calendar.focus()
        await pilot.pause()
        assert calendar.cursor == AS_OF and calendar.month is not None and calendar.month.month == "2026-11"
        await pilot.press("right")
        assert calendar.cursor == date(2026, 11, 23)
        await pilot.press("down")
        assert calendar.cursor == date(2026, 11, 30)
        await pilot.press("pagedown")
        await _settle(pilot)
        assert calendar.cursor == date(2026, 12, 30)
        assert calendar.month is not None and calendar.month.month == "2026-12"
        assert calendar.border_title == "December 2026"
        await pilot.press("pageup", "up", "left")
        await _settle(pilot)
        assert calendar.cursor == date(2026, 11, 22)
        assert calendar.month is not None and calendar.month.month == "2026-11"
        await pilot.press("right", "right", "enter")  # 11-24: the visit to 孙静怡
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DayDialog)
        items = dialog.query_one(OptionList)
        day = calendar.month.on(date(2026, 11, 24))
        assert items.option_count == len(day.items) >= 1
        assert "wealth review" in str(items.get_option_at_index(0).prompt)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


def test_the_calendar_places_visits_follow_ups_and_reminders(demo_db: Path) -> None:
    services = Services(demo_db, actor=RM)
    month = CalendarService(services).month("2026-11")
    assert month.month == "2026-11" and month.today == AS_OF
    assert [d.day for d in month.days] == [date(2026, 11, n) for n in range(1, 31)]
    visit = month.on(date(2026, 11, 24)).items[0]
    assert (visit.kind, visit.time, visit.name) == (CalendarItemKind.VISIT.value, "10:00", "孙静怡")
    assert "wealth review" in visit.text_en
    follow_up = next(i for i in month.on(date(2026, 11, 25)).items if i.kind == "follow_up")
    assert not follow_up.overdue and "send fund list" in follow_up.text_en
    overdue = next(i for i in month.on(date(2026, 11, 19)).items if i.kind == "follow_up")
    assert overdue.overdue and overdue.priority == "high"
    # The reminders of today's list that fall in the month are on their days, under the same ids.
    today = services.today.today()
    dated = {r.id for r in today.reminders if r.due.startswith("2026-11") and not r.id.startswith("problem")}
    placed = {i.id for d in month.days for i in d.items}
    assert dated - {r.id for r in today.reminders if r.kind in ("follow_up", "visit", "call")} <= placed
    # Days other than today state their date without "(today)".
    assert all("(today)" not in i.text_en for d in month.days if d.day != AS_OF for i in d.items)
    # What the RM did with a reminder is carried, not hidden.
    some = next(i for i in month.on(date(2026, 11, 29)).items if i.kind == "reminder")
    services.today.mark(some.id, "done")
    again = CalendarService(services).month(date(2026, 11, 1))
    assert next(i for i in again.on(date(2026, 11, 29)).items if i.id == some.id).state == "done"
    december = CalendarService(services).month("2026-12")
    assert december.first == date(2026, 12, 1) and december.last == date(2026, 12, 31)
    services.close()


def test_a_bad_month_is_refused_with_a_sentence(demo_db: Path) -> None:
    services = Services(demo_db, actor=RM)
    with pytest.raises(Exception, match="is not a month"):
        CalendarService(services).month("2026-13")
    services.close()


# -- who is acting -----------------------------------------------------------------------------------


async def test_an_unknown_acting_person_sees_a_sentence(demo_db: Path) -> None:
    app = _app(demo_db, "NOBODY")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        problem = screen.query_one("#problem", Static)
        assert problem.display
        assert str(problem.render()) == "No staff member has the code 'NOBODY'"
        assert not screen.check_action("add_log", ())
        assert not screen.check_action("done", ())
        # A dialog opened anyway says the service's refusal under its field and keeps the text.
        dialog = WorkLogEntryDialog(app.services)
        app.push_screen(dialog)
        await pilot.pause()
        dialog.query_one(Input).value = "a note"
        await pilot.press("enter")
        await _settle(pilot)
        assert app.screen is dialog and dialog.query_one(Input).value == "a note"
        assert "NOBODY" in str(dialog.query_one("#entry-error", Static).render())


# -- pure pieces -------------------------------------------------------------------------------------


def test_sparkline_and_bar() -> None:
    assert sparkline([100, 50, 0, None]) == "▇▄▁·"
    assert sparkline([None, None]) == "··"
    assert bar(50, 100, 4) == "██"
    assert bar(0, 100, 4) == ""
    assert len(weeks_of(date(2026, 2, 1))) == 6


# -- snapshots ---------------------------------------------------------------------------------------


async def _push_workbench(pilot: Pilot[None]) -> None:
    await _open(pilot)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_workbench_snapshot(demo_db: Path, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, RM, lang), terminal_size=(120, 40), run_before=_push_workbench)


def test_workbench_snapshot_small_terminal(demo_db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(demo_db, RM), terminal_size=(80, 24), run_before=_push_workbench)


def _edge_facts() -> rem.DayFacts:
    """Facts at the edges of months: maturities on first and last days, cards repaid on the 29th–31st
    and the 1st, a 29 February birthday, solar and lunar important dates, a large transaction."""
    holdings = [
        rem.HoldingFact(
            f"D{i}",
            f"C{i % 7}",
            f"Customer {i % 7}",
            AssetClass.DEPOSIT,
            "Time deposit",
            100_00,
            maturity_date=day,
        )
        for i, day in enumerate(
            [date(2027, 2, 1), date(2027, 2, 28), date(2028, 2, 29), date(2026, 12, 31), date(2027, 1, 1)]
        )
    ] + [
        rem.HoldingFact(
            f"K{day}",
            f"C{day % 7}",
            f"Customer {day % 7}",
            AssetClass.CARD,
            "Card",
            5_000_00,
            card_level=CardLevel.GOLD,
            repayment_day=day,
        )
        for day in (1, 15, 28, 29, 30, 31)
    ]
    customers = [
        rem.CustomerFact(f"C{i}", f"Customer {i}", birth_date=day)
        for i, day in enumerate([date(1980, 2, 29), date(1990, 12, 31), date(1975, 1, 1), date(1966, 2, 28)])
    ]
    dates = [
        rem.ImportantDateFact("I1", "C1", "Customer 1", "Wedding", date(2001, 2, 28)),
        rem.ImportantDateFact("I2", "C2", "Customer 2", "Mother's birthday", date(1950, 1, 29), lunar=True),
    ]
    txns = [rem.TxnFact("T1", "C3", "Customer 3", date(2027, 2, 26), 80_000_00, Direction.OUT)]
    return rem.DayFacts(
        holdings=tuple(holdings), customers=tuple(customers), important_dates=tuple(dates), txns=tuple(txns)
    )


@pytest.mark.parametrize("month", ["2026-12", "2027-01", "2027-02", "2028-02"])
def test_the_calendar_finds_each_days_reminders_as_the_rules_do_for_that_day(month: str) -> None:
    """The month's reminders are found by running the rules only where the month's window shows
    something; each day must still hold exactly what the rules give when run for that day alone."""
    facts = _edge_facts()
    first = date.fromisoformat(f"{month}-01")
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    threshold = rem.LARGE_TXN_THRESHOLD_FEN
    found = CalendarService._days_reminders(facts, first, last, threshold)
    day = first
    while day <= last:
        assert found[day] == CalendarService._reminders_on(facts, day, threshold), day
        day += timedelta(days=1)
    assert sum(len(reminders) for reminders in found.values()) > 5


async def test_a_panel_table_sizes_itself_as_a_measured_table_would() -> None:
    """The panel's table skips measuring cells (its columns have fixed widths): its size, scrolling and
    drawing are those of the table that measures them."""

    class Tables(App[None]):
        def compose(self) -> ComposeResult:
            yield PanelTable(id="panel")
            yield DataTable(id="measured")

    app = Tables()
    async with app.run_test(size=(80, 40)) as pilot:
        tables = [app.query_one("#panel", DataTable), app.query_one("#measured", DataTable)]
        for table in tables:
            table.styles.height = 10
            for index, width in enumerate((4, 12, 30)):
                table.add_column(f"c{index}", width=width, key=str(index))
            for row in range(300):
                table.add_row(Text(f"{row}"), Text("客户 " * (row % 5)), Text("x" * (row % 40)), key=str(row))
        await pilot.pause()
        panel, measured = tables
        assert panel.virtual_size == measured.virtual_size and panel.virtual_size.height == 301
        for table in tables:
            table.move_cursor(row=250, animate=False)
        await pilot.pause()
        assert panel.scroll_y == measured.scroll_y > 0
        assert [panel.render_line(y).text for y in range(10)] == [
            measured.render_line(y).text for y in range(10)
        ]


async def test_a_table_drawn_before_its_rows_are_measured_is_drawn_again_at_their_widths() -> None:
    """Textual's table caches drawn cells without their width: a frame drawn between adding rows and
    measuring them kept the columns squeezed to their headers. The console's Table draws them again."""

    class Tables(App[None]):
        def compose(self) -> ComposeResult:
            yield Table(id="fixed")
            yield DataTable(id="plain")

    app = Tables()
    async with app.run_test(size=(80, 20)) as pilot:
        for table in app.query(DataTable):
            table.styles.height = 5
            table.add_column("CIF", key="cif")
        await pilot.pause()
        for table in app.query(DataTable):
            table.add_row("1000000017", key="a")
            table.render_line(1)  # a frame drawn before the table is idle and measures the row
        await pilot.pause()
        fixed, plain = app.query_one("#fixed", DataTable), app.query_one("#plain", DataTable)
        assert "1000000017" in fixed.render_line(1).text
        # Textual 8.2.8's own table still shows "100"; once it does not, Table can go.
        assert "1000000017" not in plain.render_line(1).text


async def test_the_footer_is_rebuilt_only_when_its_keys_change(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        keys = list(screen.query(FooterKey))
        assert {key.action for key in keys} >= {"done", "snooze", "dismiss_item"}
        for _round in range(3):
            screen.refresh_bindings()
            await pilot.pause()
        assert list(screen.query(FooterKey)) == keys  # the same widgets: nothing was rebuilt
        await pilot.press("tab")  # on to the churn alerts, whose keys differ
        await _settle(pilot)
        assert "done" not in {key.action for key in screen.query(FooterKey)}


def test_a_long_customer_name_leaves_the_reminder_text_its_room() -> None:
    cells = [
        "!",
        "11-22",
        "Maturity",
        "江城东湖电子科技有限公司",
        "Deposit of 江城东湖电子科技有限公司 matures",
    ]
    rows = [("r1", [Text(cell) for cell in cells])]
    widths = dict(ReminderList()._fit(rows, 76))
    assert widths[3] == NAME_WIDTH < Text(cells[3]).cell_len
    assert widths[4] == 76 - sum(width + 2 for index, width in widths.items() if index != 4) - 2


async def test_a_panel_makes_text_only_for_the_rows_it_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """A panel holds every reminder of the day but makes the rich Text of a row's cells only when the
    row is drawn: filling it with thousands of rows does not make thousands of Texts."""
    made: list[str] = []
    text_of = Cell.text

    def counted(cell: Cell) -> Text:
        made.append(cell.plain)
        return text_of(cell)

    monkeypatch.setattr(Cell, "text", counted)
    reminders = tuple(
        ReminderDTO(
            id=f"r{index}",
            kind="maturity",
            cif=f"1{index:09d}",
            name=f"客户{index}",
            due="2026-11-20" if index % 2 else "2026-11-22",
            priority="high" if index % 3 == 0 else "normal",
            text_en=f"Deposit {index} of 客户{index} (CIF 1{index:09d}) matures",
            text_zh=f"客户{index}（CIF 1{index:09d}）的存款 {index} 到期",
        )
        for index in range(3000)
    )

    class Panel(App[None]):
        def compose(self) -> ComposeResult:
            yield ReminderList()

    app = Panel()
    async with app.run_test(size=(100, 20)) as pilot:
        panel = app.query_one(ReminderList)
        panel.today = AS_OF
        panel.reminders = reminders
        await pilot.pause()
        table = panel.table
        assert table.row_count == 3000
        assert len(made) < 40 * 5  # the rows on screen (and a few more), not the 3000
        last = table.get_row_at(2999)
        assert all(isinstance(cell, Cell) for cell in last)
        assert [str(cell) for cell in last] == [
            " ",
            "11-20",
            "Maturity",
            "客户2999",
            "Deposit 2999 of 客户2999 matures",
        ]
        table.move_cursor(row=2999, animate=False)
        await pilot.pause()
        drawn = [table.render_line(y).text for y in range(table.size.height)]
        assert any("Deposit 2999 of 客户2999 matures" in line for line in drawn)
        assert "客户2999" in made


def test_a_cut_cell_is_drawn_as_a_one_line_text_with_an_ellipsis() -> None:
    text = cut("江城东湖电子科技有限公司", "bold").text()
    assert (text.plain, text.style, text.no_wrap, text.overflow, text.end) == (
        "江城东湖电子科技有限公司",
        "bold",
        True,
        "ellipsis",
        "",
    )
    right = Cell("1,234.00", justify="right").text()
    assert (right.plain, right.justify, right.no_wrap) == ("1,234.00", "right", None)


@pytest.mark.parametrize(
    ("lang", "done", "tooltip", "palette", "cursor"),
    [
        ("en", "Done 完成", "Mark the reminder done", "palette", "Cursor up"),
        ("zh", "完成", "将提醒标记为已完成", "命令面板", "光标上移"),
    ],
)
async def test_the_keys_are_described_in_the_consoles_language(
    demo_db: Path, lang: str, done: str, tooltip: str, palette: str, cursor: str
) -> None:
    """The footer and the keys panel (both read the screen's active bindings) describe each key in the
    console's language, though the bindings were built before the language was chosen."""
    app = _app(demo_db, lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        keys = {key.action: key for key in screen.query(FooterKey)}
        assert (keys["done"].description, keys["done"].tooltip) == (done, tooltip)
        assert keys["command_palette"].description == palette
        active = {item.binding.action: item for item in screen.active_bindings.values()}
        assert active["done"].binding.description == done and active["done"].tooltip == tooltip
        assert active["cursor_up"].binding.description == cursor  # Textual's table's own key
        if lang == "zh":
            english = {
                key.description
                for key in keys.values()
                if any("a" <= c.lower() <= "z" for c in key.description)
            }
            assert not english, english
        await pilot.press("d")  # the key still does what it did
        await _settle(pilot)
        assert "done" in {state for state, _until in _states(demo_db).values()}


async def test_the_palettes_own_commands_are_in_chinese(demo_db: Path) -> None:
    app = _app(demo_db, lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        shown = list(app.get_system_commands(app.screen))
        textual = list(App.get_system_commands(app, app.screen))
        assert [command.title for command in shown][:3] == ["主题", "退出", "按键"]
        assert len(shown) == len(textual) >= 4
        for ours, theirs in zip(shown, textual, strict=True):
            assert ours.title != theirs.title and ours.help != theirs.help, theirs
            assert ours.callback.__qualname__ == theirs.callback.__qualname__


async def test_the_palette_says_its_own_words_in_chinese(demo_db: Path) -> None:
    app = _app(demo_db, lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        assert palette.query_one(Input).placeholder == "搜索命令…"
        await pilot.press(*"qqqqxyz")
        for _wait in range(40):
            await pilot.pause(0.05)
            prompts = [str(option.prompt.renderable) for option in palette.query_one(OptionList).options]
            if prompts:
                break
        assert prompts == ["没有找到匹配项"]
