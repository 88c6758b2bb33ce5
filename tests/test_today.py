"""``rmc today`` (SPEC §6): the RM's reminders, churn alerts and recommendations from the store.

The pure rules are tested on their own (test_reminder_rules, test_recommendation_rules); here the
service must gather the right facts for the acting RM, apply stored states, and keep suitability.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import WatchedConnection, build_demo, isolated_copy
from typer.testing import CliRunner

from rm_console.cli import app
from rm_console.domain.errors import NotFound, UserError
from rm_console.services import Services

AS_OF = date(2026, 11, 22)
runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("today") / "bank.db", customers=1500, seed=13)


@pytest.fixture
def db(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_copy(template, tmp_path, monkeypatch)


@pytest.fixture
def sql(db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db, factory=WatchedConnection)
    yield conn
    conn.close()


def rm001_customer(sql: sqlite3.Connection, offset: int = 0) -> tuple[int, str, str]:
    row = sql.execute(
        "SELECT c.id, c.cif, c.name FROM customer c JOIN assignment a ON a.customer_id = c.id "
        "JOIN staff s ON s.id = a.staff_id WHERE s.code = 'RM001' ORDER BY c.cif LIMIT 1 OFFSET ?",
        (offset,),
    ).fetchone()
    return int(row[0]), str(row[1]), str(row[2])


def add_deposit(sql: sqlite3.Connection, customer_id: int, account: str, matures: date) -> None:
    product = sql.execute(
        "SELECT id FROM product WHERE category = 'deposit' ORDER BY code LIMIT 1"
    ).fetchone()
    sql.execute(
        "INSERT INTO holding (account_no, customer_id, product_id, asset_class, balance_fen, maturity_date) "
        "VALUES (?, ?, ?, 'deposit', 12345600, ?)",
        (account, customer_id, product[0], matures.isoformat()),
    )
    sql.commit()


def today(db: Path, actor: str = "RM001", day: date = AS_OF):  # type: ignore[no-untyped-def]
    return Services(db, actor=actor).today.today(day)


def test_maturities_within_the_parameter_window(db: Path, sql: sqlite3.Connection) -> None:
    customer_id, cif, _ = rm001_customer(sql)
    add_deposit(sql, customer_id, "TEST-DAY7", AS_OF + timedelta(days=7))
    add_deposit(sql, customer_id, "TEST-DAY8", AS_OF + timedelta(days=8))
    ids = {r.id for r in today(db).reminders}
    assert f"maturity:TEST-DAY7:{(AS_OF + timedelta(days=7)).isoformat()}" in ids
    assert not any("TEST-DAY8" in i for i in ids)
    sql.execute(
        "INSERT INTO parameter (key, version, value, note, set_by, set_at) "
        "SELECT key, version + 1, '8', note, 'AN01', set_at FROM parameter "
        "WHERE key = 'maturity_reminder_days'"
    )
    sql.commit()
    assert any("TEST-DAY8" in r.id for r in today(db).reminders)
    # Another RM does not see RM001's customers' reminders.
    assert not any("TEST-DAY7" in r.id for r in today(db, "RM002").reminders)
    assert cif


def test_visits_and_follow_ups_of_the_acting_rm(db: Path, sql: sqlite3.Connection) -> None:
    customer_id, cif, _ = rm001_customer(sql, 1)
    staff_id = sql.execute("SELECT id FROM staff WHERE code = 'RM001'").fetchone()[0]
    # 10:00 in Shanghai on the day is 02:00 UTC.
    sql.execute(
        "INSERT INTO visit_plan (id, customer_id, staff_id, purpose, planned_at, cancelled, version, "
        "created_at, updated_at) VALUES ('0192f000000070008000000000000001', ?, ?, 'review the portfolio', "
        "'2026-11-22 02:00:00.000000', 0, 1, '2026-11-20 02:00:00.000000', '2026-11-20 02:00:00.000000')",
        (customer_id, staff_id),
    )
    sql.execute(
        "INSERT INTO contact_record (id, customer_id, staff_id, kind, occurred_at, follow_up_date, "
        "next_step, version, created_at, updated_at) "
        "VALUES ('0192f000000070008000000000000002', ?, ?, 'call', "
        "'2026-11-10 02:00:00.000000', '2026-11-20', 'send the fund brochure', 1, "
        "'2026-11-10 02:00:00.000000', '2026-11-10 02:00:00.000000')",
        (customer_id, staff_id),
    )
    sql.commit()
    found = {r.kind: r for r in today(db).reminders if r.cif == cif}
    assert "visit" in found and "review the portfolio" in found["visit"].text_en
    assert found["follow_up"].priority == "high", "a follow-up past its date is urgent"
    assert not any(
        r.kind == "visit" for r in today(db, day=AS_OF + timedelta(days=1)).reminders if r.cif == cif
    )


def test_done_snooze_and_dismiss_are_stored_per_rm(db: Path, sql: sqlite3.Connection) -> None:
    customer_id, _, _ = rm001_customer(sql, 2)
    add_deposit(sql, customer_id, "TEST-A", AS_OF + timedelta(days=2))
    add_deposit(sql, customer_id, "TEST-B", AS_OF + timedelta(days=3))
    add_deposit(sql, customer_id, "TEST-C", AS_OF + timedelta(days=4))
    reminders = {r.id.split(":")[1]: r.id for r in today(db).reminders if r.id.startswith("maturity:TEST-")}
    service = Services(db, actor="RM001").today
    service.mark(reminders["TEST-A"], "done")
    service.mark(reminders["TEST-B"], "snooze", "2026-11-24")
    service.mark(reminders["TEST-C"], "dismiss")
    shown = {r.id for r in today(db).reminders}
    assert not shown & set(reminders.values())
    later = {r.id for r in today(db, day=date(2026, 11, 24)).reminders}
    assert reminders["TEST-B"] in later and reminders["TEST-A"] not in later
    rows = sql.execute(
        "SELECT reminder_key, state, snooze_until FROM reminder_state ORDER BY reminder_key"
    ).fetchall()
    assert rows == [
        (reminders["TEST-A"], "done", None),
        (reminders["TEST-B"], "snoozed", "2026-11-24"),
        (reminders["TEST-C"], "dismissed", None),
    ]
    outbox = sql.execute("SELECT entity, op FROM sync_outbox WHERE entity = 'reminder_state'").fetchall()
    assert outbox == [("reminder_state", "insert")] * 3
    service.mark(reminders["TEST-B"], "done")
    assert sql.execute(
        "SELECT state, version FROM reminder_state WHERE reminder_key = ?", (reminders["TEST-B"],)
    ).fetchone() == ("done", 2)
    assert sql.execute(
        "SELECT op, base_version FROM sync_outbox WHERE entity = 'reminder_state' ORDER BY seq DESC LIMIT 1"
    ).fetchone() == ("update", 1)
    assert sql.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'reminder.mark'").fetchone()[0] == 4
    with pytest.raises(UserError, match=r"--until: 2026-11-22 is not after today \(2026-11-22\)"):
        service.mark(reminders["TEST-A"], "snooze", "2026-11-22")
    with pytest.raises(UserError, match="needs --until"):
        service.mark(reminders["TEST-A"], "snooze")
    with pytest.raises(NotFound, match="no reminder has the id 'nonsense'"):
        service.mark("nonsense", "done")


def test_churn_alerts_worst_first_with_twelve_months_of_aum(db: Path, sql: sqlite3.Connection) -> None:
    report = today(db)
    flagged = {
        cif: status
        for cif, status in sql.execute(
            "SELECT c.cif, t.status FROM customer c JOIN customer_tier t ON t.customer_id = c.id "
            "JOIN assignment a ON a.customer_id = c.id JOIN staff s ON s.id = a.staff_id "
            "WHERE s.code = 'RM001' AND t.status IN ('churned', 'attention')"
        )
    }
    assert flagged and {a.cif: a.status for a in report.alerts} == flagged
    severities = [0 if a.status == "churned" else 1 for a in report.alerts]
    assert severities == sorted(severities)
    alert = report.alerts[0]
    assert len(alert.aum) == 12 and alert.aum[-1][0] == "2026-11"
    stored = dict(
        sql.execute(
            "SELECT m.month, m.aum_fen FROM monthly_aum m JOIN customer c ON c.id = m.customer_id "
            "WHERE c.cif = ? AND m.month >= '2025-12'",
            (alert.cif,),
        ).fetchall()
    )
    assert dict(alert.aum) == {month: stored.get(month) for month, _ in alert.aum}


def test_no_recommendation_exceeds_the_valid_assessment(db: Path, sql: sqlite3.Connection) -> None:
    levels = dict(
        sql.execute(
            "SELECT c.cif, MAX(r.level) FROM risk_assessment r JOIN customer c ON c.id = r.customer_id "
            "WHERE r.valid_until >= ? GROUP BY c.cif",
            (AS_OF.isoformat(),),
        ).fetchall()
    )
    checked = 0
    for (code,) in sql.execute("SELECT code FROM staff WHERE role = 'rm'").fetchall():
        for item in today(db, code).recommendations:
            if item.risk_level is None:
                continue
            allowed = int(levels[item.cif][1]) if item.cif in levels else 2
            assert int(item.risk_level[1]) <= allowed, item
            checked += 1
    assert checked > 50


def test_a_dismissed_recommendation_stays_hidden_for_30_days(db: Path) -> None:
    first = today(db).recommendations[0]
    mark = Services(db, actor="RM001").today.dismiss_recommendation(first.id)
    assert mark.state == "dismissed"
    assert first.id not in {r.id for r in today(db).recommendations}
    assert first.id not in {r.id for r in today(db, day=AS_OF + timedelta(days=30)).recommendations}
    with pytest.raises(NotFound, match="no recommendation has the id"):
        Services(db, actor="RM002").today.dismiss_recommendation(first.id)


def test_cli_today_and_remind(db: Path, sql: sqlite3.Connection) -> None:
    customer_id, _, _ = rm001_customer(sql, 3)
    add_deposit(sql, customer_id, "TEST-CLI", AS_OF + timedelta(days=1))
    base = ["--db", str(db), "--as", "RM001"]
    shown = runner.invoke(app, [*base, "today", "--json"])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    assert set(document) >= {"staff", "date", "reminders", "churn_alerts", "recommendations"}
    assert document["date"] == "2026-11-22"
    reminder = next(r["id"] for r in document["reminders"] if "TEST-CLI" in r["id"])
    human = runner.invoke(app, [*base, "--lang", "zh", "today"])
    assert human.exit_code == 0 and "当日工作提醒" in human.stdout and "到期" in human.stdout
    snoozed = runner.invoke(app, [*base, "remind", "snooze", reminder, "--until", "2026-11-23"])
    assert snoozed.exit_code == 0 and "snoozed until 2026-11-23" in snoozed.stdout
    bad = runner.invoke(app, [*base, "remind", "snooze", reminder, "--until", "soon"])
    assert bad.exit_code == 1 and "--until: 'soon' is not a date" in bad.stderr
    bad_day = runner.invoke(app, [*base, "today", "--date", "2026-02-30"])
    assert bad_day.exit_code == 1 and "--date" in bad_day.stderr
    nobody = runner.invoke(app, ["--db", str(db), "today"])
    assert nobody.exit_code == 1 and "--as" in nobody.stderr


# ---------------------------------------------------------------------------------------------------
# Manual reminders (手工提醒)
# ---------------------------------------------------------------------------------------------------


def test_add_reminder_stores_the_row_an_audit_and_an_outbox_row(db: Path, sql: sqlite3.Connection) -> None:
    _, cif, name = rm001_customer(sql, 5)
    due = AS_OF + timedelta(days=2)
    added = Services(db, actor="RM001").today.add_reminder(due.isoformat(), "  call about the bond  ", cif)
    assert added.kind == "manual" and added.due == due.isoformat() and added.priority == "normal"
    assert (added.cif, added.name) == (cif, name)
    assert added.text_en == f"Reminder: call about the bond ({name}, {cif})"
    assert added.text_zh == f"提醒：call about the bond（{name}，{cif}）"
    row_id = added.id.split(":")[1]
    stored = sql.execute(
        "SELECT m.due, m.text, m.version, s.code, c.cif FROM manual_reminder m "
        "JOIN staff s ON s.id = m.staff_id JOIN customer c ON c.id = m.customer_id WHERE m.id = ?",
        (row_id.replace("-", ""),),  # SQLite keeps a UUID as 32 hex digits
    ).fetchone()
    assert stored == (due.isoformat(), "call about the bond", 1, "RM001", cif)
    audit = sql.execute(
        "SELECT actor, entity FROM audit_log WHERE action = 'reminder.add' AND entity_id = ?", (row_id,)
    ).fetchall()
    assert audit == [("RM001", "manual_reminder")]
    outbox = sql.execute(
        "SELECT op, payload FROM sync_outbox WHERE entity = 'manual_reminder' AND entity_id = ?", (row_id,)
    ).fetchall()
    assert len(outbox) == 1 and outbox[0][0] == "insert"
    assert json.loads(outbox[0][1])["cif"] == cif


def test_a_manual_reminder_shows_from_its_day_until_done(db: Path, sql: sqlite3.Connection) -> None:
    due = AS_OF + timedelta(days=1)
    services = Services(db, actor="RM001")
    added = services.today.add_reminder(due, "bring the renewal forms")
    assert added.id not in {r.id for r in today(db).reminders}
    on_day = {r.id: r for r in today(db, day=due).reminders}
    assert on_day[added.id].priority == "normal" and on_day[added.id].cif is None
    later = {r.id: r for r in today(db, day=due + timedelta(days=2)).reminders}
    assert later[added.id].priority == "high"
    assert added.id not in {r.id for r in today(db, actor="RM002", day=due).reminders}
    services.today.mark(added.id, "done")
    assert added.id not in {r.id for r in today(db, day=due + timedelta(days=2)).reminders}
    month = Services(db, actor="RM001").calendar.month(due)
    (item,) = [i for d in month.days for i in d.items if i.id == added.id]
    assert item.day == due and item.kind == "reminder" and item.state == "done"


def test_a_manual_reminder_can_be_snoozed_and_dismissed(db: Path) -> None:
    services = Services(db, actor="RM001")
    snoozed = services.today.add_reminder(AS_OF, "check the statement")
    dismissed = services.today.add_reminder(AS_OF, "ring the branch")
    shown = {r.id for r in today(db).reminders}
    assert {snoozed.id, dismissed.id} <= shown
    services.today.mark(snoozed.id, "snooze", (AS_OF + timedelta(days=1)).isoformat())
    services.today.mark(dismissed.id, "dismiss")
    assert not {snoozed.id, dismissed.id} & {r.id for r in today(db).reminders}
    back = {r.id for r in today(db, day=AS_OF + timedelta(days=1)).reminders}
    assert snoozed.id in back and dismissed.id not in back


def test_add_reminder_refusals(db: Path, sql: sqlite3.Connection) -> None:
    services = Services(db, actor="RM001")
    with pytest.raises(UserError, match="--text: a reminder needs text"):
        services.today.add_reminder(AS_OF, "   ")
    with pytest.raises(UserError, match="--text: a reminder is at most 200 characters"):
        services.today.add_reminder(AS_OF, "x" * 201)
    with pytest.raises(UserError, match=r"--on: 2026-11-21 is before today \(2026-11-22\)"):
        services.today.add_reminder("2026-11-21", "too late")
    with pytest.raises(UserError, match="--on: "):
        services.today.add_reminder("soon", "no date")
    outside = sql.execute(
        "SELECT c.cif FROM customer c WHERE c.id NOT IN (SELECT a.customer_id FROM assignment a "
        "JOIN staff s ON s.id = a.staff_id WHERE s.code = 'RM001') ORDER BY c.cif LIMIT 1"
    ).fetchone()[0]
    with pytest.raises(NotFound, match=f"no customer '{outside}' among the customers you may see"):
        services.today.add_reminder(AS_OF, "not mine", outside)
    with pytest.raises(NotFound, match="no customer 'NOPE'"):
        services.today.add_reminder(AS_OF, "nobody", "NOPE")
    assert sql.execute("SELECT count(*) FROM manual_reminder").fetchone()[0] == 0


def test_cli_remind_add(db: Path, sql: sqlite3.Connection) -> None:
    _, cif, name = rm001_customer(sql, 2)
    base = ["--db", str(db), "--as", "RM001"]
    added = runner.invoke(
        app, [*base, "remind", "add", "--on", "2026-11-23", "--text", "send the brochure", "--customer", cif]
    )
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("manual:")
    assert f"Reminder: send the brochure ({name}, {cif})" in added.stdout
    as_json = runner.invoke(app, [*base, "remind", "add", "--on", "2026-11-22", "--text", "today", "--json"])
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert document["kind"] == "manual" and document["due"] == "2026-11-22" and document["cif"] is None
    shown = runner.invoke(app, [*base, "today", "--json"])
    assert document["id"] in {r["id"] for r in json.loads(shown.stdout)["reminders"]}
    past = runner.invoke(app, [*base, "remind", "add", "--on", "2026-11-01", "--text", "late"])
    assert past.exit_code == 1 and "--on: 2026-11-01 is before today (2026-11-22)" in past.stderr
    empty = runner.invoke(app, [*base, "remind", "add", "--on", "2026-11-23", "--text", " "])
    assert empty.exit_code == 1 and "--text: a reminder needs text" in empty.stderr
