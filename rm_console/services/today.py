"""The RM's day (SPEC §6): today's reminders, churn alerts and product recommendations.

The service reads the facts about the acting RM's own customers (:mod:`storage.today`), hands them to
the pure rules (:mod:`rm_console.domain.reminders`, :mod:`rm_console.domain.recommendations`) and
applies what the RM did earlier — done, snoozed and dismissed reminders, dismissed recommendations —
which it stores per RM as terminal-authored reminder-state rows (audited, and queued for sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from rm_console.domain import recommendations as rec
from rm_console.domain import reminders as rem
from rm_console.domain.calendar import BUSINESS_TZ, business_date, month_text, parse_date
from rm_console.domain.dto import (
    ChurnAlertDTO,
    RecommendationDTO,
    ReminderDTO,
    ReminderMark,
    TodayReport,
)
from rm_console.domain.enums import ReminderState, Status, member
from rm_console.domain.errors import NotFound, Phrase, UserError
from rm_console.domain.festivals import previous_working_day
from rm_console.services.acting import acting_staff, staff_dto
from rm_console.services.assignments import no_customer
from rm_console.services.day_facts import (
    RECOMMENDATION_PREFIX,
    assessment_facts,
    catalogue_products,
    customer_facts,
    dismissals,
    holding_facts,
    important_date_facts,
    int_parameter,
    investing_customers,
    manual_facts,
    prepared_view,
    recommendation_dto,
    recommendation_facts,
    stored_states,
    txn_facts,
    who_is,
)
from storage import audit
from storage.assignments import customer_row
from storage.meta import BUSINESS_DATE, get_meta, parameters
from storage.models import ManualReminder, ReminderStateRow
from storage.outbox import enqueue
from storage.scope import visible_customer_ids
from storage.tiers import load_rule_set
from storage.today import (
    aum_series,
    catalogue,
    follow_ups_due,
    holdings,
    important_dates,
    large_txns,
    latest_assessments,
    manual_due,
    my_customers,
    plans_between,
    reminder_states,
)
from storage.types import new_id, utcnow

if TYPE_CHECKING:
    from rm_console.services.context import Services

_STATE = ReminderStateRow.__table__  # type: ignore[attr-defined]
_MANUAL = ManualReminder.__table__  # type: ignore[attr-defined]

#: Months of AUM shown beside a churn alert.
ALERT_MONTHS = 12
#: Severity of a status on the churn-alert list: churned first.
SEVERITY = {Status.CHURNED: 0, Status.ATTENTION: 1}
#: The actions on a reminder, and the state each stores.
ACTIONS = {"done": ReminderState.DONE, "snooze": ReminderState.SNOOZED, "dismiss": ReminderState.DISMISSED}
#: The longest text of a manual reminder, in characters.
MANUAL_TEXT_MAX = 200


def _no_recommendation(recommendation_id: str) -> NotFound:
    return NotFound(
        "no recommendation has the id {recommendation_id!r}; 'rmc today' lists them with their ids",
        recommendation_id=recommendation_id,
    )


@dataclass(frozen=True, slots=True)
class _DataPart:
    """The part of an RM's day computed from the bank's data, as a prepared day keeps it: the number of
    customers, their reminders (before what the RM marked), churn alerts, and recommendations in the
    order shown (before dismissals)."""

    customers: int
    reminders: tuple[rem.Reminder, ...]
    alerts: tuple[ChurnAlertDTO, ...]
    recommendations: tuple[RecommendationDTO, ...]

    def encode(self) -> dict[str, Any]:
        """The part as JSON-ready data: each value's fields in order."""
        return {
            "customers": self.customers,
            "reminders": [
                [r.id, r.kind, r.cif, r.name, r.due.isoformat(), r.priority, r.text_en, r.text_zh]
                for r in self.reminders
            ],
            "alerts": [
                [a.cif, a.name, a.status, a.tier, a.churned_from, a.months_below, a.aum] for a in self.alerts
            ],
            "recommendations": [
                [
                    r.id,
                    r.cif,
                    r.name,
                    r.kind,
                    r.product_code,
                    r.product_name,
                    r.risk_level,
                    r.reason_en,
                    r.reason_zh,
                ]
                for r in self.recommendations
            ],
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> _DataPart:
        """The part :meth:`encode` gave ``data`` for."""
        return cls(
            customers=int(data["customers"]),
            reminders=tuple(
                rem.Reminder(
                    id=rid,
                    kind=member(rem.ReminderKind, kind),
                    cif=cif,
                    name=name,
                    due=date.fromisoformat(due),
                    priority=member(rem.Priority, priority),
                    text_en=en,
                    text_zh=zh,
                )
                for rid, kind, cif, name, due, priority, en, zh in data["reminders"]
            ),
            alerts=tuple(
                ChurnAlertDTO(
                    cif=cif,
                    name=name,
                    status=status,
                    tier=tier,
                    churned_from=churned_from,
                    months_below=months_below,
                    aum=tuple((month, fen) for month, fen in aum),
                )
                for cif, name, status, tier, churned_from, months_below, aum in data["alerts"]
            ),
            recommendations=tuple(RecommendationDTO(*fields) for fields in data["recommendations"]),
        )


class TodayService:
    """Reminders, churn alerts and recommendations of the acting RM, and what the RM does with them."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- the day ------------------------------------------------------------------------------------

    def _day(self, conn: Connection, day: str | date | None) -> date:
        if isinstance(day, date):
            return day
        if day is not None:
            try:
                return parse_date(day)
            except ValueError as exc:
                raise UserError("--date: {error}", error=exc) from None
        stored = get_meta(conn, BUSINESS_DATE)
        return parse_date(stored) if stored else business_date()

    def today(self, day: str | date | None = None) -> TodayReport:
        """The acting person's day: reminders (after done / snooze / dismiss), churn alerts of their
        customers with 12 months of AUM, and recommendations with reasons (after dismissals).

        What comes from the bank's data is computed once per business date and kept as a prepared day
        (:mod:`storage.prepared`) until that data changes; what the RM records is read every time."""
        with self._services.engine.connect() as conn:
            acting = acting_staff(conn, self._services.actor, doing=Phrase("see the day's work"))
            today = self._day(conn, day)
            staff_id = int(acting["id"])
            part = self._data_part(conn, staff_id, today)
            states = reminder_states(conn, staff_id)
            start = datetime.combine(today, time(), tzinfo=BUSINESS_TZ)
            facts = rem.DayFacts(
                plans=tuple(
                    rem.PlannedContact(
                        plan_id=str(p["id"]),
                        cif=str(p["cif"]),
                        name=str(p["name"]),
                        planned_at=p["planned_at"],
                        purpose=str(p["purpose"]),
                        place=p["place"],
                        cancelled=bool(p["cancelled"]),
                        done=bool(p["done"]),
                    )
                    for p in plans_between(conn, staff_id, start, start + timedelta(days=1))
                ),
                follow_ups=tuple(
                    rem.FollowUp(
                        record_id=str(f["id"]),
                        cif=str(f["cif"]),
                        name=str(f["name"]),
                        follow_up_date=f["follow_up_date"],
                        next_step=f["next_step"],
                        done=bool(f["done"]),
                    )
                    for f in follow_ups_due(conn, staff_id, today)
                ),
                manual=manual_facts(manual_due(conn, staff_id, today)),
            )
        reminders = rem.apply_states(
            [*part.reminders, *rem.record_reminders(facts, today)], stored_states(states), today
        )
        dismissed = dismissals(states)
        return TodayReport(
            staff=staff_dto(acting),
            day=today.isoformat(),
            customers=part.customers,
            reminders=tuple(_reminder_dto(r) for r in reminders),
            alerts=part.alerts,
            recommendations=tuple(
                r
                for r in part.recommendations
                if not rec.is_hidden(r.cif, r.kind, r.product_code, dismissed, today)
            ),
        )

    def _data_part(self, conn: Connection, staff_id: int, today: date) -> _DataPart:
        """The part of the staff member's day that comes from the bank's data: the prepared day when it
        is current, else computed now and kept."""
        return prepared_view(
            conn,
            staff_id,
            "today",
            today,
            lambda: self._compute(conn, staff_id, today),
            _DataPart.encode,
            _DataPart.decode,
        )

    def _compute(self, conn: Connection, staff_id: int, today: date) -> _DataPart:
        """Reminders from the RM's customers' data, churn alerts and recommendations (before dismissals)."""
        params = parameters(conn)
        customers = my_customers(conn, staff_id)
        ids = [int(c["id"]) for c in customers]
        held = holdings(conn, ids)
        assessed = latest_assessments(conn, ids)
        newest = max((int(c["month_idx"]) for c in customers if c["month_idx"] is not None), default=None)
        series: dict[int, dict[int, int]] = {}
        if newest is not None:
            # Twelve months for the customers on the alert list; the newest month for the rest.
            flagged = [int(c["id"]) for c in customers if c["status"] in SEVERITY]
            series = aum_series(conn, flagged, newest - ALERT_MONTHS + 1, newest)
            calm = [cid for cid in ids if cid not in series]
            for cid, months in aum_series(conn, calm, newest, newest).items():
                series.setdefault(cid, {}).update(months)
        return _DataPart(
            customers=len(customers),
            reminders=self._reminders(conn, today, customers, held, assessed, params),
            alerts=self._alerts(customers, series, newest),
            recommendations=self._recommendations(conn, today, customers, held, assessed, series),
        )

    def _reminders(
        self,
        conn: Connection,
        today: date,
        customers: list[dict[str, Any]],
        held: list[dict[str, Any]],
        assessed: list[dict[str, Any]],
        params: dict[str, str],
    ) -> tuple[rem.Reminder, ...]:
        who = who_is(customers)
        ids = list(who)
        threshold = int_parameter(params, "large_txn_threshold_fen", rem.LARGE_TXN_THRESHOLD_FEN)
        facts = rem.DayFacts(
            holdings=holding_facts(held, who),
            txns=txn_facts(
                large_txns(
                    conn, ids, since=previous_working_day(today), until=today, threshold_fen=threshold
                ),
                who,
            ),
            customers=customer_facts(customers),
            important_dates=important_date_facts(important_dates(conn, ids), who),
            assessments=assessment_facts(assessed, who, investing_customers(held)),
        )
        return tuple(
            rem.data_reminders(
                facts,
                today,
                maturity_days=int_parameter(params, "maturity_reminder_days", rem.MATURITY_DAYS),
                large_txn_threshold_fen=threshold,
            )
        )

    def _recommendations(
        self,
        conn: Connection,
        today: date,
        customers: list[dict[str, Any]],
        held: list[dict[str, Any]],
        assessed: list[dict[str, Any]],
        series: dict[int, dict[int, int]],
    ) -> tuple[RecommendationDTO, ...]:
        rules = load_rule_set(conn)
        products = rec.Catalogue(catalogue_products(catalogue(conn)))
        by_customer: dict[int, list[dict[str, Any]]] = {}
        for h in held:
            by_customer.setdefault(int(h["customer_id"]), []).append(h)
        valid = {
            int(a["customer_id"]): a["level"]
            for a in assessed
            if a["valid_until"] and a["valid_until"] >= today
        }
        found: list[tuple[tuple[int, int, int], RecommendationDTO]] = []
        for customer in customers:
            cid = int(customer["id"])
            month = customer["month_idx"]
            aum = series.get(cid, {}).get(int(month), 0) if month is not None else 0
            facts = recommendation_facts(
                customer, by_customer.get(cid, []), rules=rules, aum_fen=aum, tolerance=valid.get(cid)
            )
            for order, r in enumerate(rec.recommend(facts, products, today)):
                found.append(((facts.tier.rank, -aum, order), recommendation_dto(r, str(customer["name"]))))
        found.sort(key=lambda item: (item[0][0], item[0][1], item[1].cif, item[0][2]))
        return tuple(dto for _, dto in found)

    @staticmethod
    def _alerts(
        customers: list[dict[str, Any]], series: dict[int, dict[int, int]], newest: int | None
    ) -> tuple[ChurnAlertDTO, ...]:
        flagged = [c for c in customers if c["status"] in SEVERITY]
        flagged.sort(key=lambda c: (SEVERITY[Status(c["status"])], -int(c["months_below"] or 0), c["cif"]))
        return tuple(
            ChurnAlertDTO(
                cif=str(c["cif"]),
                name=str(c["name"]),
                status=str(c["status"]),
                tier=str(c["tier"]),
                churned_from=c["churned_from"],
                months_below=int(c["months_below"] or 0),
                aum=tuple(
                    (month_text(m), series.get(int(c["id"]), {}).get(m))
                    for m in range(int(c["month_idx"]) - ALERT_MONTHS + 1, int(c["month_idx"]) + 1)
                ),
            )
            for c in flagged
            if newest is not None and c["month_idx"] is not None
        )

    # -- what the RM does with them -----------------------------------------------------------------

    def add_reminder(self, due: str | date, text: str, cif: str | None = None) -> ReminderDTO:
        """Write a manual reminder (手工提醒) of the acting person for ``due`` (today or later), maybe
        about one of the customers they may see; it shows from that day on until done or dismissed.
        Returns the reminder as it will show on its day."""
        written = (text or "").strip()
        if not written:
            raise UserError("--text: a reminder needs text saying what to do")
        if len(written) > MANUAL_TEXT_MAX:
            raise UserError(
                "--text: a reminder is at most {limit} characters; this one has {length}",
                limit=MANUAL_TEXT_MAX,
                length=len(written),
            )
        if isinstance(due, date):
            day = due
        else:
            try:
                day = parse_date(due.strip())
            except ValueError as exc:
                raise UserError("--on: {error}", error=exc) from None
        wanted = (cif or "").strip()
        with self._services.engine.begin() as conn:
            acting = acting_staff(conn, self._services.actor, doing=Phrase("write reminders"))
            today = self._day(conn, None)
            if day < today:
                raise UserError(
                    "--on: {day} is before today ({today})", day=day.isoformat(), today=today.isoformat()
                )
            customer: dict[str, Any] | None = None
            if wanted:
                scope = visible_customer_ids(
                    int(acting["id"]), str(acting["role"]), int(acting["institution_id"])
                )
                customer = customer_row(conn, wanted, scope)
                if customer is None:
                    raise no_customer(wanted)
            row_id = new_id()
            now = utcnow()
            conn.execute(
                insert(_MANUAL).values(
                    id=row_id,
                    staff_id=int(acting["id"]),
                    customer_id=int(customer["id"]) if customer is not None else None,
                    due=day,
                    text=written,
                    version=1,
                    created_at=now,
                )
            )
            payload = {
                "staff": str(acting["code"]),
                "cif": str(customer["cif"]) if customer is not None else None,
                "due": day.isoformat(),
                "text": written,
                "created_at": now.isoformat(),
            }
            enqueue(conn, entity="manual_reminder", entity_id=str(row_id), op="insert", payload=payload)
            audit.record(
                conn,
                actor=self._services.audit_actor,
                action="reminder.add",
                entity="manual_reminder",
                entity_id=str(row_id),
                before=None,
                after=payload,
            )
        fact = rem.ManualFact(
            reminder_id=str(row_id),
            cif=str(customer["cif"]) if customer is not None else None,
            name=str(customer["name"]) if customer is not None else None,
            due=day,
            text=written,
        )
        return _reminder_dto(rem.manual_reminders([fact], day)[0])

    def mark(self, reminder_id: str, action: str, until: str | None = None) -> ReminderMark:
        """Mark a reminder done, snooze it until a later date, or dismiss it (stored per RM)."""
        if action not in ACTIONS:
            raise UserError(
                "{action!r} is not an action on a reminder; choose done, snooze or dismiss", action=action
            )
        kind = reminder_id.partition(":")[0]
        if kind not in {k.value for k in rem.ReminderKind} or reminder_id.count(":") < 2:
            raise NotFound(
                "no reminder has the id {reminder_id!r}; 'rmc today' lists them with their ids",
                reminder_id=reminder_id,
            )
        state = ACTIONS[action]
        with self._services.engine.begin() as conn:
            acting = acting_staff(conn, self._services.actor, doing=Phrase("mark reminders"))
            snooze: date | None = None
            if state is ReminderState.SNOOZED:
                if until is None:
                    raise UserError("snoozing a reminder needs --until DATE, the day it shows again")
                try:
                    snooze = parse_date(until)
                except ValueError as exc:
                    raise UserError("--until: {error}", error=exc) from None
                today = self._day(conn, None)
                if snooze <= today:
                    raise UserError(
                        "--until: {day} is not after today ({today})",
                        day=snooze.isoformat(),
                        today=today.isoformat(),
                    )
            elif until is not None:
                raise UserError("--until is only for snooze")
            return self._store(conn, acting, reminder_id, state, snooze)

    def dismiss_recommendation(self, recommendation_id: str) -> ReminderMark:
        """Dismiss a recommendation (``CIF:KIND:PRODUCT`` or ``CIF:assess_risk``) for 30 days."""
        cif, _, rest = recommendation_id.partition(":")
        kind, _, product = rest.partition(":")
        if not cif or kind not in {k.value for k in rec.RecommendationKind}:
            raise _no_recommendation(recommendation_id)
        with self._services.engine.begin() as conn:
            acting = acting_staff(conn, self._services.actor, doing=Phrase("dismiss recommendations"))
            mine = {str(c["cif"]) for c in my_customers(conn, int(acting["id"]))}
            if cif not in mine:
                raise _no_recommendation(recommendation_id)
            key = f"{RECOMMENDATION_PREFIX}:{cif}:{product or kind}"
            return self._store(conn, acting, key, ReminderState.DISMISSED, None)

    def _store(
        self, conn: Connection, acting: dict[str, Any], key: str, state: ReminderState, snooze: date | None
    ) -> ReminderMark:
        staff_id = int(acting["id"])
        now = utcnow()
        existing = (
            conn.execute(
                select(_STATE.c.id, _STATE.c.state, _STATE.c.snooze_until, _STATE.c.version).where(
                    _STATE.c.staff_id == staff_id, _STATE.c.reminder_key == key
                )
            )
            .mappings()
            .first()
        )
        after = {"state": state.value, "snooze_until": snooze.isoformat() if snooze else None}
        if existing is None:
            row_id = new_id()
            conn.execute(
                insert(_STATE).values(
                    id=row_id,
                    staff_id=staff_id,
                    reminder_key=key,
                    state=state.value,
                    snooze_until=snooze,
                    version=1,
                    updated_at=now,
                )
            )
            enqueue(
                conn,
                entity="reminder_state",
                entity_id=str(row_id),
                op="insert",
                payload={
                    "staff": acting["code"],
                    "reminder_key": key,
                    **after,
                    "updated_at": now.isoformat(),
                },
            )
            before = None
        else:
            row_id = existing["id"]
            conn.execute(
                update(_STATE)
                .where(_STATE.c.id == row_id)
                .values(
                    state=state.value, snooze_until=snooze, version=existing["version"] + 1, updated_at=now
                )
            )
            enqueue(
                conn,
                entity="reminder_state",
                entity_id=str(row_id),
                op="update",
                payload={**after, "updated_at": now.isoformat()},
                base_version=int(existing["version"]),
            )
            before = {
                "state": existing["state"],
                "snooze_until": existing["snooze_until"].isoformat() if existing["snooze_until"] else None,
            }
        audit.record(
            conn,
            actor=self._services.audit_actor,
            action="reminder.mark",
            entity="reminder_state",
            entity_id=key,
            before=before,
            after=after,
        )
        return ReminderMark(key=key, state=state.value, snooze_until=after["snooze_until"])


def _reminder_dto(reminder: rem.Reminder) -> ReminderDTO:
    """A reminder as screens and ``rmc today`` show it."""
    return ReminderDTO(
        id=reminder.id,
        kind=reminder.kind.value,
        cif=reminder.cif,
        name=reminder.name,
        due=reminder.due.isoformat(),
        priority=reminder.priority.value,
        text_en=reminder.text_en,
        text_zh=reminder.text_zh,
    )


__all__ = ["ACTIONS", "MANUAL_TEXT_MAX", "TodayService"]
