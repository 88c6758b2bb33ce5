"""``rmc import``: every sample (good and bad, CSV and XLSX) on SQLite and PostgreSQL, all or nothing,
idempotence, updates in place with audit, dry runs, header rules, and the command line."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from rm_console.cli import app
from rm_console.domain.dto import ImportReport
from rm_console.domain.errors import UserError
from rm_console.domain.import_rows import (
    AMOUNT,
    DATE,
    FLAG,
    MONTH,
    PHONE,
    SPECS,
    cell_text,
    institution_cycles,
)
from rm_console.services import Services, import_files
from storage.engine import make_engine, sqlite_url
from storage.migrate import upgrade
from storage.models import AuditLog

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"

#: The kinds in the order their files must be imported (each refers to the ones before).
ORDER = ("institutions", "staff", "products", "customers", "aum", "holdings", "transactions")

#: Rows of each good sample.
GOOD_ROWS = {
    "institutions": 7,
    "staff": 14,
    "products": 25,
    "customers": 21,
    "aum": 63,
    "holdings": 28,
    "transactions": 20,
}

#: The tables an import writes, with a stable order for comparing contents.
TABLES = {
    "institution": "id",
    "staff": "id",
    "product": "id",
    "customer": "id",
    "monthly_aum": "customer_id, month_idx",
    "holding": "id",
    "txn": "id",
    "sale": "txn_pk",
    "audit_log": "id",
}

#: (line, column) of every error each bad sample must report, once the good samples are in the store.
BAD_SAMPLE_ERRORS = {
    "institutions": [
        (4, "parent_code"),
        (5, "kind"),
        (6, "code"),
        (7, "name"),
        (8, "code"),
        (9, "parent_code"),
        (11, "parent_code"),
        (12, "parent_code"),
    ],
    "staff": [
        (3, "institution_code"),
        (4, "role"),
        (5, "seller_pct"),
        (6, "seller_pct"),
        (7, "code"),
        (8, "code"),
        (9, "seller_pct"),
    ],
    "products": [(2, "risk_level"), (3, "category"), (4, "weight"), (5, "name"), (6, "weight"), (7, "code")],
    "customers": [
        (2, "birth_date"),
        (3, "phone"),
        (4, "birth_date"),
        (5, "gender"),
        (6, "annual_income"),
        (7, "institution_code"),
        (8, "kind"),
        (9, "name"),
        (10, "gender"),
        (11, "id_type"),
        (12, "cif"),
    ],
    "aum": [
        (2, "aum"),
        (2, "deposit"),
        (3, "month"),
        (4, "cif"),
        (5, "aum"),
        (6, "aum"),
        (7, "diamond_card"),
        (8, "aum"),
        (10, "month"),
        (11, "month"),
        (12, "aum"),
        (13, "aum"),
    ],
    "holdings": [
        (2, "loan_type"),
        (3, "maturity_date"),
        (4, "card_level"),
        (5, "card_level"),
        (6, "product_code"),
        (7, "asset_class"),
        (8, "loan_class"),
        (9, "balance"),
        (10, "rate"),
        (11, "repayment_day"),
        (13, "account_no"),
        (14, "cif"),
        (15, "repayment_day"),
    ],
    "transactions": [
        (2, "amount"),
        (3, "direction"),
        (4, "date"),
        (5, "teller_code"),
        (6, "product_code"),
        (7, "counterparty"),
        (8, "institution_code"),
        (10, "txn_id"),
        (11, "amount"),
        (12, "cif"),
    ],
}


def _fen(text: str) -> int | None:
    """Reference conversion for the tests: yuan text to fen through Decimal."""
    return int(Decimal(text) * 100) if text else None


def _csv_rows(name: str) -> list[dict[str, str]]:
    with (SAMPLES / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------------------------------


@dataclass
class Bank:
    """A store under test and the services acting on it."""

    services: Services
    engine: Engine
    backend: str

    def run(self, kind: str, path: Path, **options: Any) -> ImportReport:
        """Import one file."""
        return self.services.imports.run(kind, path, **options)

    def load(self, *kinds: str) -> None:
        """Import the good samples of ``kinds`` (in order), insisting they go in cleanly."""
        for kind in kinds:
            report = self.run(kind, SAMPLES / f"{kind}.csv")
            assert report.errors == (), report.errors
            assert report.inserted == GOOD_ROWS[kind]

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """The rows of a query."""
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]

    def value(self, sql: str, **params: Any) -> Any:
        """The single value of a query."""
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """The whole content of every table an import writes."""
        return {
            table: self.rows(f"SELECT * FROM {table} ORDER BY {order}") for table, order in TABLES.items()
        }

    def audit(self) -> list[dict[str, Any]]:
        """The audit log, oldest first, JSON decoded."""
        table = AuditLog.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(select(table).order_by(table.c.id))]


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store at the newest schema, built once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()
    return path


def _sqlite_bank(template: Path, directory: Path) -> Bank:
    path = directory / "store.db"
    shutil.copyfile(template, path)
    engine = make_engine(sqlite_url(path))
    return Bank(Services(path, actor="TESTER", engine=engine), engine, "sqlite")


@pytest.fixture
def bank(template_store: Path, tmp_path: Path) -> Iterator[Bank]:
    """A fresh, empty SQLite store."""
    bank = _sqlite_bank(template_store, tmp_path)
    yield bank
    bank.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_bank(request: pytest.FixtureRequest, template_store: Path, tmp_path: Path) -> Iterator[Bank]:
    """A fresh, empty store on SQLite and on PostgreSQL (the session's database, reset for the test)."""
    if request.param == "sqlite":
        bank = _sqlite_bank(template_store, tmp_path)
        yield bank
        bank.engine.dispose()
        return
    engine = make_engine(request.getfixturevalue("pg_url"))
    _empty_pg_schema(engine)
    upgrade(engine)
    try:
        yield Bank(Services(tmp_path / "unused.db", actor="TESTER", engine=engine), engine, "postgresql")
    finally:
        _empty_pg_schema(engine)  # leave the session's database empty for whoever uses it next
        engine.dispose()


def _empty_pg_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


# ---------------------------------------------------------------------------------------------------
# Good samples
# ---------------------------------------------------------------------------------------------------


def test_every_good_sample_imports_in_dependency_order(any_bank: Bank) -> None:
    for kind in ORDER:
        report = any_bank.run(kind, SAMPLES / f"{kind}.csv")
        assert report.errors == ()
        assert (report.kind, report.rows, report.inserted, report.updated, report.unchanged) == (
            kind,
            GOOD_ROWS[kind],
            GOOD_ROWS[kind],
            0,
            0,
        )
    assert any_bank.value("SELECT count(*) FROM sale") == 11
    summaries = [row for row in any_bank.audit() if row["entity"] in ORDER]
    assert [row["entity"] for row in summaries] == list(ORDER)
    assert summaries[0]["actor"] == "TESTER"
    assert summaries[0]["action"] == "import"
    assert summaries[0]["after"] == {
        "file": str(SAMPLES / "institutions.csv"),
        "rows": 7,
        "inserted": 7,
        "updated": 0,
        "unchanged": 0,
    }


def test_an_import_refreshes_the_planner_statistics(bank: Bank) -> None:
    bank.load("institutions")
    with bank.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    bank.load("staff", "customers")
    assert bank.value("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customer'") > 0


def test_stored_values_are_exact(any_bank: Bank) -> None:
    any_bank.load(*ORDER)
    # Every AUM figure of the file, converted independently through Decimal.
    stored = {
        (cif, month): rest
        for cif, month, *rest in any_bank.rows(
            "SELECT c.cif, a.month, a.month_idx, a.aum_fen, a.deposit_fen, a.investment_fen, a.mortgage_fen, "
            "a.credit_loan_fen, a.card_spend_12m_fen, a.diamond_card FROM monthly_aum a "
            "JOIN customer c ON c.id = a.customer_id"
        )
    }
    assert len(stored) == 63
    for row in _csv_rows("aum.csv"):
        year, month = map(int, row["month"].split("-"))
        expected = [
            year * 12 + month - 1,
            _fen(row["aum"]),
            _fen(row["deposit"]),
            _fen(row["investment"]),
            _fen(row["mortgage_balance"]),
            _fen(row["credit_loan_balance"]),
            _fen(row["card_spend_12m"]),
            row["diamond_card"] == "1",
        ]
        got = stored[(row["cif"], row["month"])]
        assert [*got[:7], bool(got[7])] == expected
    assert stored[("C0001", "2026-08")][1] == 1_185_600_048
    assert stored[("C0002", "2026-08")][6] == 8_600_040
    assert bool(stored[("C0016", "2026-10")][7]) is False  # an empty flag cell is 0

    customers = {
        row[0]: row[1:]
        for row in any_bank.rows(
            "SELECT c.cif, c.annual_income_fen, c.phone, c.phone_tail, c.birth_date, i.code FROM customer c "
            "JOIN institution i ON i.id = c.institution_id"
        )
    }
    assert customers["C0003"][0] == 36_000_050
    assert customers["C0009"][0] == 18_000_080
    assert customers["C0016"][0] is None
    assert customers["C0001"][1:3] == ("13812345678", "5678")
    assert customers["C0017"][1:3] == (None, None)
    assert str(customers["C0001"][3]) == "1965-03-12"
    assert customers["C0021"][4] == "OT03"

    staff = dict(any_bank.rows("SELECT code, seller_pct FROM staff"))
    assert (staff["AN01"], staff["RM02"], staff["RM05"], staff["TL04"]) == (70, 60, 70, 100)
    weights = dict(any_bank.rows("SELECT code, weight_bp FROM product"))
    assert (weights["DEP01"], weights["WM02"], weights["SMS01"], weights["FND01"]) == (
        6000,
        12500,
        2000,
        10000,
    )
    parents = dict(
        any_bank.rows(
            "SELECT i.code, p.code FROM institution i LEFT JOIN institution p ON p.id = i.parent_id"
        )
    )
    assert parents == {
        "HO": None,
        "BR01": "HO",
        "BR02": "HO",
        "OT01": "BR01",
        "OT02": "BR01",
        "OT03": "BR02",
        "OT04": "BR02",
    }

    holdings = {
        row[0]: row[1:]
        for row in any_bank.rows(
            "SELECT account_no, balance_fen, rate_e4, loan_type, loan_class, card_level, repayment_day, "
            "maturity_date FROM holding"
        )
    }
    assert holdings["6222020100000001"][:2] == (420_000_000, 26_000)
    assert holdings["6222020100000002"][:2] == (815_000_050, 38_500)
    assert holdings["6222020100000011"][2:5] == ("mortgage", "pass", None)
    assert holdings["6222020100000016"][2:4] == ("business", "doubtful")
    assert holdings["6222020100000003"][4:6] == ("diamond", 8)
    assert str(holdings["6222020100000019"][6]) == "2026-11-28"
    assert {row[3] for row in holdings.values() if row[3]} == {
        "pass",
        "special_mention",
        "substandard",
        "doubtful",
        "loss",
    }
    classes = {row[0] for row in any_bank.rows("SELECT asset_class FROM holding")}
    assert classes == {"deposit", "wealth", "settlement", "loan", "channel", "card"}

    sales = {
        row[0]: row[1:]
        for row in any_bank.rows(
            "SELECT t.txn_id, s.amount_fen, p.code, i.code, s.sale_date FROM sale s "
            "JOIN txn t ON t.id = s.txn_pk JOIN product p ON p.id = s.product_id "
            "JOIN institution i ON i.id = s.institution_id"
        )
    }
    assert sales["T202610010001"][:3] == (300_000_000, "WM03", "OT01")
    assert str(sales["T202610010001"][3]) == "2026-10-08"
    txns = dict(any_bank.rows("SELECT txn_id, amount_fen FROM txn"))
    assert (txns["T202610010002"], txns["T202610020002"], txns["T202610150001"]) == (1_280_050, 356_020, 1)
    tellers = dict(
        any_bank.rows("SELECT t.txn_id, s.code FROM txn t LEFT JOIN staff s ON s.id = t.teller_id")
    )
    assert (tellers["T202610010001"], tellers["T202610010002"]) == ("TL01", None)


def test_reimporting_a_file_changes_nothing(any_bank: Bank) -> None:
    any_bank.load(*ORDER)
    before = any_bank.snapshot()
    for kind in ORDER:
        report = any_bank.run(kind, SAMPLES / f"{kind}.csv")
        assert (report.inserted, report.updated, report.unchanged) == (0, 0, GOOD_ROWS[kind])
    after = any_bank.snapshot()
    for table in TABLES:
        if table != "audit_log":
            assert after[table] == before[table], table
    new_audit = any_bank.audit()[len(before["audit_log"]) :]
    assert [(row["entity"], row["entity_id"]) for row in new_audit] == [(kind, None) for kind in ORDER]


@pytest.mark.parametrize("kind", ORDER)
def test_every_bad_sample_is_refused_whole(any_bank: Bank, kind: str) -> None:
    any_bank.load(*ORDER)
    before = any_bank.snapshot()
    report = any_bank.run(kind, SAMPLES / f"{kind}_bad.csv")
    assert [(error.line, error.column) for error in report.errors] == BAD_SAMPLE_ERRORS[kind]
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 0)
    assert any_bank.snapshot() == before


