"""The form dialogs, driven headless: typed values saved through the services, refusals shown under the
field they name with every value kept, esc writing nothing; and pictures of every dialog."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import tables_sized
from sqlalchemy import text
from textual import work
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static, TextArea

from rm_console.domain.attribution import RegistrationOutcome
from rm_console.domain.dto import ReminderDTO
from rm_console.domain.records_dto import (
    ComplaintDTO,
    ContactDTO,
    RiskAssessmentDTO,
    VisitPlanDTO,
    WorkLogEntryDTO,
)
from rm_console.i18n import refusal_text, set_language
from rm_console.services import Services
from screens.dialogs import (
    ComplaintDialog,
    ComplaintStepDialog,
    ContactDialog,
    FormDialog,
    ManualReminderDialog,
    RiskQuestionnaireDialog,
    SaleRegistrationDialog,
    VisitPlanDialog,
    VisitRecordDialog,
    WorkLogDialog,
)
from screens.dialogs.form import CustomerSuggester, customer_cif, customer_text
from screens.dialogs.visit_record import product_codes

AS_OF = date(2026, 11, 22)
RM = "RM001"
#: A customer of RM001's.
CIF = "1000000001"
NAME = "孙静怡"

Finder = Callable[[str], Sequence[tuple[str, str]]]


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


@pytest.fixture
def services(demo_db: Path) -> Any:
    """The services of the demo bank with RM001 acting."""
    made = Services(demo_db, actor=RM)
    yield made
    made.close()


@pytest.fixture
def find(demo_db: Path) -> Finder:
    """Customer completion over RM001's assigned customers, read once from the store."""
    rows = _query(
        demo_db,
        "SELECT DISTINCT c.cif, c.name FROM customer c JOIN assignment a ON a.customer_id = c.id "
        "JOIN staff s ON s.id = a.staff_id WHERE s.code = :code ORDER BY c.cif",
        code=RM,
    )
    customers = [(str(cif), str(name)) for cif, name in rows]
    assert (CIF, NAME) in customers

    def finder(typed: str) -> list[tuple[str, str]]:
        return [(cif, name) for cif, name in customers if cif.startswith(typed) or name.startswith(typed)]

    return finder


def _query(db: Path, sql: str, **params: object) -> list[tuple[Any, ...]]:
    reading = Services(db)
    try:
        with reading.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params).all()]
    finally:
        reading.close()


def _count(db: Path, table: str) -> int:
    return int(_query(db, f"SELECT count(*) FROM {table}")[0][0])


class Host(App[None]):
    """An empty console that opens one dialog and keeps what it dismissed with."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []

    def open(self, dialog: Screen[Any]) -> None:
        """Push ``dialog``, keeping its result."""
        self.push_screen(dialog, self.results.append)


class WaitingHost(Host):
    """A console that awaits a dialog in a worker, as screens do (``push_screen_wait``)."""

    @work(exclusive=True, group="dialog")
    async def ask(self, dialog: Screen[Any]) -> None:
        """Open ``dialog`` and keep what it dismissed with."""
        self.results.append(await self.push_screen_wait(dialog))


async def _settle(pilot: Pilot[None]) -> None:
    """Wait until every worker has finished, the tables have sized themselves and the screen has
    refreshed."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await tables_sized(pilot)


async def _open(pilot: Pilot[None], dialog: Screen[Any]) -> None:
    app = pilot.app
    assert isinstance(app, Host)
    app.open(dialog)
    await _settle(pilot)


async def _type(pilot: Pilot[None], field: str, value: str) -> None:
    """Focus a field and type ``value`` into it, key by key."""
    pilot.app.screen.query_one(f"#{field}").focus()
    await pilot.pause()
    await pilot.press(*value)


async def _retype(pilot: Pilot[None], field: str, value: str) -> None:
    """Focus a one-line field, delete what it holds and type ``value``."""
    pilot.app.screen.query_one(f"#{field}", Input).focus()
    await pilot.pause()
    await pilot.press("end", "ctrl+u", *value)


async def _choose(pilot: Pilot[None], field: str, search: str) -> None:
    """Open a choice with enter, type to find the option, take it with enter."""
    pilot.app.screen.query_one(f"#{field}", Select).focus()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*search)
    await pilot.press("enter")
    await pilot.pause()


