"""Store rows → the plain facts the reminder and recommendation rules read, in one place.

The workbench (:mod:`rm_console.services.today`), the work calendar (:mod:`rm_console.services.calendar`)
and the customer 360 (:mod:`rm_console.services.customers`) all hand the same facts to the same pure
rules; building them here keeps what each of them shows in agreement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection

from rm_console.domain import recommendations as rec
from rm_console.domain import reminders as rem
from rm_console.domain.calendar import business_date
from rm_console.domain.dto import RecommendationDTO
from rm_console.domain.enums import AssetClass, ProductCategory, ReminderState, Tier
from rm_console.domain.tiers import RuleSet
from storage import prepared

#: The prefix of the reminder-state keys under which dismissed recommendations are stored.
RECOMMENDATION_PREFIX = "rec"

#: CIF and name of each customer id.
Who = Mapping[int, tuple[str, str]]

_V = TypeVar("_V")

#: The modules whose code computes a prepared view, beside the domain rules (see :func:`code_fingerprint`).
_VIEW_CODE = (
    "rm_console/services/day_facts.py",
    "rm_console/services/today.py",
    "rm_console/services/calendar.py",
    "storage/today.py",
    "storage/calendar.py",
)


def int_parameter(params: Mapping[str, str], key: str, default: int) -> int:
    """A whole-number parameter, or ``default`` when it is missing or not a number."""
    try:
        return int(params.get(key, default))
    except ValueError:
        return default


def who_is(customers: Iterable[Mapping[str, Any]]) -> dict[int, tuple[str, str]]:
    """Customer id → (CIF, name)."""
    return {int(c["id"]): (str(c["cif"]), str(c["name"])) for c in customers}


def holding_facts(held: Iterable[Mapping[str, Any]], who: Who) -> tuple[rem.HoldingFact, ...]:
    """Holdings (rows of :func:`storage.today.holdings`) as the reminder rules read them: those that can
    give a reminder at all."""
    return tuple(
        rem.HoldingFact(
            account_no=str(h["account_no"]),
            cif=who[int(h["customer_id"])][0],
            name=who[int(h["customer_id"])][1],
            asset_class=h["asset_class"],
            product_name=str(h["product_name"]),
            balance_fen=int(h["balance_fen"]),
            maturity_date=h["maturity_date"],
            loan_type=h["loan_type"],
            loan_class=h["loan_class"],
            card_level=h["card_level"],
            repayment_day=h["repayment_day"],
        )
        for h in held
        if rem.can_remind(h["asset_class"], h["maturity_date"])
    )


def txn_facts(txns: Iterable[Mapping[str, Any]], who: Who) -> tuple[rem.TxnFact, ...]:
    """Transactions (rows of :func:`storage.today.large_txns`)."""
    return tuple(
        rem.TxnFact(
            txn_id=str(t["txn_id"]),
            cif=who[int(t["customer_id"])][0],
            name=who[int(t["customer_id"])][1],
            txn_date=t["txn_date"],
            amount_fen=int(t["amount_fen"]),
            direction=t["direction"],
            channel=t["channel"],
            product_name=t["product_name"],
            counterparty=t["counterparty"],
        )
        for t in txns
    )


def customer_facts(customers: Iterable[Mapping[str, Any]]) -> tuple[rem.CustomerFact, ...]:
    """Customers with their birth dates."""
    return tuple(
        rem.CustomerFact(cif=str(c["cif"]), name=str(c["name"]), birth_date=c["birth_date"])
        for c in customers
    )


def important_date_facts(dates: Iterable[Mapping[str, Any]], who: Who) -> tuple[rem.ImportantDateFact, ...]:
    """Important dates (rows of :func:`storage.today.important_dates`)."""
    return tuple(
        rem.ImportantDateFact(
            key=str(d["id"]),
            cif=who[int(d["customer_id"])][0],
            name=who[int(d["customer_id"])][1],
            label=str(d["label"]),
            day=d["day"],
            lunar=bool(d["lunar"]),
        )
        for d in dates
    )


def investing_customers(held: Iterable[Mapping[str, Any]]) -> set[int]:
    """Ids of the customers holding wealth (investment) products."""
    return {int(h["customer_id"]) for h in held if h["asset_class"] == AssetClass.WEALTH}


def assessment_facts(
    assessed: Iterable[Mapping[str, Any]], who: Who, investing: set[int]
) -> tuple[rem.AssessmentFact, ...]:
    """Risk assessments (rows of :func:`storage.today.latest_assessments`)."""
    return tuple(
        rem.AssessmentFact(
            cif=who[int(a["customer_id"])][0],
            name=who[int(a["customer_id"])][1],
            level=a["level"],
            valid_until=a["valid_until"],
            has_investments=int(a["customer_id"]) in investing,
        )
        for a in assessed
    )


def manual_facts(rows: Iterable[Mapping[str, Any]]) -> tuple[rem.ManualFact, ...]:
    """Manual reminders (rows of :func:`storage.today.manual_due` or
    :func:`storage.calendar.manual_between`)."""
    return tuple(
        rem.ManualFact(
            reminder_id=str(m["id"]),
            cif=str(m["cif"]) if m["cif"] is not None else None,
            name=str(m["name"]) if m["name"] is not None else None,
            due=m["due"],
            text=str(m["text"]),
        )
        for m in rows
    )


def stored_states(states: Iterable[Mapping[str, Any]]) -> dict[str, rem.StoredState]:
    """What the RM did with each reminder (recommendation dismissals left out)."""
    return {
        str(s["reminder_key"]): rem.StoredState(s["state"], s["snooze_until"])
        for s in states
        if not str(s["reminder_key"]).startswith(f"{RECOMMENDATION_PREFIX}:")
    }


def dismissals(states: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], date]:
    """(CIF, product code or kind) → the business date of its latest dismissal."""
    found: dict[tuple[str, str], date] = {}
    for state in states:
        prefix, _, rest = str(state["reminder_key"]).partition(":")
        if prefix != RECOMMENDATION_PREFIX or state["state"] != ReminderState.DISMISSED:
            continue
        cif, _, key = rest.partition(":")
        found[(cif, key)] = business_date(state["updated_at"])
    return found


def catalogue_products(rows: Iterable[Mapping[str, Any]]) -> list[rec.CatalogueProduct]:
    """The product catalogue (rows of :func:`storage.today.catalogue`) as the rules read it."""
    return [
        rec.CatalogueProduct(
            code=str(p["code"]),
            name=str(p["name"]),
            category=p["category"],
            risk_level=p["risk_level"],
            weight_bp=int(p["weight_bp"]),
        )
        for p in rows
    ]


def recommendation_facts(
    customer: Mapping[str, Any],
    mine: Sequence[Mapping[str, Any]],
    *,
    rules: RuleSet,
    aum_fen: int,
    tolerance: str | None,
) -> rec.CustomerFacts:
    """What the recommendation rules know of one customer: tier, AUM, holdings, channels and cards,
    and the level of a valid risk assessment (None without one)."""
    tier = Tier(customer["tier"] or Tier.ORDINARY)
    upper = rec.next_tier_threshold(rules, tier)
    return rec.CustomerFacts(
        customer=str(customer["cif"]),
        tier=tier,
        aum_fen=aum_fen,
        next_tier=upper[0] if upper else None,
        next_tier_aum_min_fen=upper[1] if upper else None,
        holdings=tuple(
            rec.HoldingFact(
                product_code=str(h["product_code"]),
                category=h["category"],
                balance_fen=int(h["balance_fen"]),
                maturity_date=h["maturity_date"],
            )
            for h in mine
        ),
        settlement_balance_fen=sum(
            int(h["balance_fen"]) for h in mine if h["asset_class"] == AssetClass.SETTLEMENT
        ),
        has_mobile_banking=any(h["category"] == ProductCategory.MOBILE_BANKING for h in mine),
        has_wealth_card=any(
            h["category"] in (ProductCategory.WEALTH_CARD, ProductCategory.PRIVATE_BANKING_CARD) for h in mine
        ),
        risk_tolerance=tolerance,
    )


def recommendation_dto(recommendation: rec.Recommendation, name: str) -> RecommendationDTO:
    """A recommendation as screens and ``rmc today`` show it."""
    return RecommendationDTO(
        id=recommendation.id,
        cif=recommendation.customer,
        name=name,
        kind=recommendation.kind.value,
        product_code=recommendation.product_code,
        product_name=recommendation.product_name,
        risk_level=recommendation.risk_level.value if recommendation.risk_level else None,
        reason_en=recommendation.reason_en,
        reason_zh=recommendation.reason_zh,
    )


@cache
def code_fingerprint() -> str:
    """A digest of the code that computes prepared views (the domain rules, the facts they are given,
    the services that place them): a view prepared by other code (another release) is computed afresh
    rather than shown."""
    root = Path(__file__).resolve().parents[2]
    sources = sorted(Path(rem.__file__).parent.glob("*.py")) + [root / name for name in _VIEW_CODE]
    digest = hashlib.blake2b(digest_size=16)
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def prepared_view(
    conn: Connection,
    staff_id: int,
    view: str,
    day: date,
    compute: Callable[[], _V],
    encode: Callable[[_V], Any],
    decode: Callable[[Any], _V],
) -> _V:
    """The staff member's ``view`` of ``day`` computed from the bank's data (:mod:`storage.prepared`):
    the prepared one when it is current and was computed by this code, else ``compute()``, kept for
    next time (on a SQLite store; elsewhere it is always computed). ``encode`` turns the value into
    JSON-ready data, ``decode`` back."""
    if conn.dialect.name != "sqlite":
        return compute()
    # The version is read before any fact, so a change while computing leaves the view unsaved.
    version = prepared.inputs_version(conn)
    body = prepared.load(conn, staff_id, view, day, version)
    if body is not None:
        kept = json.loads(body)
        if kept.get("code") == code_fingerprint():
            return decode(kept["view"])
    value = compute()
    body = json.dumps({"code": code_fingerprint(), "view": encode(value)}, ensure_ascii=False)
    prepared.store(conn, staff_id, view, day, version, body)
    return value


__all__ = [
    "RECOMMENDATION_PREFIX",
    "assessment_facts",
    "catalogue_products",
    "code_fingerprint",
    "customer_facts",
    "dismissals",
    "holding_facts",
    "important_date_facts",
    "int_parameter",
    "investing_customers",
    "prepared_view",
    "recommendation_dto",
    "recommendation_facts",
    "stored_states",
    "txn_facts",
    "who_is",
]