def test_bad_samples_say_what_is_wrong(bank: Bank) -> None:
    bank.load(*ORDER)
    messages = {
        (kind, e.line, e.column): e.message
        for kind in ORDER
        for e in bank.run(kind, SAMPLES / f"{kind}_bad.csv").errors
    }
    assert messages[("aum", 2, "aum")] == "'1000.123' has more than 2 decimals"
    assert messages[("aum", 4, "cif")] == "no customer 'C9999' in the store"
    assert messages[("aum", 5, "aum")] == "required; the cell is empty"
    assert messages[("aum", 10, "month")] == "duplicate: cif C0007 month 2026-11 is already on line 9"
    assert messages[("aum", 13, "aum")] == "'-5' is negative"
    assert messages[("customers", 2, "birth_date")].startswith("'1988-02-30' is not a date in the calendar")
    assert messages[("customers", 4, "birth_date")] == "'1991/05/06' is not a date YYYY-MM-DD"
    assert messages[("institutions", 9, "parent_code")] == (
        "no institution 'OT14' in the store or earlier in this file; it is defined later, on line 10"
    )
    assert messages[("institutions", 8, "code")] == "duplicate: code BR01 is already on line 3"
    assert messages[("staff", 9, "seller_pct")] == "the row has 4 cells; the header has 5"
    assert messages[("holdings", 3, "maturity_date")] == "2025-01-01 is before open_date 2026-01-01"
    assert messages[("holdings", 2, "loan_type")] == "required for a loan"
    assert messages[("transactions", 2, "amount")] == "must be more than 0"
    assert messages[("transactions", 5, "teller_code")] == "no staff member 'TL99' in the store"
    assert messages[("products", 3, "category")].startswith("'wealth' is not one of: deposit, cts, fund")