async def _save(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+s")
    await _settle(pilot)


def _error(pilot: Pilot[None], field: str) -> str:
    return str(pilot.app.screen.query_one(f"#{field}-error", Static).render())


def _value(pilot: Pilot[None], field: str) -> str:
    found = pilot.app.screen.query_one(f"#{field}")
    if isinstance(found, Input):
        return found.value
    if isinstance(found, TextArea):
        return found.text
    assert isinstance(found, Select)
    return "" if found.value is Select.NULL else str(found.value)


def _app_results(pilot: Pilot[None]) -> list[object]:
    app = pilot.app
    assert isinstance(app, Host)
    return app.results


# -- pure helpers -------------------------------------------------------------------------------------


def test_customer_fields_read_a_cif_in_any_shown_form() -> None:
    assert customer_cif("1000000001") == "1000000001"
    assert customer_cif(" 1000000001 孙静怡 ") == "1000000001"
    assert customer_cif("孙静怡 (1000000001)") == "1000000001"
    assert customer_cif("") == ""
    assert customer_text("1000000001", "孙静怡") == "1000000001 孙静怡"
    assert customer_text("1000000001", "孙静怡", "100") == "1000000001 孙静怡"
    assert customer_text("1000000001", "孙静怡", "孙") == "孙静怡 (1000000001)"


def test_refusals_lose_the_option_they_start_with() -> None:
    assert refusal_text("--purpose: a visit plan needs a purpose") == "A visit plan needs a purpose"
    assert refusal_text("--limit must be from 1") == "Must be from 1"
    assert refusal_text("no customer '9' among the customers you may see").startswith("No customer '9'")


def test_product_codes_are_split_on_commas_and_spaces() -> None:
    assert product_codes(" FND002, DEP005；TB001  ") == ["FND002", "DEP005", "TB001"]
    assert product_codes("") == []


async def test_the_suggester_completes_names_and_cifs() -> None:
    suggester = CustomerSuggester(
        lambda typed: [(CIF, NAME)] if CIF.startswith(typed) or NAME.startswith(typed) else []
    )
    assert await suggester.get_suggestion("10000") == f"{CIF} {NAME}"
    assert await suggester.get_suggestion("孙") == f"{NAME} ({CIF})"
    assert await suggester.get_suggestion("9") is None

    def broken(typed: str) -> list[tuple[str, str]]:
        raise RuntimeError("the store is gone")

    assert await CustomerSuggester(broken).get_suggestion("1") is None


# -- visit plan ---------------------------------------------------------------------------------------


async def test_a_visit_plan_is_typed_saved_and_returned(
    services: Services, demo_db: Path, find: Finder
) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, VisitPlanDialog(services, find=find))
        await _type(pilot, "customer", "孙静")
        await pilot.pause(0.2)
        await pilot.press("right")  # take the completion
        assert _value(pilot, "customer") == f"{NAME} ({CIF})"
        await _type(pilot, "when", "+1 10:00")
        assert "2026-11-23 10:00" in str(pilot.app.screen.query_one("#when-hint", Static).render())
        await _type(pilot, "purpose", "Wealth review")
        await _type(pilot, "place", "Branch")
        await _save(pilot)
        [plan] = _app_results(pilot)
        assert isinstance(plan, VisitPlanDTO)
        assert (plan.cif, plan.purpose, plan.place) == (CIF, "Wealth review", "Branch")
        assert plan.planned_at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
        assert not isinstance(pilot.app.screen, FormDialog)
    rows = _query(demo_db, "SELECT purpose, place, strategy FROM visit_plan")
    assert rows == [("Wealth review", "Branch", None)]


async def test_a_visit_plan_takes_a_day_written_in_chinese(services: Services, demo_db: Path) -> None:
    set_language("zh")
    try:
        async with Host().run_test(size=(120, 40)) as pilot:
            await _open(pilot, VisitPlanDialog(services, cif=CIF))
            await _type(pilot, "when", "下周三 15:30")  # the business date is Sunday 2026-11-22
            assert "2026-11-25 15:30" in str(pilot.app.screen.query_one("#when-hint", Static).render())
            await _type(pilot, "purpose", "理财回顾")
            await _save(pilot)
            [plan] = _app_results(pilot)
    finally:
        set_language("en")
    assert isinstance(plan, VisitPlanDTO)
    assert plan.planned_at == datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    assert _query(demo_db, "SELECT purpose FROM visit_plan") == [("理财回顾",)]


