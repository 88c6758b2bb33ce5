"""Weighted sales, the leaderboard and the sales report (SPEC §5 "Performance").

The pure rule (:mod:`rm_console.domain.performance`) is checked on its own; the set-based sums
(:mod:`storage.performance`) and the service are checked against it, computed in Python from the raw
``sale`` and ``sale_credit`` rows, on SQLite and on PostgreSQL. The demo bank's sales are credited by
this module's own SQL (every sale to an RM or teller of its institution, every third one split with a
referrer), so nothing here depends on the attribution engine.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_store, reset_public_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Select, delete, insert
from typer.testing import CliRunner

from rm_console.cli import app
from rm_console.cli.performance import MINE_MARK, SALES_CSV_HEADER
from rm_console.domain.calendar import business_date, month_idx, month_start, month_text
from rm_console.domain.errors import NotFound, PermissionRefused, UserError
from rm_console.domain.performance import (
    PER_UNIT_CATEGORIES,
    Credit,
    Leaderboard,
    ProductSums,
    SalesFigures,
    SalesReport,
    figures_from_sums,
    format_units,
    rank_order,
    ranked,
    round_half_up,
    units_text,
    weigh,
)
from rm_console.services import Services
from storage.engine import make_engine, sqlite_url
from storage.migrate import upgrade
from storage.models import Customer, Institution, Product, Sale, SaleCredit, Staff, Txn
from storage.performance import covers_every_institution, credit_sums, institution_chain
from storage.scope import institution_and_descendants

AS_OF = date(2026, 11, 22)
MONTH = "2026-11"
#: A month without demo sales, holding this module's huge, odd and per-unit sales only.
ODD_MONTH = "2026-06"
#: Larger than 2⁶³ / 10,000: amount × ratio overflows 64 bits, and it fits a bigint.
HUGE_FEN = 900_000_000_000_000_000
#: The tables a store needs for performance figures.
TABLES = ("institution", "staff", "product", "customer", "txn", "sale", "sale_credit", "store_meta")
runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMC_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("RMC_DB", "RMC_USER", "RMC_LANG"):
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------------------------------------------
# The demo bank, credited
# ---------------------------------------------------------------------------------------------------

_PEOPLE = (
    "WITH people AS (SELECT id, institution_id, "
    "row_number() OVER (PARTITION BY institution_id ORDER BY code) - 1 AS n, "
    "count(*) OVER (PARTITION BY institution_id) AS k FROM staff WHERE role IN ('rm', 'teller')) "
)


def credit_every_sale(db: sqlite3.Connection) -> None:
    """Credit each sale to an RM or teller of its institution (chosen by txn_pk); every third sale
    70/30 with the next one of them as referrer. The demo bank's own attribution is cleared first."""
    db.execute("DELETE FROM sale_credit")
    db.execute(
        _PEOPLE
        + "INSERT INTO sale_credit (txn_pk, staff_id, role, ratio_bp, source, created_by, created_at) "
        "SELECT s.txn_pk, p.id, 'seller', CASE WHEN s.txn_pk % 3 = 0 THEN 7000 ELSE 10000 END, 'auto', "
        "'test', '2026-11-22 00:00:00' FROM sale s "
        "JOIN people p ON p.institution_id = s.institution_id AND p.n = s.txn_pk % p.k"
    )
    db.execute(
        _PEOPLE
        + "INSERT INTO sale_credit (txn_pk, staff_id, role, ratio_bp, source, created_by, created_at) "
        "SELECT s.txn_pk, p.id, 'referrer', 3000, 'auto', 'test', '2026-11-22 00:00:00' FROM sale s "
        "JOIN people p ON p.institution_id = s.institution_id AND p.n = (s.txn_pk + 1) % p.k "
        "WHERE s.txn_pk % 3 = 0"
    )


#: Keys of the sales this module adds: above every demo key, within a 32-bit integer (PostgreSQL).
_next_pk = iter(range(2_000_000_000, 2_100_000_000))


def add_sale(
    db: sqlite3.Connection,
    institution: str,
    product: str,
    day: date,
    amount_fen: int,
    credits: list[tuple[str, str, int]],
) -> int:
    """Add a product transaction, its sale and its credits ``(staff code, role, ratio_bp)``."""
    pk = next(_next_pk)
    place = db.execute("SELECT id FROM institution WHERE code = ?", (institution,)).fetchone()[0]
    product_id = db.execute("SELECT id FROM product WHERE code = ?", (product,)).fetchone()[0]
    customer = db.execute("SELECT min(id) FROM customer").fetchone()[0]
    db.execute(
        "INSERT INTO txn (id, txn_id, customer_id, txn_date, amount_fen, direction, channel, "
        "institution_id, teller_id, product_id, counterparty) "
        "VALUES (?, ?, ?, ?, ?, 'out', 'counter', ?, NULL, ?, 'in_bank')",
        (pk, f"TEST{pk}", customer, day.isoformat(), amount_fen, place, product_id),
    )
    db.execute(
        "INSERT INTO sale (txn_pk, institution_id, product_id, sale_date, amount_fen, attributed_at) "
        "VALUES (?, ?, ?, ?, ?, NULL)",
        (pk, place, product_id, day.isoformat(), amount_fen),
    )
    for code, role, ratio in credits:
        staff = db.execute("SELECT id FROM staff WHERE code = ?", (code,)).fetchone()[0]
        db.execute(
            "INSERT INTO sale_credit (txn_pk, staff_id, role, ratio_bp, source, created_by, created_at) "
            "VALUES (?, ?, ?, ?, 'manual', 'test', '2026-11-22 00:00:00')",
            (pk, staff, role, ratio),
        )
    return pk