# ---------------------------------------------------------------------------------------------------
# All or nothing, updates, dry runs
# ---------------------------------------------------------------------------------------------------


def _write(path: Path, content: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + content.encode("utf-8"))
    return path


def test_one_bad_row_among_good_ones_writes_nothing(
    any_bank: Bank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    any_bank.load("institutions", "customers")
    monkeypatch.setattr(import_files, "BATCH_ROWS", 10)  # earlier batches are written before the bad row
    lines = (SAMPLES / "aum.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[60].split(",")
    cells[2] = "12.345"
    lines[60] = ",".join(cells)
    path = _write(tmp_path / "aum.csv", "\n".join(lines) + "\n")
    before = any_bank.snapshot()
    report = any_bank.run("aum", path)
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (61, "aum", "'12.345' has more than 2 decimals")
    ]
    assert report.rows == 63
    assert any_bank.snapshot() == before


def test_a_changed_row_updates_in_place_with_audit(any_bank: Bank, tmp_path: Path) -> None:
    any_bank.load("institutions", "staff", "products", "customers", "aum")
    ids = dict(any_bank.rows("SELECT cif, id FROM customer"))
    audit_before = len(any_bank.audit())
    text_ = (SAMPLES / "customers.csv").read_text(encoding="utf-8")
    text_ = text_.replace(
        "C0003,张伟,individual,身份证,420106198511233317,15827365540,1985-11-23,M,软件工程师,360000.50,OT01",
        "C0003,张伟,individual,身份证,420106198511233317,15827369999,1985-11-23,M,架构师,360000.50,OT02",
    )
    report = any_bank.run("customers", _write(tmp_path / "customers.csv", text_))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 20)
    assert dict(any_bank.rows("SELECT cif, id FROM customer")) == ids
    institution = dict(any_bank.rows("SELECT code, id FROM institution"))
    assert any_bank.rows(
        "SELECT phone, phone_tail, occupation, institution_id FROM customer WHERE cif = 'C0003'"
    ) == [("15827369999", "9999", "架构师", institution["OT02"])]
    new = any_bank.audit()[audit_before:]
    assert [(row["entity"], row["entity_id"]) for row in new] == [("customers", None), ("customer", "C0003")]
    assert new[1]["actor"] == "TESTER"
    assert new[1]["action"] == "import"
    assert new[1]["before"] == {
        "phone": "15827365540",
        "phone_tail": "5540",
        "occupation": "软件工程师",
        "institution_id": institution["OT01"],
    }
    assert new[1]["after"] == {
        "phone": "15827369999",
        "phone_tail": "9999",
        "occupation": "架构师",
        "institution_id": institution["OT02"],
    }
    assert new[0]["after"]["updated"] == 1

    # A composite key (AUM: cif + month) updates in place too.
    aum = (
        (SAMPLES / "aum.csv")
        .read_text(encoding="utf-8")
        .replace("C0005,2026-10,18000.35,18000.35,,,,,0", "C0005,2026-10,18000.36,18000.36,,,,,1")
    )
    report = any_bank.run("aum", _write(tmp_path / "aum.csv", aum))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 62)
    last = any_bank.audit()[-1]
    assert (last["entity"], last["entity_id"]) == ("monthly_aum", "C0005:2026-10")
    assert last["before"] == {"aum_fen": 1_800_035, "deposit_fen": 1_800_035, "diamond_card": False}
    assert last["after"] == {"aum_fen": 1_800_036, "deposit_fen": 1_800_036, "diamond_card": True}