async def test_a_refused_visit_plan_shows_why_under_the_field_and_keeps_every_value(
    services: Services, demo_db: Path
) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, VisitPlanDialog(services, cif=CIF))
        await _type(pilot, "when", "-1 10:00")
        await _type(pilot, "purpose", "Wealth review")
        await _type(pilot, "materials", "Fund list")
        await _save(pilot)
        assert "2026-11-21 10:00 is in the past" in _error(pilot, "when")
        assert isinstance(pilot.app.screen, VisitPlanDialog)
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#when")
        assert [_value(pilot, f) for f in ("customer", "when", "purpose", "materials")] == [
            CIF,
            "-1 10:00",
            "Wealth review",
            "Fund list",
        ]
        # A date without its time, then no purpose: each refused in its turn under its own field.
        await _retype(pilot, "when", "next mon")
        assert _error(pilot, "when") == ""  # editing a field clears its message
        await _save(pilot)
        assert "Add the time of day, e.g. next mon 10:00" in _error(pilot, "when")
        await pilot.press(*" 9:30")
        await _retype(pilot, "purpose", "")
        await _save(pilot)
        assert _error(pilot, "when") == ""
        assert _error(pilot, "purpose") == "A visit plan needs a purpose (拜访目的)"
        assert _app_results(pilot) == []
    assert _count(demo_db, "visit_plan") == 0


def _outsider(services: Services) -> str:
    """The CIF of a customer the acting RM is not assigned to."""
    return str(
        _query(
            services.db_path,
            "SELECT c.cif FROM customer c WHERE c.id NOT IN (SELECT a.customer_id FROM assignment a "
            "JOIN staff s ON s.id = a.staff_id WHERE s.code = :code) LIMIT 1",
            code=RM,
        )[0][0]
    )


async def test_a_customer_outside_ones_scope_is_refused_under_the_customer(services: Services) -> None:
    outsider = _outsider(services)
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, VisitPlanDialog(services, cif=outsider))
        await _type(pilot, "when", "+2 15:00")
        await _type(pilot, "purpose", "Introduce")
        await _save(pilot)
        assert _error(pilot, "customer") == f"No customer '{outsider}' among the customers you may see"


async def test_a_refusal_is_shown_in_chinese_under_its_field(services: Services, demo_db: Path) -> None:
    """The Chinese console shows a service's refusal in Chinese, under the field it is about."""
    outsider = _outsider(services)
    set_language("zh")
    try:
        async with Host().run_test(size=(120, 40)) as pilot:
            await _open(pilot, VisitPlanDialog(services, cif=CIF))
            await _type(pilot, "when", "-1 10:00")
            await _type(pilot, "purpose", "理财回顾")
            await _save(pilot)
            assert _error(pilot, "when") == "2026-11-21 10:00 已过去；拜访计划只能安排在将来的时间"
            await _retype(pilot, "customer", str(outsider))
            await _retype(pilot, "when", "+2 15:00")
            await _save(pilot)
            assert _error(pilot, "customer") == f"在您可查看的客户中找不到客户 '{outsider}'"
            assert _value(pilot, "purpose") == "理财回顾"
    finally:
        set_language("en")
    assert _count(demo_db, "visit_plan") == 0


# -- visit record -------------------------------------------------------------------------------------


async def test_a_visit_record_carries_out_a_plan(services: Services, demo_db: Path) -> None:
    plan = services.records.plan_visit(CIF, at="2026-11-23 10:00", purpose="Wealth review")
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, VisitRecordDialog(services, cif=CIF, plan_id=plan.id))
        assert _value(pilot, "plan") == plan.id
        await _type(pilot, "outcome", "Interested in the bond fund")
        await _type(pilot, "needs_explicit", "Steady income")
        await _type(pilot, "products", "FND002, DEP005")
        await _type(pilot, "next_step", "Send the fund list")
        await _type(pilot, "follow_up", "+3")
        assert str(pilot.app.screen.query_one("#follow_up-hint", Static).render()) == "Wed 2026-11-25"
        await _save(pilot)
        [visit] = _app_results(pilot)
        assert isinstance(visit, ContactDTO)
        assert (visit.kind, visit.plan_id, visit.products) == ("visit", plan.id, ("FND002", "DEP005"))
        assert visit.follow_up == date(2026, 11, 25)
    rows = _query(demo_db, "SELECT kind, outcome, needs_explicit, follow_up_date FROM contact_record")
    assert rows == [("visit", "Interested in the bond fund", "Steady income", "2026-11-25")]


