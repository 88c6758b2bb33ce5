"""The deterministic demo bank (``rmc demo``): determinism, agreement with the reference tier rule,
and the content SPEC §1–5 asks of it."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rm_console.services.demo as demo_service
from rm_console.cli import app
from rm_console.domain.calendar import business_date, month_idx
from rm_console.domain.enums import CustomerKind, LoanClass, ProductCategory, RiskLevel, Status, Tier
from rm_console.domain.errors import UserError
from rm_console.domain.tiers import MonthFigures, RuleSet, change_reason, classify, evaluate
from rm_console.services import Services
from rm_console.services.demo import generator
from storage.engine import make_engine, sqlite_url
from storage.tiers import load_rule_set

AS_OF = date(2026, 11, 22)
SEED = 4242
CUSTOMERS = 5_000
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GOLD_AND_ABOVE = {Tier.CORE.value, Tier.GROWTH.value, Tier.PLATINUM.value, Tier.GOLD.value}


def build(
    path: Path,
    *,
    customers: int = CUSTOMERS,
    seed: int = SEED,
    months: int = 14,
    force: bool = False,
    as_of: date | None = AS_OF,
) -> dict[str, int]:
    """Build a demo bank into ``path`` and return its row counts."""
    services = Services(path, actor="AN01")
    try:
        report = services.demo.build(customers=customers, months=months, seed=seed, as_of=as_of, force=force)
    finally:
        services.close()
    assert report.path == str(path)
    return report.counts


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted, except the audit log (whose timestamp is the real time)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if name != "audit_log" and not name.startswith("sqlite_")
        ]
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 5,000-customer demo bank, built once for the module."""
    path = tmp_path_factory.mktemp("bank") / "bank.db"
    build(path)
    return path