def add_module_sales(db: sqlite3.Connection) -> None:
    """Per-unit sales in November; huge, odd and per-unit sales in June (no demo sales there)."""
    november = date(2026, 11, 3)
    add_sale(db, "OT01", "MOB001", november, 100, [("RM001", "seller", 10000)])
    add_sale(db, "OT01", "CCD003", november, 100, [("RM002", "seller", 6000), ("RM001", "referrer", 4000)])
    add_sale(
        db, "OT02", "CTS001", november, 5_000_000, [("RM004", "seller", 7000), ("TL003", "referrer", 3000)]
    )
    add_sale(db, "OT04", "ONL001", november, 100, [("RM010", "seller", 10000)])
    june = date(2026, 6, 15)
    add_sale(db, "OT01", "WMP002", june, HUGE_FEN, [("RM001", "seller", 7000), ("RM002", "referrer", 3000)])
    add_sale(db, "OT01", "INS001", june, HUGE_FEN + 12_345, [("RM001", "seller", 10000)])
    add_sale(db, "OT02", "FND003", june, 12_345, [("RM004", "seller", 6667), ("RM005", "referrer", 3333)])
    add_sale(db, "OT02", "DEP004", june, 1_001, [("RM004", "seller", 3333), ("RM006", "referrer", 6667)])
    add_sale(db, "OT05", "SMS001", june, 100, [("RM013", "seller", 3333), ("RM014", "referrer", 6667)])
    add_sale(db, "OT05", "PGD001", june, 999_999, [("RM013", "seller", 10000)])


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 1,500-customer demo bank with every sale credited, built once; tests that write use a copy."""
    path = tmp_path_factory.mktemp("performance") / "bank.db"
    services = Services(path)
    try:
        services.demo.build(customers=1500, months=14, seed=11, as_of=AS_OF, force=True, progress=None)
    finally:
        services.close()
    with sqlite3.connect(path) as db:
        credit_every_sale(db)
        add_module_sales(db)
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


@pytest.fixture(scope="module")
def pg_bank(bank: Path, pg_url: str) -> Iterator[Engine]:
    """The module's bank copied into the session's PostgreSQL database."""
    engine = make_engine(pg_url)
    copy_store(bank, engine, TABLES)
    try:
        yield engine
    finally:
        reset_public_schema(engine)
        engine.dispose()


def board(path: Path, actor: str | None, engine: Engine | None = None, **options: str | None) -> Leaderboard:
    services = Services(path, actor=actor, engine=engine)
    try:
        return services.performance.leaderboard(**options)
    finally:
        if engine is None:
            services.close()


def report(
    path: Path, actor: str | None, by: str = "staff", engine: Engine | None = None, **options: str | None
) -> SalesReport:
    services = Services(path, actor=actor, engine=engine)
    try:
        return services.performance.sales_report(by=by, **options)
    finally:
        if engine is None:
            services.close()


# ---------------------------------------------------------------------------------------------------
# The reference: raw credits, weighed in Python
# ---------------------------------------------------------------------------------------------------


def subtree(db: sqlite3.Connection, code: str) -> set[int]:
    """Ids of the institution ``code`` and every institution below it."""
    rows = db.execute(
        "WITH RECURSIVE t(id) AS (SELECT id FROM institution WHERE code = ? "
        "UNION ALL SELECT i.id FROM institution i JOIN t ON i.parent_id = t.id) SELECT id FROM t",
        (code,),
    )
    return {row[0] for row in rows}


def raw_credits(db: sqlite3.Connection, month: str) -> list[dict[str, Any]]:
    """Every credit of the month's sales with what the rule and the groupings need."""
    first = month_start(month_idx(date.fromisoformat(month + "-01")))
    last = month_start(month_idx(first) + 1) - timedelta(days=1)
    db.row_factory = sqlite3.Row
    try:
        rows = db.execute(
            "SELECT c.txn_pk, s.amount_fen, c.ratio_bp, p.weight_bp, p.category, p.code AS product, "
            "s.institution_id AS sale_institution, i.code AS outlet, st.code AS staff, st.name, "
            "st.institution_id AS staff_institution FROM sale s "
            "JOIN sale_credit c ON c.txn_pk = s.txn_pk JOIN product p ON p.id = s.product_id "
            "JOIN staff st ON st.id = c.staff_id JOIN institution i ON i.id = s.institution_id "
            "WHERE s.sale_date BETWEEN ? AND ?",
            (first.isoformat(), last.isoformat()),
        ).fetchall()
    finally:
        db.row_factory = None
    return [dict(row) for row in rows]


def credit_of(row: dict[str, Any]) -> Credit:
    return Credit(row["txn_pk"], row["amount_fen"], row["ratio_bp"], row["weight_bp"], row["category"])


def expected_report(
    db: sqlite3.Connection, month: str, institution: str, by: str, staff: str | None = None
) -> tuple[dict[str, SalesFigures], SalesFigures]:
    """The reference figures by key and in total of the sales of ``institution``'s tree."""
    tree = subtree(db, institution)
    rows = [
        row
        for row in raw_credits(db, month)
        if row["sale_institution"] in tree and (staff is None or row["staff"] == staff)
    ]
    column = {"staff": "staff", "outlet": "outlet", "product": "product"}[by]
    groups: dict[str, list[Credit]] = defaultdict(list)
    for row in rows:
        groups[row[column]].append(credit_of(row))
    return {key: weigh(credits) for key, credits in groups.items()}, weigh(map(credit_of, rows))