async def test_a_visit_record_refuses_an_unknown_product_under_the_products(
    services: Services, demo_db: Path
) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, VisitRecordDialog(services, cif=CIF))
        await _type(pilot, "outcome", "Talked")
        await _type(pilot, "products", "NOPE1")
        await _type(pilot, "follow_up", "someday")
        await _save(pilot)
        assert _error(pilot, "follow_up").startswith("'someday' is not a date; write 2026-11-25, 11-25")
        await _retype(pilot, "follow_up", "")
        await _save(pilot)
        assert _error(pilot, "products") == "No product NOPE1 in the product catalogue"
        assert (_value(pilot, "outcome"), _value(pilot, "products")) == ("Talked", "NOPE1")
    assert _count(demo_db, "contact_record") == 0


# -- calls, messages, events ----------------------------------------------------------------------------


async def test_a_message_is_recorded_with_its_follow_up(
    services: Services, demo_db: Path, find: Finder
) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, ContactDialog(services, find=find))
        await _choose(pilot, "kind", "mes")
        assert _value(pilot, "kind") == "message"
        await _type(pilot, "customer", CIF)
        await _type(pilot, "when", "-1 16:30")
        await _type(pilot, "notes", "Sent the deposit rates")
        await _type(pilot, "follow_up", "next mon")
        await _save(pilot)
        [message] = _app_results(pilot)
        assert isinstance(message, ContactDTO)
        assert (message.kind, message.notes, message.follow_up) == (
            "message",
            "Sent the deposit rates",
            date(2026, 11, 23),
        )
        assert message.occurred_at == datetime(2026, 11, 21, 8, 30, tzinfo=UTC)
    assert _query(demo_db, "SELECT kind, notes FROM contact_record") == [
        ("message", "Sent the deposit rates")
    ]


async def test_a_follow_up_before_the_call_is_refused_under_the_follow_up(
    services: Services, demo_db: Path
) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, ContactDialog(services, cif=CIF, kind="call"))
        await _type(pilot, "notes", "Card repayment")
        await _type(pilot, "follow_up", "-5")
        await _save(pilot)
        assert _error(pilot, "follow_up") == "2026-11-17 is before the call on 2026-11-22"
        assert _value(pilot, "notes") == "Card repayment"
    assert _count(demo_db, "contact_record") == 0


# -- complaints -----------------------------------------------------------------------------------------


async def test_a_complaint_is_opened(services: Services, demo_db: Path) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, ComplaintDialog(services, cif=CIF))
        await _type(pilot, "channel", "pho")
        await pilot.press("right")  # the channel completes from the usual ones
        await _type(pilot, "description", "Card fee charged twice")
        await _save(pilot)
        [complaint] = _app_results(pilot)
        assert isinstance(complaint, ComplaintDTO)
        assert (complaint.channel, complaint.status, complaint.steps) == ("phone", "open", ())
    assert _query(demo_db, "SELECT channel, description, status FROM complaint") == [
        ("phone", "Card fee charged twice", "open")
    ]


async def test_the_complaint_channels_are_offered_in_chinese(services: Services, demo_db: Path) -> None:
    set_language("zh")
    try:
        async with Host().run_test(size=(120, 40)) as pilot:
            await _open(pilot, ComplaintDialog(services, cif=CIF))
            placeholder = pilot.app.screen.query_one("#channel", Input).placeholder
            assert placeholder == "柜台、电话、手机银行、网上银行"
            await _type(pilot, "channel", "手")
            await pilot.press("right")  # completes to 手机银行
            await _type(pilot, "description", "手续费重复扣收")
            await _save(pilot)
    finally:
        set_language("en")
    assert _query(demo_db, "SELECT channel, description FROM complaint") == [("手机银行", "手续费重复扣收")]


