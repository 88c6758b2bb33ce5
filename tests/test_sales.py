"""Sales attribution (SPEC §5, §12) on a demo bank: the service, the set-based run against the pure rule
on SQLite and PostgreSQL, and ``rmc sales`` through the CLI."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_store, reset_public_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text, update
from typer.testing import CliRunner

from rm_console.cli import app
from rm_console.domain.attribution import AdjustmentError, Person, SaleFacts, SaleStatus, resolve
from rm_console.domain.errors import NotFound, PermissionRefused, UserError
from rm_console.services import Services
from rm_console.services.sales import SalesService
from storage import sales as store
from storage.engine import make_engine, sqlite_url
from storage.models import Assignment, Sale, SaleCredit, SaleRegistration, Staff, Txn
from storage.types import new_id

AS_OF = date(2026, 11, 22)
runner = CliRunner()

_SALE = Sale.__table__  # type: ignore[attr-defined]
_TXN = Txn.__table__  # type: ignore[attr-defined]
_CREDIT = SaleCredit.__table__  # type: ignore[attr-defined]
_REGISTRATION = SaleRegistration.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]
_ASSIGNMENT = Assignment.__table__  # type: ignore[attr-defined]

#: The tables a copy to PostgreSQL needs.
COPIED = (
    "institution",
    "staff",
    "product",
    "customer",
    "txn",
    "sale",
    "sale_registration",
    "sale_credit",
    "assignment",
    "store_meta",
    "parameter",
)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,500-customer demo bank, built once; its attribution is cleared, so every sale starts
    unattributed and unregistered."""
    path = tmp_path_factory.mktemp("sales") / "demo.db"
    services = Services(path)
    services.demo.build(customers=1_500, months=14, seed=11, as_of=AS_OF, force=True, progress=None)
    services.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM sale_credit")
        conn.execute("UPDATE sale SET attributed_at = NULL")
    conn.close()
    return path


