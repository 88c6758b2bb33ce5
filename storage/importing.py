"""Bulk reads and writes for imports: code lookups, existing rows by natural key, executemany writes.

The import service decides what to write; this module knows the tables. Writes go straight through the
DBAPI cursor of the caller's connection (``executemany`` with positional parameters in the driver's
paramstyle), inside the caller's transaction, so a million rows cost little more than the driver's own
loop. Everything here runs on SQLite and PostgreSQL alike; values are handed over in the form each
driver stores (SQLite keeps dates as ``YYYY-MM-DD`` text, as SQLAlchemy writes them).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Table

from storage.models import Customer, Holding, Institution, MonthlyAum, Product, Staff, Txn
from storage.prepared import note_write

#: Most bound values in one ``IN (...)`` list (well below SQLite's and PostgreSQL's limits).
IN_CHUNK = 900

#: Largest value of a 4-byte integer column (PostgreSQL ``integer``).


class StoreWriteError(Exception):
    """The database refused a bulk read or write (constraint, lock, value out of range…)."""


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


@dataclass(frozen=True, slots=True)
class Ref:
    """A file column of codes that names rows of another table, stored as that row's id."""

    column: str
    """The file column (``institution_code``)."""
    target: str
    """The table it names (``institution``)."""
    db_column: str
    """The id column written (``institution_id``)."""


@dataclass(frozen=True)
class TableMap:
    """How one kind of import file lands in its table."""

    kind: str
    """The import KIND."""
    table: Table
    """The table written."""
    key_columns: tuple[str, ...]
    """The natural key, as stored (``code``; ``customer_id`` + ``month_idx`` for AUM)."""
    pk_columns: tuple[str, ...]
    """The primary key (``id``, or the natural key when that is the primary key)."""
    fields: dict[str, str]
    """Converted value name (a file column or a derived column) → stored column."""
    refs: tuple[Ref, ...] = ()
    """Columns of codes resolved to ids."""
    insert_defaults: dict[str, Any] = field(default_factory=dict)
    """Columns no file fills, with the model's default value for new rows (``staff.active``)."""

    @property
    def entity(self) -> str:
        """The audit log's entity name of one row (the table name)."""
        return self.table.name


def _map(
    kind: str, model: Any, key: tuple[str, ...], fields: dict[str, str], refs: Sequence[Ref] = ()
) -> TableMap:
    table = _table(model)
    pk = tuple(c.name for c in table.primary_key.columns)
    filled = set(fields.values()) | {ref.db_column for ref in refs} | set(key) | set(pk)
    defaults = {
        column.name: column.default.arg
        for column in table.columns
        if column.name not in filled and column.default is not None and column.default.is_scalar
    }
    return TableMap(kind, table, key, pk, fields, tuple(refs), defaults)