async def test_a_complaint_without_its_channel_is_refused_under_the_channel(
    services: Services, demo_db: Path
) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, ComplaintDialog(services, cif=CIF))
        await _type(pilot, "description", "Card fee charged twice")
        await _save(pilot)
        assert _error(pilot, "channel") == "A complaint needs the channel it came by (投诉渠道)"
        assert _value(pilot, "description") == "Card fee charged twice"
    assert _count(demo_db, "complaint") == 0


async def test_the_complaint_dialog_takes_the_next_step_and_shows_it(
    services: Services, demo_db: Path
) -> None:
    opened = services.records.open_complaint(CIF, channel="counter", description="Queue too long")
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, ComplaintStepDialog(services, opened.id))
        shown = str(pilot.app.screen.query_one("#next-step", Static).render())
        assert shown == "Next step: 1 record the facts (记录事实)"
        await _type(pilot, "note", "Wrote down what happened")
        await _save(pilot)
        [stepped] = _app_results(pilot)
        assert isinstance(stepped, ComplaintDTO)
        assert [(s.number, s.note) for s in stepped.steps] == [(1, "Wrote down what happened")]

        await _open(pilot, ComplaintStepDialog(services, opened.id))
        context = str(pilot.app.screen.query_one("#complaint", Static).render())
        assert "✓ 1 record the facts (记录事实)" in context and "Wrote down what happened" in context
        assert "2 analyse and assign responsibility" in str(
            pilot.app.screen.query_one("#next-step", Static).render()
        )
        await _save(pilot)  # no note
        assert _error(pilot, "note") == "A complaint step needs a note saying what was done"
        await _type(pilot, "note", "Teller was short-staffed")
        await _save(pilot)
        assert [s.number for s in _app_results(pilot)[-1].steps] == [1, 2]  # type: ignore[attr-defined]
    assert _query(demo_db, "SELECT step_no, note FROM complaint_step ORDER BY step_no") == [
        (1, "Wrote down what happened"),
        (2, "Teller was short-staffed"),
    ]


async def test_the_complaint_dialog_closes_a_complaint_once_every_step_is_done(
    services: Services, demo_db: Path
) -> None:
    opened = services.records.open_complaint(CIF, channel="counter", description="Queue too long")
    for note in ("facts", "cause", "apology", "done", "customer satisfied"):
        services.records.complaint_step(opened.id, note)
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, ComplaintStepDialog(services, opened.id))
        assert "ctrl+s closes the complaint" in str(pilot.app.screen.query_one("#next-step", Static).render())
        assert not pilot.app.screen.query_one("#note-row").display
        await _save(pilot)
        [closed] = _app_results(pilot)
        assert isinstance(closed, ComplaintDTO) and closed.status == "closed"

        await _open(pilot, ComplaintStepDialog(services, opened.id))
        assert str(pilot.app.screen.query_one("#next-step", Static).render()) == "The complaint is closed."
        assert pilot.app.screen.check_action("submit", ()) is False  # the footer drops ctrl+s
        await _save(pilot)
        assert isinstance(pilot.app.screen, ComplaintStepDialog) and len(_app_results(pilot)) == 1
    assert _query(demo_db, "SELECT status FROM complaint") == [("closed",)]


# -- work log -------------------------------------------------------------------------------------------


async def test_a_work_log_entry_is_added_for_yesterday(services: Services, demo_db: Path) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, WorkLogDialog(services))
        await _type(pilot, "text", "Branch meeting on deposits")
        await _choose(pilot, "kind", "mee")
        await _type(pilot, "day", "昨天")
        await _save(pilot)
        [entry] = _app_results(pilot)
        assert isinstance(entry, WorkLogEntryDTO)
        assert (entry.kind, entry.day, entry.cif) == ("meeting", date(2026, 11, 21), None)
    assert _query(demo_db, "SELECT kind, day, text FROM work_log_entry") == [
        ("meeting", "2026-11-21", "Branch meeting on deposits")
    ]


