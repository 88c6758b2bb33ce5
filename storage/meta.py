"""Reading and writing the store's key/value facts and its versioned parameters."""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select

from storage.models import Parameter, StoreMeta

_META = StoreMeta.__table__  # type: ignore[attr-defined]
_PARAM = Parameter.__table__  # type: ignore[attr-defined]

#: The business date the store was built or last synced for (``YYYY-MM-DD``).
BUSINESS_DATE = "business_date"
#: When the store last synced with the central database (an ISO timestamp in UTC); absent until then.
LAST_SYNC = "last_sync_at"


def get_meta(conn: Connection, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    return conn.execute(select(_META.c.value).where(_META.c.key == key)).scalar_one_or_none()


def set_meta(conn: Connection, key: str, value: str) -> None:
    """Store ``value`` under ``key``, replacing any earlier value."""
    conn.execute(delete(_META).where(_META.c.key == key))
    conn.execute(insert(_META).values(key=key, value=value))


def parameters(conn: Connection) -> dict[str, str]:
    """Every parameter's value in force (its highest version)."""
    latest = (
        select(_PARAM.c.key, func.max(_PARAM.c.version).label("version")).group_by(_PARAM.c.key).subquery()
    )
    rows = conn.execute(
        select(_PARAM.c.key, _PARAM.c.value).join(
            latest, (latest.c.key == _PARAM.c.key) & (latest.c.version == _PARAM.c.version)
        )
    )
    return {key: value for key, value in rows}
