"""Prepared days (storage.prepared): the part of the RM's day computed from the bank's data is kept per
business date and shown again only while none of its inputs changed; what the RM records is always
read afresh.

Every test here asks one question of the cache: is what ``today`` shows from a prepared day exactly
what computing the day afresh shows?
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import WatchedConnection, build_demo, isolated_copy
from sqlalchemy import event, text

from rm_console.domain.dto import TodayReport
from rm_console.services import Services, day_facts
from rm_console.services.calendar import CalendarService
from rm_console.services.today import TodayService
from storage import prepared

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("prepared") / "bank.db", customers=1200, seed=29)


@pytest.fixture
def db(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_copy(template, tmp_path, monkeypatch)


@pytest.fixture
def services(db: Path) -> Iterator[Services]:
    opened = Services(db, actor="RM001")
    yield opened
    opened.close()


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the days computed afresh (rather than taken from a prepared day)."""
    calls: list[int] = []
    original = TodayService._compute

    def counting(self: TodayService, conn: Any, staff_id: int, day: date) -> Any:
        calls.append(staff_id)
        return original(self, conn, staff_id, day)

    monkeypatch.setattr(TodayService, "_compute", counting)
    return calls


def staff_id(services: Services, code: str = "RM001") -> int:
    with services.engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM staff WHERE code = :c"), {"c": code}).scalar_one())


def day_of(db: Path, actor: str = "RM001", day: date = AS_OF) -> TodayReport:
    """``rmc today`` of ``actor`` in a process of its own."""
    opened = Services(db, actor=actor)
    try:
        return opened.today.today(day)
    finally:
        opened.close()


def fresh(services: Services, actor: str = "RM001", day: date = AS_OF) -> TodayReport:
    """The day computed afresh: the inputs version is raised first, as any change to an input does."""
    with services.engine.begin() as conn:
        prepared.bump(conn.connection.dbapi_connection)
    return day_of(services.db_path, actor, day)


def my_customer(services: Services, offset: int = 0) -> tuple[int, str]:
    with services.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT c.id, c.cif FROM customer c JOIN assignment a ON a.customer_id = c.id "
                "JOIN staff s ON s.id = a.staff_id WHERE s.code = 'RM001' ORDER BY c.cif LIMIT 1 OFFSET :o"
            ),
            {"o": offset},
        ).one()
    return int(row[0]), str(row[1])


def test_the_day_is_prepared_once_and_shown_again_unchanged(services: Services, computed: list[int]) -> None:
    first = services.today.today(AS_OF)
    second = services.today.today(AS_OF)
    assert computed == [staff_id(services)]
    assert second == first
    assert first.reminders and first.recommendations and first.alerts
    # Another process (rmc today) finds the same prepared day.
    assert day_of(services.db_path) == first
    assert len(computed) == 1


@pytest.mark.parametrize("actor", ["RM001", "RM002", "RM003"])
@pytest.mark.parametrize("day", [AS_OF, AS_OF + timedelta(days=1), date(2026, 12, 31), date(2027, 2, 28)])
def test_a_prepared_day_shows_what_computing_it_afresh_shows(
    services: Services, actor: str, day: date
) -> None:
    computed_now = fresh(services, actor, day)
    kept = day_of(services.db_path, actor, day)
    assert kept.as_json() == computed_now.as_json()
    assert kept == computed_now


def test_each_day_and_each_rm_has_its_own_prepared_day(services: Services, computed: list[int]) -> None:
    services.today.today(AS_OF)
    services.today.today(AS_OF + timedelta(days=1))
    day_of(services.db_path, "RM002")
    assert len(computed) == 3
    # One day per RM: the day asked for last.
    with services.engine.connect() as conn:
        rows = conn.execute(text("SELECT staff_id, view, day FROM prepared_day ORDER BY staff_id")).all()
    assert [(r[0], r[1], str(r[2])) for r in rows] == [
        (staff_id(services), "today", "2026-11-23"),
        (staff_id(services, "RM002"), "today", "2026-11-22"),
    ]


@pytest.mark.parametrize("table", sorted(prepared.INPUTS))
def test_a_write_to_any_input_makes_the_prepared_day_stale(
    services: Services, computed: list[int], table: str
) -> None:
    services.today.today(AS_OF)
    with services.engine.begin() as conn:
        before = prepared.inputs_version(conn)
        conn.execute(text(f"UPDATE {table} SET rowid = rowid WHERE rowid = (SELECT min(rowid) FROM {table})"))
        assert prepared.inputs_version(conn) == before + 1
    services.today.today(AS_OF)
    assert len(computed) == 2


def test_writes_to_the_rms_own_records_keep_the_prepared_day(services: Services, computed: list[int]) -> None:
    _, cif = my_customer(services)
    services.today.today(AS_OF)
    services.records.record_contact(cif, "call", notes="asked about the fund", follow_up=AS_OF)
    shown = services.today.today(AS_OF)
    assert len(computed) == 1
    follow_up = [r for r in shown.reminders if r.kind == "follow_up" and r.cif == cif]
    assert follow_up and "asked" not in follow_up[0].id