#: Every kind of import, by KIND.
TABLE_MAPS: dict[str, TableMap] = {
    "institutions": _map(
        "institutions",
        Institution,
        ("code",),
        {"code": "code", "name": "name", "kind": "kind"},
        [Ref("parent_code", "institution", "parent_id")],
    ),
    "staff": _map(
        "staff",
        Staff,
        ("code",),
        {"code": "code", "name": "name", "role": "role", "seller_pct": "seller_pct"},
        [Ref("institution_code", "institution", "institution_id")],
    ),
    "products": _map(
        "products",
        Product,
        ("code",),
        {
            "code": "code",
            "name": "name",
            "category": "category",
            "risk_level": "risk_level",
            "weight": "weight_bp",
        },
    ),
    "customers": _map(
        "customers",
        Customer,
        ("cif",),
        {
            "cif": "cif",
            "name": "name",
            "kind": "kind",
            "id_type": "id_type",
            "id_no": "id_no",
            "phone": "phone",
            "phone_tail": "phone_tail",
            "birth_date": "birth_date",
            "gender": "gender",
            "occupation": "occupation",
            "annual_income": "annual_income_fen",
        },
        [Ref("institution_code", "institution", "institution_id")],
    ),
    "aum": _map(
        "aum",
        MonthlyAum,
        ("customer_id", "month_idx"),
        {
            "month": "month",
            "month_idx": "month_idx",
            "aum": "aum_fen",
            "deposit": "deposit_fen",
            "investment": "investment_fen",
            "mortgage_balance": "mortgage_fen",
            "credit_loan_balance": "credit_loan_fen",
            "card_spend_12m": "card_spend_12m_fen",
            "diamond_card": "diamond_card",
        },
        [Ref("cif", "customer", "customer_id")],
    ),
    "holdings": _map(
        "holdings",
        Holding,
        ("account_no",),
        {
            "account_no": "account_no",
            "asset_class": "asset_class",
            "balance": "balance_fen",
            "open_date": "open_date",
            "maturity_date": "maturity_date",
            "rate": "rate_e4",
            "loan_type": "loan_type",
            "loan_class": "loan_class",
            "card_level": "card_level",
            "repayment_day": "repayment_day",
        },
        [Ref("cif", "customer", "customer_id"), Ref("product_code", "product", "product_id")],
    ),
    "transactions": _map(
        "transactions",
        Txn,
        ("txn_id",),
        {
            "txn_id": "txn_id",
            "date": "txn_date",
            "amount": "amount_fen",
            "direction": "direction",
            "channel": "channel",
            "counterparty": "counterparty",
        },
        [
            Ref("cif", "customer", "customer_id"),
            Ref("institution_code", "institution", "institution_id"),
            Ref("teller_code", "staff", "teller_id"),
            Ref("product_code", "product", "product_id"),
        ],
    ),
}

#: The natural-key column of each table that a code names.
_CODE_COLUMN = {"institution": "code", "staff": "code", "product": "code", "customer": "cif", "txn": "txn_id"}


# ---------------------------------------------------------------------------------------------------
# The DBAPI cursor
# ---------------------------------------------------------------------------------------------------


@contextmanager
def _cursor(conn: Connection) -> Iterator[Any]:
    """The raw DBAPI cursor of ``conn`` (inside its transaction); driver errors become StoreWriteError."""
    dbapi = conn.dialect.dbapi
    driver_error: type[BaseException] = dbapi.Error if dbapi is not None else Exception
    cursor = conn.connection.cursor()
    try:
        yield cursor
    except driver_error as exc:
        raise StoreWriteError(str(exc).strip()) from exc
    finally:
        cursor.close()


def _written(conn: Connection, sql: str) -> None:
    """Tell prepared days that ``sql`` ran (their inputs version rises if it wrote one of their inputs;
    these raw writes pass no engine hook, see :mod:`storage.prepared`)."""
    if conn.dialect.name == "sqlite":
        note_write(conn.connection.dbapi_connection, sql)


def _placeholder(conn: Connection) -> str:
    dbapi = conn.dialect.dbapi
    style = getattr(dbapi, "paramstyle", "qmark")
    if style == "qmark":
        return "?"
    if style in ("format", "pyformat"):
        return "%s"
    raise StoreWriteError(
        f"the {conn.dialect.name} driver's paramstyle {style!r} is not supported for imports"
    )


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def begin_import(conn: Connection, *, write: bool) -> None:
    """Start the import's transaction on ``conn`` (right after ``conn.begin()``).

    On SQLite a writing import takes the write lock at once (``BEGIN IMMEDIATE``), so what it reads
    and classifies is what it writes over; a dry run reads one consistent snapshot.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# ---------------------------------------------------------------------------------------------------
# Values as the driver stores them
# ---------------------------------------------------------------------------------------------------


def stored_form(conn: Connection, tmap: TableMap, column: str, values: list[Any]) -> list[Any]:
    """``values`` of ``column`` in the form the database keeps and returns (dates as text on SQLite)."""
    if conn.dialect.name == "sqlite" and isinstance(tmap.table.c[column].type, Date):
        return [value.isoformat() if value is not None else None for value in values]
    return values


def plain_value(tmap: TableMap, column: str, value: Any) -> Any:
    """A stored value as JSON can hold it (for the audit log): dates as text, flags as booleans."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(tmap.table.c[column].type, Boolean):
        return bool(value)
    return value