def expected_board(db: sqlite3.Connection, month: str, institution: str) -> list[tuple[str, SalesFigures]]:
    """The reference leaderboard: (staff code, figures) in rank order."""
    tree = subtree(db, institution)
    groups: dict[tuple[str, str], list[Credit]] = defaultdict(list)
    for row in raw_credits(db, month):
        if row["sale_institution"] in tree and row["staff_institution"] in tree:
            groups[(row["staff"], row["name"])].append(credit_of(row))
    figures = [(code, name, weigh(credits)) for (code, name), credits in groups.items()]
    figures.sort(key=lambda entry: rank_order(entry[2].weighted_fen, entry[1], entry[0]))
    return [(code, fig) for code, _, fig in figures]


def board_figures(result: Leaderboard) -> list[tuple[str, SalesFigures]]:
    return [
        (row.staff_code, SalesFigures(row.weighted_fen, row.units, row.credited_fen, row.sales))
        for row in result.rows
    ]


# ---------------------------------------------------------------------------------------------------
# The pure rule
# ---------------------------------------------------------------------------------------------------


def test_round_half_up_is_exact_and_rounds_halves_away_from_zero() -> None:
    assert [round_half_up(n, 10) for n in (14, 15, 25, -15, -14, 0)] == [1, 2, 3, -2, -1, 0]
    assert round_half_up(10**40 + 5, 10) == 10**39 + 1
    with pytest.raises(ValueError):
        round_half_up(1, 0)


def test_a_figure_is_rounded_once_not_per_credit() -> None:
    # Three credits of 0.4 fen each: 1.2 fen in all is 1 fen; rounding each first would give 0.
    thirds = [Credit(n, 1, 4000, 10000, "deposit") for n in range(3)]
    assert weigh(thirds).weighted_fen == 1
    assert weigh(thirds).credited_fen == 1
    # Two credits of 0.5 fen each are exactly 1 fen; rounding each half up first would give 2.
    halves = [Credit(1, 1, 5000, 10000, "deposit"), Credit(2, 1, 5000, 10000, "deposit")]
    assert weigh(halves).weighted_fen == 1
    # 12,345 fen at weight 1.2, 70 %: 10,369.8 fen → 10,370.
    assert weigh([Credit(1, 12_345, 7000, 12_000, "fund")]).weighted_fen == 10_370
    # A half fen rounds up: 1 fen × 0.5 × 1 = 0.5 → 1.
    assert weigh([Credit(1, 1, 5000, 10000, "fund")]).weighted_fen == 1


def test_per_unit_products_count_units_and_keep_their_amount_out_of_weighted_sales() -> None:
    assert sorted(PER_UNIT_CATEGORIES) == sorted(
        {
            "online_banking",
            "mobile_banking",
            "sms_banking",
            "phone_banking",
            "cts",
            "wealth_card",
            "private_banking_card",
            "credit_card",
        }
    )
    credits = [
        Credit(1, 5_000_000, 6000, 3000, "mobile_banking"),  # 0.6 × 0.3 = 0.18 unit
        Credit(2, 100, 10000, 10000, "credit_card"),  # 1 unit
        Credit(3, 1_000_000, 10000, 5000, "deposit"),  # 500,000 fen weighted
    ]
    figures = weigh(credits)
    assert figures == SalesFigures(
        weighted_fen=500_000, units=Decimal("1.18"), credited_fen=4_000_100, sales=3
    )
    assert weigh([Credit(1, 100, 3333, 2000, "sms_banking")]).units == Decimal("0.06666")
    assert weigh([]) == SalesFigures()


def test_huge_amounts_are_exact() -> None:
    credits = [
        Credit(1, HUGE_FEN, 7000, 12_000, "wealth_product"),
        Credit(1, HUGE_FEN, 3000, 12_000, "wealth_product"),
        Credit(2, HUGE_FEN + 12_345, 10000, 20_000, "insurance"),
    ]
    figures = weigh(credits)
    assert figures.weighted_fen == HUGE_FEN * 12 // 10 + (HUGE_FEN + 12_345) * 2
    assert figures.credited_fen == 2 * HUGE_FEN + 12_345
    assert figures.sales == 2


_categories = st.sampled_from(["deposit", "fund", "insurance", "fx", *sorted(PER_UNIT_CATEGORIES)])


@given(
    credits=st.lists(
        st.tuples(
            st.integers(0, 30),
            st.integers(1, 10**18),
            st.integers(1, 10000),
            st.integers(0, 30000),
            _categories,
        ),
        max_size=40,
    )
)
def test_per_product_sums_give_the_same_figures_as_the_credits(
    credits: list[tuple[int, int, int, int, str]],
) -> None:
    # Each sale has one product (weight, category): make the draws consistent with that.
    products: dict[int, tuple[int, str]] = {}
    raw = []
    for sale, amount, ratio, weight, category in credits:
        weight, category = products.setdefault(sale % 7, (weight, category))
        raw.append(Credit(sale * 7 + sale % 7, amount, ratio, weight, category))
    sums: dict[int, list[Credit]] = defaultdict(list)
    for credit in raw:
        sums[(credit.sale % 7)].append(credit)
    parts = [
        ProductSums(
            weight_bp=group[0].weight_bp,
            category=group[0].category,
            amount_ratio=sum(c.amount_fen * c.ratio_bp for c in group),
            ratio=sum(c.ratio_bp for c in group),
            sales=len({c.sale for c in group}),
        )
        for group in sums.values()
    ]
    assert figures_from_sums(parts) == weigh(raw)


