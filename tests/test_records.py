"""Records (SPEC §8) on a demo bank: visit plans and visits, calls, messages and events, complaints and
their five steps, the daily work log, risk-tolerance assessments and credit ratings.

Every write is checked in the store itself: the record, its audit row and its outbox row; every refusal
is checked to leave the store exactly as it was. The demo store's business date (2026-11-22) is "today".
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from conftest import build_demo, isolated_copy
from typer.testing import CliRunner

from rm_console.cli import app
from rm_console.domain.complaints import ComplaintError
from rm_console.domain.errors import NotFound, PermissionRefused, UserError
from rm_console.domain.questionnaire import QuestionnaireError
from rm_console.domain.rating import RatingError
from rm_console.domain.records_dto import RecordError
from rm_console.services import Services
from rm_console.services import records as records_service

AS_OF = date(2026, 11, 22)
runner = CliRunner()

#: The tables a record service may write.
WRITTEN = (
    "visit_plan",
    "contact_record",
    "complaint",
    "complaint_step",
    "work_log_entry",
    "risk_assessment",
    "credit_rating",
    "audit_log",
    "sync_outbox",
)
#: Answers scoring 59 points: C3 balanced.
ANSWERS_C3 = "1a,2c,3b,4b,5c,6b,7b,8c,9c,10c"
PERSONAL_SCORES = {
    "income_stability": 80,
    "assets_with_bank": 70,
    "credit_history": 90,
    "debt_ratio": 60,
    "relationship": 50,
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 800-customer demo bank, built once for the module."""
    return build_demo(tmp_path_factory.mktemp("records") / "bank.db", customers=800, seed=3)