def test_a_changed_holding_shows_at_once(services: Services, computed: list[int]) -> None:
    customer_id, cif = my_customer(services, 3)
    services.today.today(AS_OF)
    matures = AS_OF + timedelta(days=2)
    with services.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE holding SET maturity_date = :d, balance_fen = 7654300 WHERE id = "
                "(SELECT min(id) FROM holding WHERE customer_id = :c AND asset_class = 'deposit')"
            ),
            {"d": matures.isoformat(), "c": customer_id},
        )
    shown = services.today.today(AS_OF)
    assert len(computed) == 2
    assert any(
        r.kind == "maturity" and r.cif == cif and r.due == matures.isoformat() for r in shown.reminders
    )
    assert shown == fresh(services)


def test_an_import_makes_the_prepared_day_stale(
    services: Services, computed: list[int], tmp_path: Path
) -> None:
    _, cif = my_customer(services, 5)
    services.today.today(AS_OF)
    with services.engine.connect() as conn:
        product = conn.execute(
            text("SELECT code FROM product WHERE category = 'deposit' LIMIT 1")
        ).scalar_one()
    matures = AS_OF + timedelta(days=4)
    source = tmp_path / "holdings.csv"
    source.write_text(
        "account_no,cif,product_code,asset_class,balance,open_date,maturity_date,rate,loan_type,"
        "loan_class,card_level,repayment_day\n"
        f"PREP-0001,{cif},{product},deposit,98765.43,2025-11-26,{matures.isoformat()},1.8,,,,\n",
        encoding="utf-8",
    )
    importer = Services(services.db_path, actor="AN01")
    report = importer.imports.run("holdings", source)
    assert report.inserted == 1
    shown = services.today.today(AS_OF)
    assert len(computed) == 2
    assert f"maturity:PREP-0001:{matures.isoformat()}" in {r.id for r in shown.reminders}
    # A dry run writes nothing, so the prepared day stays.
    importer.imports.run("holdings", source, dry_run=True)
    importer.close()
    services.today.today(AS_OF)
    assert len(computed) == 2


def test_an_assessment_changes_the_recommendations_at_once(services: Services, computed: list[int]) -> None:
    first = services.today.today(AS_OF)
    flagged = next(r.cif for r in first.recommendations if r.kind == "assess_risk")
    services.records.assess_risk(flagged, ",".join(f"{n}c" for n in range(1, 11)))
    shown = services.today.today(AS_OF)
    assert len(computed) == 2
    assert not any(r.cif == flagged and r.kind == "assess_risk" for r in shown.recommendations)
    assert shown == fresh(services)


def test_marks_and_dismissals_apply_to_a_prepared_day(services: Services, computed: list[int]) -> None:
    first = services.today.today(AS_OF)
    reminder = first.reminders[0]
    recommendation = first.recommendations[0]
    services.today.mark(reminder.id, "done")
    services.today.dismiss_recommendation(recommendation.id)
    shown = services.today.today(AS_OF)
    assert len(computed) == 1
    assert reminder.id not in {r.id for r in shown.reminders}
    assert recommendation.id not in {r.id for r in shown.recommendations}
    assert shown == fresh(services)


