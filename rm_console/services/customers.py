"""The customers list (客户, F2) and the customer 360 (统一客户视图, SPEC §7), for the acting person.

Every read is limited to the customers the acting person may see (SPEC §1); a customer outside that
scope is answered exactly like a CIF that does not exist. The list is paged in SQL; the 360 gathers one
customer's profile, RMs, money, transactions, records, recommendations and retention cases. Masked
personal data is revealed only through :meth:`CustomerService.reveal`, which writes an audit row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Select

from rm_console.domain import recommendations as rec
from rm_console.domain import reminders as rem
from rm_console.domain.calendar import business_date, month_idx, month_text, parse_date
from rm_console.domain.customer_dto import (
    AssetClassTotal,
    AumMonth,
    Customer360,
    CustomerFilters,
    CustomerHit,
    CustomerPage,
    CustomerRow,
    CustomerSort,
    FilterChoices,
    HoldingRow,
    RetentionCaseRow,
    RetentionStepRow,
    RevealField,
    TierChangeRow,
    TxnRow,
)
from rm_console.domain.dto import RecommendationDTO
from rm_console.domain.enums import AssetClass, Counterparty, Status, Tier
from rm_console.domain.errors import NotFound, Phrase, UserError
from rm_console.domain.masking import mask_id_no, mask_phone
from rm_console.domain.tiers import RuleSet
from rm_console.services.acting import acting_staff
from rm_console.services.assignments import no_customer
from rm_console.services.day_facts import (
    catalogue_products,
    dismissals,
    int_parameter,
    recommendation_dto,
    recommendation_facts,
)
from storage import audit
from storage import customers as store
from storage.meta import BUSINESS_DATE, get_meta, parameters
from storage.scope import (
    institution_and_descendants,
    institution_by_code,
    visible_customer_ids,
    visible_customers,
)
from storage.tiers import load_rule_set
from storage.today import aum_series, catalogue, holdings, latest_assessments, reminder_states

if TYPE_CHECKING:
    from rm_console.services.context import Services

#: Rows of one page of the list when the caller does not say.
DEFAULT_PAGE = 500
#: The most rows one page may hold.
MAX_PAGE = store.MAX_PAGE
#: The most customers quick-find returns.
MAX_HITS = 20
#: Months of the AUM trend in the customer 360 (this month and the twelve before it).
AUM_MONTHS = 13
#: Days of transactions the customer 360 shows.
RECENT_TXN_DAYS = 90
#: The order the asset classes are listed in.
CLASS_ORDER = (
    AssetClass.DEPOSIT,
    AssetClass.WEALTH,
    AssetClass.SETTLEMENT,
    AssetClass.LOAN,
    AssetClass.CARD,
    AssetClass.CHANNEL,
)


def _age(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _sort(sort: CustomerSort | str) -> CustomerSort:
    try:
        return CustomerSort(sort)
    except ValueError:
        choices = ", ".join(s.value for s in CustomerSort)
        raise UserError(
            "sort: {sort!r} is not an order of the list; choose one of {choices}", sort=sort, choices=choices
        ) from None


class CustomerService:
    """The customers the acting person may see: a paged, filtered list, quick-find, the customer 360
    and the audited reveal of masked personal data."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- who and when -----------------------------------------------------------------------------

    def _acting(self, conn: Connection) -> dict[str, Any]:
        return acting_staff(conn, self._services.actor, doing=Phrase("look up customers"))

    @staticmethod
    def _scope(staff: Mapping[str, Any]) -> Select[tuple[int]]:
        return visible_customer_ids(int(staff["id"]), str(staff["role"]), int(staff["institution_id"]))

    @staticmethod
    def _visible(staff: Mapping[str, Any]) -> ColumnElement[bool]:
        return visible_customers(int(staff["id"]), str(staff["role"]), int(staff["institution_id"]))

    @staticmethod
    def _today(conn: Connection) -> date:
        """The store's business date (the real one in a store without it)."""
        stored = get_meta(conn, BUSINESS_DATE)
        try:
            return parse_date(stored) if stored else business_date()
        except ValueError:
            return business_date()

    def _customer(self, conn: Connection, staff: Mapping[str, Any], cif: str) -> dict[str, Any]:
        found = store.profile_row(conn, cif.strip(), self._scope(staff))
        if found is None:
            raise no_customer(cif)
        return found

    # -- the list ---------------------------------------------------------------------------------

    def page(
        self,
        filters: CustomerFilters | None = None,
        sort: CustomerSort | str = CustomerSort.CIF,
        offset: int = 0,
        limit: int = DEFAULT_PAGE,
    ) -> CustomerPage:
        """Rows ``offset`` … ``offset + limit`` (at most :data:`MAX_PAGE`) of the customers in scope that
        ``filters`` select, sorted by ``sort``, with how many the filters select in all."""
        filters = filters or CustomerFilters()
        order = _sort(sort)
        if filters.tier is not None and filters.tier not in Tier.__members__.values():
            raise UserError("tier: {tier!r} is not a tier", tier=filters.tier)
        if filters.status is not None and filters.status not in Status.__members__.values():
            raise UserError("status: {status!r} is not a status", status=filters.status)
        limit = max(1, min(int(limit), MAX_PAGE))
        offset = max(0, int(offset))
        with self._services.engine.connect() as conn:
            staff = self._acting(conn)
            places: Select[tuple[int]] | None = None
            if filters.institution is not None:
                place = institution_by_code(conn, filters.institution)
                if place is None:
                    raise NotFound("no institution has the code {code!r}", code=filters.institution)
                places = institution_and_descendants(int(place["id"]), name="filter_tree")
            newest = store.latest_aum_month(conn)
            rows, total = store.customer_page(
                conn,
                self._visible(staff),
                text=filters.text,
                tier=filters.tier,
                status=filters.status,
                institutions=places,
                rm=filters.rm,
                sort=order.value,
                offset=offset,
                limit=limit,
                aum_month=newest,
            )
        return CustomerPage(
            rows=tuple(
                CustomerRow(
                    cif=str(row["cif"]),
                    name=str(row["name"]),
                    tier=row["tier"],
                    status=row["status"],
                    months_below=int(row["months_below"] or 0),
                    aum_fen=row["aum_fen"],
                    institution_code=str(row["institution_code"]),
                    institution_name=str(row["institution_name"]),
                    rm_code=row["rm_code"],
                    rm_name=row["rm_name"],
                    phone_masked=mask_phone(row["phone"]),
                )
                for row in rows
            ),
            total=total,
            offset=offset,
            limit=limit,
            filters=filters,
            sort=order,
            aum_month=month_text(newest) if newest is not None else None,
        )

    def choices(self) -> FilterChoices:
        """The institutions and RMs the list can be filtered by: those of the customers in scope."""
        with self._services.engine.connect() as conn:
            staff = self._acting(conn)
            places, rms = store.filter_choices(conn, self._scope(staff))
        return FilterChoices(
            institutions=tuple((str(p["code"]), str(p["name"])) for p in places),
            rms=tuple((str(r["code"]), str(r["name"])) for r in rms),
        )

    def find(self, text: str, limit: int = MAX_HITS) -> tuple[CustomerHit, ...]:
        """Up to ``limit`` (at most :data:`MAX_HITS`) customers in scope whose CIF starts with ``text``,
        whose phone ends with it or whose name contains it, best matches first (quick-find)."""
        if not text.strip():
            return ()
        with self._services.engine.connect() as conn:
            staff = self._acting(conn)
            rows = store.quick_find(conn, self._visible(staff), text, limit=max(0, min(int(limit), MAX_HITS)))
        return tuple(
            CustomerHit(
                cif=str(row["cif"]),
                name=str(row["name"]),
                tier=row["tier"],
                status=row["status"],
                phone_masked=mask_phone(row["phone"]),
                institution_name=str(row["institution_name"]),
            )
            for row in rows
        )

    # -- one customer -----------------------------------------------------------------------------

    def profile(self, cif: str) -> Customer360:
        """Customer ``cif`` as the customer 360 shows it (NotFound outside the acting person's scope)."""
        with self._services.engine.connect() as conn:
            staff = self._acting(conn)
            customer = self._customer(conn, staff, cif)
            today = self._today(conn)
            params = parameters(conn)
            pk = int(customer["id"])
            threshold = int_parameter(params, "large_txn_threshold_fen", rem.LARGE_TXN_THRESHOLD_FEN)
            maturity_days = int_parameter(params, "maturity_reminder_days", rem.MATURITY_DAYS)
            last = customer["tier_month_idx"]
            if last is None:
                last = store.latest_aum_month(conn) or month_idx(today)
            first = int(last) - AUM_MONTHS + 1
            figures = store.aum_months(conn, pk, first, int(last))
            held = [self._holding(h, today, maturity_days) for h in store.holdings_of(conn, pk)]
            since = today - timedelta(days=RECENT_TXN_DAYS)
            txns = store.recent_txns(conn, pk, since=since, until=today)
            rules = load_rule_set(conn)
            measured = customer["churned_from"] or customer["tier"]
            rule = rules.rule(measured) if measured else None
            recommendations = self._recommendations(conn, staff, customer, today, rules)
            cases = store.retention_cases_of(conn, pk)
            steps = store.retention_steps(conn, [c["id"] for c in cases])
            history = store.tier_history_of(conn, pk)
        team = self._services.assignments.customer(str(customer["cif"]))
        records = self._services.records.customer_records(str(customer["cif"]))
        return Customer360(
            cif=str(customer["cif"]),
            name=str(customer["name"]),
            kind=str(customer["kind"]),
            gender=customer["gender"],
            birth_date=customer["birth_date"],
            age=_age(customer["birth_date"], today),
            occupation=customer["occupation"],
            institution_code=str(customer["institution_code"]),
            institution_name=str(customer["institution_name"]),
            tier=customer["tier"],
            status=customer["status"],
            months_below=int(customer["months_below"] or 0),
            churned_from=customer["churned_from"],
            tier_month=customer["tier_month"],
            qualified_by=customer["qualified_by"],
            threshold_fen=rule.aum_min_fen if rule is not None else None,
            id_no_masked=mask_id_no(customer["id_no"]),
            phone_masked=mask_phone(customer["phone"]),
            as_of=today,
            rms=team.rms,
            aum=tuple(
                AumMonth(
                    month=month_text(idx),
                    aum_fen=figures[idx]["aum_fen"] if idx in figures else None,
                    deposit_fen=figures[idx]["deposit_fen"] if idx in figures else None,
                    investment_fen=figures[idx]["investment_fen"] if idx in figures else None,
                )
                for idx in range(first, int(last) + 1)
            ),
            by_class=self._by_class(held),
            holdings=tuple(held),
            transactions=tuple(
                TxnRow(
                    txn_id=str(t["txn_id"]),
                    txn_date=t["txn_date"],
                    amount_fen=int(t["amount_fen"]),
                    direction=str(t["direction"]),
                    channel=t["channel"],
                    counterparty=t["counterparty"],
                    product_name=t["product_name"],
                    institution_code=str(t["institution_code"]),
                    institution_name=str(t["institution_name"]),
                    large=int(t["amount_fen"]) >= threshold,
                    out_of_bank=t["counterparty"] == Counterparty.OUT_BANK,
                )
                for t in txns
            ),
            transactions_since=since,
            large_txn_threshold_fen=threshold,
            maturity_days=maturity_days,
            tier_history=tuple(
                TierChangeRow(
                    month=str(h["month"]),
                    from_tier=h["from_tier"],
                    to_tier=str(h["to_tier"]),
                    reason=str(h["reason"]),
                )
                for h in history
            ),
            records=records,
            recommendations=recommendations,
            retention_cases=tuple(
                RetentionCaseRow(
                    id=str(c["id"]),
                    opened_month=month_text(int(c["opened_month_idx"])),
                    reason=str(c["reason"]),
                    status=str(c["status"]),
                    owner_code=str(c["owner_code"]),
                    owner_name=str(c["owner_name"]),
                    outcome=c["outcome"],
                    steps=tuple(
                        RetentionStepRow(
                            seq=int(s["seq"]),
                            title=str(s["title"]),
                            due_date=s["due_date"],
                            done_on=business_date(s["done_at"]) if s["done_at"] is not None else None,
                            note=s["note"],
                        )
                        for s in steps.get(c["id"], [])
                    ),
                )
                for c in cases
            ),
        )

    @staticmethod
    def _holding(row: Mapping[str, Any], today: date, maturity_days: int) -> HoldingRow:
        matures = row["maturity_date"]
        days = (matures - today).days if matures is not None else None
        return HoldingRow(
            account_no=str(row["account_no"]),
            product_code=str(row["product_code"]),
            product_name=str(row["product_name"]),
            category=str(row["category"]),
            asset_class=str(row["asset_class"]),
            balance_fen=int(row["balance_fen"]),
            open_date=row["open_date"],
            maturity_date=matures,
            rate_e4=row["rate_e4"],
            risk_level=row["risk_level"],
            loan_type=row["loan_type"],
            loan_class=row["loan_class"],
            card_level=row["card_level"],
            repayment_day=row["repayment_day"],
            days_to_maturity=days,
            maturing=days is not None and 0 <= days <= maturity_days,
        )

    @staticmethod
    def _by_class(held: Sequence[HoldingRow]) -> tuple[AssetClassTotal, ...]:
        totals: dict[str, tuple[int, int]] = {}
        for holding in held:
            balance, accounts = totals.get(holding.asset_class, (0, 0))
            totals[holding.asset_class] = (balance + holding.balance_fen, accounts + 1)
        order = {cls.value: n for n, cls in enumerate(CLASS_ORDER)}
        return tuple(
            AssetClassTotal(asset_class=cls, balance_fen=balance, accounts=accounts)
            for cls, (balance, accounts) in sorted(totals.items(), key=lambda item: order.get(item[0], 99))
        )

    def _recommendations(
        self,
        conn: Connection,
        staff: Mapping[str, Any],
        customer: Mapping[str, Any],
        today: date,
        rules: RuleSet,
    ) -> tuple[RecommendationDTO, ...]:
        """The customer's recommendations by the workbench's rules (:func:`rec.recommend`) over the same
        facts, without those the acting person dismissed in the last 30 days."""
        pk = int(customer["id"])
        month = customer["tier_month_idx"]
        aum = 0
        if month is not None:
            aum = aum_series(conn, [pk], int(month), int(month)).get(pk, {}).get(int(month), 0)
        assessed = [
            a["level"]
            for a in latest_assessments(conn, [pk])
            if a["valid_until"] is not None and a["valid_until"] >= today
        ]
        facts = recommendation_facts(
            customer,
            holdings(conn, [pk]),
            rules=rules,
            aum_fen=aum,
            tolerance=assessed[0] if assessed else None,
        )
        products = catalogue_products(catalogue(conn))
        dismissed = dismissals(reminder_states(conn, int(staff["id"])))
        shown = rec.visible(rec.recommend(facts, products, today), dismissed, today)
        return tuple(recommendation_dto(r, str(customer["name"])) for r in shown)

    # -- masked personal data ---------------------------------------------------------------------

    def reveal(self, cif: str, field: RevealField | str) -> str:
        """The unmasked ID number (``id_no``) or phone number (``phone``) of customer ``cif``; the
        reveal is written to the audit log (action ``customer.reveal``) in the same transaction."""
        try:
            wanted = RevealField(field)
        except ValueError:
            raise UserError("{field!r} cannot be revealed; choose id_no or phone", field=field) from None
        with self._services.engine.begin() as conn:
            staff = self._acting(conn)
            customer = self._customer(conn, staff, cif)
            value = customer[wanted.value]
            if not value and wanted is RevealField.ID_NO:
                raise UserError("{cif} has no ID number on file", cif=customer["cif"])
            if not value:
                raise UserError("{cif} has no phone number on file", cif=customer["cif"])
            audit.record(
                conn,
                actor=self._services.audit_actor,
                action="customer.reveal",
                entity="customer",
                entity_id=str(customer["cif"]),
                after={"field": wanted.value},
            )
            return str(value)


__all__ = ["DEFAULT_PAGE", "MAX_HITS", "MAX_PAGE", "CustomerService"]
