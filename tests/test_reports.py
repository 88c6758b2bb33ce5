"""``rmc report churn`` and ``rmc report tiers``: scope, ordering, figures, refusals and the command line.

Every figure is cross-checked against the demo bank's tables read directly with ``sqlite3``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import copy_store, reset_public_schema
from sqlalchemy import select
from sqlmodel import SQLModel
from typer.testing import CliRunner

from rm_console.cli import app
from rm_console.cli.reports import CHURN_CSV_HEADER, TIERS_CSV_HEADER
from rm_console.domain.calendar import month_text, parse_month
from rm_console.domain.dto import ChurnReport, ChurnReportRow, TierReport
from rm_console.domain.enums import Tier
from rm_console.domain.errors import NotFound, PermissionRefused, UserError
from rm_console.domain.tiers import MonthFigures, evaluate
from rm_console.services import Services
from storage.engine import make_engine, sqlite_url
from storage.reports import REPORT_EVAL_TABLE, churn_rows, tier_counts
from storage.scope import visible_customer_ids
from storage.tiers import load_rule_set

AS_OF = date(2026, 11, 22)
MONTH = "2026-11"
#: A month before the stored evaluation, with churned and attention customers in the demo bank.
PAST_MONTH = "2026-10"
ACTIVE = ("churned", "attention")
runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMC_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("RMC_DB", "RMC_USER", "RMC_LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 1,500-customer demo bank, built once for the module; tests that write use a copy."""
    path = tmp_path_factory.mktemp("reports") / "bank.db"
    services = Services(path)
    try:
        services.demo.build(customers=1500, months=14, seed=11, as_of=AS_OF, force=True, progress=None)
    finally:
        services.close()
    return path


