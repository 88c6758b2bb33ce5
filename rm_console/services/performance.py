"""Sales performance (SPEC §5): the month's leaderboard of an institution and the sales report by staff,
outlet or product, in weighted sales (:mod:`rm_console.domain.performance`).

Who may look where:

* an analyst: any institution (default: the head office, the root of the hierarchy);
* a branch manager: their institution and the institutions below it (default: their institution);
* an RM or a teller: their institution, the institutions below it and those above it, so an outlet's
  RM sees the branch board (default: the nearest branch at or above their institution — the board the
  workbench shows). In the sales report an RM or teller sees only their own credits: ``by staff``
  is their own row, ``by outlet`` and ``by product`` split their own credits; the default institution
  there is the head office, so that every credit of theirs counts.

The month defaults to the store's business date's month (``store_meta.business_date``; today in
Asia/Shanghai when the store has none).
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Select

from rm_console.domain.calendar import (
    business_date,
    month_idx,
    month_start,
    month_text,
    parse_date,
    parse_month,
)
from rm_console.domain.dto import ReportScope, StaffDTO
from rm_console.domain.enums import InstitutionKind, Role
from rm_console.domain.errors import NotFound, PermissionRefused, Phrase, UserError
from rm_console.domain.performance import (
    SALES_REPORT_KEYS,
    Leaderboard,
    LeaderboardRow,
    ProductSums,
    SalesReport,
    SalesReportRow,
    figures_from_sums,
    rank_order,
    ranked,
    sorted_report_rows,
)
from rm_console.services.acting import acting_staff, role_phrase, staff_dto
from storage.meta import BUSINESS_DATE, get_meta
from storage.performance import GroupKey, covers_every_institution, credit_sums, institution_chain
from storage.scope import institution_and_descendants, institution_by_code, institution_is_within

if TYPE_CHECKING:
    from rm_console.services.context import Services

#: Roles that see a board of the institutions above them too, and only their own credits in reports.
_FRONT_LINE = (Role.RM.value, Role.TELLER.value)


@dataclass(frozen=True, slots=True)
class _Request:
    """A resolved request: who acts, over which institution, for which month."""

    staff_id: int
    acting: StaffDTO
    place_id: int
    place_code: str
    place_name: str
    month_idx: int
    #: True when the institution is the root of every other: no institution filter is needed.
    whole: bool

    def tree(self, name: str) -> Select[tuple[int]] | None:
        """The select of the institution's tree (a CTE named ``name``), None when it is every one."""
        return None if self.whole else institution_and_descendants(self.place_id, name=name)

    @property
    def scope(self) -> ReportScope:
        """The DTO scope of the request."""
        return ReportScope(self.acting, self.place_code, self.place_name)

    @property
    def first(self) -> date:
        """The first day of the month."""
        return month_start(self.month_idx)

    @property
    def last(self) -> date:
        """The last day of the month."""
        first = self.first
        return first.replace(day=monthrange(first.year, first.month)[1])


def _sums(row: dict[str, Any]) -> ProductSums:
    return ProductSums(
        weight_bp=int(row["weight_bp"]),
        category=str(row["category"]),
        amount_ratio=int(row["amount_ratio"]),
        ratio=int(row["ratio"]),
        sales=int(row["sales"]),
    )


