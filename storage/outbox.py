"""The sync outbox: terminal-authored changes waiting to go up to the central database (ARCHITECTURE.md,
"Sync").

A service that changes a terminal-authored record (a sale registration, a visit, a work-log entry…)
calls :func:`enqueue` in the change's own transaction, so the change and its outbox row commit or roll
back together. Rows keep device order by their ``seq``; each has a fresh mutation id, so a replayed
push is recognised centrally. Append-only records go up as ``insert`` (insert-if-absent centrally);
edits go up as ``update`` with the changed fields and the ``base_version`` they were based on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select

from storage.models import SyncOutbox
from storage.types import new_id, utcnow

_OUTBOX = SyncOutbox.__table__  # type: ignore[attr-defined]

#: The operations a mutation may carry.
OPERATIONS = ("insert", "update", "delete")


def enqueue(
    conn: Connection,
    *,
    entity: str,
    entity_id: str,
    op: str,
    payload: dict[str, Any],
    base_version: int | None = None,
) -> None:
    """Append one mutation to the outbox inside ``conn``'s transaction.

    ``payload`` must be JSON-serialisable (dates and times as ISO text, ids as strings): the whole
    record for an ``insert``, the changed fields for an ``update``. Raises ValueError for an unknown
    ``op``.
    """
    if op not in OPERATIONS:
        raise ValueError(f"unknown outbox operation {op!r}; expected one of {', '.join(OPERATIONS)}")
    conn.execute(
        insert(_OUTBOX).values(
            mutation_id=new_id(),
            entity=entity,
            entity_id=entity_id,
            op=op,
            payload=payload,
            base_version=base_version,
            created_at=utcnow(),
        )
    )


__all__ = ["OPERATIONS", "enqueue"]


def pending(conn: Connection) -> int:
    """How many changes wait to go up (acknowledged rows are removed, so every row is waiting)."""
    return int(conn.execute(select(func.count()).select_from(_OUTBOX)).scalar_one())
