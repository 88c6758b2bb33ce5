"""The customer service (SPEC §1, §7) on a demo bank: the paged list, quick-find, the customer 360 and the
audited reveal, each compared with plain SQL over the same store.

The demo store's business date (2026-11-22) is "today". The template is evaluated once more by the
analyst (which opens retention cases) and given a few records of the showcase customer.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import copy_store, reset_public_schema
from sqlmodel import SQLModel

import storage.customers as customer_store
from rm_console.domain.customer_dto import CustomerFilters, CustomerSort, RevealField
from rm_console.domain.errors import NotFound, UserError
from rm_console.domain.masking import mask_id_no, mask_phone
from rm_console.services import Services
from rm_console.services.customers import MAX_HITS, MAX_PAGE, RECENT_TXN_DAYS, CustomerService
from storage.engine import make_engine

AS_OF = date(2026, 11, 22)
#: RM001's churned platinum customer (from core), with holdings, two loans, tier history and a case.
SHOWCASE = "1000000017"
PERSONAL_SCORES = {
    "income_stability": 80,
    "assets_with_bank": 70,
    "credit_history": 90,
    "debt_ratio": 60,
    "relationship": 50,
}


def build_bank(path: Path) -> None:
    """The demo bank the customer tests share: 400 customers, evaluated, with the showcase's records."""
    services = Services(path)
    services.demo.build(customers=400, months=14, seed=11, as_of=AS_OF, force=True, progress=None)
    services.close()
    analyst = Services(path, actor="AN01")
    analyst.tiers.recompute()
    analyst.close()
    rm = Services(path, actor="RM001")
    rm.records.record_visit(
        SHOWCASE,
        outcome="Reviewed the maturing deposit; interested in a 90-day product",
        next_step="Send the product sheet",
        follow_up="2026-11-25",
        at="2026-11-18 15:00",
    )
    rm.records.record_contact(SHOWCASE, "call", notes="Asked about the card repayment", at="2026-11-20 10:30")
    rm.records.open_complaint(
        SHOWCASE, channel="phone", description="Queue too long at the counter", at="2026-11-19 09:30"
    )
    rm.records.rate_credit(SHOWCASE, "personal", PERSONAL_SCORES)
    rm.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("customers") / "bank.db"
    build_bank(path)
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "local.db"
    shutil.copyfile(template, copy)
    return copy


@pytest.fixture
def sql(db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db)
    yield conn
    conn.close()


def service(db: Path, actor: str) -> CustomerService:
    return CustomerService(Services(db, actor=actor))


# -- the scope in plain SQL ----------------------------------------------------------------------------

SCOPE_SQL = {
    "rm": (
        "SELECT DISTINCT a.customer_id FROM assignment a JOIN staff s ON s.id = a.staff_id "
        "WHERE s.code = :code"
    ),
    "branch_manager": (
        "WITH RECURSIVE tree(id) AS ("
        "  SELECT institution_id FROM staff WHERE code = :code"
        "  UNION ALL SELECT i.id FROM institution i JOIN tree ON i.parent_id = tree.id)"
        " SELECT c.id FROM customer c WHERE c.institution_id IN (SELECT id FROM tree)"
    ),
    "analyst": "SELECT c.id FROM customer c WHERE :code IS NOT NULL",
}


def scope_cifs(sql: sqlite3.Connection, code: str, where: str = "1 = 1", **params: object) -> list[str]:
    """The CIFs the staff member may see that ``where`` selects (over customer c and customer_tier t),
    sorted by CIF."""
    role = sql.execute("SELECT role FROM staff WHERE code = ?", (code,)).fetchone()[0]
    rows = sql.execute(
        f"SELECT c.cif FROM customer c LEFT JOIN customer_tier t ON t.customer_id = c.id "
        f"WHERE c.id IN ({SCOPE_SQL[role]}) AND ({where}) ORDER BY c.cif",
        {"code": code, **params},
    ).fetchall()
    return [row[0] for row in rows]


def all_pages(customers: CustomerService, filters: CustomerFilters, sort: str, limit: int) -> list[str]:
    cifs: list[str] = []
    offset = 0
    while True:
        page = customers.page(filters, sort, offset, limit)
        assert len(page.rows) <= limit
        cifs += [row.cif for row in page.rows]
        if not page.has_next:
            return cifs
        offset += limit