def test_a_dry_run_classifies_and_writes_nothing(any_bank: Bank, tmp_path: Path) -> None:
    any_bank.load("institutions")
    before = any_bank.snapshot()
    report = any_bank.run("staff", SAMPLES / "staff.csv", dry_run=True)
    assert report.dry_run
    assert (report.inserted, report.updated, report.unchanged, report.errors) == (14, 0, 0, ())
    assert any_bank.snapshot() == before

    any_bank.load("staff")
    changed = (
        (SAMPLES / "staff.csv")
        .read_text(encoding="utf-8")
        .replace("RM03,王芳,OT02,rm,80", "RM03,王芳,OT02,rm,75")
    )
    before = any_bank.snapshot()
    report = any_bank.run("staff", _write(tmp_path / "staff.csv", changed), dry_run=True)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 13)
    assert any_bank.snapshot() == before


def test_transactions_keep_their_sales_in_step(any_bank: Bank, tmp_path: Path) -> None:
    any_bank.load(*ORDER)
    source = (SAMPLES / "transactions.csv").read_text(encoding="utf-8")
    changed = (
        source.replace(
            "T202610030001,C0003,2026-10-10,50000.00,in,counter,OT01,TL01,FND01,in_bank",
            "T202610030001,C0003,2026-10-11,52000.00,in,counter,OT02,TL01,FND02,in_bank",
        )
        .replace(
            "T202610040001,C0004,2026-10-11,20000,in,counter,OT02,TL02,WM01,in_bank",
            "T202610040001,C0004,2026-10-11,20000,in,counter,OT02,TL02,,in_bank",
        )
        .replace(
            "T202610080001,C0008,2026-10-14,8650.75,out,counter,OT03,TL03,,in_bank",
            "T202610080001,C0008,2026-10-14,8650.75,out,counter,OT03,TL03,FX01,in_bank",
        )
    )
    report = any_bank.run("transactions", _write(tmp_path / "transactions.csv", changed))
    assert (report.inserted, report.updated, report.unchanged) == (0, 3, 17)
    sales = {
        row[0]: row[1:]
        for row in any_bank.rows(
            "SELECT t.txn_id, s.amount_fen, p.code, i.code, s.sale_date FROM sale s "
            "JOIN txn t ON t.id = s.txn_pk "
            "JOIN product p ON p.id = s.product_id JOIN institution i ON i.id = s.institution_id"
        )
    }
    assert len(sales) == 11
    assert sales["T202610030001"][:3] == (5_200_000, "FND02", "OT02")
    assert str(sales["T202610030001"][3]) == "2026-10-11"
    assert "T202610040001" not in sales
    assert sales["T202610080001"][:2] == (865_075, "FX01")

    # A sale already credited to someone keeps its product.
    txn_pk = any_bank.value("SELECT id FROM txn WHERE txn_id = 'T202610010001'")
    staff_id = any_bank.value("SELECT id FROM staff WHERE code = 'RM01'")
    with any_bank.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sale_credit (txn_pk, staff_id, role, ratio_bp, source, created_at) "
                "VALUES (:txn, :staff, 'seller', 10000, 'auto', :at)"
            ),
            {"txn": txn_pk, "staff": staff_id, "at": datetime(2026, 11, 1)},
        )
    before = any_bank.snapshot()
    unsold = changed.replace(
        "T202610010001,C0001,2026-10-08,3000000.00,in,counter,OT01,TL01,WM03,in_bank",
        "T202610010001,C0001,2026-10-08,3000000.00,in,counter,OT01,TL01,,in_bank",
    )
    report = any_bank.run("transactions", _write(tmp_path / "transactions.csv", unsold))
    assert [(e.line, e.column) for e in report.errors] == [(2, "product_code")]
    assert any_bank.snapshot() == before