# ---------------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------------


def lookup_ids(conn: Connection, target: str, codes: Collection[str]) -> dict[str, int]:
    """The id of each of ``codes`` naming a row of ``target`` (institution, staff, product, customer, txn)."""
    key = _CODE_COLUMN[target]
    mark = _placeholder(conn)
    found: dict[str, int] = {}
    with _cursor(conn) as cursor:
        for chunk in _chunks(list(codes)):
            sql = (
                f"SELECT {_q(conn, key)}, id FROM {_q(conn, target)} "
                f"WHERE {_q(conn, key)} IN ({', '.join([mark] * len(chunk))})"
            )
            cursor.execute(sql, tuple(chunk))
            found.update(cursor.fetchall())
    return found


def load_existing(
    conn: Connection, tmap: TableMap, keys: Sequence[Any], columns: Sequence[str]
) -> dict[Any, tuple[Any, ...]]:
    """The stored rows for natural ``keys``: key → (primary key, value of each of ``columns``…).

    A single-column key is the value itself; the AUM key is ``(customer_id, month_idx)`` and its
    primary key is that same tuple.
    """
    if not keys:
        return {}
    mark = _placeholder(conn)
    table = _q(conn, tmap.table.name)
    selected = ", ".join(_q(conn, c) for c in columns)
    found: dict[Any, tuple[Any, ...]] = {}
    with _cursor(conn) as cursor:
        if len(tmap.key_columns) == 1:
            key = _q(conn, tmap.key_columns[0])
            pk = _q(conn, tmap.pk_columns[0])
            rest = f", {selected}" if columns else ""
            for chunk in _chunks(list(dict.fromkeys(keys))):
                marks = ", ".join([mark] * len(chunk))
                sql = f"SELECT {key}, {pk}{rest} FROM {table} WHERE {key} IN ({marks})"
                cursor.execute(sql, tuple(chunk))
                for row in cursor.fetchall():
                    found[row[0]] = row[1:]
            return found
        # The composite key (customer_id, month_idx): read by customer, narrowed by month when few.
        first, second = (_q(conn, c) for c in tmap.key_columns)
        seconds = sorted(set(map(itemgetter(1), keys)))
        month_filter = ""
        if len(seconds) <= 24:
            month_filter = f" AND {second} IN ({', '.join([mark] * len(seconds))})"
        rest = f", {selected}" if columns else ""
        wanted: set[Any] = set()
        for chunk in _chunks(sorted(set(map(itemgetter(0), keys)))):
            params = tuple(chunk) + (tuple(seconds) if month_filter else ())
            cursor.execute(
                f"SELECT {first}, {second}{rest} FROM {table} "
                f"WHERE {first} IN ({', '.join([mark] * len(chunk))}){month_filter}",
                params,
            )
            rows = cursor.fetchall()
            if rows and not wanted:
                wanted = set(keys)
            for row in rows:
                pair = (row[0], row[1])
                if pair in wanted:
                    found[pair] = (pair, *row[2:])
    return found


def institution_parents(conn: Connection) -> dict[str, str | None]:
    """Every stored institution's code → its parent's code (None for the top)."""
    with _cursor(conn) as cursor:
        cursor.execute(
            "SELECT i.code, p.code FROM institution i LEFT JOIN institution p ON p.id = i.parent_id"
        )
        return dict(cursor.fetchall())