async def test_a_work_log_entry_for_tomorrow_is_refused_under_the_day(
    services: Services, demo_db: Path
) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, WorkLogDialog(services, cif=CIF))
        await _type(pilot, "text", "Prepare the fund list")
        await _type(pilot, "day", "tomorrow")
        await _save(pilot)
        assert _error(pilot, "day").startswith("2026-11-23 is after today (2026-11-22)")
        assert (_value(pilot, "text"), _value(pilot, "customer"), _value(pilot, "kind")) == (
            "Prepare the fund list",
            CIF,
            "note",
        )
    assert _count(demo_db, "work_log_entry") == 0


# -- sale registration ----------------------------------------------------------------------------------


async def test_a_sale_is_picked_from_the_list_and_registered(demo_db: Path) -> None:
    # RM001 is the automatic seller of the outlet's pending sales (their customers'); RM002 refers one.
    services = Services(demo_db, actor="RM002")
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, SaleRegistrationDialog(services))
        table = pilot.app.screen.query_one("#sales", DataTable)
        assert table.row_count > 0
        first = str(table.get_row_at(0)[1])
        table.focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert _value(pilot, "sale") == first
        assert first not in str(pilot.app.screen.query_one("#sale-hint", Static).render())
        assert "awaiting" in str(pilot.app.screen.query_one("#sale-hint", Static).render())
        await _choose(pilot, "role", "ref")
        await _save(pilot)
        [outcome] = _app_results(pilot)
        assert isinstance(outcome, RegistrationOutcome)
        assert (outcome.action, outcome.roles, outcome.sale.txn_id) == ("registered", ("referrer",), first)
    assert _query(
        demo_db,
        "SELECT t.txn_id, r.role FROM sale_registration r JOIN txn t ON t.id = r.txn_pk "
        "WHERE r.revoked_at IS NULL",
    ) == [(first, "referrer")]
    services.close()


async def test_an_unknown_sale_is_refused_under_the_sale(services: Services, demo_db: Path) -> None:
    before = _count(demo_db, "sale_registration")
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, SaleRegistrationDialog(services, txn_id="T404"))
        await _save(pilot)
        assert _error(pilot, "sale") == "No sale has the transaction id 'T404'"
        await _retype(pilot, "sale", "")
        await _save(pilot)
        assert _error(pilot, "sale").startswith("Choose a sale")
    assert _count(demo_db, "sale_registration") == before


async def test_a_refusal_naming_no_field_is_shown_above_the_keys(services: Services) -> None:
    txn = services.sales.list(pending_only=True).rows[0].txn_id
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, SaleRegistrationDialog(services, txn_id=txn))
        await _save(pilot)
        message = str(pilot.app.screen.query_one("#form-message", Static).render())
        assert message == (
            f"You (RM001) are already the seller (销售人) of sale {txn} "
            "(automatic: the customer's primary RM)"
        )
        assert _error(pilot, "sale") == "" and _error(pilot, "role") == ""


# -- risk questionnaire ---------------------------------------------------------------------------------


ANSWERS = "abcdabcdab"  # 10 + 4 + 6 + 10 + 0 + 4 + 7 + 10 + 0 + 3 = 54 → C3


async def test_the_questionnaire_scores_and_stores_the_level(services: Services, demo_db: Path) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, RiskQuestionnaireDialog(services, cif=CIF))
        for number, letter in enumerate(ANSWERS, start=1):
            await _choose(pilot, f"q{number}", f"{letter})")
        assert str(pilot.app.screen.query_one("#score", Static).render()) == "Score 54 of 100 → C3 balanced"
        await _save(pilot)
        [assessed] = _app_results(pilot)
        assert isinstance(assessed, RiskAssessmentDTO)
        assert (assessed.score, assessed.level, assessed.valid_until) == (54, "C3", date(2027, 11, 21))
    rows = _query(
        demo_db,
        "SELECT c.cif, r.score, r.level, r.assessed_on, r.answers FROM risk_assessment r "
        "JOIN customer c ON c.id = r.customer_id WHERE r.id = :id",
        id=assessed.id.replace("-", ""),
    )
    assert rows == [(CIF, 54, "C3", "2026-11-22", _answers_json())]


def _answers_json() -> str:
    return json.dumps({str(number): letter for number, letter in enumerate(ANSWERS, start=1)})