def test_parents_may_be_defined_earlier_in_the_same_file(
    any_bank: Bank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    any_bank.load("institutions")
    monkeypatch.setattr(import_files, "BATCH_ROWS", 2)
    content = (
        "code,name,parent_code,kind\n"
        "BR03,江城商业银行江东支行,HO,branch\n"
        "OT05,江东支行营业部,BR03,outlet\n"
        "OT06,江东支行新区网点,OT05,outlet\n"
        "OT04,江北支行高新区网点,BR03,outlet\n"
    )
    path = _write(tmp_path / "institutions.csv", content)
    before = any_bank.snapshot()
    dry = any_bank.run("institutions", path, dry_run=True)
    assert (dry.errors, dry.inserted, dry.updated) == ((), 3, 1)
    assert any_bank.snapshot() == before
    report = any_bank.run("institutions", path)
    assert (report.errors, report.inserted, report.updated) == ((), 3, 1)
    parents = dict(
        any_bank.rows(
            "SELECT i.code, p.code FROM institution i LEFT JOIN institution p ON p.id = i.parent_id"
        )
    )
    assert (parents["BR03"], parents["OT05"], parents["OT06"], parents["OT04"]) == (
        "HO",
        "BR03",
        "OT05",
        "BR03",
    )
    ids = dict(any_bank.rows("SELECT code, id FROM institution"))
    assert any_bank.audit()[-1]["before"] == {"parent_id": ids["BR02"]}
    assert any_bank.audit()[-1]["after"] == {"parent_id": ids["BR03"]}
    again = any_bank.run("institutions", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)


def test_the_institution_tree_stays_a_tree(bank: Bank, tmp_path: Path) -> None:
    bank.load("institutions")
    before = bank.snapshot()
    path = _write(tmp_path / "institutions.csv", "code,name,parent_code,kind\nBR01,江南支行,OT01,branch\n")
    report = bank.run("institutions", path)
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (2, "parent_code", "makes a cycle: BR01 → OT01 → BR01")
    ]
    assert bank.snapshot() == before
    assert institution_cycles({"A": "B", "B": "C", "C": None}, ["A"]) == {}
    assert institution_cycles({"A": "B", "B": "A"}, ["A", "B"]) == {
        "A": ["A", "B", "A"],
        "B": ["B", "A", "B"],
    }