# -- the list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["RM001", "BM03", "BM01", "AN01"])
def test_the_list_is_the_scope_page_by_page(db: Path, sql: sqlite3.Connection, actor: str) -> None:
    customers = service(db, actor)
    expected = scope_cifs(sql, actor)
    assert expected
    first = customers.page(limit=37)
    assert first.total == len(expected)
    assert first.pages == -(-len(expected) // 37)
    listed = all_pages(customers, CustomerFilters(), "cif", 37)
    assert listed == expected


def test_scopes_differ_as_spec_1_says(db: Path, sql: sqlite3.Connection) -> None:
    rm = set(scope_cifs(sql, "RM001"))
    outlet = set(scope_cifs(sql, "BM03"))
    branch = set(scope_cifs(sql, "BM01"))
    everyone = set(scope_cifs(sql, "AN01"))
    assert rm < outlet < branch < everyone
    assert len(everyone) == sql.execute("SELECT count(*) FROM customer").fetchone()[0]


def test_a_page_never_holds_more_than_the_limit(db: Path) -> None:
    customers = service(db, "AN01")
    assert len(customers.page(limit=10).rows) == 10
    big = customers.page(limit=MAX_PAGE + 5000)
    assert big.limit == MAX_PAGE and len(big.rows) <= MAX_PAGE
    assert len(customers.page(limit=0).rows) == 1
    past = customers.page(offset=10_000, limit=50)
    assert past.rows == () and past.total == 400 and not past.has_next


@pytest.mark.parametrize(
    ("filters", "where"),
    [
        (CustomerFilters(tier="gold"), "t.tier = 'gold'"),
        (CustomerFilters(status="churned"), "t.status = 'churned'"),
        (CustomerFilters(tier="platinum", status="normal"), "t.tier = 'platinum' AND t.status = 'normal'"),
        (
            CustomerFilters(institution="OT02"),
            "c.institution_id = (SELECT id FROM institution WHERE code = 'OT02')",
        ),
        (
            CustomerFilters(institution="BR01"),
            "c.institution_id IN (SELECT id FROM institution WHERE code = 'BR01' OR parent_id = "
            "(SELECT id FROM institution WHERE code = 'BR01'))",
        ),
        (
            CustomerFilters(rm="RM002"),
            "c.id IN (SELECT a.customer_id FROM assignment a JOIN staff s ON s.id = a.staff_id "
            "WHERE s.code = 'RM002')",
        ),
    ],
)
def test_filters_count_and_list_what_sql_selects(
    db: Path, sql: sqlite3.Connection, filters: CustomerFilters, where: str
) -> None:
    customers = service(db, "BM01")
    expected = scope_cifs(sql, "BM01", where)
    assert expected
    assert customers.page(filters).total == len(expected)
    assert all_pages(customers, filters, "cif", 25) == expected


def test_filters_of_an_rm_stay_in_their_scope(db: Path, sql: sqlite3.Connection) -> None:
    customers = service(db, "RM001")
    page = customers.page(CustomerFilters(institution="BR01"))
    assert [row.cif for row in page.rows] == scope_cifs(sql, "RM001")
    assert customers.page(CustomerFilters(rm="RM999")).total == 0


def test_bad_filters_are_sentences(db: Path) -> None:
    customers = service(db, "BM01")
    with pytest.raises(UserError, match="not a tier"):
        customers.page(CustomerFilters(tier="diamond"))
    with pytest.raises(UserError, match="not a status"):
        customers.page(CustomerFilters(status="lost"))
    with pytest.raises(NotFound, match="no institution"):
        customers.page(CustomerFilters(institution="NOPE"))
    with pytest.raises(UserError, match="not an order"):
        customers.page(sort="age")


def test_nobody_acting_is_refused(db: Path) -> None:
    with pytest.raises(UserError, match="who is acting"):
        service(db, None).page()  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["1", "10000001", "100000009", "100000019", "1000000017", "1000000099"])
def test_search_by_cif_prefix(db: Path, sql: sqlite3.Connection, text: str) -> None:
    # On SQLite a prefix of digits is read as a range of CIFs ending before the next prefix ("19" up to
    # "1:"); it must find exactly what the prefix does, also when the prefix ends in a 9.
    expected = scope_cifs(sql, "BM01", "c.cif LIKE :p", p=f"{text}%")
    assert expected
    assert all_pages(service(db, "BM01"), CustomerFilters(text=text), "cif", 500) == expected


