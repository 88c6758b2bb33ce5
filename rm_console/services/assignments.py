"""Assigning customers to RMs (SPEC §4): single and batch assignment, adjustment, recycle, the pool.

Only a branch manager of the customer's institution (or an institution above it) changes a customer's
RMs. Every change writes, in one transaction, the new shares, an assignment event (actor, before,
after, reason) and an audit row; the RMs of any customer at any past date follow from the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from rm_console.domain.assignment import (
    AssignmentError,
    Candidate,
    Event,
    Share,
    as_of,
    parse_share,
    shares,
    validate,
)
from rm_console.domain.calendar import BUSINESS_TZ, business_date, month_text, parse_date
from rm_console.domain.dto import (
    AssignmentChange,
    AssignmentEventDTO,
    BatchAssignment,
    BookRow,
    CustomerCard,
    Pool,
    PoolRow,
    RmBook,
    RmRoster,
    RosterRow,
    ShareDTO,
)
from rm_console.domain.enums import AssignmentRole, InstitutionKind, Role, Tier
from rm_console.domain.errors import NotFound, Phrase, UserError
from rm_console.domain.masking import mask_id_no, mask_phone
from rm_console.services.acting import acting_staff, staff_dto
from storage import audit
from storage.assignments import (
    SharesJson,
    ancestors,
    batch_targets,
    book_rows,
    current_shares,
    customer_row,
    events_of,
    insert_events,
    newest_aum_month,
    pool_rows,
    replace_shares,
    roster_rows,
    staff_rows,
)
from storage.meta import parameters
from storage.scope import institution_and_descendants, institution_by_code, visible_customer_ids
from storage.types import utcnow

if TYPE_CHECKING:
    from rm_console.services.context import Services

#: The tier below which customers stay with the institution, when the parameter is missing.
DEFAULT_MIN_TIER = Tier.GOLD


def no_customer(cif: str) -> NotFound:
    """The one answer for a CIF that does not exist or is outside the acting person's scope."""
    return NotFound("no customer {cif!r} among the customers you may see", cif=cif)


def _each(refusals: Sequence[UserError]) -> UserError:
    """Several refusals as one value of a sentence, ``first; second; …``, each translated with it."""
    joined = refusals[-1]
    for refusal in reversed(refusals[:-1]):
        joined = UserError("{first}; {rest}", first=refusal, rest=joined)
    return joined


def _share_dtos(stored: SharesJson | None, names: dict[str, str] | None = None) -> tuple[ShareDTO, ...]:
    return tuple(
        ShareDTO(
            staff=str(share["staff"]),
            name=str(share.get("name") or (names or {}).get(str(share["staff"]), "")),
            role=str(share["role"]),
            pct=int(share["pct"]),
        )
        for share in stored or ()
    )


def _as_json(proposed: Sequence[Share], staff: dict[str, dict[str, Any]]) -> SharesJson:
    return [
        {"staff": s.staff, "name": staff[s.staff]["name"], "role": s.role.value, "pct": s.pct}
        for s in proposed
    ]


def _same(before: SharesJson | None, after: SharesJson) -> bool:
    def key(shares: SharesJson | None) -> set[tuple[str, str, int]]:
        return {(str(s["staff"]), str(s["role"]), int(s["pct"])) for s in shares or ()}

    return key(before) == key(after)