def test_units_are_shown_with_up_to_two_decimals_and_exported_exactly() -> None:
    assert format_units(Decimal("1.505")) == "1.51"
    assert format_units(Decimal("2.50000000")) == "2.5"
    assert format_units(Decimal("3.00000000")) == "3"
    assert format_units(Decimal(0)) == "0"
    assert units_text(Decimal("0.06666000")) == "0.06666"
    assert units_text(Decimal("10.00000000")) == "10"
    assert units_text(Decimal(0)) == "0"


def test_ranking_orders_by_weighted_sales_then_name_then_code_without_shared_ranks() -> None:
    entries = [
        ("RM3", "王芳", 500),
        ("RM1", "李明", 900),
        ("RM2", "张伟", 500),
        ("RM5", "王芳", 500),
        ("RM4", "陈静", 0),
    ]
    order = ranked(entries, key=lambda e: rank_order(e[2], e[1], e[0]))
    assert [(rank, code) for rank, (code, _, _) in order] == [
        (1, "RM1"),
        (2, "RM2"),  # 张 (U+5F20) before 王 (U+738B)
        (3, "RM3"),  # equal name and figure: by code
        (4, "RM5"),
        (5, "RM4"),
    ]


# ---------------------------------------------------------------------------------------------------
# Set-based sums equal the rule, on SQLite and PostgreSQL
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", [MONTH, "2026-10", ODD_MONTH])
@pytest.mark.parametrize("institution", ["HO", "BR01", "OT02"])
def test_report_figures_equal_the_reference_on_sqlite(
    bank: Path, db: sqlite3.Connection, month: str, institution: str
) -> None:
    for by in ("staff", "outlet", "product"):
        result = report(bank, "AN01", by, month=month, institution=institution)
        rows, total = expected_report(db, month, institution, by)
        assert {row.key: row.figures for row in result.rows} == rows, by
        assert result.total == total, by
    assert board_figures(board(bank, "AN01", month=month, institution=institution)) == expected_board(
        db, month, institution
    )


@pytest.mark.postgres
@pytest.mark.parametrize("month", [MONTH, ODD_MONTH])
def test_report_figures_equal_the_reference_on_postgresql(
    bank: Path, db: sqlite3.Connection, pg_bank: Engine, month: str
) -> None:
    for institution in ("HO", "BR01", "OT05"):
        for by in ("staff", "outlet", "product"):
            result = report(bank, "AN01", by, engine=pg_bank, month=month, institution=institution)
            rows, total = expected_report(db, month, institution, by)
            assert {row.key: row.figures for row in result.rows} == rows, (institution, by)
            assert result.total == total, (institution, by)
            assert result == report(bank, "AN01", by, month=month, institution=institution)
        on_pg = board(bank, "AN01", engine=pg_bank, month=month, institution=institution)
        assert board_figures(on_pg) == expected_board(db, month, institution)
        assert on_pg == board(bank, "AN01", month=month, institution=institution)
    own = report(bank, "RM001", "product", engine=pg_bank, month=month)
    assert own == report(bank, "RM001", "product", month=month)


def test_huge_amounts_are_summed_exactly_in_sql(bank: Path, db: sqlite3.Connection) -> None:
    result = report(bank, "AN01", "staff", month=ODD_MONTH)
    rm001 = next(row for row in result.rows if row.key == "RM001")
    # 0.7 × 1.2 × HUGE (wealth product WMP002) + 1 × 2 × (HUGE + 12,345) (insurance INS001)
    assert rm001.figures.weighted_fen == HUGE_FEN * 84 // 100 + (HUGE_FEN + 12_345) * 2
    assert rm001.figures.credited_fen == HUGE_FEN * 7 // 10 + HUGE_FEN + 12_345
    assert result.total.credited_fen == 2 * HUGE_FEN + 12_345 + 12_345 + 1_001 + 100 + 999_999


# ---------------------------------------------------------------------------------------------------
# Random sales on both databases (hypothesis)
# ---------------------------------------------------------------------------------------------------

