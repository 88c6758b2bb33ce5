"""Sales attribution (SPEC §5): registration, revocation, the attribution run, a branch manager's
adjustment, and showing and listing sales.

The rule is :mod:`rm_console.domain.attribution` (its docstring states it); :mod:`storage.sales`
applies it, set-based for the attribution run and per sale after a registration or revocation. This
service decides who may do what, owns each transaction, and writes the audit row of every change and
the sync outbox row of every registration (a terminal-authored record).

Who may do what:

* register and revoke: any staff member, on the sales of their own institution (the sales of other
  institutions are as unknown to them as transaction ids that do not exist); a registration can be
  revoked only by its author, without approval; an adjusted sale can no longer be registered on;
* run attribution: branch managers and analysts;
* adjust: a branch manager, on the sales of their institution and the institutions below it;
* show and list: analysts every sale, branch managers their institution's and those below it, anyone
  else their own institution's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select

from rm_console.domain.attribution import (
    GRACE_PARAMETER,
    ROLE_ZH,
    SOURCE_WORDS,
    AttributionRun,
    CreditView,
    RegistrationOutcome,
    RegistrationView,
    SaleList,
    SaleRow,
    SaleView,
    current_seller,
    cutoff,
    grace_end,
    parse_adjustment,
    parse_grace_days,
    sale_status,
)
from rm_console.domain.calendar import business_date, month_text, parse_date, parse_month
from rm_console.domain.enums import CreditRole, Role
from rm_console.domain.errors import NotFound, PermissionRefused, Phrase, UserError
from rm_console.services.acting import acting_staff
from storage import audit
from storage import sales as store
from storage.meta import BUSINESS_DATE, get_meta, parameters
from storage.outbox import enqueue
from storage.scope import institution_and_descendants
from storage.types import utcnow

if TYPE_CHECKING:
    from rm_console.services.context import Services

#: How many sales ``list`` returns unless told otherwise.
DEFAULT_LIMIT = 50
#: The most sales one listing returns.
MAX_LIMIT = 1_000
#: The outbox entity of a registration.
REGISTRATION_ENTITY = "sale_registration"


def _role_words(role: str) -> str:
    """``seller (销售人)``."""
    return f"{role} ({ROLE_ZH.get(role, role)})"


def _credits_json(credits: Iterable[dict[str, Any]]) -> list[dict[str, object]]:
    return [
        {"staff": c["code"], "role": c["role"], "ratio_bp": int(c["ratio_bp"]), "source": c["source"]}
        for c in credits
    ]


def _credit_views(credits: Iterable[dict[str, Any]]) -> tuple[CreditView, ...]:
    return tuple(
        CreditView(
            staff=str(c["code"]),
            name=str(c["name"]),
            role=str(c["role"]),
            ratio_bp=int(c["ratio_bp"]),
            source=str(c["source"]),
        )
        for c in credits
    )


def _not_found(txn_id: str) -> NotFound:
    return NotFound("no sale has the transaction id {txn_id!r}", txn_id=txn_id)


class SalesService:
    """Registering, revoking, attributing, adjusting, showing and listing sales for the acting person."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- who and where ----------------------------------------------------------------------------

    def _acting(self, conn: Connection, doing: Phrase, roles: Iterable[str] = ()) -> dict[str, Any]:
        return acting_staff(conn, self._services.actor, doing=doing, roles=roles)

    @staticmethod
    def _visible(staff: dict[str, Any]) -> Select[tuple[int]] | Sequence[int] | None:
        """The institutions whose sales ``staff`` may see (None: every institution)."""
        if staff["role"] == Role.ANALYST:
            return None
        if staff["role"] == Role.BRANCH_MANAGER:
            return institution_and_descendants(int(staff["institution_id"]))
        return [int(staff["institution_id"])]

    @staticmethod
    def _within(
        conn: Connection, institution_id: int, scope: Select[tuple[int]] | Sequence[int] | None
    ) -> bool:
        if scope is None:
            return True
        if isinstance(scope, Select):
            return institution_id in set(conn.execute(scope).scalars())
        return institution_id in scope

    def _own_sale(self, conn: Connection, staff: dict[str, Any], txn_id: str) -> dict[str, Any]:
        """The sale of ``txn_id`` when it is a sale of the person's own institution; NotFound otherwise."""
        sale = store.find_sale(conn, txn_id)
        if sale is None or int(sale["institution_id"]) != int(staff["institution_id"]):
            raise _not_found(txn_id)
        return sale

    @staticmethod
    def _refuse_adjusted(conn: Connection, sale: dict[str, Any]) -> None:
        who = store.adjusted_by(conn, int(sale["txn_pk"]))
        if who is not None:
            raise PermissionRefused(
                "sale {txn_id} was adjusted by {who}; ask your branch manager to change its attribution",
                txn_id=sale["txn_id"],
                who=who,
            )

    @staticmethod
    def _grace_days(conn: Connection) -> int:
        return parse_grace_days(parameters(conn).get(GRACE_PARAMETER))

    @staticmethod
    def _as_of(conn: Connection, as_of: str | date | None) -> date:
        """The attribution date: ``as_of`` validated, by default the store's business date. A date
        after both the business date and today is refused: it would settle sales whose grace period
        has not ended, shutting out registrations still allowed."""
        stored = get_meta(conn, BUSINESS_DATE)
        latest = max(parse_date(stored), business_date()) if stored else business_date()
        if as_of is None:
            return parse_date(stored) if stored else latest
        if isinstance(as_of, date):
            day = as_of
        else:
            try:
                day = parse_date(as_of.strip())
            except ValueError as exc:
                raise UserError("--as-of: {error}", error=exc) from None
        if day > latest:
            raise UserError(
                "--as-of: {day} is in the future (the business date is {latest}); "
                "attribution settles only sales whose grace period has already ended",
                day=day.isoformat(),
                latest=latest.isoformat(),
            )
        return day

    def _view(self, conn: Connection, txn_id: str) -> SaleView:
        """The sale as it stands now in ``conn``'s transaction."""
        sale = store.find_sale(conn, txn_id)
        if sale is None:
            raise _not_found(txn_id)
        txn_pk = int(sale["txn_pk"])
        who = store.adjusted_by(conn, txn_pk)
        registrations = tuple(
            RegistrationView(
                staff=str(r["code"]),
                name=str(r["name"]),
                role=str(r["role"]),
                registered_at=r["registered_at"],
            )
            for r in store.registrations_of(conn, txn_pk)
        )
        return SaleView(
            txn_id=str(sale["txn_id"]),
            institution=str(sale["institution_code"]),
            institution_name=str(sale["institution_name"]),
            sale_date=sale["sale_date"],
            product_code=str(sale["product_code"]),
            product_name=str(sale["product_name"]),
            amount_fen=int(sale["amount_fen"]),
            status=sale_status(sale["attributed_at"], who is not None),
            grace_end=grace_end(sale["sale_date"], self._grace_days(conn)),
            attributed_at=sale["attributed_at"],
            adjusted_by=who,
            registrations=registrations,
            credits=_credit_views(store.credits_of(conn, [txn_pk])[txn_pk]),
        )

    # -- registration -----------------------------------------------------------------------------

    def register(self, txn_id: str, role: str) -> RegistrationOutcome:
        """Register the acting person as seller or referrer of a sale of their institution, and
        re-settle the sale by the rule. Refused with a sentence when the sale was adjusted, when
        someone else is its seller (registered, automatic or by the grace rule) or registered referrer,
        when the person already holds the role, or when the seller would also be the referrer."""
        try:
            credit_role = CreditRole(role.strip().lower())
        except ValueError:
            raise UserError(
                "the role must be seller (销售人) or referrer (推荐人), not {role!r}", role=role
            ) from None
        with self._services.engine.begin() as conn:
            staff = self._acting(
                conn,
                Phrase("register as seller of a sale")
                if credit_role is CreditRole.SELLER
                else Phrase("register as referrer of a sale"),
            )
            sale = self._own_sale(conn, staff, txn_id)
            self._refuse_adjusted(conn, sale)
            code, staff_id, txn_pk = str(staff["code"]), int(staff["id"]), int(sale["txn_pk"])
            self._check_registration(conn, sale, staff_id, code, credit_role)
            before = store.credits_of(conn, [txn_pk])[txn_pk]
            now = utcnow()
            registration_id = store.add_registration(
                conn, txn_pk=txn_pk, staff_id=staff_id, role=credit_role, at=now
            )
            store.resettle(conn, txn_pk, at=now, actor=code)
            after = store.credits_of(conn, [txn_pk])[txn_pk]
            audit.record(
                conn,
                actor=self._services.audit_actor,
                action="sales.register",
                entity=REGISTRATION_ENTITY,
                entity_id=str(registration_id),
                before={"txn_id": txn_id, "credits": _credits_json(before)},
                after={
                    "txn_id": txn_id,
                    "staff": code,
                    "role": credit_role.value,
                    "credits": _credits_json(after),
                },
            )
            enqueue(
                conn,
                entity=REGISTRATION_ENTITY,
                entity_id=str(registration_id),
                op="insert",
                payload={
                    "id": str(registration_id),
                    "txn_id": txn_id,
                    "txn_pk": txn_pk,
                    "staff": code,
                    "staff_id": staff_id,
                    "role": credit_role.value,
                    "registered_at": now.isoformat(),
                    "revoked_at": None,
                    "version": 1,
                },
            )
            return RegistrationOutcome("registered", code, (credit_role.value,), self._view(conn, txn_id))

    def _check_registration(
        self, conn: Connection, sale: dict[str, Any], staff_id: int, code: str, role: CreditRole
    ) -> None:
        txn_id = str(sale["txn_id"])
        held = [
            r for r in store.registrations_of(conn, int(sale["txn_pk"])) if int(r["staff_id"]) == staff_id
        ]
        if any(r["role"] == role.value for r in held):
            if role is CreditRole.SELLER:
                raise UserError(
                    "you ({code}) are already registered as seller (销售人) of sale {txn_id}",
                    code=code,
                    txn_id=txn_id,
                )
            raise UserError(
                "you ({code}) are already registered as referrer (推荐人) of sale {txn_id}",
                code=code,
                txn_id=txn_id,
            )
        facts = store.sale_facts(conn, sale, grace_ended=sale["attributed_at"] is not None)
        seller = current_seller(facts)
        if role is CreditRole.SELLER:
            if seller is None:
                return
            person, source = seller
            if person.staff_id == staff_id:
                raise UserError(
                    "you ({code}) are already the seller (销售人) of sale {txn_id} ({source})",
                    code=code,
                    txn_id=txn_id,
                    source=SOURCE_WORDS[source],
                )
            raise PermissionRefused(
                "{seller} is the seller (销售人) of sale {txn_id} ({source}); a branch manager may adjust it",
                seller=self._named(conn, person.code),
                txn_id=txn_id,
                source=SOURCE_WORDS[source],
            )
        if seller is not None and seller[0].staff_id == staff_id:
            raise UserError(
                "you ({code}) are the seller (销售人) of sale {txn_id} ({source}) "
                "and cannot also be its referrer (推荐人)",
                code=code,
                txn_id=txn_id,
                source=SOURCE_WORDS[seller[1]],
            )
        referrer = facts.registered_referrer
        if referrer is not None:
            raise PermissionRefused(
                "{referrer} is already registered as referrer (推荐人) of sale {txn_id}; only they may "
                "revoke it, or a branch manager may adjust the sale",
                referrer=self._named(conn, referrer.code),
                txn_id=txn_id,
            )

    @staticmethod
    def _named(conn: Connection, code: str) -> str:
        """``RM003 张伟``."""
        found = store.staff_with_institutions(conn, [code]).get(code)
        return f"{code} {found['name']}" if found else code

    def revoke(self, txn_id: str) -> RegistrationOutcome:
        """Revoke the acting person's active registration(s) on a sale of their institution and
        re-settle the sale. Only the author may revoke a registration; an adjusted sale is refused."""
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("revoke a sale registration"))
            sale = self._own_sale(conn, staff, txn_id)
            self._refuse_adjusted(conn, sale)
            code, staff_id, txn_pk = str(staff["code"]), int(staff["id"]), int(sale["txn_pk"])
            active = store.registrations_of(conn, txn_pk)
            mine = [r for r in active if int(r["staff_id"]) == staff_id]
            if not mine:
                if active:
                    authors = " and ".join(f"{r['code']} ({_role_words(str(r['role']))})" for r in active)
                    if len(active) == 1:
                        raise PermissionRefused(
                            "only its author, {authors}, may revoke the registration on sale {txn_id}; "
                            "you ({code}) have none on it",
                            authors=authors,
                            txn_id=txn_id,
                            code=code,
                        )
                    raise PermissionRefused(
                        "only their authors, {authors}, may revoke the registration on sale {txn_id}; "
                        "you ({code}) have none on it",
                        authors=authors,
                        txn_id=txn_id,
                        code=code,
                    )
                raise UserError(
                    "nobody is registered on sale {txn_id}; there is nothing to revoke", txn_id=txn_id
                )
            before = store.credits_of(conn, [txn_pk])[txn_pk]
            now = utcnow()
            versions = {}
            for registration in mine:
                versions[registration["id"]] = store.revoke_registration(conn, registration["id"], at=now)
            store.resettle(conn, txn_pk, at=now, actor=code)
            after = store.credits_of(conn, [txn_pk])[txn_pk]
            for registration in mine:
                audit.record(
                    conn,
                    actor=self._services.audit_actor,
                    action="sales.revoke",
                    entity=REGISTRATION_ENTITY,
                    entity_id=str(registration["id"]),
                    before={
                        "txn_id": txn_id,
                        "staff": code,
                        "role": str(registration["role"]),
                        "credits": _credits_json(before),
                    },
                    after={"txn_id": txn_id, "revoked_at": now.isoformat(), "credits": _credits_json(after)},
                )
                enqueue(
                    conn,
                    entity=REGISTRATION_ENTITY,
                    entity_id=str(registration["id"]),
                    op="update",
                    payload={"revoked_at": now.isoformat(), "version": versions[registration["id"]]},
                    base_version=int(registration["version"]),
                )
            roles = tuple(str(r["role"]) for r in mine)
            return RegistrationOutcome("revoked", code, roles, self._view(conn, txn_id))

    # -- attribution run and adjustment -----------------------------------------------------------

    def attribute(self, as_of: str | date | None = None) -> AttributionRun:
        """Settle every sale whose grace period has ended by ``as_of`` (default: the store's business
        date) by the automatic, manual and grace-period rules (branch managers and analysts only).
        Running it again with the same or a later date never changes a sale it settled."""
        with self._services.engine.begin() as conn:
            self._acting(conn, Phrase("run sales attribution"), roles=(Role.BRANCH_MANAGER, Role.ANALYST))
            day = self._as_of(conn, as_of)
            grace = self._grace_days(conn)
            settled = store.attribute(
                conn, as_of=day, grace_days=grace, at=utcnow(), actor=self._services.audit_actor
            )
            run = AttributionRun(as_of=day, grace_days=grace, cutoff=cutoff(day, grace), settled=settled)
            audit.record(
                conn,
                actor=self._services.audit_actor,
                action="sales.attribute",
                entity="sale",
                after=run.as_json(),
            )
            return run

    def adjust(self, txn_id: str, credits: Sequence[str], reason: str | None = None) -> SaleView:
        """Replace a sale's credits with ``credits`` (``STAFF:ROLE:RATIO`` texts, RATIO a decimal fraction)
        — a branch manager of the sale's institution or one above it only. The shares are checked
        (:func:`rm_console.domain.attribution.parse_adjustment`); the sale is settled and fixed."""
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("adjust a sale's attribution"), roles=(Role.BRANCH_MANAGER,))
            sale = store.find_sale(conn, txn_id)
            if sale is None or not self._within(conn, int(sale["institution_id"]), self._visible(staff)):
                raise _not_found(txn_id)
            chain = store.institution_chain(conn, int(sale["institution_id"]))
            named = [text.split(":", 1)[0].strip() for text in credits]
            known = store.staff_with_institutions(conn, named)
            shares = parse_adjustment(
                list(credits),
                staff_institutions={code: str(row["institution_code"]) for code, row in known.items()},
                allowed_institutions={str(item["code"]) for item in chain},
                sale_institution=str(sale["institution_code"]),
            )
            txn_pk = int(sale["txn_pk"])
            before = store.credits_of(conn, [txn_pk])[txn_pk]
            store.adjust(
                conn,
                txn_pk,
                [(int(known[share.code]["id"]), share.role, share.ratio_bp) for share in shares],
                actor=str(staff["code"]),
                at=utcnow(),
            )
            after = store.credits_of(conn, [txn_pk])[txn_pk]
            note = reason.strip() if reason and reason.strip() else None
            audit.record(
                conn,
                actor=self._services.audit_actor,
                action="sales.adjust",
                entity="sale",
                entity_id=txn_id,
                before={"credits": _credits_json(before)},
                after={"credits": _credits_json(after), "reason": note},
            )
            return self._view(conn, txn_id)

    # -- reading ----------------------------------------------------------------------------------

    def show(self, txn_id: str) -> SaleView:
        """One sale the acting person may see, with its registrations and credits."""
        with self._services.engine.connect() as conn:
            staff = self._acting(conn, Phrase("see a sale"))
            sale = store.find_sale(conn, txn_id)
            if sale is None or not self._within(conn, int(sale["institution_id"]), self._visible(staff)):
                raise _not_found(txn_id)
            return self._view(conn, txn_id)

    def list(
        self, pending_only: bool = False, month: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> SaleList:
        """The newest sales the acting person may see (at most ``limit``), optionally only those not
        settled yet (``pending_only``) or of one month (``YYYY-MM``)."""
        month_index: int | None = None
        if month is not None:
            try:
                month_index = parse_month(month)
            except ValueError as exc:
                raise UserError("--month: {error}", error=exc) from None
        if not 1 <= limit <= MAX_LIMIT:
            raise UserError(
                "--limit must be from 1 to {maximum:,}, not {limit}", maximum=MAX_LIMIT, limit=limit
            )
        with self._services.engine.connect() as conn:
            staff = self._acting(conn, Phrase("list sales"))
            rows, total = store.list_sales(
                conn,
                institutions=self._visible(staff),
                pending_only=pending_only,
                month_idx=month_index,
                limit=limit,
            )
            credits = store.credits_of(conn, [int(row["txn_pk"]) for row in rows])
        return SaleList(
            rows=tuple(
                SaleRow(
                    txn_id=str(row["txn_id"]),
                    institution=str(row["institution_code"]),
                    sale_date=row["sale_date"],
                    product_code=str(row["product_code"]),
                    product_name=str(row["product_name"]),
                    amount_fen=int(row["amount_fen"]),
                    status=sale_status(row["attributed_at"], bool(row["adjusted"])),
                    credits=_credit_views(credits[int(row["txn_pk"])]),
                )
                for row in rows
            ),
            total=total,
            limit=limit,
            pending_only=pending_only,
            month=month_text(month_index) if month_index is not None else None,
        )
