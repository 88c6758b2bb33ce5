"""The acting person and their customers by tier: what the console's first screen shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rm_console.domain.dto import Overview, ShellInfo, StaffDTO, TierCount
from rm_console.domain.enums import Tier
from rm_console.domain.errors import NotFound
from rm_console.services.acting import staff_dto
from storage import outbox
from storage.meta import BUSINESS_DATE, LAST_SYNC, get_meta
from storage.overview import tier_status_counts
from storage.scope import all_staff, staff_by_code, visible_customer_ids

if TYPE_CHECKING:
    from rm_console.services.context import Services


class OverviewService:
    """Reads who is acting and counts the customers they may see by tier and status."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def acting(self) -> StaffDTO | None:
        """The acting staff member, None when nobody is acting; NotFound for an unknown code."""
        code = self._services.actor
        if code is None:
            return None
        with self._services.engine.connect() as conn:
            row = staff_by_code(conn, code)
        if row is None:
            raise NotFound("no staff member has the code {code!r}", code=code)
        return staff_dto(row)

    def staff(self) -> tuple[StaffDTO, ...]:
        """Every active staff member, by institution, role and code: whom the sign-in picker offers."""
        with self._services.engine.connect() as conn:
            return tuple(staff_dto(row) for row in all_staff(conn))

    def shell(self) -> ShellInfo:
        """The header line: the acting person (None when nobody is), business date, last sync and how
        many changes wait to go up."""
        acting = self.acting()
        with self._services.engine.connect() as conn:
            return ShellInfo(
                acting, get_meta(conn, BUSINESS_DATE), get_meta(conn, LAST_SYNC), pending=outbox.pending(conn)
            )

    def load(self) -> Overview:
        """The overview for the acting person (no customers when nobody is acting)."""
        code = self._services.actor
        with self._services.engine.connect() as conn:
            business_date = get_meta(conn, BUSINESS_DATE)
            if code is None:
                return Overview(None, business_date, 0, (), None)
            row = staff_by_code(conn, code)
            if row is None:
                raise NotFound("no staff member has the code {code!r}", code=code)
            scope = visible_customer_ids(int(row["id"]), str(row["role"]), int(row["institution_id"]))
            total, counts, month = tier_status_counts(conn, scope)
        tiers = []
        for tier in Tier:
            by_status = {str(s): n for (t, s), n in counts.items() if t == tier and s is not None}
            customers = sum(n for (t, _), n in counts.items() if t == tier)
            tiers.append(TierCount(tier=tier.value, customers=customers, by_status=by_status))
        return Overview(staff_dto(row), business_date, total, tuple(tiers), month)