_INSTITUTION = Institution.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]
_PRODUCT = Product.__table__  # type: ignore[attr-defined]
_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_TXN = Txn.__table__  # type: ignore[attr-defined]
_SALE = Sale.__table__  # type: ignore[attr-defined]
_CREDIT = SaleCredit.__table__  # type: ignore[attr-defined]
#: (id, code, parent id): HO → B1 → O1, O2; HO → B2 → O3.
_PLACES = ((1, "HO", None), (2, "B1", 1), (3, "B2", 1), (4, "O1", 2), (5, "O2", 2), (6, "O3", 3))
_PEOPLE_AT = {4: (1, 2), 5: (3, 4), 6: (5, 6), 2: (7,)}
_PRODUCT_CATEGORIES = ("deposit", "fund", "insurance", "mobile_banking", "credit_card", "cts")
_FIRST = date(2026, 11, 1)
_LAST = date(2026, 11, 30)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def small_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated store per backend with six institutions, seven staff, six products, one customer."""
    if request.param == "sqlite":
        engine = make_engine(sqlite_url(tmp_path_factory.mktemp("perf-sql") / "store.db"))
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
        reset_public_schema(engine)
    upgrade(engine)
    kinds = {None: "head_office", 1: "branch", 2: "outlet", 3: "outlet"}
    with engine.begin() as conn:
        for pk, code, parent in _PLACES:
            conn.execute(
                insert(_INSTITUTION).values(
                    id=pk, code=code, name=f"机构{code}", kind=kinds[parent], parent_id=parent
                )
            )
        conn.execute(
            insert(_STAFF),
            [
                {
                    "id": person,
                    "code": f"S{person}",
                    "name": f"员工{8 - person}",
                    "institution_id": place,
                    "role": "rm",
                }
                for place, people in _PEOPLE_AT.items()
                for person in people
            ],
        )
        conn.execute(
            insert(_PRODUCT),
            [
                {"id": n, "code": f"P{n}", "name": f"产品{n}", "category": category, "weight_bp": 10000}
                for n, category in enumerate(_PRODUCT_CATEGORIES, start=1)
            ],
        )
        conn.execute(
            insert(_CUSTOMER).values(id=1, cif="C1", name="客户", kind="individual", institution_id=4)
        )
    try:
        yield engine
    finally:
        if request.param == "postgresql":
            reset_public_schema(engine)
        engine.dispose()


_sale = st.tuples(
    st.sampled_from([2, 4, 5, 6]),  # sales institution
    st.integers(1, len(_PRODUCT_CATEGORIES)),
    st.integers(-3, 32),  # day offset from 1 November: some fall outside the month
    st.one_of(st.integers(1, 10**9), st.integers(10**15, HUGE_FEN)),
    st.lists(st.integers(1, 7), min_size=1, max_size=3, unique=True),  # credited staff
    st.integers(1, 9999),  # first credit's ratio when split
)


def subtree_of(root: int | None, name: str) -> Select[tuple[int]] | None:
    """The select of ``root``'s tree, or None for every institution."""
    return None if root is None else institution_and_descendants(root, name=name)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sales=st.lists(_sale, max_size=25),
    weights=st.lists(
        st.integers(0, 30000), min_size=len(_PRODUCT_CATEGORIES), max_size=len(_PRODUCT_CATEGORIES)
    ),
)
def test_sql_sums_equal_the_rule_for_random_sales(
    small_store: Engine, sales: list[tuple[int, int, int, int, list[int], int]], weights: list[int]
) -> None:
    credits: list[dict[str, Any]] = []
    with small_store.begin() as conn:
        for table in (_CREDIT, _SALE, _TXN):
            conn.execute(delete(table))
        for n, weight in enumerate(weights, start=1):
            conn.execute(_PRODUCT.update().where(_PRODUCT.c.id == n).values(weight_bp=weight))
        for pk, (place, product, offset, amount, people, split) in enumerate(sales, start=1):
            day = _FIRST + timedelta(days=offset)
            conn.execute(
                insert(_TXN).values(
                    id=pk,
                    txn_id=f"T{pk}",
                    customer_id=1,
                    txn_date=day,
                    amount_fen=amount,
                    direction="out",
                    institution_id=place,
                    product_id=product,
                )
            )
            conn.execute(
                insert(_SALE).values(
                    txn_pk=pk, institution_id=place, product_id=product, sale_date=day, amount_fen=amount
                )
            )
            ratios = {
                1: [10000],
                2: [split, 10000 - split],
                3: [split // 2 + 1, (10000 - split) // 2 + 1, 10000 - split // 2 - (10000 - split) // 2 - 2],
            }[len(people)]
            for person, ratio in zip(people, ratios, strict=True):
                conn.execute(
                    insert(_CREDIT).values(
                        txn_pk=pk, staff_id=person, role="seller", ratio_bp=ratio, source="manual"
                    )
                )
                if _FIRST <= day <= _LAST:
                    credits.append(
                        {
                            "credit": Credit(
                                pk, amount, ratio, weights[product - 1], _PRODUCT_CATEGORIES[product - 1]
                            ),
                            "staff": person,
                            "place": place,
                            "product": product,
                            "staff_place": next(
                                p for p, people_at in _PEOPLE_AT.items() if person in people_at
                            ),
                        }
                    )
    # None: every institution, without a filter (what the service asks for at the one root).
    trees: dict[int | None, set[int]] = {
        None: {1, 2, 3, 4, 5, 6},
        1: {1, 2, 3, 4, 5, 6},
        2: {2, 4, 5},
        5: {5},
    }
    with small_store.connect() as conn:
        for root, tree in trees.items():
            for by, column in (("staff", "staff"), ("outlet", "place"), ("product", "product"), (None, None)):
                rows = credit_sums(
                    conn, institutions=subtree_of(root, "tree"), first=_FIRST, last=_LAST, by=by
                )
                got: dict[Any, list[ProductSums]] = defaultdict(list)
                for row in rows:
                    got[row["key_code"]].append(
                        ProductSums(
                            row["weight_bp"], row["category"], row["amount_ratio"], row["ratio"], row["sales"]
                        )
                    )
                want: dict[Any, list[Credit]] = defaultdict(list)
                prefix = {"staff": "S", "outlet": "", "product": "P", None: ""}[by]
                names = {pk: code for pk, code, _ in _PLACES}
                for item in credits:
                    if item["place"] in tree:
                        key = None if column is None else item[column]
                        label = names[key] if by == "outlet" else (None if key is None else f"{prefix}{key}")
                        want[label].append(item["credit"])
                assert {k: figures_from_sums(v) for k, v in got.items()} == {
                    k: weigh(v) for k, v in want.items()
                }, (root, by)
            leaders = credit_sums(
                conn,
                institutions=subtree_of(root, "a"),
                first=_FIRST,
                last=_LAST,
                by="staff",
                staff_institutions=subtree_of(root, "b"),
            )
            assert {row["key_code"] for row in leaders} == {
                f"S{item['staff']}"
                for item in credits
                if item["place"] in tree and item["staff_place"] in tree
            }


def test_the_chain_runs_from_the_institution_up_to_the_root(small_store: Engine) -> None:
    with small_store.connect() as conn:
        assert [place["code"] for place in institution_chain(conn, 5)] == ["O2", "B1", "HO"]
        assert [place["code"] for place in institution_chain(conn, 1)] == ["HO"]
        assert institution_chain(conn, 99) == []
        assert covers_every_institution(conn, 1)
        assert not covers_every_institution(conn, 2)
        with pytest.raises(ValueError):
            credit_sums(
                conn,
                institutions=institution_and_descendants(1),
                first=_FIRST,
                last=_LAST,
                by="outlet",
                staff_institutions=institution_and_descendants(1, name="b"),
            )


# ---------------------------------------------------------------------------------------------------
# The leaderboard
# ---------------------------------------------------------------------------------------------------


def test_the_board_ranks_the_trees_staff_and_marks_the_acting_person(
    bank: Path, db: sqlite3.Connection
) -> None:
    result = board(bank, "RM001")
    assert (result.institution_code, result.month) == ("BR01", MONTH)
    assert [row.rank for row in result.rows] == list(range(1, len(result.rows) + 1))
    assert list(result.rows) == sorted(
        result.rows, key=lambda row: rank_order(row.weighted_fen, row.staff_name, row.staff_code)
    )
    assert [row.staff_code for row in result.rows if row.mine] == ["RM001"]
    assert result.mine is not None and result.mine.units == Decimal("0.7")  # MOB001 1 × 0.3 + CCD003 0.4 × 1
    tree = subtree(db, "BR01")
    codes = {
        row[0]
        for row in db.execute(f"SELECT code FROM staff WHERE institution_id IN ({','.join(map(str, tree))})")
    }
    assert {row.staff_code for row in result.rows} <= codes
    assert len(result.rows) >= 10
    assert board_figures(result) == expected_board(db, MONTH, "BR01")


def test_equal_weighted_sales_are_ordered_by_name_with_distinct_ranks(copy: Path) -> None:
    before = board(copy, "BM01").rows
    # A pair whose order by figure is the reverse of their order by name.
    upper, lower = next(
        (a, b)
        for n, a in enumerate(before)
        for b in before[n + 1 :]
        if b.staff_name < a.staff_name and b.weighted_fen < a.weighted_fen
    )
    with sqlite3.connect(copy) as db:
        # DEP008 has weight 1, so a sale credited wholly adds exactly its amount.
        add_sale(
            db,
            lower.institution_code,
            "DEP008",
            date(2026, 11, 5),
            upper.weighted_fen - lower.weighted_fen,
            [(lower.staff_code, "seller", 10000)],
        )
    after = board(copy, "BM01").rows
    tied = [row for row in after if row.staff_code in (upper.staff_code, lower.staff_code)]
    assert tied[0].weighted_fen == tied[1].weighted_fen == upper.weighted_fen
    assert [row.staff_code for row in tied] == [lower.staff_code, upper.staff_code]
    assert tied[1].rank == tied[0].rank + 1
    assert [row.rank for row in after] == list(range(1, len(after) + 1))


def test_staff_and_sales_outside_the_tree_are_left_out_of_the_board(copy: Path) -> None:
    before = {row.staff_code: row for row in board(copy, "BM01").rows}
    with sqlite3.connect(copy) as db:
        # RM010 (OT04, under BR02) credited with a sale of OT01 (under BR01), and RM001 with one of OT04.
        add_sale(db, "OT01", "WMP006", date(2026, 11, 6), 10**12, [("RM010", "seller", 10000)])
        add_sale(db, "OT04", "WMP006", date(2026, 11, 6), 10**12, [("RM001", "seller", 10000)])
    br01 = board(copy, "BM01")
    assert "RM010" not in {row.staff_code for row in br01.rows}
    # RM001's OT04 sale does not count on BR01's board; nothing else there changed either.
    assert {row.staff_code: row for row in br01.rows}["RM001"] == before["RM001"]
    assert {row.staff_code for row in br01.rows} == set(before)
    head = board(copy, "AN01")
    assert {row.staff_code for row in head.rows[:2]} == {"RM001", "RM010"}
    # The sales report by staff covers everyone credited with the tree's sales.
    assert "RM010" in {row.key for row in report(copy, "BM01", "staff").rows}


@pytest.mark.parametrize(
    ("actor", "institution"),
    [
        ("RM001", "BR01"),
        ("TL001", "BR01"),
        ("RM019", "BR01"),
        ("RM010", "BR02"),
        ("TL012", "BR02"),
        ("BM03", "OT01"),
        ("BM01", "BR01"),
        ("AN01", "HO"),
    ],
)
def test_the_default_institution_depends_on_the_role(bank: Path, actor: str, institution: str) -> None:
    result = board(bank, actor)
    assert result.institution_code == institution
    assert result.month == MONTH
    assert result.scope.acting.code == actor


def test_the_default_month_is_the_business_month_else_today_in_shanghai(copy: Path) -> None:
    assert board(copy, "AN01").month == MONTH
    assert report(copy, "AN01").month == MONTH
    with sqlite3.connect(copy) as db:
        db.execute("DELETE FROM store_meta WHERE key = 'business_date'")
    assert board(copy, "AN01").month == month_text(month_idx(business_date()))
    assert board(copy, "AN01", month="2026-10").month == "2026-10"


@pytest.mark.parametrize(
    ("actor", "institution", "allowed"),
    [
        ("AN01", "OT06", True),
        ("AN01", "HO", True),
        ("BM01", "BR01", True),
        ("BM01", "OT03", True),
        ("BM01", "HO", False),
        ("BM01", "BR02", False),
        ("BM01", "OT04", False),
        ("BM03", "OT01", True),
        ("BM03", "BR01", False),
        ("RM001", "OT01", True),
        ("RM001", "BR01", True),
        ("RM001", "HO", True),
        ("RM001", "OT02", False),
        ("RM001", "BR02", False),
        ("TL005", "BR01", True),
        ("TL005", "OT01", False),
        ("RM019", "OT02", True),
        ("RM019", "HO", True),
        ("RM019", "OT04", False),
    ],
)
def test_who_may_see_which_board(bank: Path, actor: str, institution: str, allowed: bool) -> None:
    if allowed:
        assert board(bank, actor, institution=institution).institution_code == institution
        return
    with pytest.raises(
        PermissionRefused, match=f"{actor} .* may not see the sales leaderboard for institution {institution}"
    ):
        board(bank, actor, institution=institution)


def test_refusals_name_what_was_wrong(bank: Path) -> None:
    with pytest.raises(NotFound, match="no institution has the code 'XX99'"):
        board(bank, "AN01", institution="XX99")
    with pytest.raises(PermissionRefused, match="--as STAFF_CODE"):
        board(bank, None)
    with pytest.raises(NotFound, match="no staff member has the code 'NOBODY'"):
        board(bank, "NOBODY")
    with pytest.raises(UserError, match="--month: '2026-13' is not a month"):
        board(bank, "AN01", month="2026-13")
    with pytest.raises(UserError, match="--month"):
        report(bank, "AN01", month="Nov")
    with pytest.raises(UserError, match="--month: '0000-01' is not a month"):
        report(bank, "AN01", month="0000-01")
    assert board(bank, "AN01", month="9999-12").rows == ()
    with pytest.raises(UserError, match="--by: 'region' is not a grouping"):
        report(bank, "AN01", "region")
    with pytest.raises(PermissionRefused, match="may not run the sales report for institution BR02"):
        report(bank, "BM01", institution="BR02")


def test_a_month_without_sales_has_an_empty_board(bank: Path) -> None:
    result = board(bank, "AN01", month="2020-01")
    assert result.rows == () and result.mine is None
    assert result.as_json()["my_rank"] is None


# ---------------------------------------------------------------------------------------------------
# The sales report
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "institution"), [("AN01", None), ("AN01", "BR02"), ("BM01", None), ("BM03", None)]
)
def test_totals_are_equal_whatever_the_grouping(bank: Path, actor: str, institution: str | None) -> None:
    reports = {by: report(bank, actor, by, institution=institution) for by in ("staff", "outlet", "product")}
    totals = {result.total for result in reports.values()}
    assert len(totals) == 1
    total = totals.pop()
    assert total.sales > 0 and total.units > 0
    for by in ("outlet", "product"):
        rows = reports[by].rows
        assert sum(row.figures.sales for row in rows) == total.sales
        assert sum(row.figures.units for row in rows) == total.units
    for result in reports.values():
        # Each row is rounded once, and so is the total: they differ by at most half a fen per row.
        rows = result.rows
        assert abs(sum(row.figures.weighted_fen for row in rows) - total.weighted_fen) <= len(rows) / 2
        assert abs(sum(row.figures.credited_fen for row in rows) - total.credited_fen) <= len(rows) / 2
        assert list(rows) == sorted(rows, key=lambda r: (-r.figures.weighted_fen, -r.figures.units, r.key))
        assert not result.own_only
    staff_sales = sum(row.figures.sales for row in reports["staff"].rows)
    assert staff_sales > total.sales  # split sales count for both their seller and their referrer


