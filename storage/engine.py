"""Engines for the local store and the central database.

``make_engine`` is the only place an engine is made; nothing here runs at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

#: Milliseconds a writer waits for the SQLite lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Rows SQLite's ANALYZE samples per index: enough for the planner's choices, and quick on a big store.
SQLITE_ANALYSIS_LIMIT = 1000


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite store file."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``.

    A SQLite file is opened with WAL, ``foreign_keys=ON``, a busy timeout and ``synchronous=FULL``
    on every connection, and its writes to the inputs of prepared days are watched
    (:func:`storage.prepared.watch`). In-memory SQLite is refused: it breaks thread workers and loses data.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            raise ValueError("the local store must be a file; in-memory SQLite is not supported")
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        from storage import prepared

        prepared.watch(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def refresh_statistics(conn: Connection) -> None:
    """Refresh the query planner's statistics after a bulk change (a demo build, an import, a migration).

    Without them SQLite takes any indexed ``IN`` list for a selective one and would, for instance, sort
    a whole branch to list its first page of customers instead of reading them in order.
    """
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}"))
    conn.execute(text("ANALYZE"))