class AssignmentService:
    """Assignment, adjustment, batch assignment, recycle and the pool, for the acting staff member."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- who may do what --------------------------------------------------------------------------

    def _manager(self, conn: Connection, doing: Phrase) -> dict[str, Any]:
        return acting_staff(conn, self._services.actor, doing=doing, roles=(Role.BRANCH_MANAGER,))

    def _managed_customer(self, conn: Connection, manager: dict[str, Any], cif: str) -> dict[str, Any]:
        """The customer ``cif`` if it belongs to the manager's institution or one below it."""
        scope = visible_customer_ids(int(manager["id"]), Role.BRANCH_MANAGER, int(manager["institution_id"]))
        customer = customer_row(conn, cif, scope)
        if customer is None:
            raise no_customer(cif)
        return customer

    @staticmethod
    def _min_tier(conn: Connection) -> str:
        value = parameters(conn).get("assign_min_tier", DEFAULT_MIN_TIER.value)
        return value if value in Tier.__members__.values() else DEFAULT_MIN_TIER.value

    @staticmethod
    def _places(conn: Connection, institution_id: int) -> list[str]:
        """Where a customer's RMs may work: its institution, and the branch above an outlet."""
        chain = ancestors(conn, institution_id)
        places = [str(chain[0]["code"])]
        if len(chain) > 1 and chain[1]["kind"] == InstitutionKind.BRANCH:
            places.append(str(chain[1]["code"]))
        return places

    @classmethod
    def _rm_places(cls, conn: Connection, codes: Iterable[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """For each institution of ``codes``, where its customers' RMs may work (:meth:`_places`)."""
        found: list[tuple[str, tuple[str, ...]]] = []
        for code in sorted(set(codes)):
            place = institution_by_code(conn, code)
            if place is not None:
                found.append((code, tuple(cls._places(conn, int(place["id"])))))
        return tuple(found)

    @staticmethod
    def _proposal(primary: str, secondaries: Sequence[str]) -> tuple[Share, ...]:
        return shares(
            parse_share(primary, AssignmentRole.PRIMARY),
            [parse_share(text, AssignmentRole.SECONDARY) for text in secondaries],
        )

    @staticmethod
    def _candidates(staff: dict[str, dict[str, Any]]) -> dict[str, Candidate]:
        return {
            code: Candidate(code, str(row["role"]), str(row["institution_code"]))
            for code, row in staff.items()
        }

    # -- single assignment and adjustment ---------------------------------------------------------

    def assign(
        self, cif: str, primary: str, secondaries: Sequence[str] = (), reason: str | None = None
    ) -> AssignmentChange:
        """Give customer ``cif`` a primary RM (``CODE`` or ``CODE:PCT``) and secondary RMs (``CODE:PCT``).

        A customer without RMs is assigned; one with RMs is adjusted (分配调整), which needs a reason.
        """
        reason = (reason or "").strip() or None
        proposed = self._proposal(primary, secondaries)
        with self._services.engine.begin() as conn:
            manager = self._manager(conn, Phrase("assign customers to RMs"))
            customer = self._managed_customer(conn, manager, cif)
            before = current_shares(conn, [customer["id"]]).get(customer["id"])
            staff = staff_rows(conn, {share.staff for share in proposed})
            validate(
                proposed,
                staff=self._candidates(staff),
                allowed_institutions=self._places(conn, int(customer["institution_id"])),
                tier=customer["tier"],
                min_tier=None if before else self._min_tier(conn),
            )
            after = _as_json(proposed, staff)
            if before and _same(before, after):
                raise AssignmentError("{cif} already has exactly these RMs; nothing to change", cif=cif)
            if before and reason is None:
                raise AssignmentError(
                    "{cif} already has RMs; an adjustment (分配调整) needs --reason saying why", cif=cif
                )
            action = "adjust" if before else "assign"
            self._write(conn, manager, [(customer, action, before, after)], staff, reason)
            return AssignmentChange(
                cif=cif,
                name=str(customer["name"]),
                action=action,
                before=_share_dtos(before),
                after=_share_dtos(after),
                reason=reason,
            )

    def _write(
        self,
        conn: Connection,
        manager: dict[str, Any],
        changes: Sequence[tuple[dict[str, Any], str, SharesJson | None, SharesJson]],
        staff: dict[str, dict[str, Any]],
        reason: str | None,
    ) -> None:
        """Store the shares, one event per customer and one audit row for the whole change."""
        now = utcnow()
        today = business_date(now)
        replace_shares(
            conn,
            [(int(c["id"]), int(c["institution_id"]), after) for c, _, _, after in changes],
            staff_ids={code: int(row["id"]) for code, row in staff.items()},
            since=today,
        )
        insert_events(
            conn,
            [(int(c["id"]), action, before, after) for c, action, before, after in changes],
            actor_id=int(manager["id"]),
            reason=reason,
            effective=today,
            at=now,
        )
        audit.record_many(
            conn,
            [
                {
                    "entity": "assignment",
                    "entity_id": str(c["cif"]),
                    "before": before,
                    "after": {"action": action, "shares": after, "reason": reason},
                }
                for c, action, before, after in changes
            ],
            actor=self._services.audit_actor,
            action="assignment.change",
        )

    # -- batch ------------------------------------------------------------------------------------

    def batch(
        self,
        institution: str,
        primary: str,
        secondaries: Sequence[str] = (),
        *,
        tier: str | None = None,
        unassigned_only: bool = False,
        reason: str | None = None,
    ) -> BatchAssignment:
        """Assign every customer of ``institution`` (and below) that the filters select, all or none.

        Only tiers that may be assigned (the ``assign_min_tier`` parameter and above) are selected;
        customers that already have exactly these RMs are left as they are.
        """
        reason = (reason or "").strip() or None
        proposed = self._proposal(primary, secondaries)
        with self._services.engine.begin() as conn:
            manager = self._manager(conn, Phrase("assign customers to RMs"))
            place = institution_by_code(conn, institution)
            if place is None or not self._manages(conn, manager, int(place["id"])):
                raise NotFound("no institution {code!r} among the institutions you manage", code=institution)
            min_tier = Tier(self._min_tier(conn))
            assignable = [t.value for t in Tier if t.rank <= min_tier.rank]
            if tier is not None:
                if tier not in Tier.__members__.values():
                    choices = ", ".join(t.value for t in Tier)
                    raise UserError(
                        "--tier: {tier!r} is not a tier; choose one of {choices}", tier=tier, choices=choices
                    )
                if tier not in assignable:
                    raise AssignmentError(
                        "only customers of tier {min_tier} or above are assigned to RMs; "
                        "{tier} customers are managed by the institution as a whole",
                        min_tier=min_tier.value,
                        tier=tier,
                    )
            targets = batch_targets(
                conn,
                institution_and_descendants(int(place["id"])),
                tiers=[tier] if tier else assignable,
                unassigned_only=unassigned_only,
            )
            staff = staff_rows(conn, {share.staff for share in proposed})
            changes = self._changes(
                conn,
                targets,
                proposed,
                staff,
                reason=reason,
                offer_unassigned=True,
            )
            adjusted = sum(1 for _, action, _, _ in changes if action == "adjust")
            if changes:
                self._write(conn, manager, changes, staff, reason)
            return BatchAssignment(
                institution=str(place["code"]),
                tier=tier,
                unassigned_only=unassigned_only,
                assigned=len(changes),
                adjusted=adjusted,
                after=_share_dtos(_as_json(proposed, staff)),
            )

    def _changes(
        self,
        conn: Connection,
        customers: Sequence[dict[str, Any]],
        proposed: tuple[Share, ...],
        staff: dict[str, dict[str, Any]],
        *,
        reason: str | None,
        offer_unassigned: bool = False,
    ) -> list[tuple[dict[str, Any], str, SharesJson | None, SharesJson]]:
        """The change of every customer to ``proposed``: all of them may take it, or none is changed
        (AssignmentError naming the first five refused). Customers who already have exactly these RMs
        are left out; adjusting the others needs a reason (the refusal mentions ``--unassigned`` when
        ``offer_unassigned``)."""
        candidates = self._candidates(staff)
        # The rules that do not depend on the customer are checked once, before any customer.
        validate(
            proposed,
            staff=candidates,
            allowed_institutions={c.institution for c in candidates.values()},
            tier=None,
            min_tier=None,
        )
        min_tier = self._min_tier(conn)
        after = _as_json(proposed, staff)
        befores = current_shares(conn, [int(c["id"]) for c in customers])
        places: dict[int, list[str]] = {}
        changes: list[tuple[dict[str, Any], str, SharesJson | None, SharesJson]] = []
        refused: list[UserError] = []
        for customer in customers:
            where = int(customer["institution_id"])
            if where not in places:
                places[where] = self._places(conn, where)
            before = befores.get(int(customer["id"]))
            try:
                validate(
                    proposed,
                    staff=candidates,
                    allowed_institutions=places[where],
                    tier=customer["tier"],
                    min_tier=None if before else min_tier,
                )
            except AssignmentError as exc:
                refused.append(AssignmentError("{cif}: {error}", cif=customer["cif"], error=exc))
                continue
            if before and _same(before, after):
                continue
            changes.append((customer, "adjust" if before else "assign", before, after))
        if len(refused) > 5:
            raise AssignmentError(
                "nothing was assigned: {refused} of {total} customers cannot take these RMs — {shown} "
                "(and {more} more)",
                refused=len(refused),
                total=len(customers),
                shown=_each(refused[:5]),
                more=len(refused) - 5,
            )
        if refused:
            raise AssignmentError(
                "nothing was assigned: {refused} of {total} customers cannot take these RMs — {shown}",
                refused=len(refused),
                total=len(customers),
                shown=_each(refused),
            )
        adjusted = sum(1 for _, action, _, _ in changes if action == "adjust")
        if adjusted and reason is None and offer_unassigned:
            raise AssignmentError(
                "{adjusted} of these customers already have RMs; adjusting them (分配调整) needs a reason "
                "saying why (or pass --unassigned to leave them alone)",
                adjusted=adjusted,
            )
        if adjusted and reason is None:
            raise AssignmentError(
                "{adjusted} of these customers already have RMs; adjusting them (分配调整) needs a reason "
                "saying why",
                adjusted=adjusted,
            )
        return changes

    @staticmethod
    def _manages(conn: Connection, manager: dict[str, Any], institution_id: int) -> bool:
        return any(
            int(row["id"]) == int(manager["institution_id"]) for row in ancestors(conn, institution_id)
        )

    # -- recycle ----------------------------------------------------------------------------------

    def recycle(self, cif: str, reason: str) -> AssignmentChange:
        """Take customer ``cif`` back from its RMs (客户回收) into its institution's unassigned pool."""
        reason = reason.strip()
        if not reason:
            raise AssignmentError("recycling a customer (客户回收) needs --reason saying why")
        with self._services.engine.begin() as conn:
            manager = self._manager(conn, Phrase("recycle customers"))
            customer = self._managed_customer(conn, manager, cif)
            before = current_shares(conn, [customer["id"]]).get(customer["id"])
            if not before:
                raise AssignmentError(
                    "{cif} has no RMs; it is already in the unassigned pool (待分配客户)", cif=cif
                )
            self._write(conn, manager, [(customer, "recycle", before, [])], {}, reason)
            return AssignmentChange(
                cif=cif,
                name=str(customer["name"]),
                action="recycle",
                before=_share_dtos(before),
                after=(),
                reason=reason,
            )

    # -- the pool ---------------------------------------------------------------------------------

    def pool(self, institution: str | None = None) -> Pool:
        """The unassigned pool (待分配客户) of the manager's institution, or of ``institution`` under it.

        Branch managers see their own institutions; analysts see any.
        """
        with self._services.engine.connect() as conn:
            acting = acting_staff(
                conn,
                self._services.actor,
                doing=Phrase("see the unassigned pool"),
                roles=(Role.BRANCH_MANAGER, Role.ANALYST),
            )
            code = institution or str(acting["institution_code"])
            place = institution_by_code(conn, code)
            if place is None or (
                acting["role"] != Role.ANALYST and not self._manages(conn, acting, int(place["id"]))
            ):
                raise NotFound("no institution {code!r} among the institutions you manage", code=code)
            min_tier = Tier(self._min_tier(conn))
            rows = pool_rows(
                conn,
                institution_and_descendants(int(place["id"])),
                tiers=[t.value for t in Tier if t.rank <= min_tier.rank],
            )
            return Pool(
                institution=str(place["code"]),
                institution_name=str(place["name"]),
                rows=tuple(
                    PoolRow(
                        cif=str(row["cif"]),
                        name=str(row["name"]),
                        institution=str(row["institution"]),
                        tier=str(row["tier"]),
                        status=row["status"],
                        aum_fen=row["aum_fen"],
                        recycled_on=(
                            business_date(row["recycled_at"]).isoformat() if row["recycled_at"] else None
                        ),
                    )
                    for row in rows
                ),
                rm_places=self._rm_places(conn, (str(row["institution"]) for row in rows)),
            )

    # -- a selection, the RM roster and an RM's customers (the allocation screen) -----------------

    def assign_many(
        self, cifs: Sequence[str], primary: str, secondaries: Sequence[str] = (), reason: str | None = None
    ) -> tuple[AssignmentChange, ...]:
        """Give every customer of ``cifs`` the same RMs (as :meth:`assign` does for one), all or none:
        every customer is checked first and the changes are written in one transaction.

        Customers that already have exactly these RMs are left as they are; those with other RMs are
        adjusted (分配调整), which needs a reason. Returns one change per customer changed.
        """
        reason = (reason or "").strip() or None
        wanted = list(dict.fromkeys(cif.strip() for cif in cifs if cif.strip()))
        if not wanted:
            raise AssignmentError("choose at least one customer to assign")
        proposed = self._proposal(primary, secondaries)
        with self._services.engine.begin() as conn:
            manager = self._manager(conn, Phrase("assign customers to RMs"))
            customers = [self._managed_customer(conn, manager, cif) for cif in wanted]
            staff = staff_rows(conn, {share.staff for share in proposed})
            changes = self._changes(conn, customers, proposed, staff, reason=reason)
            if not changes:
                raise AssignmentError("these customers already have exactly these RMs; nothing to change")
            self._write(conn, manager, changes, staff, reason)
            return tuple(
                AssignmentChange(
                    cif=str(customer["cif"]),
                    name=str(customer["name"]),
                    action=action,
                    before=_share_dtos(before),
                    after=_share_dtos(after),
                    reason=reason,
                )
                for customer, action, before, after in changes
            )

    def _allocation_place(
        self, conn: Connection, doing: Phrase, institution: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The acting branch manager or analyst and the institution they look at (by default their own;
        a branch manager only theirs or one below it)."""
        acting = acting_staff(
            conn, self._services.actor, doing=doing, roles=(Role.BRANCH_MANAGER, Role.ANALYST)
        )
        code = institution or str(acting["institution_code"])
        place = institution_by_code(conn, code)
        if place is None or (
            acting["role"] != Role.ANALYST and not self._manages(conn, acting, int(place["id"]))
        ):
            raise NotFound("no institution {code!r} among the institutions you manage", code=code)
        return acting, place

    def roster(self, institution: str | None = None) -> RmRoster:
        """The RMs who may take the customers of the manager's institution (or of ``institution`` under
        it): those working there or below it, and at the branch above an outlet. Each with the customers
        of that institution (and below) they are assigned to, the AUM they manage there in the newest
        month with figures (weighted by participation), and the month's weighted sales on the
        institution's leaderboard.

        Branch managers see their own institutions; analysts see any.
        """
        with self._services.engine.connect() as conn:
            acting, place = self._allocation_place(conn, Phrase("see the RMs of an institution"), institution)
            place_id = int(place["id"])
            working = set(conn.execute(institution_and_descendants(place_id, name="staff_tree")).scalars())
            chain = ancestors(conn, place_id)
            if len(chain) > 1 and chain[1]["kind"] == InstitutionKind.BRANCH:
                working.add(int(chain[1]["id"]))
            month = newest_aum_month(conn)
            rows = roster_rows(
                conn,
                institution_and_descendants(place_id, name="roster_tree"),
                working,
                month_idx=month,
            )
        board = self._services.performance.leaderboard(institution=str(place["code"]))
        sales = {row.staff_code: row for row in board.rows}
        return RmRoster(
            acting=staff_dto(acting),
            institution=str(place["code"]),
            institution_name=str(place["name"]),
            aum_month=month_text(month) if month is not None else None,
            sales_month=board.month,
            rows=tuple(
                RosterRow(
                    code=str(row["code"]),
                    name=str(row["name"]),
                    institution_code=str(row["institution_code"]),
                    institution_name=str(row["institution_name"]),
                    customers=int(row["customers"]),
                    primary=int(row["primary"]),
                    aum_fen=(int(row["aum_pct_fen"]) + 50) // 100,
                    weighted_fen=sales[row["code"]].weighted_fen if row["code"] in sales else 0,
                    sales=sales[row["code"]].sales if row["code"] in sales else 0,
                )
                for row in rows
            ),
        )

    def book(self, staff: str, institution: str | None = None) -> RmBook:
        """The customers of the manager's institution (or of ``institution`` under it, and below) that
        RM ``staff`` is assigned to, with every RM's share: primary customers first, then by tier and AUM.

        Branch managers see their own institutions; analysts see any.
        """
        with self._services.engine.connect() as conn:
            _acting, place = self._allocation_place(conn, Phrase("see an RM's customers"), institution)
            rm = staff_rows(conn, [staff]).get(staff)
            if rm is None or rm["role"] != Role.RM:
                raise NotFound("no relationship manager has the code {code!r}", code=staff)
            rows = book_rows(
                conn, int(rm["id"]), institution_and_descendants(int(place["id"]), name="book_tree")
            )
            shares = current_shares(conn, [int(row["id"]) for row in rows])
            places = self._rm_places(conn, (str(row["institution"]) for row in rows))
        return RmBook(
            staff=str(rm["code"]),
            name=str(rm["name"]),
            institution=str(place["code"]),
            rows=tuple(
                BookRow(
                    cif=str(row["cif"]),
                    name=str(row["name"]),
                    institution=str(row["institution"]),
                    tier=row["tier"],
                    status=row["status"],
                    aum_fen=row["aum_fen"],
                    role=str(row["role"]),
                    pct=int(row["pct"]),
                    shares=_share_dtos(shares.get(int(row["id"]))),
                )
                for row in rows
            ),
            rm_places=places,
        )

    # -- one customer -----------------------------------------------------------------------------

    def customer(self, cif: str, at: str | None = None) -> CustomerCard:
        """Customer ``cif`` as the acting person may see it, with its RMs now or at the end of day ``at``
        (derived from the assignment events) and the history of changes up to then."""
        moment: datetime | None = None
        if at is not None:
            try:
                day = parse_date(at)
            except ValueError as exc:
                raise UserError("--at: {error}", error=exc) from None
            end_of_day = datetime.combine(day + timedelta(days=1), time(), tzinfo=BUSINESS_TZ)
            moment = end_of_day.astimezone(UTC) - timedelta(microseconds=1)
        with self._services.engine.connect() as conn:
            acting = acting_staff(conn, self._services.actor, doing=Phrase("look up customers"))
            scope = visible_customer_ids(
                int(acting["id"]), str(acting["role"]), int(acting["institution_id"])
            )
            customer = customer_row(conn, cif, scope)
            if customer is None:
                raise no_customer(cif)
            stored = events_of(conn, int(customer["id"]))
            codes = {str(s["staff"]) for e in stored for s in (e["after"] or []) + (e["before"] or [])}
            names = {code: str(row["name"]) for code, row in staff_rows(conn, codes).items()}
            if moment is None:
                rms = _share_dtos(current_shares(conn, [customer["id"]]).get(customer["id"]))
                shown = stored
            else:
                shown = [e for e in stored if e["at"] <= moment]
                in_force = as_of(
                    [
                        Event(
                            at=e["at"],
                            after=tuple(
                                Share(str(s["staff"]), AssignmentRole(s["role"]), int(s["pct"]))
                                for s in e["after"] or []
                            ),
                        )
                        for e in stored
                    ],
                    moment,
                )
                rms = tuple(ShareDTO(s.staff, names.get(s.staff, ""), s.role.value, s.pct) for s in in_force)
            return CustomerCard(
                cif=str(customer["cif"]),
                name=str(customer["name"]),
                kind=str(customer["kind"]),
                institution_code=str(customer["institution_code"]),
                institution_name=str(customer["institution_name"]),
                tier=customer["tier"],
                status=customer["status"],
                tier_month=customer["tier_month"],
                id_no_masked=mask_id_no(customer["id_no"]),
                phone_masked=mask_phone(customer["phone"]),
                at=at and parse_date(at).isoformat(),
                rms=rms,
                events=tuple(
                    AssignmentEventDTO(
                        action=str(e["action"]),
                        actor=e["actor"],
                        effective=e["effective"].isoformat(),
                        at=e["at"].astimezone(BUSINESS_TZ).isoformat(timespec="seconds"),
                        before=_share_dtos(e["before"], names),
                        after=_share_dtos(e["after"], names),
                        reason=e["reason"],
                    )
                    for e in shown
                ),
            )


__all__ = ["AssignmentService", "no_customer"]
