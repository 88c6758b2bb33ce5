"""The audit log: one row per change a person makes, written in the change's own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert

from storage.models import AuditLog
from storage.types import utcnow

_AUDIT = AuditLog.__table__  # type: ignore[attr-defined]


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one audit row (actor, action, entity, before, after, now) inside ``conn``'s transaction."""
    conn.execute(
        insert(_AUDIT).values(
            at=utcnow(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


def record_many(conn: Connection, rows: list[dict[str, Any]], *, actor: str, action: str) -> None:
    """Append several audit rows at once; each dict has ``entity``, ``entity_id``, ``before``, ``after``."""
    if not rows:
        return
    now = utcnow()
    conn.execute(insert(_AUDIT), [{"at": now, "actor": actor, "action": action, **row} for row in rows])