def test_search_by_name_part(db: Path, sql: sqlite3.Connection) -> None:
    for text in ("李", "王", "梓豪"):
        expected = scope_cifs(sql, "BM01", "c.name LIKE :p", p=f"%{text}%")
        assert expected, text
        assert all_pages(service(db, "BM01"), CustomerFilters(text=text), "cif", 500) == expected


def test_search_by_phone_tail(db: Path, sql: sqlite3.Connection) -> None:
    cif, phone = sql.execute("SELECT cif, phone FROM customer WHERE cif = ?", (SHOWCASE,)).fetchone()
    for text in (phone[-4:], phone[-6:]):
        expected = scope_cifs(sql, "BM01", "c.phone LIKE :p OR c.cif LIKE :q", p=f"%{text}", q=f"{text}%")
        listed = all_pages(service(db, "BM01"), CustomerFilters(text=text), "cif", 500)
        assert cif in listed
        assert listed == expected


def test_search_text_is_not_sql(db: Path) -> None:
    customers = service(db, "AN01")
    assert customers.page(CustomerFilters(text="%")).total == 0
    assert customers.page(CustomerFilters(text="_")).total == 0
    assert customers.page(CustomerFilters(text="' OR 1=1 --")).total == 0


def test_sorts_follow_sql(db: Path, sql: sqlite3.Connection) -> None:
    customers = service(db, "BM03")
    newest = sql.execute("SELECT max(month_idx) FROM monthly_aum").fetchone()[0]
    scope = ",".join(f"'{cif}'" for cif in scope_cifs(sql, "BM03"))
    by_aum = [
        row[0]
        for row in sql.execute(
            "SELECT c.cif FROM customer c "
            "LEFT JOIN monthly_aum m ON m.customer_id = c.id AND m.month_idx = ? "
            f"WHERE c.cif IN ({scope}) ORDER BY m.aum_fen IS NULL, m.aum_fen DESC, c.cif",
            (newest,),
        )
    ]
    assert all_pages(customers, CustomerFilters(), "aum", 40) == by_aum
    by_name = [
        row[0] for row in sql.execute(f"SELECT cif FROM customer WHERE cif IN ({scope}) ORDER BY name, cif")
    ]
    assert all_pages(customers, CustomerFilters(), "name", 40) == by_name
    ranks = {"core": 1, "growth": 2, "platinum": 3, "gold": 4, "potential": 5, "ordinary": 6}
    tiers = [row.tier for row in customers.page(sort=CustomerSort.TIER, limit=MAX_PAGE).rows]
    assert [ranks[t] for t in tiers] == sorted(ranks[t] for t in tiers)