def test_money_columns_hold_large_amounts_on_every_database(any_bank: Bank, tmp_path: Path) -> None:
    any_bank.load("institutions", "customers")
    path = _write(
        tmp_path / "aum.csv",
        "cif,month,aum\nC0010,2026-11,9000000000000.00\nC0001,2026-11,21474836.48\n",
    )
    report = any_bank.run("aum", path)
    assert (report.errors, report.inserted) == ((), 2)
    stored = dict(any_bank.rows("SELECT month, max(aum_fen) FROM monthly_aum GROUP BY month"))
    assert stored["2026-11"] == 900_000_000_000_000


# ---------------------------------------------------------------------------------------------------
# Headers and file forms
# ---------------------------------------------------------------------------------------------------


def test_header_errors_name_the_column_on_line_1(bank: Bank, tmp_path: Path) -> None:
    bank.load("institutions")
    before = bank.snapshot()
    path = _write(
        tmp_path / "staff.csv", "code,name,name,team,role,\nRM01,李明,李明,A,rm,\nRM02,王芳,王芳,B,rm,\n"
    )
    report = bank.run("staff", path)
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (1, "name", "the column is given twice"),
        (1, "team", "unknown column; staff files have: code, name, institution_code, role, seller_pct"),
        (1, "#6", "a column has no name"),
        (1, "institution_code", "required column is missing"),
    ]
    assert report.rows == 2
    assert bank.snapshot() == before


def test_a_bom_and_any_column_order_are_accepted(bank: Bank, tmp_path: Path) -> None:
    bank.load("institutions", "staff")
    path = _write(
        tmp_path / "staff.csv",
        "role,institution_code,code,name\nrm,OT02,RM02,张晓伟\nteller,OT01,TL05, 黄蓉 \n",
        bom=True,
    )
    report = bank.run("staff", path)
    assert (report.errors, report.inserted, report.updated, report.unchanged) == ((), 1, 1, 0)
    stored = {row[0]: row[1:] for row in bank.rows("SELECT code, name, seller_pct, role FROM staff")}
    assert stored["TL05"] == ("黄蓉", 70, "teller")  # an absent optional column takes its default on insert
    assert stored["RM02"] == ("张晓伟", 60, "rm")  # and leaves the stored value alone on update


def test_empty_cells_mean_not_given(bank: Bank, tmp_path: Path) -> None:
    path = _write(tmp_path / "products.csv", "code,name,category,risk_level,weight\nX1,测试产品,fund,,\n")
    assert bank.run("products", path).inserted == 1
    assert bank.rows("SELECT risk_level, weight_bp FROM product") == [(None, 10_000)]