@pytest.fixture
def db(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the bank."""
    monkeypatch.setenv("RMC_CONFIG", str(tmp_path / "no-config.toml"))
    copy = tmp_path / "local.db"
    shutil.copyfile(demo_template, copy)
    return copy


def sales_as(db: Path, actor: str) -> SalesService:
    return Services(db, actor=actor).sales


def _rows(db: Path, sql: str, **params: object) -> list[dict[str, Any]]:
    engine = make_engine(sqlite_url(db))
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(text(sql), params).mappings()]
    finally:
        engine.dispose()


@dataclass(frozen=True)
class SaleInfo:
    """A sale of the demo bank with the facts a scenario needs."""

    txn_id: str
    txn_pk: int
    institution: str
    sale_date: date
    auto: str | None
    teller: str | None


def _sales(db: Path, institution: str | None = None) -> list[SaleInfo]:
    rows = _rows(
        db,
        "SELECT t.txn_id, s.txn_pk, i.code AS institution, s.sale_date, tl.code AS teller, "
        "(SELECT st.code FROM assignment a JOIN staff st ON st.id = a.staff_id WHERE a.customer_id = "
        "t.customer_id AND a.role = 'primary' AND a.institution_id = s.institution_id) AS auto "
        "FROM sale s JOIN txn t ON t.id = s.txn_pk JOIN institution i ON i.id = s.institution_id "
        "LEFT JOIN staff tl ON tl.id = t.teller_id ORDER BY t.txn_id",
    )
    found = [
        SaleInfo(
            r["txn_id"],
            r["txn_pk"],
            r["institution"],
            date.fromisoformat(r["sale_date"]),
            r["auto"],
            r["teller"],
        )
        for r in rows
    ]
    return [s for s in found if institution is None or s.institution == institution]


def _first(db: Path, *, auto: bool, institution: str = "OT01", before: date | None = None) -> SaleInfo:
    for sale in _sales(db, institution):
        if (sale.auto is not None) == auto and (before is None or sale.sale_date <= before):
            return sale
    raise AssertionError("the demo bank has no such sale")


def _credits(view_credits: tuple[Any, ...]) -> set[tuple[str, str, int, str]]:
    return {(c.staff, c.role, c.ratio_bp, c.source) for c in view_credits}


def _outbox(db: Path) -> list[dict[str, Any]]:
    return _rows(db, "SELECT entity, entity_id, op, payload, base_version FROM sync_outbox ORDER BY seq")


def _audit(db: Path, action: str) -> list[dict[str, Any]]:
    return _rows(
        db, "SELECT actor, entity, entity_id, before, after FROM audit_log WHERE action = :a", a=action
    )


OT01_RMS = ("RM001", "RM002", "RM003")

# -- registration --------------------------------------------------------------------------------------


def test_register_seller_then_referrer_on_an_unassigned_sale(db: Path) -> None:
    sale = _first(db, auto=False)
    outcome = sales_as(db, "RM001").register(sale.txn_id, "seller")
    assert outcome.action == "registered" and outcome.roles == ("seller",)
    assert outcome.sale.status is SaleStatus.AWAITING
    assert _credits(outcome.sale.credits) == {("RM001", "seller", 10_000, "manual")}
    # RM003's default split is 60/40.
    referred = sales_as(db, "RM003").register(sale.txn_id, "referrer")
    assert _credits(referred.sale.credits) == {
        ("RM001", "seller", 6_000, "manual"),
        ("RM003", "referrer", 4_000, "manual"),
    }
    assert [(r.staff, r.role) for r in referred.sale.registrations] == [
        ("RM001", "seller"),
        ("RM003", "referrer"),
    ]
    outbox = _outbox(db)
    assert [(row["entity"], row["op"]) for row in outbox] == [("sale_registration", "insert")] * 2
    payload = json.loads(outbox[0]["payload"])
    assert payload["txn_id"] == sale.txn_id and payload["staff"] == "RM001" and payload["version"] == 1
    audits = _audit(db, "sales.register")
    assert [row["actor"] for row in audits] == ["RM001", "RM003"]
    assert json.loads(audits[1]["after"])["credits"][1] == {
        "staff": "RM003",
        "role": "referrer",
        "ratio_bp": 4_000,
        "source": "manual",
    }


def test_seller_registration_is_refused_while_the_automatic_seller_holds_the_sale(db: Path) -> None:
    sale = next(s for s in _sales(db, "OT01") if s.auto in OT01_RMS)
    other = next(code for code in OT01_RMS if code != sale.auto)
    with pytest.raises(PermissionRefused) as refused:
        sales_as(db, other).register(sale.txn_id, "seller")
    message = str(refused.value)
    assert sale.auto is not None and message.startswith(f"{sale.auto} ")
    assert "automatic" in message and "a branch manager may adjust it" in message
    with pytest.raises(UserError, match="already the seller"):
        sales_as(db, sale.auto).register(sale.txn_id, "seller")
    with pytest.raises(UserError, match="cannot also be its referrer"):
        sales_as(db, sale.auto).register(sale.txn_id, "referrer")
    assert _outbox(db) == []


def test_referrer_after_the_automatic_credit_splits_it(db: Path) -> None:
    sale = next(s for s in _sales(db, "OT01") if s.auto in ("RM001", "RM002"))
    shown = sales_as(db, "BM03").show(sale.txn_id)
    assert shown.credits == () and shown.status is SaleStatus.AWAITING
    outcome = sales_as(db, "RM003").register(sale.txn_id, "referrer")
    assert _credits(outcome.sale.credits) == {
        (sale.auto, "seller", 6_000, "auto"),
        ("RM003", "referrer", 4_000, "manual"),
    }
    with pytest.raises(UserError, match="already registered as referrer"):
        sales_as(db, "RM003").register(sale.txn_id, "referrer")
    with pytest.raises(PermissionRefused, match=r"RM003 .* is already registered as referrer"):
        sales_as(db, "TL001").register(sale.txn_id, "referrer")


def test_unknown_role_is_refused(db: Path) -> None:
    sale = _first(db, auto=False)
    with pytest.raises(UserError, match=r"seller .* or referrer"):
        sales_as(db, "RM001").register(sale.txn_id, "boss")


def test_other_institutions_sales_are_as_unknown_as_missing_ones(db: Path) -> None:
    elsewhere = _sales(db, "OT02")[0]
    plain = _rows(db, "SELECT txn_id FROM txn WHERE product_id IS NULL ORDER BY txn_id LIMIT 1")[0]["txn_id"]
    messages = []
    for txn_id in (elsewhere.txn_id, "T9999999999999", plain):
        for attempt in (
            lambda t=txn_id: sales_as(db, "RM001").register(t, "seller"),
            lambda t=txn_id: sales_as(db, "RM001").revoke(t),
            lambda t=txn_id: sales_as(db, "RM001").show(t),
            lambda t=txn_id: sales_as(db, "BM03").adjust(t, ["BM03:seller:1"]),
        ):
            with pytest.raises(NotFound) as refused:
                attempt()
            messages.append(str(refused.value).replace(txn_id, "ID"))
    assert set(messages) == {"no sale has the transaction id 'ID'"}


def test_show_follows_who_sees_what(db: Path) -> None:
    ot02 = _sales(db, "OT02")[0]
    ot04 = _sales(db, "OT04")[0]
    assert sales_as(db, "BM01").show(ot02.txn_id).institution == "OT02"  # BR01 is above OT02
    assert sales_as(db, "AN01").show(ot04.txn_id).institution == "OT04"
    assert sales_as(db, "BM04").show(ot02.txn_id).txn_id == ot02.txn_id
    for actor, txn_id in (("BM01", ot04.txn_id), ("BM04", ot04.txn_id), ("RM004", ot04.txn_id)):
        with pytest.raises(NotFound):
            sales_as(db, actor).show(txn_id)


def test_list_shows_the_actors_institutions_newest_first(db: Path) -> None:
    listing = sales_as(db, "RM001").list(limit=1_000)
    assert {row.institution for row in listing.rows} == {"OT01"}
    assert listing.total == len(_sales(db, "OT01")) == len(listing.rows)
    dates = [row.sale_date for row in listing.rows]
    assert dates == sorted(dates, reverse=True)
    assert {row.institution for row in sales_as(db, "BM01").list(limit=1_000).rows} == {
        "OT01",
        "OT02",
        "OT03",
    }
    assert sales_as(db, "AN01").list(limit=5).total == len(_sales(db))
    november = sales_as(db, "RM001").list(month="2026-11", limit=1_000)
    assert november.rows and all(row.sale_date.month == 11 for row in november.rows)
    sales_as(db, "BM03").attribute("2026-11-22")
    pending = sales_as(db, "RM001").list(pending_only=True, limit=1_000)
    assert pending.rows and all(row.status is SaleStatus.AWAITING for row in pending.rows)
    assert all(row.sale_date > date(2026, 11, 17) for row in pending.rows)
    with pytest.raises(UserError, match="--month"):
        sales_as(db, "RM001").list(month="2026-13")
    with pytest.raises(UserError, match="--limit"):
        sales_as(db, "RM001").list(limit=0)


# -- revocation ---------------------------------------------------------------------------------------


def test_only_the_author_revokes_and_revoking_restores_the_rule(db: Path) -> None:
    sale = _first(db, auto=False)
    with pytest.raises(UserError, match="nobody is registered on sale"):
        sales_as(db, "RM001").revoke(sale.txn_id)
    sales_as(db, "RM002").register(sale.txn_id, "seller")
    with pytest.raises(PermissionRefused) as refused:
        sales_as(db, "RM001").revoke(sale.txn_id)
    assert "only its author, RM002 (seller (销售人)), may revoke" in str(refused.value)
    outcome = sales_as(db, "RM002").revoke(sale.txn_id)
    assert outcome.action == "revoked" and outcome.roles == ("seller",)
    assert outcome.sale.credits == () and outcome.sale.registrations == ()
    outbox = _outbox(db)
    assert [(row["op"], row["base_version"]) for row in outbox] == [("insert", None), ("update", 1)]
    assert outbox[0]["entity_id"] == outbox[1]["entity_id"]
    assert json.loads(outbox[1]["payload"])["version"] == 2
    revoked = _rows(db, "SELECT revoked_at, version FROM sale_registration")
    assert len(revoked) == 1 and revoked[0]["revoked_at"] is not None and revoked[0]["version"] == 2
    assert len(_audit(db, "sales.revoke")) == 1


def test_revoking_a_referrer_on_a_settled_sale_gives_the_teller_the_whole_sale(db: Path) -> None:
    sale = _first(db, auto=False, before=date(2026, 11, 10))
    sales_as(db, "RM003").register(sale.txn_id, "referrer")
    assert sales_as(db, "BM03").show(sale.txn_id).credits == ()  # a referrer alone waits for the grace period
    sales_as(db, "AN01").attribute("2026-11-22")
    settled = sales_as(db, "RM003").show(sale.txn_id)
    assert settled.status is SaleStatus.SETTLED
    assert _credits(settled.credits) == {
        (sale.teller, "seller", 6_000, "grace"),
        ("RM003", "referrer", 4_000, "manual"),
    }
    after = sales_as(db, "RM003").revoke(sale.txn_id)
    assert after.sale.status is SaleStatus.SETTLED
    assert _credits(after.sale.credits) == {(sale.teller, "seller", 10_000, "grace")}


# -- the grace period and the attribution run ------------------------------------------------------------


def test_the_teller_becomes_seller_on_day_five_not_day_four(db: Path) -> None:
    sale = _first(db, auto=False, before=date(2026, 11, 15))
    day4 = (sale.sale_date + timedelta(days=4)).isoformat()
    day5 = (sale.sale_date + timedelta(days=5)).isoformat()
    sales_as(db, "BM03").attribute(day4)
    assert sales_as(db, "BM03").show(sale.txn_id).status is SaleStatus.AWAITING
    assert sales_as(db, "BM03").show(sale.txn_id).grace_end.isoformat() == day5
    run = sales_as(db, "BM03").attribute(day5)
    assert run.cutoff == sale.sale_date and run.settled >= 1
    view = sales_as(db, "BM03").show(sale.txn_id)
    assert view.status is SaleStatus.SETTLED
    assert _credits(view.credits) == {(sale.teller, "seller", 10_000, "grace")}
    other = next(code for code in ("RM001", "RM002", "RM003") if code != sale.teller)
    with pytest.raises(PermissionRefused, match=f"{sale.teller} .*grace-period rule: the teller"):
        sales_as(db, other).register(sale.txn_id, "seller")


def test_a_sale_without_anybody_settles_unattributed(db: Path) -> None:
    sale = _first(db, auto=False, before=date(2026, 11, 1))
    engine = make_engine(sqlite_url(db))
    with engine.begin() as conn:
        conn.execute(update(_TXN).where(_TXN.c.id == sale.txn_pk).values(teller_id=None))
    engine.dispose()
    sales_as(db, "AN01").attribute(None)
    view = sales_as(db, "AN01").show(sale.txn_id)
    assert view.status is SaleStatus.SETTLED and view.credits == ()
    # Still open to a registration afterwards: the seller takes the whole sale, and it stays settled.
    after = sales_as(db, "BM03").register(sale.txn_id, "seller")
    assert after.sale.status is SaleStatus.SETTLED
    assert _credits(after.sale.credits) == {("BM03", "seller", 10_000, "manual")}


def _state(db: Path) -> dict[str, list[tuple[object, ...]]]:
    return {
        "sale": sorted(tuple(r.values()) for r in _rows(db, "SELECT * FROM sale")),
        "sale_credit": sorted(
            tuple(r.values())
            for r in _rows(
                db, "SELECT txn_pk, staff_id, role, ratio_bp, source, created_by, created_at FROM sale_credit"
            )
        ),
    }


def test_attribute_is_idempotent_and_leaves_sales_in_grace_alone(db: Path) -> None:
    with pytest.raises(PermissionRefused, match="only a branch manager or an analyst"):
        sales_as(db, "RM001").attribute(None)
    with pytest.raises(UserError, match="--as-of: '2026-11-31' is not a date"):
        sales_as(db, "AN01").attribute("2026-11-31")
    first = sales_as(db, "AN01").attribute("2026-11-15")
    assert first.as_of == date(2026, 11, 15) and first.cutoff == date(2026, 11, 10) and first.grace_days == 5
    unsettled = _rows(
        db, "SELECT count(*) AS n FROM sale WHERE sale_date <= '2026-11-10' AND attributed_at IS NULL"
    )
    assert unsettled[0]["n"] == 0 and first.settled == len(
        [s for s in _sales(db) if s.sale_date <= date(2026, 11, 10)]
    )
    later = _rows(
        db, "SELECT s.txn_pk FROM sale s WHERE s.sale_date > '2026-11-10' AND attributed_at IS NOT NULL"
    )
    assert later == []
    assert (
        _rows(
            db,
            "SELECT count(*) AS n FROM sale_credit c JOIN sale s ON s.txn_pk = c.txn_pk "
            "WHERE s.sale_date > '2026-11-10'",
        )[0]["n"]
        == 0
    )
    once = _state(db)
    again = sales_as(db, "AN01").attribute("2026-11-15")
    assert again.settled == 0 and _state(db) == once
    settled_before = {row[0] for row in once["sale"] if row[-1] is not None}
    third = sales_as(db, "AN01").attribute(None)  # the business date, 2026-11-22
    assert third.as_of == AS_OF and third.settled > 0
    now = _state(db)
    assert [r for r in now["sale"] if r[0] in settled_before] == [
        r for r in once["sale"] if r[0] in settled_before
    ]
    assert [r for r in now["sale_credit"] if r[0] in settled_before] == once["sale_credit"]
    runs = _audit(db, "sales.attribute")
    assert [json.loads(r["after"])["settled"] for r in runs] == [first.settled, 0, third.settled]


def test_grace_days_come_from_the_parameter(db: Path) -> None:
    engine = make_engine(sqlite_url(db))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO parameter (key, version, value, set_at) "
                "VALUES ('sale_grace_days', 99, '10', :at)"
            ),
            {"at": "2026-11-01 00:00:00.000000"},
        )
    engine.dispose()
    run = sales_as(db, "BM03").attribute("2026-11-22")
    assert run.grace_days == 10 and run.cutoff == date(2026, 11, 12)


# -- adjustment ---------------------------------------------------------------------------------------


def test_adjust_refusals(db: Path) -> None:
    sale = _first(db, auto=True)
    with pytest.raises(PermissionRefused, match="only a branch manager may adjust"):
        sales_as(db, "RM001").adjust(sale.txn_id, ["RM001:seller:1"])
    with pytest.raises(NotFound, match="no sale has the transaction id"):
        sales_as(db, "BM04").adjust(sale.txn_id, ["BM04:seller:1"])
    with pytest.raises(AdjustmentError, match=r"the ratios sum to 0\.9, not 1"):
        sales_as(db, "BM03").adjust(sale.txn_id, ["RM001:seller:0.6", "RM002:referrer:0.3"])
    with pytest.raises(AdjustmentError, match="RM004 works at OT02, not at OT01 or an institution above it"):
        sales_as(db, "BM03").adjust(sale.txn_id, ["RM001:seller:0.5", "RM004:referrer:0.5"])
    with pytest.raises(AdjustmentError, match="no staff member has the code 'NOPE'"):
        sales_as(db, "BM03").adjust(sale.txn_id, ["NOPE:seller:1"])
    with pytest.raises(AdjustmentError, match="at least one seller"):
        sales_as(db, "BM03").adjust(sale.txn_id, ["RM001:referrer:1"])
    assert _rows(db, "SELECT count(*) AS n FROM sale_credit")[0]["n"] == 0


def test_adjust_fixes_the_credits(db: Path) -> None:
    sale = _first(db, auto=True, before=date(2026, 11, 10))
    sales_as(db, "AN01").attribute("2026-11-22")
    # BM01 manages BR01, above OT01; RM019 works at BR01, also above the sale's institution.
    view = sales_as(db, "BM01").adjust(sale.txn_id, ["RM002:seller:0.75", "RM019:referrer:0.25"], "dispute")
    assert view.status is SaleStatus.ADJUSTED and view.adjusted_by == "BM01"
    assert _credits(view.credits) == {
        ("RM002", "seller", 7_500, "adjusted"),
        ("RM019", "referrer", 2_500, "adjusted"),
    }
    audit = _audit(db, "sales.adjust")[0]
    assert audit["entity_id"] == sale.txn_id
    assert json.loads(audit["before"])["credits"][0]["source"] == "auto"
    assert json.loads(audit["after"])["reason"] == "dispute"
    with pytest.raises(
        PermissionRefused, match=f"sale {sale.txn_id} was adjusted by BM01; ask your branch manager"
    ):
        sales_as(db, "RM003").register(sale.txn_id, "referrer")
    with pytest.raises(PermissionRefused, match="was adjusted by BM01"):
        sales_as(db, "RM002").revoke(sale.txn_id)
    again = sales_as(db, "BM03").adjust(sale.txn_id, ["RM001:seller:1"])
    assert _credits(again.credits) == {("RM001", "seller", 10_000, "adjusted")}


def test_an_adjusted_awaiting_sale_is_never_reattributed(db: Path) -> None:
    sale = _first(db, auto=True, before=date(2026, 11, 10))
    sales_as(db, "BM03").adjust(sale.txn_id, ["RM003:seller:1"])
    sales_as(db, "AN01").attribute("2026-11-22")
    assert _credits(sales_as(db, "BM03").show(sale.txn_id).credits) == {
        ("RM003", "seller", 10_000, "adjusted")
    }


# -- the set-based run equals the pure rule -------------------------------------------------------------


def _perturb(engine: Engine, seed: int) -> None:
    """Registrations of every kind, changed default splits, missing tellers, stale, settled and adjusted
    credits — drawn with ``seed`` over the demo bank's sales."""
    rng = random.Random(seed)
    base = datetime(2026, 10, 1, tzinfo=UTC)
    with engine.begin() as conn:
        staff = conn.execute(select(_STAFF.c.id, _STAFF.c.institution_id)).all()
        by_institution: dict[int, list[int]] = {}
        for staff_id, institution_id in staff:
            by_institution.setdefault(institution_id, []).append(staff_id)
        everyone = [staff_id for staff_id, _ in staff]
        for staff_id in rng.sample(everyone, 10):
            pct = rng.choice([0, 100, 55, 90, 50])
            conn.execute(update(_STAFF).where(_STAFF.c.id == staff_id).values(seller_pct=pct))
        primaries = {
            (customer, institution): staff_id
            for customer, institution, staff_id in conn.execute(
                select(_ASSIGNMENT.c.customer_id, _ASSIGNMENT.c.institution_id, _ASSIGNMENT.c.staff_id).where(
                    _ASSIGNMENT.c.role == "primary"
                )
            )
        }
        sales = conn.execute(
            select(_SALE.c.txn_pk, _SALE.c.institution_id, _TXN.c.customer_id, _TXN.c.teller_id).join(
                _TXN, _TXN.c.id == _SALE.c.txn_pk
            )
        ).all()
        registrations: list[dict[str, Any]] = []
        credits: list[dict[str, Any]] = []

        def register(txn_pk: int, staff_id: int, role: str, *, revoked: bool = False) -> None:
            at = base + timedelta(minutes=len(registrations))
            registrations.append(
                {
                    "id": new_id(),
                    "txn_pk": txn_pk,
                    "staff_id": staff_id,
                    "role": role,
                    "registered_at": at,
                    "revoked_at": at + timedelta(hours=1) if revoked else None,
                    "version": 2 if revoked else 1,
                }
            )

        def credit(txn_pk: int, staff_id: int, source: str) -> None:
            credits.append(
                {
                    "txn_pk": txn_pk,
                    "staff_id": staff_id,
                    "role": "seller",
                    "ratio_bp": 10_000,
                    "source": source,
                    "created_by": "earlier",
                    "created_at": base,
                }
            )

        for txn_pk, institution_id, customer_id, teller_id in sales:
            local = by_institution[institution_id]
            anyone = rng.choice(local if rng.random() < 0.8 else everyone)
            roll = rng.random()
            if roll < 0.12:
                register(txn_pk, anyone, "seller")
            elif roll < 0.24:
                register(txn_pk, anyone, "referrer")
            elif roll < 0.34:
                register(txn_pk, anyone, "seller")
                register(txn_pk, rng.choice(local), "referrer")
            elif roll < 0.40:
                same = primaries.get((customer_id, institution_id)) or teller_id or anyone
                register(txn_pk, same, "referrer")
            elif roll < 0.45:
                register(txn_pk, anyone, "seller", revoked=True)
                register(txn_pk, rng.choice(local), "referrer", revoked=True)
            elif roll < 0.48:
                register(txn_pk, anyone, "seller")
                register(txn_pk, rng.choice(everyone), "seller")
            if rng.random() < 0.1:
                conn.execute(update(_TXN).where(_TXN.c.id == txn_pk).values(teller_id=None))
            state = rng.random()
            if state < 0.05:
                credit(txn_pk, anyone, "auto")
                conn.execute(update(_SALE).where(_SALE.c.txn_pk == txn_pk).values(attributed_at=base))
            elif state < 0.09:
                credit(txn_pk, anyone, "adjusted")
            elif state < 0.15:
                credit(txn_pk, anyone, "manual")
        if registrations:
            conn.execute(_REGISTRATION.insert(), registrations)
        if credits:
            conn.execute(_CREDIT.insert(), credits)


def _facts(engine: Engine) -> dict[int, tuple[date, int | None, SaleFacts]]:
    """Every sale's facts, read table by table and put together in Python (independently of
    :mod:`storage.sales`): txn_pk → (sale date, teller id, facts with the grace period ended)."""
    with engine.connect() as conn:
        people = {
            row.id: Person(row.id, row.code, row.seller_pct)
            for row in conn.execute(select(_STAFF.c.id, _STAFF.c.code, _STAFF.c.seller_pct))
        }
        primaries: dict[tuple[int, int], int] = {}
        for row in conn.execute(select(_ASSIGNMENT).where(_ASSIGNMENT.c.role == "primary")):
            key = (row.customer_id, row.institution_id)
            primaries[key] = min(primaries.get(key, row.staff_id), row.staff_id)
        first: dict[tuple[int, str], int] = {}
        for row in conn.execute(
            select(_REGISTRATION)
            .where(_REGISTRATION.c.revoked_at.is_(None))
            .order_by(_REGISTRATION.c.registered_at, _REGISTRATION.c.id)
        ):
            first.setdefault((row.txn_pk, row.role), row.staff_id)
        adjusted = set(conn.execute(select(_CREDIT.c.txn_pk).where(_CREDIT.c.source == "adjusted")).scalars())
        sales = conn.execute(
            select(
                _SALE.c.txn_pk,
                _SALE.c.sale_date,
                _SALE.c.institution_id,
                _TXN.c.customer_id,
                _TXN.c.teller_id,
            ).join(_TXN, _TXN.c.id == _SALE.c.txn_pk)
        ).all()

    def person(staff_id: int | None) -> Person | None:
        return people[staff_id] if staff_id is not None else None

    return {
        row.txn_pk: (
            row.sale_date,
            row.teller_id,
            SaleFacts(
                sale_date=row.sale_date,
                grace_ended=True,
                registered_seller=person(first.get((row.txn_pk, "seller"))),
                registered_referrer=person(first.get((row.txn_pk, "referrer"))),
                auto_seller=person(primaries.get((row.customer_id, row.institution_id))),
                teller=person(row.teller_id),
                adjusted=row.txn_pk in adjusted,
            ),
        )
        for row in sales
    }


def _settlement(
    engine: Engine,
) -> dict[int, tuple[datetime | None, frozenset[tuple[int, str, int, str, str | None]]]]:
    with engine.connect() as conn:
        settled = dict(conn.execute(select(_SALE.c.txn_pk, _SALE.c.attributed_at)).all())
        credits: dict[int, set[tuple[int, str, int, str, str | None]]] = {pk: set() for pk in settled}
        for row in conn.execute(select(_CREDIT)):
            credits[row.txn_pk].add((row.staff_id, row.role, row.ratio_bp, row.source, row.created_by))
    return {pk: (settled[pk], frozenset(credits[pk])) for pk in settled}


def _check_run_equals_rule(engine: Engine, *, as_of: date, grace: int) -> int:
    """Run the set-based attribution on ``engine`` and check every sale against :func:`resolve`;
    return how many sales it settled."""
    facts = _facts(engine)
    before = _settlement(engine)
    at = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
    with engine.begin() as conn:
        settled = store.attribute(conn, as_of=as_of, grace_days=grace, at=at, actor="AN01")
    after = _settlement(engine)
    limit = as_of - timedelta(days=grace)
    expected = 0
    for txn_pk, (sale_date, _teller, sale_facts) in facts.items():
        old_at, _old_credits = before[txn_pk]
        if old_at is not None or sale_facts.adjusted or sale_date > limit:
            assert after[txn_pk] == before[txn_pk], txn_pk
            continue
        expected += 1
        resolved = resolve(sale_facts)
        assert resolved is not None
        want = frozenset((c.staff_id, c.role.value, c.ratio_bp, c.source.value, "AN01") for c in resolved)
        assert after[txn_pk] == (at, want), (txn_pk, sale_facts)
    assert settled == expected
    with engine.begin() as conn:
        assert (
            store.attribute(conn, as_of=as_of, grace_days=grace, at=at + timedelta(days=1), actor="AN01") == 0
        )
    assert _settlement(engine) == after
    return settled


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("sales-property")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    as_of=st.dates(date(2026, 8, 20), date(2026, 12, 5)),
    grace=st.integers(0, 10),
)
def test_set_based_attribution_equals_the_rule_for_every_sale(
    demo_template: Path, scratch: Path, seed: int, as_of: date, grace: int
) -> None:
    copy = scratch / f"bank-{seed}-{as_of}-{grace}.db"
    shutil.copyfile(demo_template, copy)
    engine = make_engine(sqlite_url(copy))
    try:
        _perturb(engine, seed)
        _check_run_equals_rule(engine, as_of=as_of, grace=grace)
    finally:
        engine.dispose()
        copy.unlink()