@pytest.fixture
def db(bank: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the module's bank."""
    conn = sqlite3.connect(f"file:{bank}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def copy(bank: Path, tmp_path: Path) -> Path:
    """A private copy of the bank, for tests that change it."""
    target = tmp_path / "copy.db"
    shutil.copyfile(bank, target)
    return target


def churn(path: Path, actor: str | None, **options: str | None) -> ChurnReport:
    services = Services(path, actor=actor)
    try:
        return services.reports.churn(**options)
    finally:
        services.close()


def tiers(path: Path, actor: str | None, **options: str | None) -> TierReport:
    services = Services(path, actor=actor)
    try:
        return services.reports.tiers(**options)
    finally:
        services.close()


def subtree(db: sqlite3.Connection, code: str) -> set[int]:
    """Ids of the institution ``code`` and every institution below it."""
    rows = db.execute(
        "WITH RECURSIVE t(id) AS (SELECT id FROM institution WHERE code = ? "
        "UNION ALL SELECT i.id FROM institution i JOIN t ON i.parent_id = t.id) SELECT id FROM t",
        (code,),
    )
    return {row[0] for row in rows}


def active_cifs(db: sqlite3.Connection, where: str = "1 = 1", params: tuple[object, ...] = ()) -> set[str]:
    """CIFs of the stored evaluation's churned and attention customers that satisfy ``where`` (on c)."""
    rows = db.execute(
        "SELECT c.cif FROM customer c JOIN customer_tier t ON t.customer_id = c.id "
        f"WHERE t.status IN ('churned', 'attention') AND {where}",
        params,
    )
    return {row[0] for row in rows}


def sort_key(row: ChurnReportRow) -> tuple[int, int, int, str]:
    """The churn report's order: severity, measured tier (core first), months below (most first), CIF."""
    return (ACTIVE.index(row.status), Tier(row.measured_tier).rank, -row.months_below, row.cif)


def rms(db: sqlite3.Connection, cif: str) -> tuple[tuple[str, int] | None, list[tuple[str, int]]]:
    """The (code, pct) of a customer's primary RM and of the secondary RMs, largest share first."""
    rows = db.execute(
        "SELECT a.role, s.code, a.pct FROM assignment a JOIN staff s ON s.id = a.staff_id "
        "JOIN customer c ON c.id = a.customer_id WHERE c.cif = ? ORDER BY a.pct DESC, s.code",
        (cif,),
    ).fetchall()
    primary = [(code, pct) for role, code, pct in rows if role == "primary"]
    return (primary[0] if primary else None), [(code, pct) for role, code, pct in rows if role == "secondary"]


def aum_series(db: sqlite3.Connection, cif: str) -> dict[int, tuple[int, str]]:
    rows = db.execute(
        "SELECT m.month_idx, m.aum_fen, m.month FROM monthly_aum m JOIN customer c ON c.id = m.customer_id "
        "WHERE c.cif = ?",
        (cif,),
    )
    return {idx: (aum, month) for idx, aum, month in rows}


def windows(db: sqlite3.Connection) -> dict[str, int]:
    version = db.execute("SELECT max(version) FROM tier_rule_set").fetchone()[0]
    return dict(
        db.execute("SELECT tier, window_months FROM tier_rule WHERE version = ?", (version,)).fetchall()
    )


def check_figures(db: sqlite3.Connection, report: ChurnReport) -> None:
    """AUM now, peak and peak month of every row, computed from monthly_aum in Python."""
    month_idx = parse_month(report.month)
    window_of = windows(db)
    for row in report.rows:
        assert row.measured_tier == (row.churned_from or row.tier)
        assert row.window_months == window_of[row.measured_tier]
        series = aum_series(db, row.cif)
        assert row.aum_now_fen == series.get(month_idx, (0, ""))[0]
        in_window = [
            (series[m][0], m) for m in range(month_idx - row.window_months, month_idx + 1) if m in series
        ]
        peak, peak_idx = max(in_window) if in_window else (0, None)
        assert row.peak_aum_fen == peak, row.cif
        assert row.peak_month == (month_text(peak_idx) if peak_idx is not None else None), row.cif


# ---------------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------------


def test_a_branch_manager_sees_exactly_the_churned_and_attention_customers_of_their_subtree(
    bank: Path, db: sqlite3.Connection
) -> None:
    report = churn(bank, "BM01")
    institutions = subtree(db, "BR01")
    expected = active_cifs(db, f"c.institution_id IN ({','.join(map(str, institutions))})")
    assert expected, "the demo bank has churned and attention customers under BR01"
    assert {row.cif for row in report.rows} == expected
    assert len(report.rows) == len(expected)
    assert {row.institution_code for row in report.rows} <= {"BR01", "OT01", "OT02", "OT03"}
    assert report.month == MONTH
    assert report.source == "stored"
    assert report.scope.acting.code == "BM01"
    assert report.churned + report.attention == len(report.rows)
    assert report.churned > 0 and report.attention > 0


def test_rows_are_ordered_by_severity_tier_months_below_and_cif(bank: Path) -> None:
    rows = churn(bank, "AN01").rows
    assert list(rows) == sorted(rows, key=sort_key)
    assert rows[0].status == "churned" and rows[-1].status == "attention"
    churned = [row for row in rows if row.status == "churned"]
    assert all(row.churned_from is not None for row in churned)
    assert all(Tier(row.churned_from or "").rank < Tier(row.tier).rank for row in churned)
    assert len({row.measured_tier for row in rows}) >= 3


def test_an_rm_sees_only_their_customers(bank: Path, db: sqlite3.Connection) -> None:
    report = churn(bank, "RM001")
    expected = active_cifs(
        db,
        "c.id IN (SELECT customer_id FROM assignment a JOIN staff s ON s.id = a.staff_id WHERE s.code = ?)",
        ("RM001",),
    )
    assert expected
    assert {row.cif for row in report.rows} == expected
    for row in report.rows:
        mine = [row.owner] if row.owner is not None else []
        assert "RM001" in {share.code for share in [*mine, *row.secondary]}


def test_an_analyst_sees_every_churned_and_attention_customer(bank: Path, db: sqlite3.Connection) -> None:
    report = churn(bank, "AN01")
    assert {row.cif for row in report.rows} == active_cifs(db)
    statuses = Counter(row.status for row in report.rows)
    assert statuses == Counter(
        dict(
            db.execute(
                "SELECT status, count(*) FROM customer_tier "
                "WHERE status IN ('churned', 'attention') GROUP BY status"
            )
        )
    )


def test_institution_narrows_the_scope_to_that_subtree(bank: Path, db: sqlite3.Connection) -> None:
    report = churn(bank, "BM01", institution="OT02")
    expected = active_cifs(db, "c.institution_id IN (SELECT id FROM institution WHERE code = 'OT02')")
    assert {row.cif for row in report.rows} == expected
    assert report.scope.institution_code == "OT02"
    analyst = churn(bank, "AN01", institution="BR02")
    ids = ",".join(map(str, subtree(db, "BR02")))
    assert {row.cif for row in analyst.rows} == active_cifs(db, f"c.institution_id IN ({ids})")
    own = churn(bank, "BM03", institution="OT01")
    assert {row.cif for row in own.rows} == {row.cif for row in churn(bank, "BM03").rows}


# ---------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------


def test_owner_and_secondary_rms_are_the_assignments(bank: Path, db: sqlite3.Connection) -> None:
    rows = churn(bank, "AN01").rows
    assert any(row.owner is None for row in rows), "the demo bank has unassigned churned customers"
    assert any(row.secondary for row in rows), "and customers with secondary RMs"
    for row in rows:
        primary, secondary = rms(db, row.cif)
        assert ((row.owner.code, row.owner.pct) if row.owner else None) == primary
        assert [(share.code, share.pct) for share in row.secondary] == secondary
        if row.owner is not None:
            name = db.execute("SELECT name FROM staff WHERE code = ?", (row.owner.code,)).fetchone()[0]
            assert row.owner.name == name


def test_aum_now_and_peak_come_from_monthly_aum_over_the_measured_tiers_window(
    bank: Path, db: sqlite3.Connection
) -> None:
    report = churn(bank, "AN01")
    check_figures(db, report)
    churned_from_core = [row for row in report.rows if row.churned_from == "core"]
    assert churned_from_core and all(row.window_months == 12 for row in churned_from_core)
    assert any(row.peak_month != report.month for row in report.rows)
    assert all(row.peak_aum_fen >= row.aum_now_fen for row in report.rows)


def test_a_missing_aum_month_counts_as_zero(copy: Path) -> None:
    target = churn(copy, "AN01").rows[0]
    with sqlite3.connect(copy) as conn:
        conn.execute(
            "DELETE FROM monthly_aum WHERE month_idx = ? "
            "AND customer_id = (SELECT id FROM customer WHERE cif = ?)",
            (parse_month(MONTH), target.cif),
        )
    again = next(row for row in churn(copy, "AN01").rows if row.cif == target.cif)
    assert again.aum_now_fen == 0
    assert again.peak_month != MONTH


# ---------------------------------------------------------------------------------------------------
# Months
# ---------------------------------------------------------------------------------------------------


def test_the_stored_month_is_the_default_and_is_read_from_the_store(bank: Path) -> None:
    default = churn(bank, "BM02")
    explicit = churn(bank, "BM02", month=MONTH)
    assert default.source == explicit.source == "stored"
    assert default == explicit


def test_a_past_month_is_evaluated_without_writing_and_agrees_with_the_reference_rule(
    copy: Path,
) -> None:
    conn = sqlite3.connect(copy)
    try:
        before = hashlib.sha256(
            repr(conn.execute("SELECT * FROM customer_tier ORDER BY 1").fetchall()).encode()
        )
    finally:
        conn.close()
    report = churn(copy, "BM01", month=PAST_MONTH)
    assert report.source == "evaluated"
    assert report.month == PAST_MONTH
    assert report.churned > 0 and report.attention > 0
    assert list(report.rows) == sorted(report.rows, key=sort_key)

    engine = make_engine(sqlite_url(copy))
    try:
        with engine.connect() as sa:
            rules = load_rule_set(sa)
    finally:
        engine.dispose()
    month_idx = parse_month(PAST_MONTH)
    conn = sqlite3.connect(copy)
    try:
        after = hashlib.sha256(
            repr(conn.execute("SELECT * FROM customer_tier ORDER BY 1").fetchall()).encode()
        )
        assert after.hexdigest() == before.hexdigest(), "the stored evaluation must not change"
        # The evaluation went to a temporary table, never into the store's schema.
        leftover = conn.execute(
            "SELECT name FROM sqlite_master WHERE name = ?", (REPORT_EVAL_TABLE,)
        ).fetchall()
        assert leftover == []
        institutions = ",".join(map(str, subtree(conn, "BR01")))
        series: dict[str, dict[int, MonthFigures]] = {}
        for cif, idx, aum, mortgage, credit, card, diamond in conn.execute(
            "SELECT c.cif, m.month_idx, m.aum_fen, coalesce(m.mortgage_fen, 0), "
            "coalesce(m.credit_loan_fen, 0), "
            "coalesce(m.card_spend_12m_fen, 0), m.diamond_card FROM customer c "
            "LEFT JOIN monthly_aum m ON m.customer_id = c.id AND m.month_idx <= ? "
            f"WHERE c.institution_id IN ({institutions})",
            (month_idx,),
        ):
            figures = series.setdefault(cif, {})
            if idx is not None:
                figures[idx] = MonthFigures(idx, aum, mortgage, credit, card, bool(diamond))
        check_figures(conn, report)
    finally:
        conn.close()
    expected = {}
    for cif, figures in series.items():
        result = evaluate(rules, figures, month_idx)
        if result.status is not None and result.status.value in ACTIVE:
            expected[cif] = (
                result.tier.value,
                result.status.value,
                result.months_below,
                result.churned_from.value if result.churned_from else None,
            )
    got = {row.cif: (row.tier, row.status, row.months_below, row.churned_from) for row in report.rows}
    assert got == expected


def test_months_are_validated(bank: Path) -> None:
    with pytest.raises(UserError, match="is not a month"):
        churn(bank, "BM01", month="2026-13")
    with pytest.raises(UserError, match="monthly AUM from 2025-10 to 2026-11"):
        churn(bank, "BM01", month="2027-01")


def test_a_store_without_an_evaluation_is_refused_with_a_sentence(copy: Path) -> None:
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM customer_tier")
    with pytest.raises(UserError, match="no tier evaluation yet; run 'rmc tiers recompute'"):
        churn(copy, "BM01")
    with pytest.raises(UserError, match="no tier evaluation yet"):
        tiers(copy, "BM01")


# ---------------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------------


def test_an_institution_outside_the_scope_is_refused(bank: Path) -> None:
    with pytest.raises(PermissionRefused, match=r"BM01 .* may not see institution BR02"):
        churn(bank, "BM01", institution="BR02")
    with pytest.raises(PermissionRefused, match="may not see institution OT01"):
        tiers(bank, "BM04", institution="OT01")
    with pytest.raises(PermissionRefused, match="may not see institution BR01"):
        churn(bank, "BM03", institution="BR01")
    with pytest.raises(NotFound, match="no institution has the code 'NOPE'"):
        churn(bank, "BM01", institution="NOPE")


def test_nobody_acting_or_an_unknown_person_is_refused(bank: Path) -> None:
    with pytest.raises(PermissionRefused, match="needs to know who is acting"):
        churn(bank, None)
    with pytest.raises(PermissionRefused, match="needs to know who is acting"):
        tiers(bank, None)
    with pytest.raises(NotFound, match="no staff member has the code 'XX9'"):
        churn(bank, "XX9")


# ---------------------------------------------------------------------------------------------------
# Tier counts
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["BM01", "BM05", "RM001", "AN01"])
def test_tier_counts_sum_to_the_scope_and_match_the_store(
    bank: Path, db: sqlite3.Connection, actor: str
) -> None:
    report = tiers(bank, actor)
    engine = make_engine(sqlite_url(bank))
    try:
        with engine.connect() as conn:
            staff = conn.exec_driver_sql(
                "SELECT id, role, institution_id FROM staff WHERE code = ?", (actor,)
            ).one()
            scope = {row[0] for row in conn.execute(visible_customer_ids(*staff))}
    finally:
        engine.dispose()
    assert report.customers == len(scope) == sum(row.customers for row in report.rows)
    assert report.month == MONTH
    ids = ",".join(map(str, scope))
    expected = Counter(
        {
            (code, tier, status): n
            for code, tier, status, n in db.execute(
                "SELECT i.code, t.tier, t.status, count(*) FROM customer c "
                "JOIN institution i ON i.id = c.institution_id "
                f"JOIN customer_tier t ON t.customer_id = c.id WHERE c.id IN ({ids}) GROUP BY 1, 2, 3"
            )
        }
    )
    assert Counter({(r.institution_code, r.tier, r.status): r.customers for r in report.rows}) == expected
    keys = [(r.institution_code, Tier(r.tier).rank) for r in report.rows if r.tier is not None]
    assert keys == sorted(keys)


def test_tier_counts_narrowed_to_an_institution(bank: Path, db: sqlite3.Connection) -> None:
    report = tiers(bank, "BM02", institution="OT05")
    size = db.execute(
        "SELECT count(*) FROM customer c JOIN institution i ON i.id = c.institution_id WHERE i.code = 'OT05'"
    )
    assert report.customers == size.fetchone()[0]
    assert {row.institution_code for row in report.rows} == {"OT05"}


def test_customers_never_evaluated_are_counted_without_a_tier(copy: Path) -> None:
    with sqlite3.connect(copy) as conn:
        conn.execute(
            "DELETE FROM customer_tier WHERE customer_id IN (SELECT id FROM customer ORDER BY id LIMIT 7)"
        )
    report = tiers(copy, "AN01")
    assert report.customers == 1500
    assert sum(row.customers for row in report.rows if row.tier is None) == 7


# ---------------------------------------------------------------------------------------------------
# PostgreSQL: the same SQL gives the same rows
# ---------------------------------------------------------------------------------------------------

_COPIED = (
    "institution",
    "staff",
    "customer",
    "monthly_aum",
    "tier_rule_set",
    "tier_rule",
    "customer_tier",
    "assignment",
)


@pytest.mark.postgres
def test_postgresql_gives_the_same_report_rows(bank: Path, pg_url: str) -> None:
    lite = make_engine(sqlite_url(bank))
    pg = make_engine(pg_url)
    try:
        copy_store(bank, pg, _COPIED)
        tables = SQLModel.metadata.tables
        results = []
        for engine in (lite, pg):
            with engine.connect() as conn:
                found = []
                for staff_id, role, institution_id in conn.execute(
                    select(tables["staff"].c.id, tables["staff"].c.role, tables["staff"].c.institution_id)
                    .where(tables["staff"].c.code.in_(["AN01", "BM01", "BM07", "RM004"]))
                    .order_by(tables["staff"].c.code)
                ).all():
                    scope = visible_customer_ids(staff_id, role, institution_id)
                    found.append(churn_rows(conn, scope, parse_month(MONTH)))
                    found.append(churn_rows(conn, scope, parse_month(PAST_MONTH)))
                    found.append(tier_counts(conn, scope))
                results.append(found)
        assert results[0] == results[1]
        stored, evaluated, counts = results[1][0::3], results[1][1::3], results[1][2::3]
        assert all(rows and source == "stored" for rows, source, _ in stored)
        assert all(rows and source == "evaluated" for rows, source, _ in evaluated)
        assert all(counts)
    finally:
        reset_public_schema(pg)
        pg.dispose()
        lite.dispose()


# ---------------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------------


def test_cli_churn_json_is_one_document(bank: Path) -> None:
    result = runner.invoke(app, ["--db", str(bank), "--as", "BM01", "report", "churn", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    report = churn(bank, "BM01")
    assert document["report"] == "churn"
    assert document["month"] == MONTH
    assert document["scope"]["staff"] == "BM01"
    assert document["source"] == "stored"
    assert document["customers"] == len(report.rows) == len(document["rows"])
    assert [row["cif"] for row in document["rows"]] == [row.cif for row in report.rows]
    first, row = document["rows"][0], report.rows[0]
    assert first["aum_now_fen"] == row.aum_now_fen and isinstance(first["aum_now_fen"], int)
    assert first["peak_aum_yuan"] == f"{row.peak_aum_fen // 100}.{row.peak_aum_fen % 100:02d}"
    assert set(first) >= {
        "cif",
        "tier",
        "status",
        "churned_from",
        "months_below",
        "owner_rm",
        "secondary_rms",
    }


def test_cli_churn_csv_has_a_bom_and_a_header(bank: Path, tmp_path: Path) -> None:
    target = tmp_path / "churn.csv"
    args = [
        "--db",
        str(bank),
        "--as",
        "BM01",
        "report",
        "churn",
        "--institution",
        "OT01",
        "--csv",
        str(target),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert str(target) in result.stderr
    assert result.stdout == ""
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(CHURN_CSV_HEADER)
    report = churn(bank, "BM01", institution="OT01")
    assert len(lines) == 1 + len(report.rows)
    assert lines[1].startswith(f"{report.rows[0].cif},{report.rows[0].name},OT01,")


def test_cli_churn_table_names_the_month_and_scope(bank: Path) -> None:
    result = runner.invoke(app, ["--db", str(bank), "--as", "BM01", "report", "churn"])
    assert result.exit_code == 0, result.output
    assert "Churn report" in result.stdout and MONTH in result.stdout and "BR01" in result.stdout
    assert "¥" in result.stdout
    zh = runner.invoke(app, ["--db", str(bank), "--as", "RM001", "--lang", "zh", "report", "churn"])
    assert zh.exit_code == 0, zh.output
    assert "流失 churned" in zh.stdout


def test_cli_tiers_json_csv_and_table(bank: Path, tmp_path: Path) -> None:
    base = ["--db", str(bank), "--as", "BM02", "report", "tiers"]
    result = runner.invoke(app, [*base, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["report"] == "tiers" and document["month"] == MONTH
    assert document["customers"] == sum(row["customers"] for row in document["rows"])
    target = tmp_path / "tiers.csv"
    written = runner.invoke(app, [*base, "--csv", str(target)])
    assert written.exit_code == 0, written.output
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert lines[0] == ",".join(TIERS_CSV_HEADER)
    assert len(lines) == 1 + len(document["rows"])
    table = runner.invoke(app, base)
    assert table.exit_code == 0, table.output
    assert "Tier counts" in table.stdout and f"{document['customers']:,}" in table.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--as", "BM01", "report", "churn", "--institution", "BR02"], 1, "may not see institution BR02"),
        (["--as", "BM01", "report", "tiers", "--institution", "ZZ"], 1, "no institution has the code 'ZZ'"),
        (["report", "churn", "--json"], 1, "needs to know who is acting"),
        (["--as", "BM01", "report", "churn", "--month", "11/2026"], 1, "is not a month"),
        (["--as", "BM01", "report", "churn", "--bogus"], 2, "No such option"),
        (["--as", "BM01", "report", "nothing"], 2, "No such command"),
    ],
)
def test_cli_exit_codes(bank: Path, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, ["--db", str(bank), *args])
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_cli_refuses_a_missing_store(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "none.db"), "--as", "BM01", "report", "churn"])
    assert result.exit_code == 1
    assert not (tmp_path / "none.db").exists()