def test_a_write_while_the_day_is_computed_leaves_it_unsaved(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer_id, cif = my_customer(services, 7)
    matures = AS_OF + timedelta(days=1)
    original = TodayService._compute

    def racing(self: TodayService, conn: Any, staff: int, day: date) -> Any:
        part = original(self, conn, staff, day)
        # An import commits on another connection after the facts were read.
        with sqlite3.connect(services.db_path, factory=WatchedConnection) as other:
            other.execute(
                "UPDATE holding SET maturity_date = ?, balance_fen = 1000000 WHERE id = "
                "(SELECT min(id) FROM holding WHERE customer_id = ? AND asset_class = 'deposit')",
                (matures.isoformat(), customer_id),
            )
        return part

    monkeypatch.setattr(TodayService, "_compute", racing)
    stale = services.today.today(AS_OF)
    assert not any(r.cif == cif and r.due == matures.isoformat() for r in stale.reminders)
    monkeypatch.setattr(TodayService, "_compute", original)
    shown = services.today.today(AS_OF)
    assert any(
        r.kind == "maturity" and r.cif == cif and r.due == matures.isoformat() for r in shown.reminders
    )


def test_a_busy_store_still_shows_the_day(services: Services) -> None:
    expected = fresh(services)
    with services.engine.begin() as conn:  # makes the prepared day stale, so the next is computed
        prepared.bump(conn.connection.dbapi_connection)
    with sqlite3.connect(services.db_path, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")
        try:
            shown = services.today.today(AS_OF)
        finally:
            other.execute("ROLLBACK")
    assert shown == expected
    with services.engine.connect() as conn:
        assert prepared.load(conn, staff_id(services), "today", AS_OF, prepared.inputs_version(conn)) is None


def test_a_day_prepared_by_other_code_is_computed_afresh(
    services: Services, computed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = services.today.today(AS_OF)
    monkeypatch.setattr(day_facts, "code_fingerprint", lambda: "an earlier release")
    assert services.today.today(AS_OF) == first
    assert len(computed) == 2


# -- the work calendar's months ---------------------------------------------------------------------


@pytest.fixture
def months_computed(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """The first days of the months whose reminders were computed afresh."""
    calls: list[date] = []
    original = CalendarService._data_items

    def counting(self: CalendarService, conn: Any, staff: int, today: date, first: date, last: date) -> Any:
        calls.append(first)
        return original(self, conn, staff, today, first, last)

    monkeypatch.setattr(CalendarService, "_data_items", counting)
    return calls


def month_of(db: Path, actor: str, month: str) -> Any:
    opened = Services(db, actor=actor)
    try:
        return opened.calendar.month(month)
    finally:
        opened.close()


@pytest.mark.parametrize("actor", ["RM001", "RM002"])
@pytest.mark.parametrize("month", ["2026-10", "2026-11", "2026-12", "2027-02"])
def test_a_prepared_month_shows_what_computing_it_afresh_shows(
    services: Services, actor: str, month: str
) -> None:
    with services.engine.begin() as conn:
        prepared.bump(conn.connection.dbapi_connection)
    computed_now = month_of(services.db_path, actor, month)
    assert any(day.items for day in computed_now.days)
    assert month_of(services.db_path, actor, month) == computed_now


def test_months_are_prepared_once_each_beside_the_day(
    services: Services, computed: list[int], months_computed: list[date]
) -> None:
    services.calendar.month("2026-11")
    services.calendar.month("2026-12")
    services.today.today(AS_OF)
    services.calendar.month("2026-11")
    services.calendar.month("2026-12")
    services.today.today(AS_OF)
    assert months_computed == [date(2026, 11, 1), date(2026, 12, 1)]
    assert len(computed) == 1
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE customer SET name = name WHERE id = (SELECT min(id) FROM customer)"))
    services.calendar.month("2026-11")
    assert months_computed[-1] == date(2026, 11, 1) and len(months_computed) == 3


def test_a_planned_visit_shows_on_a_prepared_month(services: Services, months_computed: list[date]) -> None:
    _, cif = my_customer(services, 2)
    before = services.calendar.month("2026-11")
    services.records.plan_visit(cif, at="2026-11-26 10:30", purpose="review the wealth portfolio")
    after = services.calendar.month("2026-11")
    assert len(months_computed) == 1
    [day] = [d for d in after.days if d.day == date(2026, 11, 26)]
    visits = [item for item in day.items if item.kind == "visit" and item.cif == cif]
    assert visits and visits[0].time == "10:30"
    assert sum(len(d.items) for d in after.days) == sum(len(d.items) for d in before.days) + 1


def reads_of(services: Services, monkeypatch: pytest.MonkeyPatch, owner: type, method: str) -> set[str]:
    """The tables the statements of ``owner.method`` will read (filled as it runs)."""
    read: set[str] = set()
    tables = re.compile(r"\b(?:FROM|JOIN)\s+[\"`]?(\w+)", re.IGNORECASE)

    def listen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        read.update(name.lower() for name in tables.findall(statement))

    original = getattr(owner, method)

    def watched(*args: Any) -> Any:
        event.listen(services.engine, "before_cursor_execute", listen)
        try:
            return original(*args)
        finally:
            event.remove(services.engine, "before_cursor_execute", listen)

    monkeypatch.setattr(owner, method, watched)
    return read


@pytest.mark.parametrize("view", ["today", "month"])
def test_each_view_is_computed_from_the_inputs_alone(
    services: Services, monkeypatch: pytest.MonkeyPatch, view: str
) -> None:
    """Every table a prepared view's computation reads is one whose writes make it stale."""
    if view == "today":
        read = reads_of(services, monkeypatch, TodayService, "_compute")
        services.today.today(AS_OF)
    else:
        read = reads_of(services, monkeypatch, CalendarService, "_data_items")
        services.calendar.month("2026-11")
    assert read, "the computation read nothing"
    assert read <= prepared.INPUTS, sorted(read - prepared.INPUTS)


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("INSERT INTO holding (account_no) VALUES (?)", True),
        ('insert or replace into "customer_tier" (customer_id) values (?)', True),
        ("UPDATE assignment SET pct = 50 WHERE id = 1", True),
        ("DELETE FROM txn WHERE id = 1", True),
        ("WITH latest AS (SELECT 1) INSERT INTO risk_assessment SELECT * FROM latest", True),
        ("REPLACE INTO parameter (key) VALUES ('x')", True),
        ("SELECT * FROM holding", False),
        ("INSERT INTO audit_log (action) SELECT action FROM holding", False),
        ("DELETE FROM sale WHERE txn_pk IN (SELECT id FROM txn)", False),
        ("UPDATE reminder_state SET state = 'done'", False),
        ("PRAGMA busy_timeout = 100", False),
    ],
)
def test_which_statements_write_an_input(statement: str, writes: bool) -> None:
    assert prepared.writes_input(statement) is writes