class PerformanceService:
    """Weighted sales of a month: the leaderboard and the sales report (SPEC §5)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def leaderboard(self, institution: str | None = None, month: str | None = None) -> Leaderboard:
        """The sales leaderboard (销售排行榜) of ``institution`` (a code; default by role, see the module)
        for ``month`` (``YYYY-MM``; default the business month).

        Ranks the staff working at the institution or below it who are credited with sales of that
        institution or below it in the month, by weighted sales (ties by name, then code), and marks
        the acting person's row. Raises PermissionRefused when nobody is acting or the institution is
        outside what they may see, NotFound for an unknown staff or institution code, UserError for a
        bad month.
        """
        with self._services.engine.connect() as conn:
            request = self._request(
                conn, institution, month, doing=Phrase("see the sales leaderboard"), report=False
            )
            rows = credit_sums(
                conn,
                institutions=request.tree("sale_tree"),
                first=request.first,
                last=request.last,
                by="staff",
                staff_institutions=request.tree("staff_tree"),
            )
        people: dict[str, dict[str, Any]] = {}
        parts: dict[str, list[ProductSums]] = defaultdict(list)
        for row in rows:
            people[row["key_code"]] = row
            parts[row["key_code"]].append(_sums(row))
        entries = [(people[code], figures_from_sums(sums)) for code, sums in parts.items()]
        board = tuple(
            LeaderboardRow(
                rank=rank,
                staff_code=str(person["key_code"]),
                staff_name=str(person["key_name"]),
                institution_code=str(person["institution_code"]),
                institution_name=str(person["institution_name"]),
                weighted_fen=figures.weighted_fen,
                units=figures.units,
                credited_fen=figures.credited_fen,
                sales=figures.sales,
                mine=person["key_code"] == request.acting.code,
            )
            for rank, (person, figures) in ranked(
                entries,
                key=lambda entry: rank_order(
                    entry[1].weighted_fen, str(entry[0]["key_name"]), entry[0]["key_code"]
                ),
            )
        )
        return Leaderboard(month=month_text(request.month_idx), scope=request.scope, rows=board)

    def sales_report(
        self, by: str = "staff", month: str | None = None, institution: str | None = None
    ) -> SalesReport:
        """Weighted sales of ``month`` (default the business month) by ``by`` — ``staff``, ``outlet``
        (the sale's institution) or ``product`` — over the sales of ``institution`` and the
        institutions below it, with the total of everything the report covers.

        Analysts see any institution (default the head office), branch managers their tree (default
        their institution); RMs and tellers see only their own credits (see the module). Rows are
        ordered by weighted sales, then units (both descending), then key. Raises as
        :meth:`leaderboard` does, and UserError for an unknown ``by``.
        """
        if by not in SALES_REPORT_KEYS:
            raise UserError(
                "--by: {by!r} is not a grouping; choose {choices}",
                by=by,
                choices=", ".join(SALES_REPORT_KEYS),
            )
        with self._services.engine.connect() as conn:
            request = self._request(
                conn, institution, month, doing=Phrase("run the sales report"), report=True
            )
            own_only = request.acting.role in _FRONT_LINE
            options: dict[str, Any] = {
                "first": request.first,
                "last": request.last,
                "staff_id": request.staff_id if own_only else None,
            }
            rows = credit_sums(
                conn,
                institutions=request.tree("sale_tree"),
                by=cast(GroupKey, by),
                **options,
            )
            # By outlet or product every sale falls in one (key, product) row, so the rows add up to
            # the total exactly; by staff a split sale is in several rows, and the total is its own query.
            totals = (
                credit_sums(conn, institutions=request.tree("sale_tree"), by=None, **options)
                if by == "staff"
                else rows
            )
        labels: dict[str, dict[str, Any]] = {}
        parts: dict[str, list[ProductSums]] = defaultdict(list)
        for row in rows:
            labels[row["key_code"]] = row
            parts[row["key_code"]].append(_sums(row))
        report_rows = [
            SalesReportRow(
                key=str(code),
                name=str(labels[code]["key_name"]),
                institution_code=labels[code]["institution_code"] if by == "staff" else None,
                category=str(labels[code]["category"]) if by == "product" else None,
                figures=figures_from_sums(sums),
            )
            for code, sums in parts.items()
        ]
        return SalesReport(
            by=by,
            month=month_text(request.month_idx),
            scope=request.scope,
            own_only=own_only,
            rows=sorted_report_rows(report_rows),
            total=figures_from_sums(_sums(row) for row in totals),
        )

    # -----------------------------------------------------------------------------------------------

    def _request(
        self, conn: Connection, institution: str | None, month: str | None, *, doing: Phrase, report: bool
    ) -> _Request:
        """Who acts, the institution they asked for (checked) or their default one, and the month."""
        row = acting_staff(conn, self._services.actor, doing=doing)
        acting = staff_dto(row)
        role = acting.role
        chain = institution_chain(conn, int(row["institution_id"]))
        if role not in (Role.ANALYST, Role.BRANCH_MANAGER, *_FRONT_LINE):
            raise PermissionRefused(
                "{code} is a {role}; only analysts, branch managers, RMs and tellers may {doing}",
                code=acting.code,
                role=role_phrase(role),
                doing=doing,
            )
        if institution is None:
            place = self._default_place(role, chain, report=report)
        else:
            found = institution_by_code(conn, institution)
            if found is None:
                raise NotFound("no institution has the code {code!r}", code=institution)
            place = found
            self._check_place(conn, acting, int(row["institution_id"]), chain, place, doing)
        return _Request(
            staff_id=int(row["id"]),
            acting=acting,
            place_id=int(place["id"]),
            place_code=str(place["code"]),
            place_name=str(place["name"]),
            month_idx=self._month(conn, month),
            whole=covers_every_institution(conn, int(place["id"])),
        )

    @staticmethod
    def _default_place(role: str, chain: list[dict[str, Any]], *, report: bool) -> dict[str, Any]:
        """The institution shown when none is asked for (see the module)."""
        if role == Role.ANALYST or (report and role in _FRONT_LINE):
            return chain[-1]
        if role == Role.BRANCH_MANAGER:
            return chain[0]
        return next((place for place in chain if place["kind"] == InstitutionKind.BRANCH), chain[0])

    @staticmethod
    def _check_place(
        conn: Connection,
        acting: StaffDTO,
        own_id: int,
        chain: list[dict[str, Any]],
        place: dict[str, Any],
        doing: Phrase,
    ) -> None:
        """Refuse an institution outside what the acting person may see."""
        if acting.role == Role.ANALYST:
            return
        place_id = int(place["id"])
        if institution_is_within(conn, place_id, own_id):
            return
        named = {
            "code": acting.code,
            "role": role_phrase(acting.role),
            "own": acting.institution_code,
            "doing": doing,
            "place": place["code"],
        }
        if acting.role in _FRONT_LINE:
            if any(int(above["id"]) == place_id for above in chain):
                return
            raise PermissionRefused(
                "{code} ({role} at {own}) may not {doing} for institution {place}; choose {own}, "
                "an institution under it or one above it",
                **named,
            )
        raise PermissionRefused(
            "{code} ({role} at {own}) may not {doing} for institution {place}; choose {own} "
            "or an institution under it",
            **named,
        )

    @staticmethod
    def _month(conn: Connection, month: str | None) -> int:
        """The month index asked for, or the business date's month."""
        if month is not None:
            try:
                asked = parse_month(month)
                month_start(asked)  # year 0 parses but is no calendar month
            except ValueError:
                raise UserError("--month: {month!r} is not a month (YYYY-MM)", month=month) from None
            return asked
        stored = get_meta(conn, BUSINESS_DATE)
        if stored is not None:
            try:
                return month_idx(parse_date(stored))
            except ValueError:
                pass
        return month_idx(business_date())


__all__ = ["PerformanceService"]