def test_line_numbers_count_physical_lines(bank: Bank, tmp_path: Path) -> None:
    bank.load("institutions")
    content = (
        "code,name,institution_code,role,seller_pct\n"
        'RM01,"李\n明",OT01,rm,70\n'
        "\n"
        "RM02,王芳,OT01,boss,70\n"
        "RM03,赵磊,OT01,rm,70,extra\n"
    )
    report = bank.run("staff", _write(tmp_path / "staff.csv", content))
    assert [(e.line, e.column) for e in report.errors] == [(5, "role"), (6, "#6")]
    assert report.rows == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("notes.txt", b"code\n", "cannot import a .txt file"),
        ("gbk.csv", "code,name,parent_code,kind\nHO,总行,,head_office\n".encode("gbk"), "not UTF-8 text"),
        ("fake.xlsx", b"code,name\n", "not an Excel .xlsx workbook"),
        ("empty.csv", b"", "the file is empty"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(
    bank: Bank, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError) as refused:
        bank.run("institutions", path)
    assert str(refused.value).startswith(str(path))
    assert message in str(refused.value)


def test_progress_is_reported(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_files, "BATCH_ROWS", 3)
    calls: list[tuple[int, int]] = []
    bank.run(
        "institutions", SAMPLES / "institutions.csv", progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(3, 7), (6, 7), (7, 7), (7, 7)]


# ---------------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------------


def test_xlsx_samples_import_like_their_csv_twins(bank: Bank, template_store: Path, tmp_path: Path) -> None:
    bank.load("institutions")
    for kind in ("customers", "aum"):
        report = bank.run(kind, SAMPLES / f"{kind}.xlsx")
        assert (report.errors, report.inserted) == ((), GOOD_ROWS[kind])
    twin_dir = tmp_path / "twin"
    twin_dir.mkdir()
    twin = _sqlite_bank(template_store, twin_dir)
    try:
        twin.load("institutions", "customers", "aum")
        for table in ("customer", "monthly_aum"):
            assert bank.rows(f"SELECT * FROM {table} ORDER BY 1, 2") == twin.rows(
                f"SELECT * FROM {table} ORDER BY 1, 2"
            )
        for kind in ("customers", "aum"):
            report = twin.run(kind, SAMPLES / f"{kind}.xlsx")
            assert (report.inserted, report.updated, report.unchanged) == (0, 0, GOOD_ROWS[kind])
    finally:
        twin.engine.dispose()


def test_xlsx_errors_give_sheet_rows(bank: Bank, tmp_path: Path) -> None:
    from openpyxl import Workbook

    bank.load("institutions", "customers")
    book = Workbook()
    sheet = book.active
    sheet.append(["cif", "month", "aum", "deposit", None])
    sheet.append(["C0001", datetime(2026, 11, 1), 1234.5, 1234.5])
    sheet.append([])
    sheet.append(["C0002", datetime(2026, 11, 15), 1234.567, None])
    sheet.append(["C0003", "2026-11", 12.0, None, "stray"])
    path = tmp_path / "aum.xlsx"
    book.save(path)
    report = bank.run("aum", path)
    assert [(e.line, e.column) for e in report.errors] == [(4, "month"), (4, "aum"), (5, "#5")]
    assert report.rows == 3


def test_spreadsheet_cells_become_csv_text() -> None:
    assert cell_text(None, AMOUNT) == ""
    assert cell_text(1234.5, AMOUNT) == "1234.5"
    assert cell_text(0.29, AMOUNT) == "0.29"
    assert cell_text(100.0, AMOUNT) == "100"
    assert cell_text(0.1 + 0.2, AMOUNT) == "0.30000000000000004"
    assert cell_text(1e16, AMOUNT) == "10000000000000000"
    assert cell_text(1.5e-5, AMOUNT) == "0.000015"
    assert cell_text(Decimal("12.50"), AMOUNT) == "12.50"
    assert cell_text(13812345678, PHONE) == "13812345678"
    assert cell_text(13812345678.0, PHONE) == "13812345678"
    assert cell_text(True, FLAG) == "1"
    assert cell_text(datetime(2026, 9, 1), MONTH) == "2026-09"
    assert cell_text(datetime(2026, 9, 2), MONTH) == "2026-09-02"
    assert cell_text(datetime(2026, 9, 1), DATE) == "2026-09-01"
    assert cell_text(date(2026, 9, 1), DATE) == "2026-09-01"
    assert cell_text(datetime(2026, 9, 1, 8, 30), DATE) == "2026-09-01 08:30:00"
    checker = SPECS["aum"].checker(["cif", "month", "aum"])
    checked = checker.check([["C1", cell_text(datetime(2026, 9, 1), MONTH), cell_text(1234.5, AMOUNT)]], [2])
    assert (checked.errors, checked.values["aum"], checked.values["month_idx"]) == (
        [],
        [123450],
        [2026 * 12 + 8],
    )


# ---------------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------------

runner = CliRunner()


def _cli_store(template: Path, directory: Path) -> Path:
    path = directory / "cli.db"
    shutil.copyfile(template, path)
    return path


def test_cli_imports_and_prints_one_json_document(template_store: Path, tmp_path: Path) -> None:
    db = _cli_store(template_store, tmp_path)
    result = runner.invoke(
        app, ["--db", str(db), "import", "institutions", str(SAMPLES / "institutions.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "7 inserted" in result.stdout
    result = runner.invoke(
        app, ["--db", str(db), "import", "institutions", str(SAMPLES / "institutions.csv"), "--json"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "kind": "institutions",
        "file": str(SAMPLES / "institutions.csv"),
        "rows": 7,
        "inserted": 0,
        "updated": 0,
        "unchanged": 7,
        "errors": [],
    }


def test_cli_reports_bad_rows_and_exits_1(template_store: Path, tmp_path: Path) -> None:
    db = _cli_store(template_store, tmp_path)
    bad = SAMPLES / "institutions_bad.csv"
    result = runner.invoke(app, ["--db", str(db), "import", "institutions", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5: kind: 'outlet_office' is not one of: head_office, branch, outlet" in result.stderr
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    result = runner.invoke(app, ["--db", str(db), "import", "institutions", str(bad), "--json", "--dry-run"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [(e["line"], e["column"]) for e in document["errors"]] == BAD_SAMPLE_ERRORS["institutions"]
    assert document["rows"] == 11


def test_cli_dry_run_and_refused_files(template_store: Path, tmp_path: Path) -> None:
    db = _cli_store(template_store, tmp_path)
    result = runner.invoke(
        app, ["--db", str(db), "import", "institutions", str(SAMPLES / "institutions.csv"), "--dry-run"]
    )
    assert result.exit_code == 0
    assert "dry run, nothing written; would be 7 inserted" in result.stdout
    engine = make_engine(sqlite_url(db))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM institution")).scalar_one() == 0
    engine.dispose()
    missing = tmp_path / "nowhere.csv"
    result = runner.invoke(app, ["--db", str(db), "import", "staff", str(missing), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{missing}: no such file" in result.stderr


# ---------------------------------------------------------------------------------------------------
# The contract itself
# ---------------------------------------------------------------------------------------------------

#: SPEC §11's columns (required ones marked *) and enumerations, copied from the specification.
SPEC_11 = {
    "institutions": "code* name* parent_code kind*",
    "staff": "code* name* institution_code* role* seller_pct",
    "products": "code* name* category* risk_level weight",
    "customers": "cif* name* kind* id_type id_no phone birth_date gender occupation annual_income "
    "institution_code*",
    "aum": "cif* month* aum* deposit investment mortgage_balance credit_loan_balance card_spend_12m "
    "diamond_card",
    "holdings": "account_no* cif* product_code* asset_class* balance* open_date maturity_date rate "
    "loan_type loan_class card_level repayment_day",
    "transactions": "txn_id* cif* date* amount* direction* channel institution_code* teller_code "
    "product_code counterparty",
}
SPEC_11_CHOICES = {
    ("institutions", "kind"): "head_office branch outlet",
    ("staff", "role"): "rm branch_manager teller analyst",
    ("products", "category"): "deposit cts fund account_gold physical_gold insurance treasury_bond "
    "wealth_product fx online_banking mobile_banking sms_banking phone_banking wealth_card "
    "private_banking_card credit_card loan",
    ("products", "risk_level"): "R1 R2 R3 R4 R5",
    ("customers", "kind"): "individual corporate",
    ("customers", "gender"): "M F",
    ("aum", "diamond_card"): "0 1",
    ("holdings", "asset_class"): "deposit wealth settlement loan channel card",
    ("holdings", "loan_type"): "mortgage credit business",
    ("holdings", "loan_class"): "pass special_mention substandard doubtful loss",
    ("holdings", "card_level"): "diamond platinum gold standard",
    ("transactions", "direction"): "in out",
    ("transactions", "counterparty"): "in_bank out_bank",
}
SPEC_11_KEYS = {
    "institutions": ("code",),
    "staff": ("code",),
    "products": ("code",),
    "customers": ("cif",),
    "aum": ("cif", "month"),
    "holdings": ("account_no",),
    "transactions": ("txn_id",),
}


def test_the_row_models_are_spec_11() -> None:
    assert list(SPECS) == list(ORDER)
    for kind, columns in SPEC_11.items():
        spec = SPECS[kind]
        assert [c.name + ("*" if c.required else "") for c in spec.columns.values()] == columns.split()
        assert spec.natural_key == SPEC_11_KEYS[kind]
    choices = {
        (kind, column.name): " ".join(column.format.choices)
        for kind, spec in SPECS.items()
        for column in spec.columns.values()
        if column.format.choices
    }
    assert choices == SPEC_11_CHOICES


def test_a_row_model_validates_one_row_as_written() -> None:
    from pydantic import ValidationError

    from rm_console.domain.import_rows import AumRow

    row = AumRow.model_validate({"cif": "C0001", "month": "2026-09", "aum": "1234.50"})
    assert (row.aum, row.deposit, row.diamond_card) == ("1234.50", None, "0")
    with pytest.raises(ValidationError):
        AumRow.model_validate({"cif": "C0001", "month": "2026-9", "aum": "1.234"})


def test_a_file_with_only_a_header_imports_nothing(bank: Bank, tmp_path: Path) -> None:
    from openpyxl import Workbook

    report = bank.run("institutions", _write(tmp_path / "i.csv", "code,name,parent_code,kind\n"))
    assert (report.rows, report.inserted, report.errors) == (0, 0, ())
    book = Workbook()
    book.active.append(["code", "name", "kind"])
    book.save(tmp_path / "i.xlsx")
    report = bank.run("institutions", tmp_path / "i.xlsx")
    assert (report.rows, report.inserted, report.errors) == (0, 0, ())
    Workbook().save(tmp_path / "blank.xlsx")
    with pytest.raises(UserError, match="the file is empty"):
        bank.run("institutions", tmp_path / "blank.xlsx")