def test_per_sale_facts_equal_the_independent_reading(db: Path) -> None:
    engine = make_engine(sqlite_url(db))
    try:
        _perturb(engine, 7)
        facts = _facts(engine)
        with engine.connect() as conn:
            for txn_id, txn_pk in conn.execute(
                select(_TXN.c.txn_id, _TXN.c.id).join(_SALE, _SALE.c.txn_pk == _TXN.c.id)
            ):
                sale = store.find_sale(conn, txn_id)
                assert sale is not None
                assert store.sale_facts(conn, sale, grace_ended=True) == facts[txn_pk][2]
    finally:
        engine.dispose()


def test_the_demo_bank_attributes_exactly_by_the_rule(db: Path) -> None:
    engine = make_engine(sqlite_url(db))
    try:
        settled = _check_run_equals_rule(engine, as_of=AS_OF, grace=5)
        assert settled > 0
        sources = {row.source for row in engine.connect().execute(select(_CREDIT.c.source))}
        assert sources == {"auto", "grace"}
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_attributes_exactly_as_sqlite(db: Path, pg_url: str) -> None:
    lite = make_engine(sqlite_url(db))
    pg = make_engine(pg_url)
    try:
        _perturb(lite, 20261122)
        copy_store(db, pg, COPIED)
        with pg.begin() as conn:
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('sale_credit', 'id'), "
                    "(SELECT coalesce(max(id), 0) + 1 FROM sale_credit))"
                )
            )
        settled = _check_run_equals_rule(pg, as_of=AS_OF, grace=5)
        assert settled == _check_run_equals_rule(lite, as_of=AS_OF, grace=5) > 0
        assert _settlement(pg) == _settlement(lite)

        central = Services(db, actor="RM001", engine=pg).sales
        sale = next(s for s in _sales(db, "OT01") if s.sale_date > date(2026, 11, 17) and s.auto is None)
        assert _credits(central.register(sale.txn_id, "seller").sale.credits) == {
            ("RM001", "seller", 10_000, "manual")
        }
        assert central.revoke(sale.txn_id).sale.credits == ()
        adjusted = Services(db, actor="BM03", engine=pg).sales.adjust(
            sale.txn_id, ["RM001:seller:0.5", "TL001:referrer:0.5"]
        )
        assert adjusted.status is SaleStatus.ADJUSTED
        assert Services(db, actor="BM03", engine=pg).sales.list(pending_only=True, limit=5).rows
    finally:
        lite.dispose()
        reset_public_schema(pg)
        pg.dispose()


