"""Prepared days (SPEC §6): the views of an RM's day that come from the bank's data, computed once per
day and kept until that data changes.

The day's reminders about holdings, transactions, birthdays, important dates, festivals and risk
assessments, the product recommendations and the churn alerts, and a month of those reminders on the
work calendar, depend on the day and on the tables in :data:`INPUTS` alone: data that reaches the
store by import, allocation, the tier engine or a risk assessment, a few times a day at most. What the
RM records (visit plans, follow-ups, manual reminders, what they marked done or dismissed) is read
afresh every time. So :mod:`rm_console.services.today` and :mod:`rm_console.services.calendar` keep
the computed part in ``prepared_day``, one row per RM and view (``today``, ``month:YYYY-MM``), and
reuse it while the store's *inputs version* is the one it was computed at.

The inputs version is a counter in ``store_meta``. Every statement that writes one of :data:`INPUTS`
raises it in the same transaction: statements run through an engine of
:func:`storage.engine.make_engine` by the hook :func:`watch` installs, the imports' raw DBAPI writes
by :func:`note_write`. A prepared day is stored only if the version is still the one read before its
facts were, so a write that lands while a day is being computed can never be hidden by it.

Local to a SQLite store: prepared days are derived data, never synced and never audited.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, delete, event, insert, select
from sqlalchemy.exc import DBAPIError

from storage.models import PreparedDay, StoreMeta
from storage.types import utcnow

_PREPARED = PreparedDay.__table__  # type: ignore[attr-defined]
_META = StoreMeta.__table__  # type: ignore[attr-defined]

#: The tables a prepared day is computed from; a write to any of them makes every prepared day stale.
INPUTS: frozenset[str] = frozenset(
    {
        "assignment",
        "customer",
        "customer_tier",
        "holding",
        "important_date",
        "monthly_aum",
        "parameter",
        "product",
        "risk_assessment",
        "tier_rule",
        "tier_rule_set",
        "txn",
    }
)
#: The ``store_meta`` key of the inputs version.
VERSION_KEY = "prepared_inputs_version"
#: Milliseconds storing a prepared day waits for another writer before giving up (it is only a saving).
STORE_WAIT_MS = 200

#: The table each INSERT, REPLACE, UPDATE or DELETE of a statement writes (any number per statement).
_WRITES = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[\"`\[]?(\w+)",
    re.IGNORECASE,
)
_BUMP = (
    "INSERT INTO store_meta (key, value) VALUES (?, '1') "
    "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
)


def writes_input(statement: str) -> bool:
    """Whether the SQL ``statement`` writes one of :data:`INPUTS`."""
    head = statement.lstrip()[:6].upper()
    if head in ("SELECT", "PRAGMA"):
        return False
    return any(match.group(1).lower() in INPUTS for match in _WRITES.finditer(statement))


def bump(dbapi_connection: Any) -> None:
    """Raise the inputs version on the DBAPI connection ``dbapi_connection``, in its open transaction:
    every prepared day of the store becomes stale."""
    dbapi_connection.execute(_BUMP, (VERSION_KEY,))


def note_write(dbapi_connection: Any, statement: str) -> None:
    """:func:`bump` the inputs version on ``dbapi_connection`` if ``statement``, which just ran there,
    wrote one of :data:`INPUTS`."""
    if writes_input(statement):
        bump(dbapi_connection)


def _after_execute(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    note_write(cursor.connection, statement)


def watch(engine: Engine) -> None:
    """Raise the inputs version after every statement ``engine`` runs that writes one of :data:`INPUTS`
    (a SQLite engine; :func:`storage.engine.make_engine` calls this)."""
    event.listen(engine, "after_cursor_execute", _after_execute)


def inputs_version(conn: Connection) -> int:
    """The store's inputs version (0 before the first write to an input)."""
    value = conn.execute(select(_META.c.value).where(_META.c.key == VERSION_KEY)).scalar_one_or_none()
    return int(value) if value is not None else 0


def load(conn: Connection, staff_id: int, view: str, day: date, version: int) -> str | None:
    """The body of the staff member's prepared ``view`` of ``day`` if it was computed at inputs
    ``version``."""
    return conn.execute(
        select(_PREPARED.c.body).where(
            _PREPARED.c.staff_id == staff_id,
            _PREPARED.c.view == view,
            _PREPARED.c.day == day,
            _PREPARED.c.inputs_version == version,
        )
    ).scalar_one_or_none()


def store(conn: Connection, staff_id: int, view: str, day: date, version: int, body: str) -> bool:
    """Keep ``body`` as the staff member's prepared ``view`` of ``day`` and commit, unless the inputs
    version has moved past ``version`` since the view's facts were read; the staff member's views of
    other days, or of other versions, go. Returns whether it was kept; a store that is busy or cannot
    be written is left as it was (the view is only not saved)."""
    from storage.engine import SQLITE_BUSY_TIMEOUT_MS

    conn.exec_driver_sql(f"PRAGMA busy_timeout = {STORE_WAIT_MS}")
    try:
        # The delete takes the write lock first, so no input can change between the check and the insert.
        conn.execute(
            delete(_PREPARED).where(
                _PREPARED.c.staff_id == staff_id,
                (_PREPARED.c.view == view)
                | (_PREPARED.c.day != day)
                | (_PREPARED.c.inputs_version != version),
            )
        )
        if inputs_version(conn) != version:
            conn.rollback()
            return False
        conn.execute(
            insert(_PREPARED).values(
                staff_id=staff_id, view=view, day=day, inputs_version=version, body=body, prepared_at=utcnow()
            )
        )
        conn.commit()
        return True
    except DBAPIError:
        conn.rollback()
        return False
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


__all__ = [
    "INPUTS",
    "STORE_WAIT_MS",
    "VERSION_KEY",
    "bump",
    "inputs_version",
    "load",
    "note_write",
    "store",
    "watch",
    "writes_input",
]