async def test_an_unanswered_question_is_refused_under_it(services: Services, demo_db: Path) -> None:
    before = _count(demo_db, "risk_assessment")
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, RiskQuestionnaireDialog(services, cif=CIF))
        for number, letter in enumerate(ANSWERS[:8], start=1):
            await _choose(pilot, f"q{number}", f"{letter})")
        assert "8 of 10 answered" in str(pilot.app.screen.query_one("#score", Static).render())
        await _save(pilot)
        assert (_error(pilot, "q9"), _error(pilot, "q10"), _error(pilot, "q8")) == (
            "Choose an answer",
            "Choose an answer",
            "",
        )
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#q9")
        assert [_value(pilot, f"q{n}") for n in range(1, 9)] == list(ANSWERS[:8])
    assert _count(demo_db, "risk_assessment") == before


async def test_a_dialog_awaited_in_a_worker_returns_what_it_saved(services: Services, demo_db: Path) -> None:
    app = WaitingHost()
    async with app.run_test(size=(120, 40)) as pilot:
        app.ask(WorkLogDialog(services, cif=CIF, kind="call"))
        await pilot.pause()
        await pilot.pause()
        await _type(pilot, "text", "Called about the card")
        await pilot.press("ctrl+s")
        await _settle(pilot)
        [entry] = app.results
        assert isinstance(entry, WorkLogEntryDTO)
        assert (entry.kind, entry.cif, entry.customer_name, entry.day) == ("call", CIF, NAME, AS_OF)
    assert _count(demo_db, "work_log_entry") == 1


# -- cancelling -----------------------------------------------------------------------------------------


def _every_dialog(services: Services) -> list[tuple[FormDialog[Any], str]]:
    opened = services.records.open_complaint(CIF, channel="counter", description="Queue too long")
    return [
        (VisitPlanDialog(services, cif=CIF), "purpose"),
        (VisitRecordDialog(services, cif=CIF), "outcome"),
        (ContactDialog(services, cif=CIF), "notes"),
        (ComplaintDialog(services, cif=CIF), "description"),
        (ComplaintStepDialog(services, opened.id), "note"),
        (WorkLogDialog(services), "text"),
        (SaleRegistrationDialog(services), "sale"),
        (RiskQuestionnaireDialog(services, cif=CIF), "customer"),
    ]


async def test_esc_closes_every_dialog_and_writes_nothing(services: Services, demo_db: Path) -> None:
    dialogs = _every_dialog(services)
    before = _count(demo_db, "sync_outbox"), _count(demo_db, "audit_log")
    async with Host().run_test(size=(120, 40)) as pilot:
        for dialog, field in dialogs:
            await _open(pilot, dialog)
            await _type(pilot, field, "x")
            await pilot.press("escape")
            await _settle(pilot)
            assert not isinstance(pilot.app.screen, FormDialog)
        assert _app_results(pilot) == [None] * len(dialogs)
    assert (_count(demo_db, "sync_outbox"), _count(demo_db, "audit_log")) == before


async def test_a_dialog_shows_that_nobody_is_acting(demo_db: Path) -> None:
    nobody = Services(demo_db)
    try:
        async with Host().run_test(size=(120, 40)) as pilot:
            await _open(pilot, WorkLogDialog(nobody))
            await _type(pilot, "text", "Something")
            await _save(pilot)
            message = str(pilot.app.screen.query_one("#form-message", Static).render())
            assert message.startswith("Keep a work log needs to know who is acting")
            assert _value(pilot, "text") == "Something"
    finally:
        nobody.close()
    assert _count(demo_db, "work_log_entry") == 0


# -- pictures -------------------------------------------------------------------------------------------


def _snapshot(
    dialog_of: Callable[[], Screen[Any]], before: Callable[[Pilot[None]], Any] | None = None
) -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        await _open(pilot, dialog_of())
        if before is not None:
            await before(pilot)
        await _settle(pilot)
        # Tables measure their columns when idle: give them that moment before the picture.
        await pilot.pause(0.1)
        await _settle(pilot)

    return run_before


SNAPSHOT_DIALOGS = [
    "visit_plan",
    "visit_record",
    "contact",
    "complaint",
    "complaint_step",
    "work_log",
    "sale_registration",
    "risk_questionnaire",
]