def test_report_rows_carry_their_key_name_and_detail(bank: Path, db: sqlite3.Connection) -> None:
    by_staff = report(bank, "BM01", "staff")
    assert by_staff.scope.institution_code == "BR01"
    rm001 = next(row for row in by_staff.rows if row.key == "RM001")
    assert (rm001.name, rm001.institution_code, rm001.category) == ("李明", "OT01", None)
    by_outlet = report(bank, "BM01", "outlet")
    assert {row.key for row in by_outlet.rows} == {"OT01", "OT02", "OT03"}
    assert next(row for row in by_outlet.rows if row.key == "OT01").name == "江南支行营业部"
    by_product = report(bank, "BM01", "product")
    mob = next(row for row in by_product.rows if row.key == "MOB001")
    assert (mob.name, mob.category, mob.institution_code) == ("手机银行", "mobile_banking", None)
    assert mob.figures.weighted_fen == 0 and mob.figures.units == Decimal("0.3")


def test_an_rm_sees_only_their_own_credits(bank: Path, db: sqlite3.Connection) -> None:
    own = report(bank, "RM001", "staff")
    assert own.own_only and own.scope.institution_code == "HO"
    assert [row.key for row in own.rows] == ["RM001"]
    assert own.rows[0].figures == own.total
    expected_rows, expected_total = expected_report(db, MONTH, "HO", "staff", staff="RM001")
    assert own.total == expected_total == expected_rows["RM001"]
    by_product = report(bank, "RM001", "product")
    assert by_product.total == own.total
    assert {row.key: row.figures for row in by_product.rows} == expected_report(
        db, MONTH, "HO", "product", staff="RM001"
    )[0]
    assert report(bank, "RM001", "outlet").total == own.total
    teller = report(bank, "TL001", "staff", institution="BR01")
    assert [row.key for row in teller.rows] == ["TL001"]
    with pytest.raises(
        PermissionRefused, match=r"RM001 .* may not run the sales report for institution OT02"
    ):
        report(bank, "RM001", institution="OT02")