@pytest.fixture
def db(bank: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the module's bank."""
    conn = sqlite3.connect(f"file:{bank}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture(scope="module")
def rules(bank: Path) -> RuleSet:
    """The tier rule set stored in the bank (version 1, seeded by the migration)."""
    engine = make_engine(sqlite_url(bank))
    try:
        with engine.connect() as conn:
            return load_rule_set(conn)
    finally:
        engine.dispose()


def series_by_customer(conn: sqlite3.Connection) -> dict[int, list[MonthFigures]]:
    """Every customer's monthly figures as the reference rule takes them."""
    series: dict[int, list[MonthFigures]] = defaultdict(list)
    rows = conn.execute(
        "SELECT customer_id, month_idx, aum_fen, mortgage_fen, credit_loan_fen, card_spend_12m_fen, "
        "diamond_card "
        "FROM monthly_aum ORDER BY customer_id, month_idx"
    )
    for cid, idx, aum, mortgage, credit, card, diamond in rows:
        series[cid].append(MonthFigures(idx, aum, mortgage or 0, credit or 0, card or 0, bool(diamond)))
    return series


def check_against_reference(conn: sqlite3.Connection, rules: RuleSet) -> Counter[tuple[str, str | None]]:
    """Assert every stored tier (and this month's tier history) equals the reference rule's; return
    the (tier, status) counts."""
    series = series_by_customer(conn)
    history = {
        cid: (from_tier, to_tier, reason)
        for cid, from_tier, to_tier, reason in conn.execute(
            "SELECT customer_id, from_tier, to_tier, reason FROM tier_history"
        )
    }
    combos: Counter[tuple[str, str | None]] = Counter()
    mismatches = []
    stored = conn.execute(
        "SELECT customer_id, month_idx, tier, status, months_below, churned_from, qualified_by "
        "FROM customer_tier"
    ).fetchall()
    for cid, idx, tier, status, below, churned_from, qualified_by in stored:
        result = evaluate(rules, series[cid], idx)
        expected = (
            result.tier.value,
            result.status.value if result.status else None,
            result.months_below,
            result.churned_from.value if result.churned_from else None,
            result.qualified_by,
        )
        if expected != (tier, status, below, churned_from, qualified_by):
            mismatches.append((cid, expected, (tier, status, below, churned_from, qualified_by)))
        previous, _, _ = classify(rules, {f.month_idx: f for f in series[cid]}, idx - 1)
        reason = change_reason(previous, result.tier, churned=result.status == Status.CHURNED)
        wanted_history = (previous.value, result.tier.value, reason) if reason else None
        if history.get(cid) != wanted_history:
            mismatches.append((cid, wanted_history, history.get(cid)))
        combos[(tier, status)] += 1
    assert not mismatches, f"{len(mismatches)} customers disagree with the reference rule: {mismatches[:5]}"
    return combos


# ---------------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------------


def test_the_same_seed_builds_the_same_bank(bank: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.db"
    build(again)
    first, second = dump(bank), dump(again)
    assert first.keys() == second.keys()
    for table in first:
        assert first[table] == second[table], f"table {table} differs between two builds"


def test_a_different_seed_builds_a_different_bank(bank: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    build(other, seed=SEED + 1)
    first, second = dump(bank), dump(other)
    assert first["customer"] != second["customer"]
    assert first["monthly_aum"] != second["monthly_aum"]
    assert first["institution"] == second["institution"]
    assert first["product"] == second["product"]


def test_parallel_and_serial_generation_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks written by worker processes make the same bank as chunks written in-process."""
    monkeypatch.setattr(generator, "CHUNK_CUSTOMERS", 600)
    parallel = tmp_path / "parallel.db"
    build(parallel, customers=2_500)
    monkeypatch.setattr(demo_service, "_workers", lambda chunks: 0)
    serial = tmp_path / "serial.db"
    build(serial, customers=2_500)
    assert dump(parallel) == dump(serial)
    assert not list(tmp_path.glob(".*building*")), "part or temporary files were left behind"


# ---------------------------------------------------------------------------------------------------
# Tiers and status
# ---------------------------------------------------------------------------------------------------


def test_every_customer_agrees_with_the_reference_rule(db: sqlite3.Connection, rules: RuleSet) -> None:
    combos = check_against_reference(db, rules)
    assert sum(combos.values()) == CUSTOMERS


def test_every_tier_and_status_occurs(db: sqlite3.Connection, rules: RuleSet) -> None:
    seen = set(db.execute("SELECT tier, status FROM customer_tier").fetchall())
    expected = {(Tier.ORDINARY.value, None)}
    for rule in rules.rules:
        expected |= {(rule.tier.value, Status.NORMAL.value), (rule.tier.value, Status.WATCH.value)}
        if rule.attention_max is not None:
            expected.add((rule.tier.value, Status.ATTENTION.value))
    assert expected <= seen, f"missing: {sorted(expected - seen, key=str)}"
    churned_from = {row[0] for row in db.execute("SELECT DISTINCT churned_from FROM customer_tier")}
    assert {rule.tier.value for rule in rules.rules} <= churned_from
    churned_into = {
        row[0] for row in db.execute("SELECT DISTINCT tier FROM customer_tier WHERE status = 'churned'")
    }
    assert {"growth", "platinum", "gold", "potential", "ordinary"} <= churned_into
    month = month_idx(AS_OF)
    churned_this_month = {
        row[0]
        for row in db.execute(
            "SELECT churned_from FROM customer_tier WHERE status = 'churned' AND month_idx = ?", (month,)
        )
    }
    assert {"core", "platinum"} <= churned_this_month


def test_card_loan_and_diamond_qualifiers_occur(db: sqlite3.Connection) -> None:
    qualified = set(db.execute("SELECT DISTINCT tier, qualified_by FROM customer_tier").fetchall())
    assert {
        ("growth", "card_spend"),
        ("growth", "mortgage"),
        ("growth", "diamond_card"),
        ("platinum", "card_spend"),
        ("platinum", "mortgage"),
        ("platinum", "credit_loan"),
        ("gold", "credit_loan"),
        ("core", "aum"),
    } <= qualified
    diamond_holders = db.execute(
        "SELECT COUNT(DISTINCT customer_id) FROM holding WHERE card_level = 'diamond'"
    ).fetchone()[0]
    assert diamond_holders > 0


def test_tier_history_records_this_months_changes(db: sqlite3.Connection) -> None:
    reasons = {row[0] for row in db.execute("SELECT DISTINCT reason FROM tier_history")}
    assert reasons == {"upgrade", "downgrade", "churn"}
    (month,) = {row[0] for row in db.execute("SELECT DISTINCT month_idx FROM tier_history")}
    assert month == month_idx(AS_OF)


def test_most_customers_are_ordinary_or_potential(db: sqlite3.Connection) -> None:
    counts = dict(db.execute("SELECT tier, COUNT(*) FROM customer_tier GROUP BY tier").fetchall())
    assert counts["ordinary"] + counts["potential"] > 0.6 * CUSTOMERS
    assert counts["core"] < counts["growth"] < counts["platinum"] < counts["gold"] < counts["potential"]


def test_monthly_aum_covers_the_months_ending_with_as_of(db: sqlite3.Connection) -> None:
    first, last, months = db.execute(
        "SELECT MIN(month_idx), MAX(month_idx), COUNT(DISTINCT month_idx) FROM monthly_aum"
    ).fetchone()
    assert last == month_idx(AS_OF)
    assert months == 14 and last - first == 13
    mismatched = db.execute(
        "SELECT COUNT(*) FROM monthly_aum WHERE aum_fen != deposit_fen + investment_fen OR aum_fen < 0"
    ).fetchone()[0]
    assert mismatched == 0
    texts = db.execute("SELECT COUNT(*) FROM monthly_aum WHERE typeof(aum_fen) != 'integer'").fetchone()[0]
    assert texts == 0


def test_more_months_still_agree_with_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "long.db"
    counts = build(path, customers=300, months=20)
    conn = sqlite3.connect(path)
    try:
        engine = make_engine(sqlite_url(path))
        with engine.connect() as sa_conn:
            rules = load_rule_set(sa_conn)
        engine.dispose()
        combos = check_against_reference(conn, rules)
        assert sum(combos.values()) == counts["customer"] == 300
        months = conn.execute("SELECT COUNT(DISTINCT month_idx) FROM monthly_aum").fetchone()[0]
        assert months == 20
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------------
# People, places and products
# ---------------------------------------------------------------------------------------------------


def test_institutions_and_staff(db: sqlite3.Connection) -> None:
    kinds = dict(db.execute("SELECT kind, COUNT(*) FROM institution GROUP BY kind").fetchall())
    assert kinds == {"head_office": 1, "branch": 2, "outlet": 6}
    roles = dict(db.execute("SELECT role, COUNT(*) FROM staff GROUP BY role").fetchall())
    assert 35 <= sum(roles.values()) <= 45
    assert (
        roles["analyst"] >= 1 and roles["rm"] >= 12 and roles["teller"] >= 6 and roles["branch_manager"] >= 8
    )
    outlets = db.execute(
        "SELECT i.code, GROUP_CONCAT(DISTINCT s.role) FROM institution i "
        "JOIN staff s ON s.institution_id = i.id "
        "WHERE i.kind = 'outlet' GROUP BY i.code"
    ).fetchall()
    for code, present in outlets:
        assert {"rm", "teller", "branch_manager"} <= set(present.split(",")), code
    analyst = db.execute(
        "SELECT i.kind FROM staff s JOIN institution i ON i.id = s.institution_id WHERE s.role = 'analyst'"
    ).fetchall()
    assert ("head_office",) in analyst
    rm001 = db.execute(
        "SELECT s.role, COUNT(a.id) FROM staff s LEFT JOIN assignment a ON a.staff_id = s.id "
        "WHERE s.code = 'RM001'"
    ).fetchone()
    assert rm001[0] == "rm" and rm001[1] > 0
    splits = {row[0] for row in db.execute("SELECT DISTINCT seller_pct FROM staff WHERE role = 'rm'")}
    assert 70 in splits and len(splits) > 1


def test_every_product_category_and_risk_level(db: sqlite3.Connection) -> None:
    categories = {row[0] for row in db.execute("SELECT DISTINCT category FROM product")}
    assert categories == {c.value for c in ProductCategory}
    levels = {
        row[0] for row in db.execute("SELECT DISTINCT risk_level FROM product WHERE risk_level IS NOT NULL")
    }
    assert levels == {r.value for r in RiskLevel}
    unrated = db.execute(
        "SELECT COUNT(*) FROM product WHERE risk_level IS NULL AND category IN "
        "('fund', 'wealth_product', 'account_gold', 'insurance', 'treasury_bond')"
    ).fetchone()[0]
    assert unrated == 0
    held = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT p.category FROM holding h JOIN product p ON p.id = h.product_id"
        )
    }
    assert held >= categories - {"fx"}


def test_customers_look_real(db: sqlite3.Connection) -> None:
    rows = db.execute(
        "SELECT name, kind, id_type, id_no, phone, phone_tail, birth_date, gender, occupation, "
        "annual_income_fen, "
        "institution_id, comm_style FROM customer"
    ).fetchall()
    outlets = {row[0] for row in db.execute("SELECT id FROM institution WHERE kind = 'outlet'")}
    kinds = Counter(row[1] for row in rows)
    assert kinds[CustomerKind.CORPORATE.value] > 0 and kinds[CustomerKind.INDIVIDUAL.value] > 0.9 * len(rows)
    styles = {row[11] for row in rows}
    assert styles == {"analytical", "driver", "amiable", "expressive"}
    for name, kind, id_type, id_no, phone, tail, birth, gender, occupation, income, institution, _ in rows:
        assert institution in outlets
        assert len(phone) == 11 and phone.startswith("1") and phone.isdigit() and tail == phone[-4:]
        assert len(id_no) == 18
        if kind == "corporate":
            assert id_type == "uscc" and name.endswith("有限公司")
            continue
        assert id_type == "id_card" and 2 <= len(name) <= 4
        assert all("\u4e00" <= ch <= "\u9fff" for ch in name), name
        total = sum(int(c) * w for c, w in zip(id_no[:17], ID_WEIGHTS, strict=True))
        assert id_no[17] == "10X98765432"[total % 11], id_no
        assert id_no[6:14] == birth.replace("-", "")
        assert int(id_no[16]) % 2 == (1 if gender == "M" else 0)
        age = (AS_OF - date.fromisoformat(birth)).days // 365
        assert 18 <= age <= 86
        assert occupation and income > 0 and income % 100 == 0


def test_important_dates_exist(db: sqlite3.Connection) -> None:
    dates = db.execute("SELECT COUNT(*), SUM(lunar) FROM important_date").fetchone()
    assert dates[0] > 0 and dates[1] > 0


# ---------------------------------------------------------------------------------------------------
# Holdings, transactions, sales
# ---------------------------------------------------------------------------------------------------


def test_holdings_add_up_to_the_as_of_months_figures(db: sqlite3.Connection) -> None:
    wrong = db.execute(
        """
        WITH now AS (SELECT * FROM monthly_aum WHERE month_idx = ?),
        held AS (
            SELECT customer_id,
                SUM(CASE WHEN asset_class IN ('deposit', 'settlement') THEN balance_fen ELSE 0 END)
                    AS deposits,
                SUM(CASE WHEN asset_class = 'wealth' THEN balance_fen ELSE 0 END) AS investments,
                SUM(CASE WHEN loan_type = 'mortgage' THEN balance_fen ELSE 0 END) AS mortgage,
                SUM(CASE WHEN loan_type = 'credit' THEN balance_fen ELSE 0 END) AS credit,
                MAX(card_level = 'diamond') AS diamond
            FROM holding GROUP BY customer_id
        )
        SELECT COUNT(*) FROM now LEFT JOIN held USING (customer_id)
        WHERE held.deposits IS NOT now.deposit_fen OR held.investments IS NOT now.investment_fen
           OR held.mortgage IS NOT COALESCE(now.mortgage_fen, 0)
           OR held.credit IS NOT COALESCE(now.credit_loan_fen, 0)
           OR COALESCE(held.diamond, 0) IS NOT now.diamond_card
        """,
        (month_idx(AS_OF),),
    ).fetchone()[0]
    assert wrong == 0


def test_loans_in_every_class_and_type(db: sqlite3.Connection) -> None:
    classes = {
        row[0] for row in db.execute("SELECT DISTINCT loan_class FROM holding WHERE asset_class = 'loan'")
    }
    assert classes == {c.value for c in LoanClass}
    types = {
        row[0] for row in db.execute("SELECT DISTINCT loan_type FROM holding WHERE asset_class = 'loan'")
    }
    assert types == {"mortgage", "credit", "business"}
    products = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT p.category FROM holding h JOIN product p ON p.id = h.product_id "
            "WHERE h.asset_class = 'loan'"
        )
    }
    assert products == {"loan"}


def test_maturities_within_the_next_sixty_days(db: sqlite3.Connection) -> None:
    start, end = (AS_OF + timedelta(days=1)).isoformat(), (AS_OF + timedelta(days=60)).isoformat()
    soon = dict(
        db.execute(
            "SELECT asset_class, COUNT(*) FROM holding WHERE maturity_date BETWEEN ? AND ? "
            "GROUP BY asset_class",
            (start, end),
        ).fetchall()
    )
    assert soon.get("deposit", 0) > 50 and soon.get("wealth", 0) > 50
    days = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT maturity_date FROM holding WHERE maturity_date BETWEEN ? AND ?", (start, end)
        )
    }
    assert len(days) >= 55, "maturities should be spread over the 60 days"


def test_cards_with_levels_and_repayment_days(db: sqlite3.Connection) -> None:
    cards = db.execute(
        "SELECT card_level, MIN(repayment_day), MAX(repayment_day) FROM holding h "
        "JOIN product p ON p.id = h.product_id "
        "WHERE p.category = 'credit_card' GROUP BY card_level"
    ).fetchall()
    assert {row[0] for row in cards} == {"diamond", "platinum", "gold", "standard"}
    assert all(low >= 1 and high <= 28 for _, low, high in cards)


def test_large_transactions_and_teller_sales(db: sqlite3.Connection) -> None:
    threshold = int(
        db.execute("SELECT value FROM parameter WHERE key = 'large_txn_threshold_fen'").fetchone()[0]
    )
    large = db.execute("SELECT COUNT(*) FROM txn WHERE amount_fen >= ?", (threshold,)).fetchone()[0]
    assert large > 100
    teller_sales = db.execute(
        "SELECT COUNT(*) FROM txn t JOIN staff s ON s.id = t.teller_id "
        "JOIN institution i ON i.id = t.institution_id "
        "WHERE t.product_id IS NOT NULL AND s.role = 'teller' AND s.institution_id = t.institution_id "
        "AND i.kind = 'outlet'"
    ).fetchone()[0]
    product_txns = db.execute("SELECT COUNT(*) FROM txn WHERE product_id IS NOT NULL").fetchone()[0]
    assert teller_sales == product_txns > 100
    unmatched = db.execute(
        "SELECT COUNT(*) FROM txn t LEFT JOIN sale s ON s.txn_pk = t.id WHERE t.product_id IS NOT NULL AND ("
        "s.txn_pk IS NULL OR s.institution_id != t.institution_id OR s.product_id != t.product_id "
        "OR s.sale_date != t.txn_date OR s.amount_fen != t.amount_fen)"
    ).fetchone()[0]
    assert unmatched == 0
    assert db.execute("SELECT COUNT(*) FROM sale").fetchone()[0] == product_txns
    last, first = db.execute("SELECT MAX(txn_date), MIN(txn_date) FROM txn").fetchone()
    assert last <= AS_OF.isoformat() and first >= (AS_OF - timedelta(days=92)).isoformat()


# ---------------------------------------------------------------------------------------------------
# Assignments
# ---------------------------------------------------------------------------------------------------


def test_assignments_sum_to_one_hundred_with_one_primary(db: sqlite3.Connection) -> None:
    rows = db.execute(
        "SELECT customer_id, SUM(pct), SUM(role = 'primary'), COUNT(*) FROM assignment GROUP BY customer_id"
    ).fetchall()
    assert rows
    assert all(total == 100 and primaries == 1 for _, total, primaries, _ in rows)
    assert any(people > 1 for *_, people in rows), "some customers should have secondary RMs"


def test_only_gold_and_above_are_assigned_to_rms_of_their_outlet_or_branch(db: sqlite3.Connection) -> None:
    rows = db.execute(
        "SELECT ct.tier, ct.churned_from, s.role, s.institution_id, c.institution_id, i.parent_id, "
        "a.institution_id "
        "FROM assignment a JOIN customer_tier ct USING (customer_id) JOIN staff s ON s.id = a.staff_id "
        "JOIN customer c ON c.id = a.customer_id JOIN institution i ON i.id = c.institution_id"
    ).fetchall()
    for tier, churned_from, role, staff_inst, customer_inst, branch, assigned_at in rows:
        # A customer who churned out of gold or above this month keeps its RMs until recycled.
        assert tier in GOLD_AND_ABOVE or churned_from in GOLD_AND_ABOVE
        assert role == "rm" and staff_inst in (customer_inst, branch) and assigned_at == customer_inst


def test_an_unassigned_pool_exists(db: sqlite3.Connection) -> None:
    pool = db.execute(
        "SELECT COUNT(*) FROM customer_tier ct WHERE ct.tier IN ('core', 'growth', 'platinum', 'gold') "
        "AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.customer_id = ct.customer_id)"
    ).fetchone()[0]
    assert pool > 20


def test_the_current_assignment_is_derivable_from_events(db: sqlite3.Connection) -> None:
    codes = dict(db.execute("SELECT id, code FROM staff").fetchall())
    current: dict[int, set[tuple[str, str, int]]] = defaultdict(set)
    for cid, staff, role, pct in db.execute("SELECT customer_id, staff_id, role, pct FROM assignment"):
        current[cid].add((codes[staff], role, pct))
    latest: dict[int, set[tuple[str, str, int]]] = {}
    for cid, after in db.execute("SELECT customer_id, after FROM assignment_event ORDER BY customer_id, at"):
        latest[cid] = {(p["staff"], p["role"], p["pct"]) for p in json.loads(after)}
    assert {cid: team for cid, team in latest.items() if team} == dict(current)
    actions = {row[0] for row in db.execute("SELECT DISTINCT action FROM assignment_event")}
    assert actions == {"assign", "recycle"}


# ---------------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------------


def test_the_store_is_sound(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]  # includes CHECK constraints
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {
        "ix_customer_name_cif",
        "ix_customer_scope_search",
        "ix_monthly_aum_month_idx",
        "ix_txn_txn_date",
        "ix_holding_maturity_date",
    } <= indexes


def test_meta_and_audit(db: sqlite3.Connection) -> None:
    meta = dict(db.execute("SELECT key, value FROM store_meta").fetchall())
    assert meta["business_date"] == AS_OF.isoformat()
    assert (meta["demo_seed"], meta["demo_customers"], meta["demo_months"]) == (
        str(SEED),
        str(CUSTOMERS),
        "14",
    )
    audit = db.execute("SELECT actor, action, entity, after FROM audit_log").fetchall()
    assert len(audit) == 1
    actor, action, entity, after = audit[0]
    assert (actor, action, entity) == ("AN01", "demo", "store")
    details = json.loads(after)
    assert details["seed"] == SEED and details["counts"]["customer"] == CUSTOMERS


def test_an_existing_store_is_kept_unless_forced(bank: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    build(path, customers=200)
    before = path.read_bytes()
    with pytest.raises(UserError, match=str(path)):
        build(path, customers=300, seed=1)
    assert path.read_bytes() == before
    counts = build(path, customers=300, seed=1, force=True)
    assert counts["customer"] == 300
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT value FROM store_meta WHERE key = 'demo_seed'").fetchone() == ("1",)
    finally:
        conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.db"]


def test_an_empty_store_needs_no_force(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    services = Services(path)
    services.store.upgrade()
    services.close()
    assert build(path, customers=50)["customer"] == 50


def test_a_failed_build_leaves_the_old_store_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.db"
    build(path, customers=100)
    before = path.read_bytes()

    def broken(self: generator.DemoGenerator, number: int) -> generator.Chunk:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(generator.DemoGenerator, "chunk", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        build(path, customers=100, seed=2, force=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.db"]


def test_a_failure_in_a_worker_leaves_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator, "CHUNK_CUSTOMERS", 100)
    original = generator.DemoGenerator.chunk

    def failing(self: generator.DemoGenerator, number: int) -> generator.Chunk:
        if number == 3:
            raise RuntimeError("worker fell over")
        return original(self, number)

    monkeypatch.setattr(generator.DemoGenerator, "chunk", failing)
    with pytest.raises(RuntimeError, match="worker fell over"):
        build(tmp_path / "store.db", customers=800)
    assert list(tmp_path.iterdir()) == []


def test_the_default_as_of_is_todays_business_date(tmp_path: Path) -> None:
    path = tmp_path / "today.db"
    build(path, customers=20, as_of=None)
    conn = sqlite3.connect(path)
    try:
        (value,) = conn.execute("SELECT value FROM store_meta WHERE key = 'business_date'").fetchone()
        (latest,) = conn.execute("SELECT MAX(month_idx) FROM monthly_aum").fetchone()
    finally:
        conn.close()
    assert value == business_date().isoformat()
    assert latest == month_idx(business_date())


def test_cli_builds_a_bank_and_prints_json(tmp_path: Path) -> None:
    path = tmp_path / "cli.db"
    runner = CliRunner()
    env = {"RMC_CONFIG": str(tmp_path / "none.toml")}
    result = runner.invoke(app, ["--db", str(path), "demo", "--customers", "200", "--json"], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["path"] == str(path.resolve())
    assert document["counts"]["customer"] == 200 and document["months"] == 14
    assert document["as_of"] == business_date().isoformat()
    again = runner.invoke(app, ["--db", str(path), "demo", "--customers", "200", "--json"], env=env)
    assert again.exit_code == 1
    assert "--force" in again.output
    forced = runner.invoke(
        app,
        [
            "--db",
            str(path),
            "demo",
            "--customers",
            "200",
            "--seed",
            "5",
            "--as-of",
            "2026-01-31",
            "--force",
            "--json",
        ],
        env=env,
    )
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["as_of"] == "2026-01-31"


def test_no_wall_clock_in_the_banks_data(bank: Path, tmp_path: Path) -> None:
    """A bank built for another day shifts every date with it (nothing is taken from the clock)."""
    later = tmp_path / "later.db"
    build(later, as_of=AS_OF + timedelta(days=400))
    conn = sqlite3.connect(later)
    try:
        newest = conn.execute(
            "SELECT MAX(m) FROM (SELECT MAX(txn_date) AS m FROM txn UNION ALL SELECT MAX(assessed_on) FROM "
            "risk_assessment UNION ALL SELECT MAX(effective) FROM assignment_event)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert newest <= (AS_OF + timedelta(days=400)).isoformat()
    assert os.path.getsize(later) > 0


def test_sales_arrive_attributed_up_to_the_grace_period(db: sqlite3.Connection) -> None:
    """The bank is built as its day ends: every sale whose grace period ended is settled, and the
    sales of the last five days still wait for registrations."""
    as_of = date.fromisoformat(
        db.execute("SELECT value FROM store_meta WHERE key = 'business_date'").fetchone()[0]
    )
    cutoff = (as_of - timedelta(days=5)).isoformat()
    waiting = db.execute(
        "SELECT COUNT(*) FROM sale WHERE attributed_at IS NULL AND sale_date <= ?", (cutoff,)
    ).fetchone()[0]
    early = db.execute(
        "SELECT COUNT(*) FROM sale WHERE attributed_at IS NOT NULL AND sale_date > ?", (cutoff,)
    ).fetchone()[0]
    assert (waiting, early) == (0, 0)
    sums = db.execute(
        "SELECT s.txn_pk, SUM(c.ratio_bp) FROM sale s JOIN sale_credit c ON c.txn_pk = s.txn_pk "
        "GROUP BY s.txn_pk"
    ).fetchall()
    assert sums and {total for _, total in sums} == {10_000}
    sources = {source for (source,) in db.execute("SELECT DISTINCT source FROM sale_credit")}
    assert sources == {"auto", "grace"}