def test_the_demo_bank_has_planner_statistics(sql: sqlite3.Connection) -> None:
    """Without statistics SQLite would sort a whole branch to show a page of its customers."""
    indexes = {row[0] for row in sql.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'customer'")}
    assert {"ix_customer_scope_search", "ix_customer_name_cif"} <= indexes


@pytest.mark.parametrize("sort", ["cif", "name", "tier", "aum"])
@pytest.mark.parametrize(
    "filters",
    [
        CustomerFilters(),
        CustomerFilters(text="1"),
        CustomerFilters(text="1000"),
        CustomerFilters(text="李"),
        CustomerFilters(tier="gold"),
    ],
    ids=["all", "cif-prefix", "cif-prefix-or-phone-tail", "name-part", "tier"],
)
@pytest.mark.parametrize("actor", ["RM001", "BM01", "AN01"])
def test_few_and_many_matches_page_alike(
    db: Path, monkeypatch: pytest.MonkeyPatch, actor: str, filters: CustomerFilters, sort: str
) -> None:
    """Few matches are found by id first, many are read in order; both give the same pages and count."""
    customers = service(db, actor)
    few = all_pages(customers, filters, sort, 30)
    total = customers.page(filters, sort).total
    monkeypatch.setattr(customer_store, "FEW_MATCHES", 0)
    assert all_pages(customers, filters, sort, 30) == few
    assert customers.page(filters, sort).total == total == len(few)


def test_many_matches_of_digits_count_cif_prefixes_and_phone_ends_once(
    db: Path, sql: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Digits find CIFs by prefix and phones by their end; counted apart (on SQLite), a customer found
    both ways counts once."""
    phone = sql.execute("SELECT phone FROM customer WHERE cif = ?", (SHOWCASE,)).fetchone()[0]
    monkeypatch.setattr(customer_store, "FEW_MATCHES", 0)
    customers = service(db, "AN01")
    for text in (phone[-4:], phone[-6:], "1000", "100000", SHOWCASE[:8]):
        expected = scope_cifs(
            sql,
            "AN01",
            "c.cif LIKE :p OR (length(:t) >= 4 AND c.phone LIKE :q)",
            p=f"{text}%",
            q=f"%{text}",
            t=text,
        )
        assert expected, text
        assert customers.page(CustomerFilters(text=text), limit=30).total == len(expected), text
        assert all_pages(customers, CustomerFilters(text=text), "cif", 500) == expected, text
    # The phone's ends find the customer whatever their CIF.
    assert SHOWCASE in all_pages(customers, CustomerFilters(text=phone[-6:]), "cif", 500)


def test_rows_carry_aum_rm_and_masked_phone(db: Path, sql: sqlite3.Connection) -> None:
    page = service(db, "RM001").page(CustomerFilters(text=SHOWCASE))
    [row] = page.rows
    phone, aum = sql.execute(
        "SELECT c.phone, m.aum_fen FROM customer c JOIN monthly_aum m ON m.customer_id = c.id "
        "WHERE c.cif = ? AND m.month_idx = (SELECT max(month_idx) FROM monthly_aum)",
        (SHOWCASE,),
    ).fetchone()
    assert row.phone_masked == mask_phone(phone) and phone not in row.phone_masked
    assert row.aum_fen == aum
    assert (row.rm_code, row.rm_name) == ("RM001", "李明")
    assert page.aum_month == "2026-11"


# -- quick-find ----------------------------------------------------------------------------------------


def test_find_ranks_the_exact_cif_first_and_stops_at_twenty(db: Path) -> None:
    customers = service(db, "AN01")
    hits = customers.find(SHOWCASE)
    assert hits[0].cif == SHOWCASE
    many = customers.find("1000000")
    assert len(many) == MAX_HITS
    assert len(customers.find("1000000", limit=5)) == 5
    assert customers.find("   ") == ()


def test_find_by_name_and_phone_tail(db: Path, sql: sqlite3.Connection) -> None:
    name, phone = sql.execute("SELECT name, phone FROM customer WHERE cif = ?", (SHOWCASE,)).fetchone()
    customers = service(db, "RM001")
    assert SHOWCASE in [hit.cif for hit in customers.find(name)]
    assert customers.find(name)[0].name == name
    found = customers.find(phone[-4:])
    assert SHOWCASE in [hit.cif for hit in found]
    assert all(hit.phone_masked.endswith(phone[-4:]) or hit.cif.startswith(phone[-4:]) for hit in found)


def test_find_never_lists_a_customer_outside_scope(db: Path, sql: sqlite3.Connection) -> None:
    mine = set(scope_cifs(sql, "RM001"))
    other = next(cif for cif in scope_cifs(sql, "BM03") if cif not in mine)
    assert service(db, "RM001").find(other) == ()
    assert service(db, "BM03").find(other)[0].cif == other
    assert {hit.cif for hit in service(db, "RM001").find("1")} <= mine


def test_choices_are_the_institutions_and_rms_in_scope(db: Path, sql: sqlite3.Connection) -> None:
    choices = service(db, "BM01").choices()
    codes = {code for code, _ in choices.institutions}
    assert codes == {
        row[0]
        for row in sql.execute(
            "SELECT DISTINCT i.code FROM customer c JOIN institution i ON i.id = c.institution_id "
            "WHERE i.code IN ('BR01', 'OT01', 'OT02', 'OT03')"
        )
    }
    assert "RM001" in {code for code, _ in choices.rms}
    assert {code for code, _ in service(db, "RM001").choices().institutions} == {"OT01"}


# -- the customer 360 ------------------------------------------------------------------------------------


def test_profile_figures_equal_sql(db: Path, sql: sqlite3.Connection) -> None:
    profile = service(db, "RM001").profile(SHOWCASE)
    pk, name, id_no, phone, born = sql.execute(
        "SELECT id, name, id_no, phone, birth_date FROM customer WHERE cif = ?", (SHOWCASE,)
    ).fetchone()
    assert (profile.cif, profile.name, profile.as_of) == (SHOWCASE, name, AS_OF)
    assert profile.id_no_masked == mask_id_no(id_no) and profile.phone_masked == mask_phone(phone)
    born_on = date.fromisoformat(born)
    assert profile.age == AS_OF.year - born_on.year - (
        (AS_OF.month, AS_OF.day) < (born_on.month, born_on.day)
    )
    tier, status, below, churned_from = sql.execute(
        "SELECT tier, status, months_below, churned_from FROM customer_tier WHERE customer_id = ?", (pk,)
    ).fetchone()
    assert (profile.tier, profile.status, profile.months_below, profile.churned_from) == (
        tier,
        status,
        below,
        churned_from,
    )
    threshold = sql.execute(
        "SELECT aum_min_fen FROM tier_rule WHERE tier = ? AND version = (SELECT max(version) FROM tier_rule)",
        (churned_from or tier,),
    ).fetchone()[0]
    assert profile.threshold_fen == threshold

    rms = sql.execute(
        "SELECT s.code, a.role, a.pct FROM assignment a JOIN staff s ON s.id = a.staff_id "
        "WHERE a.customer_id = ? ORDER BY a.role, s.code",
        (pk,),
    ).fetchall()
    assert sorted((s.staff, s.role, s.pct) for s in profile.rms) == sorted(rms)
    assert sum(s.pct for s in profile.rms) == 100

    held = sql.execute(
        "SELECT account_no, balance_fen, asset_class, loan_class FROM holding WHERE customer_id = ?", (pk,)
    ).fetchall()
    assert sorted(
        (h.account_no, h.balance_fen, h.asset_class, h.loan_class) for h in profile.holdings
    ) == sorted(held)
    loans = [h for h in held if h[2] == "loan"]
    assert len(profile.loans) == len(loans) == 2
    for total in profile.by_class:
        assert total.balance_fen == sum(h[1] for h in held if h[2] == total.asset_class)
        assert total.accounts == sum(1 for h in held if h[2] == total.asset_class)
    for holding in profile.holdings:
        if holding.maturing:
            assert holding.maturity_date is not None and 0 <= (holding.maturity_date - AS_OF).days <= 7

    months = dict(
        sql.execute(
            "SELECT month, aum_fen FROM monthly_aum WHERE customer_id = ? AND month_idx > ? - 13",
            (
                pk,
                sql.execute("SELECT month_idx FROM customer_tier WHERE customer_id = ?", (pk,)).fetchone()[0],
            ),
        ).fetchall()
    )
    assert len(profile.aum) == 13 and profile.aum[-1].month == "2026-11" and profile.aum[0].month == "2025-11"
    assert {m.month: m.aum_fen for m in profile.aum} == {m.month: months.get(m.month) for m in profile.aum}

    since = AS_OF - timedelta(days=RECENT_TXN_DAYS)
    txns = sql.execute(
        "SELECT txn_id, amount_fen, counterparty FROM txn "
        "WHERE customer_id = ? AND txn_date >= ? AND txn_date <= ? "
        "ORDER BY txn_date DESC, id DESC",
        (pk, since.isoformat(), AS_OF.isoformat()),
    ).fetchall()
    threshold_fen = int(
        sql.execute("SELECT value FROM parameter WHERE key = 'large_txn_threshold_fen'").fetchone()[0]
    )
    assert [(t.txn_id, t.amount_fen) for t in profile.transactions] == [(t[0], t[1]) for t in txns]
    assert [t.large for t in profile.transactions] == [t[1] >= threshold_fen for t in txns]
    assert [t.out_of_bank for t in profile.transactions] == [t[2] == "out_bank" for t in txns]
    assert any(t.large for t in profile.transactions)

    history = sql.execute(
        "SELECT month, from_tier, to_tier, reason FROM tier_history WHERE customer_id = ? "
        "ORDER BY month_idx DESC",
        (pk,),
    ).fetchall()
    assert [(h.month, h.from_tier, h.to_tier, h.reason) for h in profile.tier_history] == history
    assert history

    cases = sql.execute(
        "SELECT r.reason, r.status, s.code, (SELECT count(*) FROM retention_step st WHERE st.case_id = r.id) "
        "FROM retention_case r JOIN staff s ON s.id = r.owner_id WHERE r.customer_id = ?",
        (pk,),
    ).fetchall()
    assert [(c.reason, c.status, c.owner_code, len(c.steps)) for c in profile.retention_cases] == cases
    assert profile.open_cases and profile.open_cases[0].next_step is not None

    assert [c.kind for c in profile.records.contacts] == ["call", "visit"]
    assert [c.channel for c in profile.records.complaints] == ["phone"]
    assert profile.records.credit is not None and profile.records.credit.grade == "A"
    assert profile.next_follow_up == date(2026, 11, 25)


def test_profile_recommendations_are_the_workbenchs(db: Path) -> None:
    services = Services(db, actor="RM001")
    workbench = [r for r in services.today.today().recommendations if r.cif == SHOWCASE]
    profile = CustomerService(services).profile(SHOWCASE)
    assert profile.recommendations == tuple(workbench)
    assert profile.recommendations
    services.today.dismiss_recommendation(profile.recommendations[0].id)
    again = CustomerService(services).profile(SHOWCASE)
    assert again.recommendations == profile.recommendations[1:]


def test_every_rm001_customer_has_a_profile(db: Path, sql: sqlite3.Connection) -> None:
    customers = service(db, "RM001")
    for cif in scope_cifs(sql, "RM001"):
        profile = customers.profile(cif)
        assert profile.cif == cif and len(profile.aum) == 13


def test_out_of_scope_is_the_same_not_found_as_a_missing_cif(db: Path, sql: sqlite3.Connection) -> None:
    mine = set(scope_cifs(sql, "RM001"))
    other = next(cif for cif in scope_cifs(sql, "AN01") if cif not in mine)
    customers = service(db, "RM001")
    with pytest.raises(NotFound) as outside:
        customers.profile(other)
    with pytest.raises(NotFound) as missing:
        customers.profile("9999999999")
    assert str(outside.value).replace(other, "X") == str(missing.value).replace("9999999999", "X")
    assert service(db, "AN01").profile(other).cif == other


# -- reveal ----------------------------------------------------------------------------------------------


def test_reveal_returns_the_value_and_writes_an_audit_row(db: Path, sql: sqlite3.Connection) -> None:
    id_no, phone = sql.execute("SELECT id_no, phone FROM customer WHERE cif = ?", (SHOWCASE,)).fetchone()
    customers = service(db, "RM001")
    assert customers.reveal(SHOWCASE, RevealField.ID_NO) == id_no
    assert customers.reveal(SHOWCASE, "phone") == phone
    rows = sql.execute(
        "SELECT actor, entity, entity_id, after FROM audit_log WHERE action = 'customer.reveal' ORDER BY id"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("RM001", "customer", SHOWCASE)] * 2
    assert '"id_no"' in rows[0][3] and '"phone"' in rows[1][3]
    assert id_no not in rows[0][3] and phone not in rows[1][3]


def test_reveal_outside_scope_writes_nothing(db: Path, sql: sqlite3.Connection) -> None:
    mine = set(scope_cifs(sql, "RM001"))
    other = next(cif for cif in scope_cifs(sql, "AN01") if cif not in mine)
    with pytest.raises(NotFound):
        service(db, "RM001").reveal(other, "phone")
    with pytest.raises(UserError, match="cannot be revealed"):
        service(db, "RM001").reveal(SHOWCASE, "address")
    assert sql.execute("SELECT count(*) FROM audit_log WHERE action = 'customer.reveal'").fetchone()[0] == 0


# -- PostgreSQL --------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_lists_finds_and_shows_the_same(db: Path, pg_url: str) -> None:
    pg = make_engine(pg_url)
    try:
        copy_store(db, pg, SQLModel.metadata.tables)
        for actor in ("RM001", "BM01", "AN01"):
            central = CustomerService(Services(db, actor=actor, engine=pg))
            local = service(db, actor)
            for filters, sort in (
                (CustomerFilters(), "aum"),
                (CustomerFilters(text="李", status="normal"), "name"),
                (CustomerFilters(text="1000000"), "tier"),
                (CustomerFilters(tier="gold", institution="OT01"), "cif"),
            ):
                assert central.page(filters, sort, 5, 30) == local.page(filters, sort, 5, 30)
            assert central.find("1000000") == local.find("1000000")
            assert central.find("李") == local.find("李")
            assert central.choices() == local.choices()
        rm = CustomerService(Services(db, actor="RM001", engine=pg))
        assert rm.profile(SHOWCASE) == service(db, "RM001").profile(SHOWCASE)
        assert rm.reveal(SHOWCASE, "phone") == service(db, "RM001").reveal(SHOWCASE, "phone")
    finally:
        reset_public_schema(pg)
        pg.dispose()