# ---------------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------------


def test_cli_leaderboard_json(bank: Path) -> None:
    result = runner.invoke(app, ["--db", str(bank), "--as", "RM001", "leaderboard", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["report"] == "leaderboard"
    assert (document["month"], document["institution"]) == (MONTH, "BR01")
    assert document["scope"]["staff"] == "RM001"
    expected = board(bank, "RM001")
    assert document["staff"] == len(expected.rows) == len(document["rows"])
    mine = next(row for row in document["rows"] if row["mine"])
    assert mine["staff"] == "RM001" and document["my_rank"] == mine["rank"]
    first = document["rows"][0]
    assert set(first) == {
        "rank",
        "staff",
        "name",
        "institution",
        "institution_name",
        "weighted_fen",
        "weighted_yuan",
        "units",
        "credited_fen",
        "credited_yuan",
        "sales",
        "mine",
    }
    assert first["weighted_fen"] == expected.rows[0].weighted_fen
    assert first["weighted_yuan"] == f"{first['weighted_fen'] // 100}.{first['weighted_fen'] % 100:02d}"
    assert mine["units"] == "0.7"


def test_cli_leaderboard_table_marks_the_acting_person(bank: Path) -> None:
    result = runner.invoke(
        app, ["--db", str(bank), "--as", "RM001", "leaderboard", "--month", MONTH], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    marked = [line for line in result.stdout.splitlines() if MINE_MARK in line]
    assert len(marked) == 1 and "RM001" in marked[0] and "李明" in marked[0]
    assert "销售排行榜" in result.stdout and "BR01" in result.stdout


def test_cli_report_sales_csv_json_and_table(bank: Path, tmp_path: Path) -> None:
    target = tmp_path / "sales.csv"
    base = ["--db", str(bank), "--as", "BM01", "report", "sales", "--by", "product"]
    written = runner.invoke(app, [*base, "--csv", str(target)])
    assert written.exit_code == 0, written.output
    assert written.stdout == "" and str(target) in written.stderr
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(SALES_CSV_HEADER)
    expected = report(bank, "BM01", "product")
    assert len(lines) == 1 + len(expected.rows)
    top = expected.rows[0]
    weighted = f"{top.figures.weighted_fen // 100}.{top.figures.weighted_fen % 100:02d}"
    assert lines[1].startswith(f"product,{top.key},{top.name},,{top.category},{weighted},")
    mob = next(line for line in lines if line.startswith("product,MOB001,"))
    assert mob.split(",")[6] == "0.3"

    result = runner.invoke(app, [*base, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["report"], document["by"], document["month"]) == ("sales", "product", MONTH)
    assert document["own_only"] is False and document["scope"]["institution"] == "BR01"
    assert document["total"] == expected.total.as_json()
    assert [row["key"] for row in document["rows"]] == [row.key for row in expected.rows]
    assert set(document["rows"][0]) == {
        "key",
        "name",
        "institution",
        "category",
        "weighted_fen",
        "weighted_yuan",
        "units",
        "credited_fen",
        "credited_yuan",
        "sales",
    }

    table = runner.invoke(app, [*base[:-2], "--by", "staff"], env={"COLUMNS": "160"})
    assert table.exit_code == 0, table.output
    assert "合计" in table.stdout and "RM001" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["leaderboard", "--month", "2026-13"], "--month"),
        (["report", "sales", "--month", "13/2026"], "--month"),
        (["leaderboard", "--institution", "XX99"], "no institution has the code 'XX99'"),
        (["leaderboard", "--institution", "OT02"], "may not see the sales leaderboard"),
        (["report", "sales", "--institution", "BR02"], "may not run the sales report"),
    ],
)
def test_cli_refusals_exit_1_with_a_sentence(bank: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["--db", str(bank), "--as", "RM001", *args])
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_cli_an_unknown_grouping_is_a_usage_error(bank: Path) -> None:
    result = runner.invoke(app, ["--db", str(bank), "--as", "AN01", "report", "sales", "--by", "region"])
    assert result.exit_code == 2


def test_random_reports_agree_with_the_reference(bank: Path, db: sqlite3.Connection) -> None:
    """A few random (actor, institution, month, key) requests an analyst or manager may make."""
    rng = random.Random(5)
    choices = [("AN01", "OT04"), ("AN01", "BR02"), ("BM02", "OT05"), ("BM06", "OT04"), ("BM01", "OT03")]
    for _ in range(6):
        actor, institution = rng.choice(choices)
        month = rng.choice([MONTH, "2026-09", "2026-08"])
        by = rng.choice(["staff", "outlet", "product"])
        result = report(bank, actor, by, month=month, institution=institution)
        rows, total = expected_report(db, month, institution, by)
        assert {row.key: row.figures for row in result.rows} == rows
        assert result.total == total
