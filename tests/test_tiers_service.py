"""Recompute, simulate, confirm and explain (SPEC §3, §12) on a demo bank, through services and the CLI."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import copy_store, reset_public_schema
from sqlalchemy import text
from typer.testing import CliRunner

from rm_console.cli import app
from rm_console.domain.errors import NotFound, PermissionRefused
from rm_console.domain.tier_rules import RuleSetError
from rm_console.services import Services
from storage.engine import make_engine

AS_OF = date(2026, 11, 22)
runner = CliRunner()

#: Tables a recompute writes.
WRITTEN = (
    "customer_tier",
    "tier_history",
    "alert",
    "notification_outbox",
    "retention_case",
    "retention_step",
    "tier_rule_set",
    "tier_rule",
)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 800-customer demo bank, built once."""
    path = tmp_path_factory.mktemp("tiers") / "demo.db"
    services = Services(path)
    services.demo.build(customers=800, months=14, seed=5, as_of=AS_OF, force=True, progress=None)
    services.close()
    return path


@pytest.fixture
def db(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the bank."""
    monkeypatch.setenv("RMC_CONFIG", str(tmp_path / "no-config.toml"))
    copy = tmp_path / "local.db"
    shutil.copyfile(demo_template, copy)
    return copy


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    services = Services(db)
    with services.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(text(sql)).all()]
    services.close()
    return rows


def _snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: sorted(_rows(db, f"SELECT * FROM {table}"), key=repr) for table in WRITTEN}


def test_recompute_reproduces_the_demo_tiers_and_is_idempotent(db: Path) -> None:
    before = dict(_rows(db, "SELECT customer_id, tier || '/' || coalesce(status, '-') FROM customer_tier"))
    first = Services(db, actor="AN01").tiers.recompute()
    assert first.month == "2026-11" and first.customers == 800
    after = dict(_rows(db, "SELECT customer_id, tier || '/' || coalesce(status, '-') FROM customer_tier"))
    assert after == before
    snapshot = _snapshot(db)
    second = Services(db, actor="AN01").tiers.recompute("2026-11")
    assert (second.tiers_changed, second.history, second.alerts, second.notifications, second.cases) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert _snapshot(db) == snapshot


def test_history_holds_exactly_the_customers_who_moved(db: Path) -> None:
    Services(db, actor="AN01").tiers.recompute()
    moved = set(_rows(db, "SELECT customer_id, prev_tier, tier FROM customer_tier WHERE prev_tier <> tier"))
    history = set(
        _rows(db, "SELECT customer_id, from_tier, to_tier FROM tier_history WHERE month = '2026-11'")
    )
    assert moved and history == moved
    churn = _rows(db, "SELECT count(*) FROM tier_history WHERE month = '2026-11' AND reason = 'churn'")[0][0]
    churned = _rows(db, "SELECT count(*) FROM customer_tier WHERE status = 'churned' AND prev_tier <> tier")[
        0
    ][0]
    assert churn == churned > 0


def test_entering_attention_or_churn_alerts_every_assigned_rm(db: Path) -> None:
    Services(db, actor="AN01").tiers.recompute()
    entering = _rows(
        db,
        "SELECT customer_id, CASE status WHEN 'churned' THEN 'churn' ELSE 'attention' END FROM customer_tier "
        "WHERE status IN ('attention', 'churned') AND (prev_status IS NULL OR prev_status <> status)",
    )
    assert entering
    expected = {
        (customer, staff, kind)
        for customer, kind in entering
        for (staff,) in _rows(db, f"SELECT staff_id FROM assignment WHERE customer_id = {customer}")
    }
    alerts = set(_rows(db, "SELECT customer_id, staff_id, kind FROM alert"))
    assert alerts == expected
    outbox = _rows(db, "SELECT staff_id, channel, subject, body FROM notification_outbox")
    assert len(outbox) == 2 * len(alerts)
    assert {channel for _, channel, _, _ in outbox} == {"sms", "email"}
    name, cif = _rows(
        db, "SELECT c.name, c.cif FROM alert a JOIN customer c ON c.id = a.customer_id ORDER BY a.customer_id"
    )[0]
    assert any(name in body and f"CIF {cif}" in body for _, _, _, body in outbox)


def test_retention_cases_open_for_platinum_and_above(db: Path) -> None:
    Services(db, actor="AN01").tiers.recompute()
    expected = {
        customer
        for (customer,) in _rows(
            db,
            "SELECT customer_id FROM customer_tier WHERE status IN ('attention', 'churned') "
            "AND (prev_status IS NULL OR prev_status <> status) "
            "AND coalesce(churned_from, tier) IN ('core', 'growth', 'platinum')",
        )
    }
    cases = _rows(db, "SELECT customer_id, owner_id, status FROM retention_case")
    assert expected and {customer for customer, _, _ in cases} == expected
    for customer, owner, status in cases:
        assert status == "open"
        primary = _rows(
            db, f"SELECT staff_id FROM assignment WHERE customer_id = {customer} AND role = 'primary'"
        )
        if primary:
            assert owner == primary[0][0]
        else:
            assert _rows(db, f"SELECT role FROM staff WHERE id = {owner}") == [("branch_manager",)]
    steps = _rows(db, "SELECT case_id, count(*), min(due_date) FROM retention_step GROUP BY case_id")
    assert len(steps) == len(cases) and all(n == 3 and due == "2026-11-25" for _, n, due in steps)


def test_a_month_without_figures_moves_customers_down(db: Path) -> None:
    Services(db, actor="AN01").tiers.recompute()
    december = Services(db, actor="AN01").tiers.recompute("2026-12")
    assert december.month == "2026-12"
    assert december.history > 0 and december.alerts > 0
    assert _rows(db, "SELECT DISTINCT month FROM customer_tier") == [("2026-12",)]


def test_the_default_month_is_the_newest_with_figures(db: Path) -> None:
    services = Services(db, actor="AN01")
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE store_meta SET value = '2027-03-01' WHERE key = 'business_date'"))
    assert services.tiers.recompute().month == "2026-11"
    assert Services(db, actor="BM01").tiers.simulate([]).month == "2026-11"


def test_only_an_analyst_recomputes(db: Path) -> None:
    with pytest.raises(
        PermissionRefused, match="BM01 is a branch manager; only an analyst may recompute tiers"
    ):
        Services(db, actor="BM01").tiers.recompute()
    with pytest.raises(PermissionRefused, match="--as"):
        Services(db).tiers.recompute()


def test_simulate_writes_nothing_and_counts_transitions(db: Path) -> None:
    Services(db, actor="AN01").tiers.recompute()
    snapshot = _snapshot(db)
    report = Services(db, actor="BM01").tiers.simulate(["platinum.aum=800000"])
    assert _snapshot(db) == snapshot
    assert (
        report.transitions["platinum"].get("gold", 0) + report.transitions["platinum"].get("potential", 0) > 0
    )
    moved = sum(
        n for source, row in report.transitions.items() for target, n in row.items() if source != target
    )
    assert moved == len(report.changed) > 0
    unchanged = Services(db, actor="BM01").tiers.simulate([])
    assert unchanged.changed == ()


def test_simulate_refuses_bad_changes_and_rms(db: Path) -> None:
    with pytest.raises(RuleSetError, match="thresholds descend"):
        Services(db, actor="BM01").tiers.simulate(["platinum.aum=6000000"])
    with pytest.raises(PermissionRefused):
        Services(db, actor="RM001").tiers.simulate(["platinum.aum=800000"])


def test_confirm_stores_a_version_and_recomputes(db: Path, tmp_path: Path) -> None:
    services = Services(db, actor="AN01")
    path = tmp_path / "rules.toml"
    assert services.tiers.export_rules(path) == 1
    path.write_text(
        path.read_text(encoding="utf-8").replace("aum = 500000", "aum = 800000"), encoding="utf-8"
    )
    with pytest.raises(PermissionRefused):
        Services(db, actor="BM01").tiers.confirm(path)
    version, report = services.tiers.confirm(path, "raise platinum")
    assert version == 2 and report.rule_version == 2
    assert _rows(db, "SELECT DISTINCT rule_version FROM customer_tier") == [(2,)]
    assert _rows(db, "SELECT version FROM tier_rule_set ORDER BY version") == [(1,), (2,)]
    assert services.tiers.rules().rule("platinum").aum_min_fen == 80_000_000  # type: ignore[union-attr]


def test_a_bad_rules_file_changes_nothing(db: Path, tmp_path: Path) -> None:
    snapshot = _snapshot(db)
    path = tmp_path / "rules.toml"
    path.write_text("[gold]\naum = 'lots'\n", encoding="utf-8")
    with pytest.raises(RuleSetError, match=str(path)):
        Services(db, actor="AN01").tiers.confirm(path)
    assert _snapshot(db) == snapshot


def test_explain_shows_the_stored_evaluation_within_scope(db: Path) -> None:
    Services(db, actor="AN01").tiers.recompute()
    cif, customer = _rows(
        db,
        "SELECT c.cif, c.id FROM customer c JOIN assignment a ON a.customer_id = c.id "
        "JOIN staff s ON s.id = a.staff_id WHERE s.code = 'RM001' ORDER BY c.cif LIMIT 1",
    )[0]
    document = Services(db, actor="RM001").tiers.explain(str(cif))
    stored = _rows(db, f"SELECT tier, status, months_below FROM customer_tier WHERE customer_id = {customer}")
    assert (document["tier"], document["status"], document["months_below"]) == stored[0]
    assert {"cif", "month", "tier", "status", "months_below", "churned_from", "criteria"} <= set(document)
    assert document["criteria"]
    other = _rows(
        db,
        "SELECT cif FROM customer WHERE id NOT IN (SELECT a.customer_id FROM assignment a JOIN staff s "
        "ON s.id = a.staff_id WHERE s.code = 'RM001') ORDER BY cif LIMIT 1",
    )[0][0]
    with pytest.raises(NotFound, match="no customer"):
        Services(db, actor="RM001").tiers.explain(str(other))
    with pytest.raises(NotFound, match="no customer"):
        Services(db, actor="RM001").tiers.explain("NO-SUCH-CIF")


def test_cli_recompute_simulate_explain_export_confirm(db: Path, tmp_path: Path) -> None:
    base = ["--db", str(db)]
    result = runner.invoke(app, [*base, "--as", "AN01", "tiers", "recompute", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["month"] == "2026-11" and "transitions" in document and "counts" in document

    result = runner.invoke(
        app, [*base, "--as", "BM01", "tiers", "simulate", "--set", "platinum.aum=800000", "--json"]
    )
    assert result.exit_code == 0, result.output
    simulated = json.loads(result.stdout)
    assert set(simulated) >= {"transitions", "changed"} and simulated["changed"]

    human = runner.invoke(app, [*base, "--as", "BM01", "tiers", "simulate", "--set", "gold.window=3"])
    assert human.exit_code == 0 and "Nothing was written" in human.stdout

    refused = runner.invoke(app, [*base, "--as", "BM01", "tiers", "simulate", "--set", "gold.colour=red"])
    assert refused.exit_code == 1 and "gold.colour: unknown field" in refused.output

    cif = _rows(db, "SELECT cif FROM customer ORDER BY cif LIMIT 1")[0][0]
    explained = runner.invoke(app, [*base, "--as", "AN01", "tiers", "explain", str(cif), "--json"])
    assert explained.exit_code == 0 and json.loads(explained.stdout)["cif"] == cif
    assert runner.invoke(app, [*base, "--as", "AN01", "tiers", "explain", str(cif)]).exit_code == 0

    rules = tmp_path / "rules.toml"
    exported = runner.invoke(app, [*base, "--as", "AN01", "tiers", "rules", "export", str(rules)])
    assert exported.exit_code == 0 and "[platinum]" in rules.read_text(encoding="utf-8")
    confirmed = runner.invoke(
        app, [*base, "--as", "AN01", "tiers", "confirm", "--rules", str(rules), "--json"]
    )
    assert confirmed.exit_code == 0, confirmed.output
    assert json.loads(confirmed.stdout)["version"] == 2
    denied = runner.invoke(app, [*base, "--as", "RM001", "tiers", "confirm", "--rules", str(rules)])
    assert denied.exit_code == 1 and "only an analyst may confirm" in denied.output


@pytest.mark.postgres
def test_recompute_on_postgresql_writes_what_sqlite_writes(db: Path, pg_url: str) -> None:
    pg = make_engine(pg_url)
    try:
        copy_store(
            db,
            pg,
            (
                "institution",
                "staff",
                "customer",
                "monthly_aum",
                "tier_rule_set",
                "tier_rule",
                "customer_tier",
                "tier_history",
                "assignment",
                "store_meta",
                "parameter",
            ),
        )
        central = Services(db, actor="AN01", engine=pg)
        first = central.tiers.recompute()
        second = central.tiers.recompute()
        local = Services(db, actor="AN01").tiers.recompute()
        assert (first.alerts, first.cases, first.history) == (local.alerts, local.cases, local.history)
        assert first.alerts > 0 and first.cases > 0
        assert (second.tiers_changed, second.history, second.alerts, second.notifications, second.cases) == (
            0,
            0,
            0,
            0,
            0,
        )
        query = text(
            "SELECT customer_id, tier, status, months_below, churned_from, prev_tier FROM customer_tier"
        )
        with pg.connect() as conn:
            on_pg = sorted(tuple(row) for row in conn.execute(query).all())
        assert on_pg == sorted(_rows(db, str(query)))
        report = central.tiers.simulate(["platinum.aum=800000"])
        assert report.changed
    finally:
        reset_public_schema(pg)
        pg.dispose()