@pytest.fixture
def db(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the bank, with no config or environment leaking in."""
    return isolated_copy(template, tmp_path, monkeypatch)


@pytest.fixture
def sql(db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db)
    yield conn
    conn.close()


def as_(db: Path, actor: str) -> Services:
    return Services(db, actor=actor)


def rm001_customer(sql: sqlite3.Connection, offset: int = 0) -> str:
    """A customer assigned to RM001."""
    row = sql.execute(
        "SELECT DISTINCT c.cif FROM customer c JOIN assignment a ON a.customer_id = c.id "
        "JOIN staff s ON s.id = a.staff_id WHERE s.code = 'RM001' ORDER BY c.cif LIMIT 1 OFFSET ?",
        (offset,),
    ).fetchone()
    assert row is not None
    return str(row[0])


def not_rm001_at(sql: sqlite3.Connection, outlet: str) -> str:
    """A customer of ``outlet`` that RM001 does not have."""
    row = sql.execute(
        "SELECT c.cif FROM customer c JOIN institution i ON i.id = c.institution_id WHERE i.code = ? "
        "AND c.id NOT IN (SELECT a.customer_id FROM assignment a JOIN staff s ON s.id = a.staff_id "
        "WHERE s.code = 'RM001') ORDER BY c.cif LIMIT 1",
        (outlet,),
    ).fetchone()
    assert row is not None
    return str(row[0])


def state(sql: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {table: sorted(sql.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in WRITTEN}


def audit_rows(sql: sqlite3.Connection, entity: str, entity_id: str) -> list[tuple[str, str, Any, Any]]:
    rows = sql.execute(
        "SELECT actor, action, before, after FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id",
        (entity, entity_id),
    ).fetchall()
    return [(a, b, json.loads(c) if c else None, json.loads(d) if d else None) for a, b, c, d in rows]


def outbox_rows(sql: sqlite3.Connection, entity: str, entity_id: str) -> list[tuple[str, Any, int | None]]:
    rows = sql.execute(
        "SELECT op, payload, base_version FROM sync_outbox WHERE entity = ? AND entity_id = ? ORDER BY seq",
        (entity, entity_id),
    ).fetchall()
    return [(op, json.loads(payload), base) for op, payload, base in rows]


def hex_id(record_id: str) -> str:
    """A record id as SQLite stores it."""
    return record_id.replace("-", "")


def refused(
    sql: sqlite3.Connection, error: type[UserError], message: str, call: Callable[[], object]
) -> UserError:
    """Call, expect ``error`` whose text contains ``message``, and check nothing was written."""
    before = state(sql)
    with pytest.raises(error) as caught:
        call()
    assert message in str(caught.value)
    assert state(sql) == before
    return caught.value


# -- visit plans -----------------------------------------------------------------------------------------


def test_plan_visit_writes_the_plan_its_audit_and_outbox_rows(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    plan = as_(db, "RM001").records.plan_visit(
        cif, at="2026-11-25 10:00", purpose="review maturing deposits", place="office", strategy="listen"
    )
    assert (plan.cif, plan.staff, plan.purpose, plan.place, plan.cancelled, plan.version) == (
        cif,
        "RM001",
        "review maturing deposits",
        "office",
        False,
        1,
    )
    assert plan.as_json()["planned_at"] == "2026-11-25T10:00:00+08:00"
    stored = sql.execute(
        "SELECT p.planned_at, p.purpose, p.cancelled, p.version, s.code FROM visit_plan p "
        "JOIN staff s ON s.id = p.staff_id WHERE p.id = ?",
        (hex_id(plan.id),),
    ).fetchone()
    assert stored[0].startswith("2026-11-25 02:00:00")  # 10:00 in Shanghai is 02:00 UTC
    assert stored[1:] == ("review maturing deposits", 0, 1, "RM001")
    [(actor, action, before, after)] = audit_rows(sql, "visit_plan", plan.id)
    assert (actor, action, before) == ("RM001", "visit_plan.create", None)
    assert after["cif"] == cif and after["id"] == plan.id
    [(op, payload, base)] = outbox_rows(sql, "visit_plan", plan.id)
    assert (op, base) == ("insert", None)
    assert payload["id"] == plan.id and payload["planned_at"].startswith("2026-11-25T02:00:00")
    assert payload["staff"] == "RM001" and payload["version"] == 1


def test_plan_visit_refusals_write_nothing(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    refused(
        sql,
        RecordError,
        "--at: 2026-11-21 09:00 is in the past; a visit plan (拜访计划) is for a time to come",
        lambda: records.plan_visit(cif, at="2026-11-21 09:00", purpose="too late"),
    )
    refused(
        sql,
        RecordError,
        "--purpose: a visit plan needs a purpose",
        lambda: records.plan_visit(cif, at="2026-11-25 10:00", purpose=" "),
    )
    refused(
        sql,
        RecordError,
        "--at: '2026-11-25' is not a time; write YYYY-MM-DD HH:MM",
        lambda: records.plan_visit(cif, at="2026-11-25", purpose="x"),
    )
    refused(
        sql, RecordError, "is not a time", lambda: records.plan_visit(cif, at="2026-02-30 10:00", purpose="x")
    )


def test_cancel_plan_bumps_the_version_and_sends_an_update(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    plan = as_(db, "RM001").records.plan_visit(cif, at="2026-11-26 14:30", purpose="introduce a fund")
    cancelled = as_(db, "RM001").records.cancel_plan(plan.id)
    assert (cancelled.cancelled, cancelled.version) == (True, 2)
    stored = sql.execute("SELECT cancelled, version FROM visit_plan WHERE id = ?", (hex_id(plan.id),))
    assert stored.fetchone() == (1, 2)
    audits = audit_rows(sql, "visit_plan", plan.id)
    assert [a[1] for a in audits] == ["visit_plan.create", "visit_plan.cancel"]
    assert audits[1][2] == {"cancelled": False, "version": 1}
    outbox = outbox_rows(sql, "visit_plan", plan.id)
    assert [(op, base) for op, _, base in outbox] == [("insert", None), ("update", 1)]
    assert outbox[1][1]["cancelled"] is True and outbox[1][1]["version"] == 2
    refused(sql, RecordError, "is already cancelled", lambda: as_(db, "RM001").records.cancel_plan(plan.id))


def test_cancel_plan_by_another_rm_is_refused_and_a_manager_may(db: Path, sql: sqlite3.Connection) -> None:
    row = sql.execute(
        "SELECT c.cif, s2.code FROM customer c JOIN assignment a1 ON a1.customer_id = c.id "
        "JOIN staff s1 ON s1.id = a1.staff_id AND s1.code = 'RM001' "
        "JOIN assignment a2 ON a2.customer_id = c.id JOIN staff s2 ON s2.id = a2.staff_id "
        "AND s2.role = 'rm' AND s2.code <> 'RM001' ORDER BY c.cif LIMIT 1"
    ).fetchone()
    assert row is not None, "the demo bank has no customer RM001 shares with another RM"
    cif, other = row
    plan = as_(db, "RM001").records.plan_visit(cif, at="2026-11-27 09:00", purpose="joint visit")
    refused(
        sql,
        PermissionRefused,
        "only its author or a branch manager",
        lambda: as_(db, other).records.cancel_plan(plan.id),
    )
    assert as_(db, "BM03").records.cancel_plan(plan.id).cancelled


# -- visits and other contacts -------------------------------------------------------------------------


def test_record_visit_with_plan_products_and_follow_up(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    plan = records.plan_visit(cif, at="2026-11-25 10:00", purpose="deposits")
    visit = records.record_visit(
        cif,
        outcome="agreed to move a deposit into a wealth product",
        plan_id=plan.id,
        needs_explicit="higher yield",
        needs_implicit="education fund",
        needs_latent="retirement",
        products=["DEP001", "CTS001", "DEP001"],
        objections="risk",
        next_step="send the prospectus",
        follow_up="2026-11-30",
        at="2026-11-21 15:00",
    )
    assert visit.kind == "visit" and visit.plan_id == plan.id and visit.products == ("DEP001", "CTS001")
    assert visit.follow_up == date(2026, 11, 30)
    row = sql.execute(
        "SELECT kind, outcome, needs_explicit, needs_implicit, needs_latent, products_discussed, objections, "
        "next_step, follow_up_date, visit_plan_id, occurred_at FROM contact_record WHERE id = ?",
        (hex_id(visit.id),),
    ).fetchone()
    assert row[:5] == (
        "visit",
        "agreed to move a deposit into a wealth product",
        "higher yield",
        "education fund",
        "retirement",
    )
    assert json.loads(row[5]) == ["DEP001", "CTS001"]
    assert row[6:10] == ("risk", "send the prospectus", "2026-11-30", hex_id(plan.id))
    assert row[10].startswith("2026-11-21 07:00:00")
    [(_, action, _, after)] = audit_rows(sql, "contact_record", visit.id)
    assert action == "contact.create" and after["follow_up_date"] == "2026-11-30"
    [(op, payload, _)] = outbox_rows(sql, "contact_record", visit.id)
    assert op == "insert"
    assert payload["visit_plan_id"] == plan.id and payload["products_discussed"] == ["DEP001", "CTS001"]
    assert payload["occurred_at"].startswith("2026-11-21T07:00:00")


def test_record_visit_refusals_write_nothing(db: Path, sql: sqlite3.Connection) -> None:
    cif, other = rm001_customer(sql), rm001_customer(sql, 1)
    records = as_(db, "RM001").records
    others_plan = records.plan_visit(other, at="2026-11-25 10:00", purpose="other")
    dropped = records.plan_visit(cif, at="2026-11-26 10:00", purpose="dropped")
    records.cancel_plan(dropped.id)
    refused(
        sql,
        RecordError,
        "--follow-up: 2026-11-01 is before the visit on 2026-11-20",
        lambda: records.record_visit(cif, outcome="ok", follow_up="2026-11-01", at="2026-11-20 10:00"),
    )
    refused(
        sql,
        RecordError,
        "--product: no products NOPE1, NOPE2 in the product catalogue",
        lambda: records.record_visit(cif, outcome="ok", products=["DEP001", "NOPE1", "NOPE2"]),
    )
    refused(
        sql,
        RecordError,
        f"--plan: visit plan {others_plan.id} is for {other}, not {cif}",
        lambda: records.record_visit(cif, outcome="ok", plan_id=others_plan.id),
    )
    refused(
        sql, RecordError, "was cancelled", lambda: records.record_visit(cif, outcome="ok", plan_id=dropped.id)
    )
    refused(
        sql,
        NotFound,
        "no visit plan 'nonsense'",
        lambda: records.record_visit(cif, outcome="ok", plan_id="nonsense"),
    )
    refused(
        sql,
        RecordError,
        "--outcome: a visit record needs its outcome",
        lambda: records.record_visit(cif, outcome=""),
    )
    refused(
        sql,
        RecordError,
        "--at: 2026-11-23 09:00 is in the future",
        lambda: records.record_visit(cif, outcome="ok", at="2026-11-23 09:00"),
    )
    refused(
        sql,
        RecordError,
        "--follow-up: '30/11/2026' is not a date",
        lambda: records.record_visit(cif, outcome="ok", follow_up="30/11/2026"),
    )


def test_a_plan_takes_one_visit_and_then_cannot_be_cancelled(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    plan = records.plan_visit(cif, at="2026-11-25 10:00", purpose="deposits")
    visit = records.record_visit(cif, outcome="done", plan_id=plan.id)
    refused(
        sql,
        RecordError,
        f"already has its visit record {visit.id}",
        lambda: records.record_visit(cif, outcome="again", plan_id=plan.id),
    )
    refused(sql, RecordError, "it cannot be cancelled", lambda: records.cancel_plan(plan.id))


@pytest.mark.parametrize(
    ("clock", "now"),
    [
        # 09:30 in Shanghai on the business date: the real time.
        (datetime(2026, 11, 22, 1, 30, tzinfo=UTC), datetime(2026, 11, 22, 1, 30, tzinfo=UTC)),
        # 07:00 on it: the real time, before 08:30.
        (datetime(2026, 11, 21, 23, 0, tzinfo=UTC), datetime(2026, 11, 21, 23, 0, tzinfo=UTC)),
        # 00:10 on the 23rd, the store still on the 22nd: its day is over, now is its last moment.
        (datetime(2026, 11, 22, 16, 10, tzinfo=UTC), datetime(2026, 11, 22, 15, 59, 59, 999999, tzinfo=UTC)),
        # The store ahead of the clock: the time of day on the business date.
        (datetime(2026, 11, 20, 2, 0, tzinfo=UTC), datetime(2026, 11, 22, 2, 0, tzinfo=UTC)),
    ],
    ids=["on-the-day", "early-on-the-day", "after-the-day", "before-the-day"],
)
def test_now_is_a_moment_of_the_business_date(
    db: Path, sql: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, clock: datetime, now: datetime
) -> None:
    monkeypatch.setattr(records_service, "utcnow", lambda: clock)
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    # A call at 08:30 on the business date has happened unless the clock is before 08:30 on that date.
    if now < datetime(2026, 11, 22, 0, 30, tzinfo=UTC):
        refused(
            sql,
            RecordError,
            "is in the future",
            lambda: records.record_contact(cif, "call", notes="early", at="2026-11-22 08:30"),
        )
    else:
        records.record_contact(cif, "call", notes="earlier today", at="2026-11-22 08:30")
    # A call recorded without a time took place now, on the business date.
    contact = records.record_contact(cif, "call", notes="just now")
    assert contact.occurred_at == now


@pytest.mark.parametrize("kind", ["call", "message", "event"])
def test_calls_messages_and_events_are_contact_records(db: Path, sql: sqlite3.Connection, kind: str) -> None:
    cif = rm001_customer(sql)
    contact = as_(db, "RM001").records.record_contact(
        cif, kind, notes=f"a {kind}", follow_up="2026-11-24", at="2026-11-22 08:30"
    )
    assert (contact.kind, contact.notes, contact.follow_up) == (kind, f"a {kind}", date(2026, 11, 24))
    row = sql.execute(
        "SELECT kind, notes, follow_up_date FROM contact_record WHERE id = ?", (hex_id(contact.id),)
    ).fetchone()
    assert row == (kind, f"a {kind}", "2026-11-24")
    assert [a[1] for a in audit_rows(sql, "contact_record", contact.id)] == ["contact.create"]
    [(op, payload, _)] = outbox_rows(sql, "contact_record", contact.id)
    assert op == "insert" and payload["kind"] == kind and payload["follow_up_date"] == "2026-11-24"


def test_contact_refusals_write_nothing(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    refused(sql, RecordError, "not 'visit'", lambda: records.record_contact(cif, "visit", notes="x"))
    refused(
        sql,
        RecordError,
        "--notes: a call (电话) record needs notes",
        lambda: records.record_contact(cif, "call", notes=" "),
    )
    refused(
        sql,
        RecordError,
        "--follow-up: 2026-11-21 is before the message on 2026-11-22",
        lambda: records.record_contact(
            cif, "message", notes="x", follow_up="2026-11-21", at="2026-11-22 08:00"
        ),
    )


# -- scope -----------------------------------------------------------------------------------------------


def test_out_of_scope_is_the_same_not_found_as_a_missing_cif(db: Path, sql: sqlite3.Connection) -> None:
    theirs, missing = not_rm001_at(sql, "OT01"), "9999999999"
    records = as_(db, "RM001").records
    calls = (
        lambda cif: records.plan_visit(cif, at="2026-11-25 10:00", purpose="x"),
        lambda cif: records.record_visit(cif, outcome="x"),
        lambda cif: records.record_contact(cif, "call", notes="x"),
        lambda cif: records.open_complaint(cif, channel="phone", description="x"),
        lambda cif: records.log_work("x", cif=cif),
        lambda cif: records.assess_risk(cif, ANSWERS_C3),
        lambda cif: records.rate_credit(cif, "personal", PERSONAL_SCORES),
        lambda cif: records.customer_records(cif),
    )
    for call in calls:
        hidden = refused(sql, NotFound, f"no customer '{theirs}'", partial(call, theirs))
        absent = refused(sql, NotFound, f"no customer '{missing}'", partial(call, missing))
        assert type(hidden) is type(absent)
        assert str(hidden).replace(theirs, "CIF") == str(absent).replace(missing, "CIF")


def test_a_branch_manager_records_for_the_tree_and_an_analyst_for_anyone(
    db: Path, sql: sqlite3.Connection
) -> None:
    at_ot01, at_ot02 = not_rm001_at(sql, "OT01"), not_rm001_at(sql, "OT02")
    assert as_(db, "BM03").records.record_contact(at_ot01, "call", notes="manager call").staff == "BM03"
    refused(
        sql,
        NotFound,
        f"no customer '{at_ot02}'",
        lambda: as_(db, "BM03").records.record_contact(at_ot02, "call", notes="x"),
    )
    assert as_(db, "AN01").records.record_contact(at_ot02, "event", notes="salon").staff == "AN01"
    refused(
        sql,
        NotFound,
        "no staff member has the code 'XX99'",
        lambda: as_(db, "XX99").records.record_contact(at_ot01, "call", notes="x"),
    )
    with pytest.raises(PermissionRefused, match="needs to know who is acting"):
        Services(db).records.record_contact(at_ot01, "call", notes="x")


# -- complaints ------------------------------------------------------------------------------------------


def test_complaint_steps_in_order_and_close_after_follow_up(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    opened = records.open_complaint(
        cif, channel="phone 电话", description="charged twice", at="2026-11-20 09:15"
    )
    assert (opened.status, opened.steps, opened.next_step) == ("open", (), "1 record the facts (记录事实)")
    stored = sql.execute("SELECT status, channel, version FROM complaint WHERE id = ?", (hex_id(opened.id),))
    assert stored.fetchone() == ("open", "phone 电话", 1)
    assert [a[1] for a in audit_rows(sql, "complaint", opened.id)] == ["complaint.create"]
    assert [o[0] for o in outbox_rows(sql, "complaint", opened.id)] == ["insert"]

    refused(
        sql,
        ComplaintError,
        "step 3 apologise and propose a resolution (道歉并提出方案) cannot be taken yet: the next step is 1",
        lambda: records.complaint_step(opened.id, "sorry", step=3),
    )
    refused(
        sql,
        ComplaintError,
        "a complaint is closed only after step 5",
        lambda: records.close_complaint(opened.id),
    )
    first = records.complaint_step(opened.id, "the customer was charged twice", step=1)
    assert [s.number for s in first.steps] == [1] and first.steps[0].author == "RM001"
    refused(
        sql,
        ComplaintError,
        "step 1 record the facts (记录事实) is already done; the next step is 2",
        lambda: records.complaint_step(opened.id, "again", step=1),
    )
    refused(
        sql,
        RecordError,
        "--note: a complaint step needs a note",
        lambda: records.complaint_step(opened.id, " "),
    )
    # Another staff member who may see the customer takes the next steps.
    later = first
    for note in ("system fault", "apologised, refund offered", "refunded"):
        later = as_(db, "BM03").records.complaint_step(opened.id, note)
    assert [s.number for s in later.steps] == [1, 2, 3, 4] and later.steps[-1].author == "BM03"
    refused(
        sql, ComplaintError, "the next step is 5 follow up (回访)", lambda: records.close_complaint(opened.id)
    )
    done = records.complaint_step(opened.id, "customer satisfied", step=5)
    assert done.next_step is None
    closed = records.close_complaint(opened.id)
    assert (closed.status, closed.version) == ("closed", 2) and closed.closed_at is not None
    refused(
        sql,
        ComplaintError,
        "the complaint is closed; it takes no more steps",
        lambda: records.complaint_step(opened.id, "more"),
    )
    refused(
        sql, ComplaintError, "the complaint is already closed", lambda: records.close_complaint(opened.id)
    )

    steps = sql.execute(
        "SELECT cs.step_no, cs.note, s.code FROM complaint_step cs JOIN staff s ON s.id = cs.author_id "
        "WHERE cs.complaint_id = ? ORDER BY cs.step_no",
        (hex_id(opened.id),),
    ).fetchall()
    assert [(n, code) for n, _, code in steps] == [
        (1, "RM001"),
        (2, "BM03"),
        (3, "BM03"),
        (4, "BM03"),
        (5, "RM001"),
    ]
    for step in closed.steps:
        step_id = sql.execute(
            "SELECT id FROM complaint_step WHERE complaint_id = ? AND step_no = ?",
            (hex_id(opened.id), step.number),
        ).fetchone()[0]
        [(_, action, _, after)] = audit_rows(sql, "complaint_step", str(uuid.UUID(step_id)))
        assert action == "complaint.step" and after["step"] == step.step and after["author"] == step.author
        [(op, payload, _)] = outbox_rows(sql, "complaint_step", str(uuid.UUID(step_id)))
        assert op == "insert" and payload["complaint_id"] == opened.id and payload["step_no"] == step.number
    assert [a[1] for a in audit_rows(sql, "complaint", opened.id)] == ["complaint.create", "complaint.close"]
    outbox = outbox_rows(sql, "complaint", opened.id)
    assert [(op, base) for op, _, base in outbox] == [("insert", None), ("update", 1)]
    assert outbox[1][1]["status"] == "closed" and outbox[1][1]["version"] == 2


def test_a_double_step_is_refused_by_the_unique_constraint(
    db: Path, sql: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two terminals taking the same step at once: the second insert hits (complaint_id, step_no)."""
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    opened = records.open_complaint(cif, channel="counter", description="queue too long")
    records.complaint_step(opened.id, "facts")
    real = records_service.store.complaint_steps
    monkeypatch.setattr(records_service.store, "complaint_steps", lambda conn, ids: {pk: [] for pk in ids})
    refused(
        sql,
        ComplaintError,
        "was just taken on this complaint by someone else",
        lambda: records.complaint_step(opened.id, "facts again"),
    )
    monkeypatch.setattr(records_service.store, "complaint_steps", real)
    assert [s.number for s in records.complaint(opened.id).steps] == [1]


def test_complaint_refusals_and_scope(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    refused(
        sql,
        RecordError,
        "--channel: a complaint needs the channel",
        lambda: records.open_complaint(cif, channel="", description="x"),
    )
    refused(
        sql,
        RecordError,
        "--channel: at most 32 characters",
        lambda: records.open_complaint(cif, channel="x" * 33, description="x"),
    )
    refused(
        sql,
        RecordError,
        "--description: a complaint needs a description",
        lambda: records.open_complaint(cif, channel="phone", description=""),
    )
    refused(
        sql,
        RecordError,
        "is in the future",
        lambda: records.open_complaint(cif, channel="phone", description="x", at="2026-12-01 09:00"),
    )
    theirs = not_rm001_at(sql, "OT02")
    foreign = as_(db, "AN01").records.open_complaint(theirs, channel="letter", description="not RM001's")
    hidden = refused(
        sql, NotFound, f"no complaint '{foreign.id}'", lambda: records.complaint_step(foreign.id, "x")
    )
    absent = refused(sql, NotFound, "no complaint '0190'", lambda: records.complaint_step("0190", "x"))
    assert str(hidden).replace(foreign.id, "ID") == str(absent).replace("0190", "ID")
    refused(
        sql,
        ComplaintError,
        "there is no complaint step 6",
        lambda: as_(db, "AN01").records.complaint_step(foreign.id, "x", step=6),
    )


# -- the daily work log ----------------------------------------------------------------------------------


def test_work_log_entries_of_a_day_for_the_acting_person(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    first = records.log_work("prepared the weekly plan")
    second = records.log_work("called about a maturing deposit", kind="call", cif=cif)
    earlier = records.log_work("branch training", kind="Training", day="2026-11-20")
    as_(db, "RM002").records.log_work("someone else's day")
    assert (first.day, first.kind, first.cif) == (AS_OF, "note", None)
    assert (second.kind, second.cif) == ("call", cif)
    assert (earlier.day, earlier.kind) == (date(2026, 11, 20), "training")
    today = records.work_log()
    assert today.day == AS_OF and [e.id for e in today.entries] == [first.id, second.id]
    assert [e.id for e in records.work_log("2026-11-20").entries] == [earlier.id]
    assert records.work_log("2026-11-19").entries == ()
    row = sql.execute(
        "SELECT day, kind, text FROM work_log_entry WHERE id = ?", (hex_id(second.id),)
    ).fetchone()
    assert row == ("2026-11-22", "call", "called about a maturing deposit")
    assert [a[1] for a in audit_rows(sql, "work_log_entry", second.id)] == ["work_log.create"]
    [(op, payload, _)] = outbox_rows(sql, "work_log_entry", second.id)
    assert op == "insert" and payload["cif"] == cif and payload["day"] == "2026-11-22"


def test_work_log_refusals_write_nothing(db: Path, sql: sqlite3.Connection) -> None:
    records = as_(db, "RM001").records
    refused(
        sql,
        RecordError,
        "--kind: 'nap' is not a kind of work-log entry; choose one of note,",
        lambda: records.log_work("x", kind="nap"),
    )
    refused(sql, RecordError, "--text: a work-log entry needs text", lambda: records.log_work("  "))
    refused(
        sql,
        RecordError,
        "--day: 2026-11-23 is after today (2026-11-22)",
        lambda: records.log_work("x", day="2026-11-23"),
    )
    refused(
        sql, RecordError, "--day: '2026-13-01' is not a date", lambda: records.log_work("x", day="2026-13-01")
    )
    refused(sql, NotFound, "no customer", lambda: records.log_work("x", cif=not_rm001_at(sql, "OT01")))


# -- risk-tolerance assessment and credit rating ---------------------------------------------------------


def test_risk_assessment_is_scored_stored_and_valid_twelve_months(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    result = as_(db, "RM001").records.assess_risk(cif, ANSWERS_C3)
    assert (result.score, result.level, result.level_zh) == (59, "C3", "平衡型")
    assert (result.assessed_on, result.valid_until, result.expired) == (AS_OF, date(2027, 11, 21), False)
    assert result.answers == ANSWERS_C3
    row = sql.execute(
        "SELECT assessed_on, valid_until, score, level, answers FROM risk_assessment WHERE id = ?",
        (hex_id(result.id),),
    ).fetchone()
    assert row[:4] == ("2026-11-22", "2027-11-21", 59, "C3")
    assert json.loads(row[4])["10"] == "c" and len(json.loads(row[4])) == 10
    assert [a[1] for a in audit_rows(sql, "risk_assessment", result.id)] == ["risk_assessment.create"]
    [(op, payload, _)] = outbox_rows(sql, "risk_assessment", result.id)
    assert op == "insert" and payload["valid_until"] == "2027-11-21" and payload["level"] == "C3"
    assert as_(db, "RM001").records.customer_records(cif).risk == result
    records = as_(db, "RM001").records
    refused(
        sql,
        QuestionnaireError,
        "no answer to question 10 (fall_20pct)",
        lambda: records.assess_risk(cif, ANSWERS_C3[:-4]),
    )
    refused(
        sql,
        QuestionnaireError,
        "question 1 (age): 'z' is not an option",
        lambda: records.assess_risk(cif, "1z" + ANSWERS_C3[2:]),
    )


def test_an_expired_assessment_is_flagged(db: Path, sql: sqlite3.Connection) -> None:
    row = sql.execute(
        "SELECT c.cif, r.valid_until FROM customer c JOIN risk_assessment r ON r.customer_id = c.id "
        "WHERE r.valid_until < '2026-11-22' AND NOT EXISTS (SELECT 1 FROM risk_assessment r2 "
        "WHERE r2.customer_id = c.id AND r2.assessed_on > r.assessed_on) ORDER BY c.cif LIMIT 1"
    ).fetchone()
    assert row is not None
    risk = as_(db, "AN01").records.customer_records(row[0]).risk
    assert risk is not None and risk.expired and risk.valid_until.isoformat() == row[1]


def test_credit_rating_grade_and_refusals(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    rating = records.rate_credit(cif, "personal", PERSONAL_SCORES)
    assert (rating.score, rating.grade, rating.exact, rating.rated_on) == (74, "A", "74", AS_OF)
    assert [f.factor for f in rating.factors] == list(PERSONAL_SCORES)
    row = sql.execute(
        "SELECT scorecard, score, grade, details FROM credit_rating WHERE id = ?", (hex_id(rating.id),)
    ).fetchone()
    assert row[:3] == ("personal", 74, "A")
    assert json.loads(row[3])["factors"]["credit_history"] == {"weight": 30, "sub_score": 90, "points": "27"}
    assert [a[1] for a in audit_rows(sql, "credit_rating", rating.id)] == ["credit_rating.create"]
    [(op, payload, _)] = outbox_rows(sql, "credit_rating", rating.id)
    assert op == "insert" and payload["grade"] == "A"

    corporate = sql.execute(
        "SELECT c.cif FROM customer c JOIN institution i ON i.id = c.institution_id "
        "WHERE c.kind = 'corporate' AND i.code = 'OT01' ORDER BY c.cif LIMIT 1"
    ).fetchone()[0]
    strong = {
        "basic_quality": 90,
        "economic_strength": 90,
        "solvency_credit": 95,
        "operations": 90,
        "outlook": 80,
    }
    graded = as_(db, "BM03").records.rate_credit(corporate, "corporate", strong)
    assert (graded.score, graded.grade) == (91, "AAA")  # 9 + 6.3 + 40.85 + 27.9 + 7.2 = 91.25
    refused(
        sql,
        RecordError,
        f"--scorecard: {cif} is an individual customer; rate it on the personal",
        lambda: records.rate_credit(cif, "corporate", strong),
    )
    refused(
        sql, RatingError, "no scorecard 'retail'", lambda: records.rate_credit(cif, "retail", PERSONAL_SCORES)
    )
    refused(
        sql,
        RatingError,
        "relationship (Length of relationship) has no sub-score",
        lambda: records.rate_credit(
            cif, "personal", {k: v for k, v in PERSONAL_SCORES.items() if k != "relationship"}
        ),
    )
    refused(
        sql,
        RatingError,
        "sub-score 101 is not a whole number 0–100",
        lambda: records.rate_credit(cif, "personal", {**PERSONAL_SCORES, "debt_ratio": 101}),
    )


# -- one customer's records ------------------------------------------------------------------------------


def test_customer_records_timeline_newest_first_with_staff(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    records = as_(db, "RM001").records
    call = records.record_contact(cif, "call", notes="call", at="2026-11-20 10:00")
    visit = records.record_visit(cif, outcome="visit", at="2026-11-21 16:00")
    event = records.record_contact(cif, "event", notes="salon", at="2026-11-19 19:00")
    message = as_(db, "BM03").records.record_contact(cif, "message", notes="greetings", at="2026-11-22 08:00")
    plan = records.plan_visit(cif, at="2026-12-01 10:00", purpose="next")
    complaint = records.open_complaint(cif, channel="counter", description="slow", at="2026-11-18 11:00")
    records.complaint_step(complaint.id, "facts")
    shown = records.customer_records(cif)
    assert (shown.cif, shown.as_of) == (cif, AS_OF)
    assert [c.id for c in shown.contacts] == [message.id, visit.id, call.id, event.id]
    assert [(c.kind, c.staff) for c in shown.contacts] == [
        ("message", "BM03"),
        ("visit", "RM001"),
        ("call", "RM001"),
        ("event", "RM001"),
    ]
    assert [p.id for p in shown.plans] == [plan.id]
    [listed] = shown.complaints
    assert (listed.id, listed.status, [s.number for s in listed.steps]) == (complaint.id, "open", [1])
    assert listed.next_step == "2 analyse and assign responsibility (分析定责)"
    assert shown.credit is None
    document = shown.as_json()
    assert set(document) == {"cif", "name", "as_of", "contacts", "plans", "complaints", "risk", "credit"}
    assert document["contacts"][1]["occurred_at"] == "2026-11-21T16:00:00+08:00"  # type: ignore[index]
    json.dumps(document)


def test_questions_are_the_questionnaire() -> None:
    questionnaire = Services(Path("unused.db")).records.questions()
    assert [q.number for q in questionnaire.questions] == list(range(1, 11))
    assert [(b.level, b.min_score, b.max_score) for b in questionnaire.levels] == [
        ("C1", 0, 20),
        ("C2", 21, 40),
        ("C3", 41, 60),
        ("C4", 61, 80),
        ("C5", 81, 100),
    ]
    assert questionnaire.max_score == 100 and questionnaire.valid_months == 12


# -- the command line ------------------------------------------------------------------------------------


def invoke(db: Path, actor: str, *args: str) -> Any:
    return runner.invoke(app, ["--db", str(db), "--as", actor, *args])


def test_cli_log_commands(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    planned = invoke(
        db, "RM001", "log", "plan", cif, "--at", "2026-11-25 10:00", "--purpose", "deposits", "--json"
    )
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert (plan["cif"], plan["planned_at"], plan["cancelled"]) == (cif, "2026-11-25T10:00:00+08:00", False)
    options = ["--outcome", "ok", "--plan", plan["id"], "--explicit", "yield", "--product", "DEP001"]
    options += ["--product", "CTS001", "--follow-up", "2026-11-29", "--at", "2026-11-22 09:00", "--json"]
    visited = invoke(db, "RM001", "log", "visit", cif, *options)
    assert visited.exit_code == 0, visited.output
    visit = json.loads(visited.stdout)
    assert visit["products"] == ["DEP001", "CTS001"] and visit["needs"]["explicit"] == "yield"
    assert visit["plan_id"] == plan["id"] and visit["follow_up"] == "2026-11-29"
    for kind in ("call", "message", "event"):
        done = invoke(db, "RM001", "log", kind, cif, "--notes", f"{kind} notes", "--follow-up", "2026-11-23")
        assert done.exit_code == 0, done.output
        assert f"Recorded {kind}" in done.stdout
    human = invoke(
        db, "RM001", "log", "plan", cif, "--at", "2026-11-26 15:00", "--purpose", "fund", "--place", "café"
    )
    assert human.exit_code == 0 and "Planned visit plan 拜访计划" in human.stdout and "café" in human.stdout

    before = state(sql)
    late = ["--outcome", "x", "--follow-up", "2026-11-01", "--at", "2026-11-20 10:00", "--json"]
    bad = invoke(db, "RM001", "log", "visit", cif, *late)
    assert bad.exit_code == 1 and bad.stdout == ""
    assert "error: --follow-up: 2026-11-01 is before the visit on 2026-11-20" in bad.stderr
    hidden = invoke(db, "RM001", "log", "call", not_rm001_at(sql, "OT01"), "--notes", "x")
    assert hidden.exit_code == 1 and "error: no customer" in hidden.stderr
    assert state(sql) == before
    again = invoke(db, "RM001", "log", "plan", cif, "--at", "2026-11-27 10:00", "--purpose", "x", "--json")
    cancelled = invoke(db, "RM001", "log", "cancel-plan", json.loads(again.stdout)["id"], "--json")
    assert cancelled.exit_code == 0 and json.loads(cancelled.stdout)["version"] == 2


def test_cli_complaint_commands(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    opened = invoke(
        db, "RM001", "log", "complaint", cif, "--channel", "phone", "--description", "fee", "--json"
    )
    assert opened.exit_code == 0, opened.output
    complaint = json.loads(opened.stdout)
    assert (complaint["status"], complaint["steps"], complaint["next_step"]) == (
        "open",
        [],
        "1 record the facts (记录事实)",
    )
    human = invoke(db, "RM001", "log", "complaint", cif, "--channel", "counter", "--description", "queue")
    assert human.exit_code == 0 and "Complaint 投诉 " in human.stdout
    skipped = invoke(db, "RM001", "log", "complaint-step", complaint["id"], "--note", "x", "--step", "2")
    assert skipped.exit_code == 1
    assert "error: step 2 analyse and assign responsibility (分析定责) cannot be taken yet" in skipped.stderr
    early = invoke(db, "RM001", "log", "complaint-close", complaint["id"])
    assert early.exit_code == 1 and "closed only after step 5" in early.stderr
    for number in range(1, 6):
        step = invoke(
            db, "RM001", "log", "complaint-step", complaint["id"], "--note", f"step {number}", "--json"
        )
        assert step.exit_code == 0, step.output
        assert [s["number"] for s in json.loads(step.stdout)["steps"]] == list(range(1, number + 1))
    closed = invoke(db, "RM001", "log", "complaint-close", complaint["id"], "--json")
    assert closed.exit_code == 0, closed.output
    document = json.loads(closed.stdout)
    assert document["status"] == "closed" and document["next_step"] is None and document["closed_at"]
    again = invoke(db, "RM001", "log", "complaint-step", complaint["id"], "--note", "more")
    assert again.exit_code == 1 and "the complaint is closed" in again.stderr


def test_cli_work_log(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    added = invoke(
        db,
        "RM001",
        "log",
        "work",
        "--text",
        "visited a client",
        "--kind",
        "visit",
        "--customer",
        cif,
        "--json",
    )
    assert added.exit_code == 0, added.output
    entry = json.loads(added.stdout)
    assert (entry["day"], entry["kind"], entry["cif"]) == ("2026-11-22", "visit", cif)
    assert (
        invoke(
            db, "RM001", "log", "work", "--text", "training", "--kind", "training", "--day", "2026-11-21"
        ).exit_code
        == 0
    )
    listed = invoke(db, "RM001", "log", "list", "--json")
    assert listed.exit_code == 0, listed.output
    day = json.loads(listed.stdout)
    assert (day["staff"], day["day"], [e["id"] for e in day["entries"]]) == (
        "RM001",
        "2026-11-22",
        [entry["id"]],
    )
    other = json.loads(invoke(db, "RM001", "log", "list", "--day", "2026-11-21", "--json").stdout)
    assert [e["kind"] for e in other["entries"]] == ["training"]
    table = invoke(db, "RM001", "log", "list")
    assert table.exit_code == 0 and "visited a client" in table.stdout
    bad = invoke(db, "RM001", "log", "work", "--text", "x", "--kind", "nap")
    assert bad.exit_code == 1 and "error: --kind: 'nap'" in bad.stderr
    bad_day = invoke(db, "RM001", "log", "list", "--day", "yesterday", "--json")
    assert (
        bad_day.exit_code == 1
        and bad_day.stdout == ""
        and "--day: 'yesterday' is not a date" in bad_day.stderr
    )


def test_cli_assess_commands(db: Path, sql: sqlite3.Connection) -> None:
    cif = rm001_customer(sql)
    risk = invoke(db, "RM001", "assess", "risk", cif, "--answers", ANSWERS_C3, "--json")
    assert risk.exit_code == 0, risk.output
    assert {k: json.loads(risk.stdout)[k] for k in ("score", "level", "valid_until", "expired")} == {
        "score": 59,
        "level": "C3",
        "valid_until": "2027-11-21",
        "expired": False,
    }
    human = invoke(db, "RM001", "assess", "risk", cif, "--answers", ANSWERS_C3)
    assert human.exit_code == 0 and "score 59 → C3 balanced (平衡型)" in human.stdout
    bad = invoke(db, "RM001", "assess", "risk", cif, "--answers", "1a,2b")
    assert bad.exit_code == 1 and "error: 2 of 10 questions answered" in bad.stderr
    questions = invoke(db, "RM001", "assess", "questions", "--json")
    assert questions.exit_code == 0 and len(json.loads(questions.stdout)["questions"]) == 10
    assert "How old are you?" in invoke(db, "RM001", "assess", "questions").stdout
    scores = [arg for key, value in PERSONAL_SCORES.items() for arg in ("--score", f"{key}={value}")]
    credit = invoke(db, "RM001", "assess", "credit", cif, "--scorecard", "personal", *scores, "--json")
    assert credit.exit_code == 0, credit.output
    rating = json.loads(credit.stdout)
    assert (rating["score"], rating["grade"], len(rating["factors"])) == (74, "A", 5)
    shown = invoke(db, "RM001", "assess", "credit", cif, "--scorecard", "personal", *scores)
    assert shown.exit_code == 0 and "grade 等级 A" in shown.stdout
    malformed = invoke(
        db, "RM001", "assess", "credit", cif, "--scorecard", "personal", "--score", "debt_ratio:60"
    )
    assert malformed.exit_code == 1 and "error: --score: 'debt_ratio:60' is not FACTOR=N" in malformed.stderr
    usage = invoke(db, "RM001", "assess", "credit", cif, "--scorecard", "retail", *scores)
    assert usage.exit_code == 2