# -- the command line ---------------------------------------------------------------------------------


def test_cli_register_show_list_attribute_adjust(db: Path) -> None:
    base = ["--db", str(db)]
    sale = _first(db, auto=False, before=date(2026, 11, 10))
    registered = runner.invoke(
        app, [*base, "--as", "RM001", "sales", "register", sale.txn_id, "--role", "seller", "--json"]
    )
    assert registered.exit_code == 0, registered.output
    document = json.loads(registered.stdout)
    assert document["action"] == "registered" and document["credits"][0]["staff"] == "RM001"

    shown = runner.invoke(app, [*base, "--as", "RM001", "sales", "show", sale.txn_id, "--json"])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    assert {"txn_id", "institution", "credits"} <= set(document)
    assert document["txn_id"] == sale.txn_id and document["institution"] == "OT01"
    assert document["credits"] == [
        {
            "staff": "RM001",
            "role": "seller",
            "ratio": 1.0,
            "source": "manual",
            "name": "李明",
            "ratio_bp": 10_000,
        }
    ]
    human = runner.invoke(app, [*base, "--as", "RM001", "sales", "show", sale.txn_id])
    assert human.exit_code == 0 and "seller 销售人" in human.stdout and sale.txn_id in human.stdout

    refused = runner.invoke(
        app, [*base, "--as", "RM002", "sales", "register", sale.txn_id, "--role", "seller"]
    )
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: RM001 ") and refused.stdout == ""
    assert (
        runner.invoke(
            app, [*base, "--as", "RM002", "sales", "register", sale.txn_id, "--role", "boss"]
        ).exit_code
        == 2
    )
    not_found = runner.invoke(app, [*base, "--as", "RM001", "sales", "show", "T0", "--json"])
    assert not_found.exit_code == 1 and "no sale has the transaction id 'T0'" in not_found.stderr

    attributed = runner.invoke(
        app, [*base, "--as", "BM03", "sales", "attribute", "--as-of", "2026-11-22", "--json"]
    )
    assert attributed.exit_code == 0, attributed.output
    assert json.loads(attributed.stdout)["cutoff"] == "2026-11-17"
    bad_date = runner.invoke(app, [*base, "--as", "BM03", "sales", "attribute", "--as-of", "22/11/2026"])
    assert bad_date.exit_code == 1 and "--as-of" in bad_date.stderr

    listed = runner.invoke(
        app, [*base, "--as", "RM001", "sales", "list", "--pending", "--month", "2026-11", "--json"]
    )
    assert listed.exit_code == 0, listed.output
    listing = json.loads(listed.stdout)
    assert listing["sales"] and all(row["status"] == "awaiting" for row in listing["sales"])
    assert runner.invoke(app, [*base, "--as", "RM001", "sales", "list"]).exit_code == 0

    adjusted = runner.invoke(
        app,
        [
            *base,
            "--as",
            "BM03",
            "sales",
            "adjust",
            sale.txn_id,
            "--credit",
            "RM001:seller:0.7",
            "--credit",
            "RM003:referrer:0.3",
            "--reason",
            "shared work",
            "--json",
        ],
    )
    assert adjusted.exit_code == 0, adjusted.output
    ratios = {(c["staff"], c["ratio"]) for c in json.loads(adjusted.stdout)["credits"]}
    assert ratios == {("RM001", 0.7), ("RM003", 0.3)}
    wrong = runner.invoke(
        app, [*base, "--as", "BM03", "sales", "adjust", sale.txn_id, "--credit", "RM001:seller:0.7"]
    )
    assert wrong.exit_code == 1 and "the ratios sum to 0.7, not 1" in wrong.stderr

    revoked = runner.invoke(app, [*base, "--as", "RM001", "sales", "revoke", sale.txn_id])
    assert revoked.exit_code == 1 and "was adjusted by BM03" in revoked.stderr


def test_attribution_refuses_a_date_in_the_future(db: Path) -> None:
    with pytest.raises(UserError, match=r"--as-of: 2099-01-01 is in the future"):
        sales_as(db, "BM03").attribute("2099-01-01")
    with pytest.raises(UserError, match=r"--as-of: '2026-13-01' is not a date"):
        sales_as(db, "BM03").attribute("2026-13-01")
    assert sales_as(db, "BM03").attribute().as_of == AS_OF
