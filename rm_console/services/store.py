"""Creating and migrating the local store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rm_console.domain.errors import UserError
from storage import migrate

if TYPE_CHECKING:
    from rm_console.services.context import Services


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """The store's schema revision before and after an upgrade."""

    path: str
    before: str | None
    after: str


class StoreService:
    """Schema management for the local store."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def upgrade(self) -> UpgradeResult:
        """Create the store if it is missing and apply every pending migration."""
        before, after = migrate.upgrade(self._services.engine)
        if before is not None and before != after:
            from storage.audit import record

            with self._services.engine.begin() as conn:
                record(
                    conn,
                    actor=self._services.audit_actor,
                    action="migrate",
                    entity="store",
                    before={"revision": before},
                    after={"revision": after},
                )
        return UpgradeResult(str(self._services.db_path), before, after)

    def require_current(self) -> None:
        """Refuse to work on a store that is missing or not at the newest schema."""
        path = self._services.db_path
        if not path.exists():
            raise UserError("{path}: no store here yet; run 'rmc demo' or 'rmc db upgrade' first", path=path)
        current = migrate.stored_revision(self._services.engine)
        if current != migrate.SCHEMA_HEAD:
            raise UserError(
                "{path}: the store is at schema {current}, not {head}; run 'rmc db upgrade'",
                path=path,
                current=current or "none",
                head=migrate.SCHEMA_HEAD,
            )
