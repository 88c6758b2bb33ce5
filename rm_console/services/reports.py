"""Reports over the acting person's customers: the churn report and the tier counts (SPEC §3, issue 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select

from rm_console.domain.calendar import month_text, parse_month
from rm_console.domain.dto import (
    ChurnReport,
    ChurnReportRow,
    ReportScope,
    RmShare,
    TierReport,
    TierReportRow,
)
from rm_console.domain.enums import Role
from rm_console.domain.errors import NotFound, PermissionRefused, Phrase, UserError
from rm_console.services.acting import acting_staff, role_phrase, staff_dto
from storage.reports import (
    aum_month_range,
    churn_rows,
    customers_in_institution,
    institution_by_code,
    institution_is_within,
    stored_evaluation_month,
    tier_counts,
)
from storage.scope import visible_customer_ids
from storage.tiers import current_version

if TYPE_CHECKING:
    from rm_console.services.context import Services


def _share(code: str | None, name: str | None, pct: int | None) -> RmShare | None:
    if code is None:
        return None
    return RmShare(code=code, name=str(name), pct=int(pct or 0))


def _churn_row(row: dict[str, Any]) -> ChurnReportRow:
    return ChurnReportRow(
        cif=row["cif"],
        name=row["name"],
        institution_code=row["institution_code"],
        institution_name=row["institution_name"],
        tier=row["tier"],
        status=row["status"],
        churned_from=row["churned_from"],
        months_below=int(row["months_below"]),
        measured_tier=row["measured_tier"],
        window_months=int(row["window_months"]),
        owner=_share(row["owner_code"], row["owner_name"], row["owner_pct"]),
        secondary=tuple(RmShare(s["code"], s["name"], int(s["pct"])) for s in row["secondary"]),
        aum_now_fen=int(row["aum_now_fen"]),
        peak_aum_fen=int(row["peak_aum_fen"]),
        peak_month=row["peak_month"],
    )


class ReportService:
    """The churn report and the tier counts, over the customers the acting person may see (SPEC §1)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def churn(self, *, institution: str | None = None, month: str | None = None) -> ChurnReport:
        """The churned and attention customers in scope at ``month`` (``YYYY-MM``; default: the month
        of the stored evaluation), narrowed to ``institution`` and the institutions below it if given.

        A month without a stored evaluation is evaluated for the report; nothing stored changes.
        Raises PermissionRefused when nobody is acting or the institution is outside the person's
        scope, NotFound for an unknown staff or institution code, UserError for a bad month.
        """
        with self._services.engine.connect() as conn:
            scope, customer_ids = self._scope(conn, institution, Phrase("the churn report"))
            month_idx = self._month(conn, month)
            try:
                rows, source, version = churn_rows(conn, customer_ids, month_idx)
            except LookupError:
                in_force = current_version(conn)
                if in_force is None:
                    raise UserError("the store has no tier rule set; run 'rmc db upgrade'") from None
                raise UserError("tier rule set version {version} does not exist", version=in_force) from None
            conn.rollback()
        return ChurnReport(
            month=month_text(month_idx),
            scope=scope,
            source=source,
            rule_version=version,
            rows=tuple(_churn_row(row) for row in rows),
        )

    def tiers(self, *, institution: str | None = None) -> TierReport:
        """Customers in scope by institution × tier × status, from the stored evaluation, narrowed to
        ``institution`` and the institutions below it if given.

        Raises PermissionRefused, NotFound as :meth:`churn` does, and UserError when the store has no
        tier evaluation.
        """
        with self._services.engine.connect() as conn:
            scope, customer_ids = self._scope(conn, institution, Phrase("the tier report"))
            month_idx = stored_evaluation_month(conn)
            if month_idx is None:
                raise UserError("the store has no tier evaluation yet; run 'rmc tiers recompute' first")
            rows = tuple(
                TierReportRow(
                    institution_code=row["institution_code"],
                    institution_name=row["institution_name"],
                    tier=row["tier"],
                    status=row["status"],
                    customers=int(row["customers"]),
                )
                for row in tier_counts(conn, customer_ids)
            )
        return TierReport(
            month=month_text(month_idx),
            scope=scope,
            customers=sum(row.customers for row in rows),
            rows=rows,
        )

    def _scope(
        self, conn: Connection, institution: str | None, what: Phrase
    ) -> tuple[ReportScope, Select[tuple[int]]]:
        """The acting person's scope, narrowed to ``institution`` when given, and its customer ids."""
        row = acting_staff(conn, self._services.actor, doing=what)
        acting = staff_dto(row)
        customer_ids = visible_customer_ids(int(row["id"]), acting.role, int(row["institution_id"]))
        if institution is None:
            return ReportScope(acting), customer_ids
        place = institution_by_code(conn, institution)
        if place is None:
            raise NotFound("no institution has the code {code!r}", code=institution)
        if acting.role != Role.ANALYST and not institution_is_within(
            conn, int(place["id"]), int(row["institution_id"])
        ):
            raise PermissionRefused(
                "{staff} ({role} at {institution}) may not see institution {code}; choose {institution} "
                "or an institution under it",
                staff=acting.code,
                role=role_phrase(acting.role),
                institution=acting.institution_code,
                code=place["code"],
            )
        narrowed = customers_in_institution(customer_ids, int(place["id"]))
        return ReportScope(acting, str(place["code"]), str(place["name"])), narrowed

    @staticmethod
    def _month(conn: Connection, month: str | None) -> int:
        """The month index to report: ``month`` validated, or the stored evaluation's month."""
        if month is None:
            stored = stored_evaluation_month(conn)
            if stored is None:
                raise UserError("the store has no tier evaluation yet; run 'rmc tiers recompute' first")
            return stored
        try:
            month_idx = parse_month(month)
        except ValueError:
            raise UserError("--month: {text!r} is not a month (YYYY-MM)", text=month) from None
        figures = aum_month_range(conn)
        if figures is None:
            raise UserError("the store has no monthly AUM figures to report on")
        first, last = figures
        if not first <= month_idx <= last:
            raise UserError(
                "--month {month}: the store has monthly AUM from {first} to {last}",
                month=month,
                first=month_text(first),
                last=month_text(last),
            )
        return month_idx