def sales_in_use(conn: Connection, txn_ids: Collection[str]) -> set[str]:
    """Those of ``txn_ids`` whose sale already has credits or registrations."""
    mark = _placeholder(conn)
    used: set[str] = set()
    with _cursor(conn) as cursor:
        for chunk in _chunks(list(txn_ids)):
            cursor.execute(
                "SELECT t.txn_id FROM txn t "
                f"WHERE t.txn_id IN ({', '.join([mark] * len(chunk))}) "
                "AND (EXISTS (SELECT 1 FROM sale_credit c WHERE c.txn_pk = t.id) "
                "OR EXISTS (SELECT 1 FROM sale_registration r WHERE r.txn_pk = t.id))",
                tuple(chunk),
            )
            used.update(row[0] for row in cursor.fetchall())
    return used


# ---------------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------------


def insert_rows(
    conn: Connection, tmap: TableMap, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) with one ``executemany``."""
    if not rows:
        return
    mark = _placeholder(conn)
    sql = (
        f"INSERT INTO {_q(conn, tmap.table.name)} ({', '.join(_q(conn, c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    with _cursor(conn) as cursor:
        cursor.executemany(sql, rows)
    _written(conn, sql)


def update_rows(
    conn: Connection, tmap: TableMap, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Update stored rows in place: each row holds the new values of ``columns``, then its primary key."""
    if not rows or not columns:
        return
    mark = _placeholder(conn)
    sets = ", ".join(f"{_q(conn, c)} = {mark}" for c in columns)
    where = " AND ".join(f"{_q(conn, c)} = {mark}" for c in tmap.pk_columns)
    sql = f"UPDATE {_q(conn, tmap.table.name)} SET {sets} WHERE {where}"
    with _cursor(conn) as cursor:
        cursor.executemany(sql, rows)
    _written(conn, sql)


def set_parents(conn: Connection, pairs: Iterable[tuple[int, str]]) -> None:
    """Point institutions (by code) at parents (by id): ``pairs`` of (parent id, child code)."""
    rows = list(pairs)
    if not rows:
        return
    mark = _placeholder(conn)
    sql = f"UPDATE institution SET parent_id = {mark} WHERE code = {mark}"
    with _cursor(conn) as cursor:
        cursor.executemany(sql, rows)
    _written(conn, sql)


def sync_sales(conn: Connection, txn_ids: Collection[str]) -> None:
    """Keep the ``sale`` rows of transactions ``txn_ids`` in step with them.

    A transaction with a product is a sale: its sale row gets the transaction's institution, product,
    date and amount (inserted when missing); a sale whose transaction no longer has a product is
    removed. Attribution state (``attributed_at``) and credits are left as they are.
    """
    mark = _placeholder(conn)
    with _cursor(conn) as cursor:
        for chunk in _chunks(list(txn_ids)):
            marks = ", ".join([mark] * len(chunk))
            params = tuple(chunk)
            cursor.execute(
                "DELETE FROM sale WHERE txn_pk IN "
                f"(SELECT id FROM txn WHERE txn_id IN ({marks}) AND product_id IS NULL)",
                params,
            )
            cursor.execute(
                "UPDATE sale SET "
                "institution_id = (SELECT t.institution_id FROM txn t WHERE t.id = sale.txn_pk), "
                "product_id = (SELECT t.product_id FROM txn t WHERE t.id = sale.txn_pk), "
                "sale_date = (SELECT t.txn_date FROM txn t WHERE t.id = sale.txn_pk), "
                "amount_fen = (SELECT t.amount_fen FROM txn t WHERE t.id = sale.txn_pk) "
                f"WHERE txn_pk IN (SELECT id FROM txn WHERE txn_id IN ({marks}))",
                params,
            )
            cursor.execute(
                "INSERT INTO sale (txn_pk, institution_id, product_id, sale_date, amount_fen) "
                "SELECT t.id, t.institution_id, t.product_id, t.txn_date, t.amount_fen FROM txn t "
                f"WHERE t.txn_id IN ({marks}) AND t.product_id IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM sale s WHERE s.txn_pk = t.id)",
                params,
            )