def _dialog(kind: str, services: Services, find: Finder) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        if kind == "visit_plan":
            return VisitPlanDialog(services, find=find)
        if kind == "visit_record":
            return VisitRecordDialog(services, cif=CIF, find=find)
        if kind == "contact":
            return ContactDialog(services, cif=CIF, kind="event", find=find)
        if kind == "complaint":
            return ComplaintDialog(services, find=find)
        if kind == "complaint_step":
            opened = services.records.open_complaint(
                CIF, channel="counter", description="Queue too long at the counter", at="2026-11-21 09:30"
            )
            return ComplaintStepDialog(services, opened.id)
        if kind == "work_log":
            return WorkLogDialog(services, find=find)
        if kind == "sale_registration":
            return SaleRegistrationDialog(services)
        return RiskQuestionnaireDialog(services, cif=CIF, find=find)

    return make


@pytest.mark.parametrize("kind", SNAPSHOT_DIALOGS)
def test_dialog_snapshot(kind: str, services: Services, find: Finder, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(Host(), terminal_size=(120, 40), run_before=_snapshot(_dialog(kind, services, find)))


def test_dialog_snapshot_in_chinese(services: Services, find: Finder, snap_compare) -> None:  # type: ignore[no-untyped-def]
    set_language("zh")
    try:
        assert snap_compare(
            Host(), terminal_size=(120, 40), run_before=_snapshot(_dialog("visit_record", services, find))
        )
    finally:
        set_language("en")


def test_dialog_snapshot_after_a_refused_save(services: Services, find: Finder, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def refuse(pilot: Pilot[None]) -> None:
        await _type(pilot, "when", "-1 10:00")
        await _type(pilot, "purpose", "Wealth review")
        await _save(pilot)

    assert snap_compare(
        Host(),
        terminal_size=(120, 40),
        run_before=_snapshot(lambda: VisitPlanDialog(services, cif=CIF, find=find), refuse),
    )


# -- manual reminder ------------------------------------------------------------------------------------


async def test_a_manual_reminder_is_saved_and_shows_on_its_day(
    services: Services, demo_db: Path, find: Finder
) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, ManualReminderDialog(services, cif=CIF, find=find))
        assert _value(pilot, "customer") == f"{CIF} {NAME}"
        await _type(pilot, "on", "+2")
        await _type(pilot, "text", "Send the fund brochure")
        await _save(pilot)
        [reminder] = _app_results(pilot)
        assert isinstance(reminder, ReminderDTO)
        assert (reminder.kind, reminder.due, reminder.cif) == ("manual", "2026-11-24", CIF)
    assert _query(demo_db, "SELECT due, text FROM manual_reminder") == [
        ("2026-11-24", "Send the fund brochure")
    ]
    assert reminder.id not in {r.id for r in services.today.today(AS_OF).reminders}
    on_day = {r.id: r for r in services.today.today(date(2026, 11, 24)).reminders}
    assert on_day[reminder.id].text_en == f"Reminder: Send the fund brochure ({NAME}, {CIF})"


async def test_a_refused_manual_reminder_keeps_every_value(services: Services, demo_db: Path) -> None:
    async with Host().run_test(size=(120, 40)) as pilot:
        await _open(pilot, ManualReminderDialog(services))
        await _type(pilot, "text", "Ring back")
        await _save(pilot)
        assert _error(pilot, "on") == "Write the day, e.g. +1 or 11-25"
        await _type(pilot, "on", "-1")
        await _type(pilot, "customer", "9999999999")
        await _save(pilot)
        assert _error(pilot, "on").startswith("2026-11-21 is before today (2026-11-22)")
        await _retype(pilot, "on", "+1")
        await _save(pilot)
        assert _error(pilot, "customer") == "No customer '9999999999' among the customers you may see"
        assert (_value(pilot, "on"), _value(pilot, "customer"), _value(pilot, "text")) == (
            "+1",
            "9999999999",
            "Ring back",
        )
        assert _app_results(pilot) == []
    assert _count(demo_db, "manual_reminder") == 0


def test_manual_reminder_dialog_snapshot(services: Services, find: Finder, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def fill(pilot: Pilot[None]) -> None:
        await _type(pilot, "text", "Ask about the maturing deposit")
        await _type(pilot, "on", "next mon")

    assert snap_compare(
        Host(),
        terminal_size=(120, 40),
        run_before=_snapshot(lambda: ManualReminderDialog(services, cif=CIF, find=find), fill),
    )
