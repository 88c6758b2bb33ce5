"""Contact, visit, complaint, work-log, risk and credit records (SPEC §8) for the acting staff member.

Who may do what: any staff member records for the customers they may see (an RM their assigned
customers, a branch manager their institution's tree, an analyst anyone, a teller their institution's);
a customer outside that scope is answered exactly as a CIF that does not exist. A visit plan is
cancelled by its author, or by a branch manager or analyst who sees the customer. The work log is each
person's own.

The rules are pure: :mod:`rm_console.domain.records_dto` (times, follow-ups, work-log kinds),
:mod:`rm_console.domain.complaints` (the five steps), :mod:`rm_console.domain.questionnaire` (C1–C5)
and :mod:`rm_console.domain.rating` (scorecards and grades). Every write is one transaction holding the
record, an audit row and an outbox row for sync; a refusal writes nothing.

"Today" is the store's business date (``store_meta.business_date``, set by the demo and by sync) when
it has one, else today in Asia/Shanghai; "now" is the current time of day on that date.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from datetime import time as dt_time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from rm_console.domain.calendar import BUSINESS_TZ, business_date, parse_date
from rm_console.domain.complaints import (
    ComplaintError,
    HandlingStep,
    check_close,
    check_step,
    next_step,
)
from rm_console.domain.enums import CaseStatus, ContactKind, Role
from rm_console.domain.errors import NotFound, PermissionRefused, Phrase
from rm_console.domain.questionnaire import (
    BANDS,
    LEVEL_NAMES,
    MAX_SCORE,
    QUESTIONS,
    VALID_MONTHS,
    answers_text,
    check_answers,
    is_valid,
    score,
    valid_until,
)
from rm_console.domain.rating import RatingError, rate
from rm_console.domain.rating import scorecard as find_scorecard
from rm_console.domain.records_dto import (
    CONTACT_ZH,
    ComplaintDTO,
    ComplaintStepDTO,
    ContactDTO,
    CreditRatingDTO,
    CustomerRecords,
    FactorScoreDTO,
    LevelBandDTO,
    OptionDTO,
    QuestionDTO,
    Questionnaire,
    RecordError,
    RiskAssessmentDTO,
    VisitPlanDTO,
    WorkLogDay,
    WorkLogEntryDTO,
    check_channel,
    check_follow_up,
    check_happened,
    check_planned,
    check_scorecard_kind,
    check_work_day,
    optional_text,
    parse_day,
    parse_local_time,
    parse_work_kind,
)
from rm_console.services.acting import acting_staff
from rm_console.services.assignments import no_customer
from storage import audit
from storage import records as store
from storage.assignments import customer_row
from storage.meta import BUSINESS_DATE, get_meta
from storage.outbox import enqueue
from storage.scope import visible_customer_ids
from storage.types import new_id, utcnow

if TYPE_CHECKING:
    from rm_console.services.context import Services

#: The kinds :meth:`RecordService.record_contact` records (visits have :meth:`RecordService.record_visit`).
PLAIN_CONTACT_KINDS = (ContactKind.CALL, ContactKind.MESSAGE, ContactKind.EVENT)
#: What a person recording each plain contact kind is doing, as a refusal names it.
_RECORDING: dict[str, Phrase] = {
    ContactKind.CALL: Phrase("record calls"),
    ContactKind.MESSAGE: Phrase("record messages"),
    ContactKind.EVENT: Phrase("record events"),
}


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """Column values as an outbox payload: ids and dates as text, instants as UTC ISO text."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, uuid.UUID):
            out[key] = str(value)
        elif isinstance(value, datetime):
            out[key] = value.astimezone(UTC).isoformat()
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _text_id(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def _parse_id(text: str, missing: NotFound) -> uuid.UUID:
    """``text`` as a record id (with or without dashes); anything else is as unknown as a missing id."""
    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        raise missing from None


def _no_plan(plan_id: str) -> NotFound:
    return NotFound("no visit plan {plan_id!r} among the plans you may see", plan_id=plan_id)


def _no_complaint(complaint_id: str) -> NotFound:
    return NotFound(
        "no complaint {complaint_id!r} among the complaints you may see", complaint_id=complaint_id
    )


# -- rows to DTOs -----------------------------------------------------------------------------------


def _plan_dto(row: Mapping[str, Any]) -> VisitPlanDTO:
    return VisitPlanDTO(
        id=_text_id(row["id"]),
        cif=str(row["cif"]),
        customer_name=str(row["customer_name"]),
        staff=str(row["staff_code"]),
        staff_name=str(row["staff_name"]),
        purpose=str(row["purpose"]),
        planned_at=row["planned_at"],
        place=row["place"],
        strategy=row["strategy"],
        materials=row["materials"],
        cancelled=bool(row["cancelled"]),
        version=int(row["version"]),
    )


def _contact_dto(row: Mapping[str, Any], cif: str, customer_name: str) -> ContactDTO:
    return ContactDTO(
        id=_text_id(row["id"]),
        kind=str(row["kind"]),
        cif=cif,
        customer_name=customer_name,
        staff=str(row["staff_code"]),
        staff_name=str(row["staff_name"]),
        occurred_at=row["occurred_at"],
        outcome=row["outcome"],
        notes=row["notes"],
        needs_explicit=row["needs_explicit"],
        needs_implicit=row["needs_implicit"],
        needs_latent=row["needs_latent"],
        products=tuple(str(code) for code in row["products_discussed"] or ()),
        objections=row["objections"],
        next_step=row["next_step"],
        follow_up=row["follow_up_date"],
        plan_id=_text_id(row["visit_plan_id"]) if row["visit_plan_id"] is not None else None,
    )


def _step_dto(row: Mapping[str, Any]) -> ComplaintStepDTO:
    step = HandlingStep.from_number(int(row["step_no"]))
    return ComplaintStepDTO(
        number=step.number,
        step=step.value,
        label=step.label,
        note=str(row["note"]),
        author=str(row["author_code"]),
        author_name=str(row["author_name"]),
        at=row["at"],
    )


def _complaint_dto(row: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]) -> ComplaintDTO:
    taken = tuple(_step_dto(step) for step in steps)
    expected = next_step(step.step for step in taken)
    return ComplaintDTO(
        id=_text_id(row["id"]),
        cif=str(row["cif"]),
        customer_name=str(row["customer_name"]),
        received_at=row["received_at"],
        channel=str(row["channel"]),
        description=str(row["description"]),
        status=str(row["status"]),
        opened_by=str(row["staff_code"]),
        opened_by_name=str(row["staff_name"]),
        closed_at=row["closed_at"],
        version=int(row["version"]),
        steps=taken,
        next_step=expected.label if expected is not None and row["status"] != CaseStatus.CLOSED else None,
    )


def _answers_text(stored: Any) -> str | None:
    if not isinstance(stored, Mapping) or not stored:
        return None
    return answers_text({int(number): str(letter) for number, letter in stored.items()})


def _risk_dto(
    row: Mapping[str, Any], cif: str, customer_name: str, today: date, staff: str | None
) -> RiskAssessmentDTO:
    level = str(row["level"])
    names = next((names for key, names in LEVEL_NAMES.items() if key.value == level), (level, level))
    return RiskAssessmentDTO(
        id=_text_id(row["id"]),
        cif=cif,
        customer_name=customer_name,
        assessed_on=row["assessed_on"],
        valid_until=row["valid_until"],
        score=int(row["score"]),
        level=level,
        level_en=names[0],
        level_zh=names[1],
        answers=_answers_text(row["answers"]),
        staff=staff,
        expired=not is_valid(row["valid_until"], today),
    )


def _rating_dto(row: Mapping[str, Any], cif: str, customer_name: str, staff: str | None) -> CreditRatingDTO:
    details = row["details"] if isinstance(row["details"], Mapping) else {}
    stored: Mapping[str, Any] = details.get("factors") or {}
    try:
        card = find_scorecard(str(row["scorecard"]))
        names = {factor.key: (factor.name_en, factor.name_zh) for factor in card.factors}
        order = [factor.key for factor in card.factors if factor.key in stored]
    except RatingError:  # a scorecard this console does not know: show the factors as stored
        names, order = {}, list(stored)
    return CreditRatingDTO(
        id=_text_id(row["id"]),
        cif=cif,
        customer_name=customer_name,
        rated_on=row["rated_on"],
        scorecard=str(row["scorecard"]),
        score=int(row["score"]),
        exact=str(details.get("exact", row["score"])),
        grade=str(row["grade"]),
        factors=tuple(
            FactorScoreDTO(
                factor=key,
                name_en=names.get(key, (key, key))[0],
                name_zh=names.get(key, (key, key))[1],
                weight=int(stored[key]["weight"]),
                sub_score=int(stored[key]["sub_score"]),
                points=str(stored[key]["points"]),
            )
            for key in order
        ),
        staff=staff,
    )


class RecordService:
    """Visit plans and records, calls, messages, events, complaints, the work log, risk assessments and
    credit ratings, written and read for the acting staff member."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- who, whom and when -----------------------------------------------------------------------

    def _acting(self, conn: Connection, doing: Phrase) -> dict[str, Any]:
        return acting_staff(conn, self._services.actor, doing=doing)

    @staticmethod
    def _scope(staff: Mapping[str, Any]) -> Any:
        return visible_customer_ids(int(staff["id"]), str(staff["role"]), int(staff["institution_id"]))

    def _customer(self, conn: Connection, staff: Mapping[str, Any], cif: str) -> dict[str, Any]:
        """Customer ``cif`` if the acting person may see it; the same NotFound as a missing CIF otherwise."""
        customer = customer_row(conn, cif.strip(), self._scope(staff))
        if customer is None:
            raise no_customer(cif)
        return customer

    @staticmethod
    def _clock(conn: Connection) -> tuple[date, datetime]:
        """Today's business date (the store's when it has one) and now on that date: the real time while
        the clock is on the business date; the day's last moment once the clock has passed it (a store
        not yet moved on to today, after midnight say: every moment of its day is over); the time of
        day on it when the store is ahead of the clock."""
        real = utcnow()
        stored = get_meta(conn, BUSINESS_DATE)
        try:
            today = parse_date(stored) if stored else business_date(real)
        except ValueError:
            today = business_date(real)
        clock_day = business_date(real)
        if clock_day == today:
            return today, real
        if clock_day > today:
            return today, datetime.combine(today, dt_time.max, tzinfo=BUSINESS_TZ).astimezone(UTC)
        wall = real.astimezone(BUSINESS_TZ)
        return today, datetime.combine(today, wall.timetz()).astimezone(UTC)

    def _write(
        self,
        conn: Connection,
        *,
        entity: str,
        entity_id: uuid.UUID,
        action: str,
        op: str,
        payload: dict[str, Any],
        before: dict[str, Any] | None = None,
        base_version: int | None = None,
    ) -> None:
        """The audit row and the outbox row of one change, in the change's transaction."""
        audit.record(
            conn,
            actor=self._services.audit_actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=payload,
        )
        enqueue(
            conn, entity=entity, entity_id=str(entity_id), op=op, payload=payload, base_version=base_version
        )

    @staticmethod
    def _moment(at: str | datetime | None, option: str = "--at") -> datetime | None:
        if at is None or isinstance(at, datetime):
            if isinstance(at, datetime) and at.tzinfo is None:
                raise RecordError("{option}: a time needs its zone", option=option)
            return at
        return parse_local_time(at, option=option)

    @staticmethod
    def _day(value: str | date | None, option: str) -> date | None:
        if value is None or isinstance(value, date):
            return value
        if not value.strip():
            return None
        return parse_day(value, option=option)

    # -- visit plans ------------------------------------------------------------------------------

    def plan_visit(
        self,
        cif: str,
        *,
        at: str | datetime,
        purpose: str,
        place: str | None = None,
        strategy: str | None = None,
        materials: str | None = None,
    ) -> VisitPlanDTO:
        """Plan a visit (拜访计划) to customer ``cif`` at ``at``: ``YYYY-MM-DD HH:MM`` Beijing time, not
        in the past."""
        purpose = optional_text(purpose)
        if purpose is None:
            raise RecordError("--purpose: a visit plan needs a purpose (拜访目的)")
        planned = self._moment(at)
        if planned is None:
            raise RecordError("--at: a visit plan needs its time (YYYY-MM-DD HH:MM, Beijing time)")
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("plan visits"))
            customer = self._customer(conn, staff, cif)
            _, now = self._clock(conn)
            check_planned(planned, now)
            plan_id, written = new_id(), utcnow()
            values = {
                "id": plan_id,
                "customer_id": int(customer["id"]),
                "staff_id": int(staff["id"]),
                "purpose": purpose,
                "planned_at": planned,
                "place": optional_text(place),
                "strategy": optional_text(strategy),
                "materials": optional_text(materials),
                "cancelled": False,
                "version": 1,
                "created_at": written,
                "updated_at": written,
            }
            store.add_visit_plan(conn, values)
            payload = {**_jsonable(values), "cif": str(customer["cif"]), "staff": str(staff["code"])}
            self._write(
                conn,
                entity="visit_plan",
                entity_id=plan_id,
                action="visit_plan.create",
                op="insert",
                payload=payload,
            )
            row = store.visit_plan(conn, plan_id)
            assert row is not None  # just written
            return _plan_dto(row)

    def _plan(self, conn: Connection, staff: Mapping[str, Any], plan_id: str) -> dict[str, Any]:
        """The plan ``plan_id`` if its customer is in the acting person's scope; NotFound otherwise."""
        missing = _no_plan(plan_id)
        plan = store.visit_plan(conn, _parse_id(plan_id, missing))
        if plan is None or customer_row(conn, str(plan["cif"]), self._scope(staff)) is None:
            raise missing
        return plan

    def cancel_plan(self, plan_id: str) -> VisitPlanDTO:
        """Cancel a visit plan (its author, or a branch manager or analyst who sees the customer)."""
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("cancel visit plans"))
            plan = self._plan(conn, staff, plan_id)
            pk = plan["id"]
            if int(plan["staff_id"]) != int(staff["id"]) and staff["role"] not in (
                Role.BRANCH_MANAGER,
                Role.ANALYST,
            ):
                raise PermissionRefused(
                    "visit plan {plan_id} is {author}'s; only its author or a branch manager may cancel it",
                    plan_id=_text_id(pk),
                    author=plan["staff_code"],
                )
            if plan["cancelled"]:
                raise RecordError("visit plan {plan_id} is already cancelled", plan_id=_text_id(pk))
            visit = store.visit_of_plan(conn, pk)
            if visit is not None:
                raise RecordError(
                    "visit plan {plan_id} already has its visit record {visit}; it cannot be cancelled",
                    plan_id=_text_id(pk),
                    visit=visit,
                )
            version, written = int(plan["version"]), utcnow()
            if not store.cancel_visit_plan(conn, pk, version=version, at=written):
                raise RecordError(
                    "visit plan {plan_id} was changed meanwhile; look at it again", plan_id=_text_id(pk)
                )
            payload = {"cancelled": True, "version": version + 1, "updated_at": written.isoformat()}
            self._write(
                conn,
                entity="visit_plan",
                entity_id=pk,
                action="visit_plan.cancel",
                op="update",
                payload=payload,
                before={"cancelled": False, "version": version},
                base_version=version,
            )
            row = store.visit_plan(conn, pk)
            assert row is not None  # just updated
            return _plan_dto(row)

    # -- contact records --------------------------------------------------------------------------

    def record_visit(
        self,
        cif: str,
        *,
        outcome: str,
        plan_id: str | None = None,
        needs_explicit: str | None = None,
        needs_implicit: str | None = None,
        needs_latent: str | None = None,
        products: Sequence[str] = (),
        objections: str | None = None,
        next_step: str | None = None,
        follow_up: str | date | None = None,
        at: str | datetime | None = None,
    ) -> ContactDTO:
        """Record a visit to customer ``cif``: outcome, needs found (显性/隐性/潜在), products discussed,
        objections, next step and a follow-up date (a reminder on that day), optionally for a plan."""
        outcome = optional_text(outcome)
        if outcome is None:
            raise RecordError("--outcome: a visit record needs its outcome (拜访结果)")
        follow_up_day = self._day(follow_up, "--follow-up")
        occurred = self._moment(at)
        codes = list(dict.fromkeys(code.strip() for code in products if code and code.strip()))
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("record visits"))
            customer = self._customer(conn, staff, cif)
            _, now = self._clock(conn)
            occurred = check_happened(occurred or now, now, what="visit")
            check_follow_up(follow_up_day, occurred, what="visit")
            plan_pk: uuid.UUID | None = None
            if plan_id is not None and plan_id.strip():
                plan = self._plan(conn, staff, plan_id)
                plan_pk = plan["id"]
                if int(plan["customer_id"]) != int(customer["id"]):
                    raise RecordError(
                        "--plan: visit plan {plan_id} is for {plan_cif}, not {cif}",
                        plan_id=_text_id(plan_pk),
                        plan_cif=plan["cif"],
                        cif=cif,
                    )
                if plan["cancelled"]:
                    raise RecordError("--plan: visit plan {plan_id} was cancelled", plan_id=_text_id(plan_pk))
                done = store.visit_of_plan(conn, plan_pk)
                if done is not None:
                    raise RecordError(
                        "--plan: visit plan {plan_id} already has its visit record {visit}",
                        plan_id=_text_id(plan_pk),
                        visit=done,
                    )
            known = store.product_ids(conn, codes)
            unknown = [code for code in codes if code not in known]
            if len(unknown) == 1:
                raise RecordError("--product: no product {code} in the product catalogue", code=unknown[0])
            if unknown:
                raise RecordError(
                    "--product: no products {codes} in the product catalogue", codes=", ".join(unknown)
                )
            return self._add_contact(
                conn,
                staff,
                customer,
                {
                    "kind": ContactKind.VISIT.value,
                    "visit_plan_id": plan_pk,
                    "occurred_at": occurred,
                    "outcome": outcome,
                    "needs_explicit": optional_text(needs_explicit),
                    "needs_implicit": optional_text(needs_implicit),
                    "needs_latent": optional_text(needs_latent),
                    "products_discussed": codes,
                    "objections": optional_text(objections),
                    "next_step": optional_text(next_step),
                    "follow_up_date": follow_up_day,
                    "notes": None,
                },
            )

    def record_contact(
        self,
        cif: str,
        kind: str,
        *,
        notes: str,
        outcome: str | None = None,
        follow_up: str | date | None = None,
        at: str | datetime | None = None,
    ) -> ContactDTO:
        """Record a call (电话), message (信息) or event (沙龙) with customer ``cif``."""
        wanted = kind.strip().lower()
        if wanted not in [k.value for k in PLAIN_CONTACT_KINDS]:
            raise RecordError("a contact record here is a call, message or event, not {kind!r}", kind=kind)
        notes = optional_text(notes)
        if notes is None:
            raise RecordError(
                "--notes: a {kind} ({kind_zh}) record needs notes saying what was said",
                kind=wanted,
                kind_zh=CONTACT_ZH.get(wanted, wanted),
            )
        follow_up_day = self._day(follow_up, "--follow-up")
        occurred = self._moment(at)
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, _RECORDING[wanted])
            customer = self._customer(conn, staff, cif)
            _, now = self._clock(conn)
            occurred = check_happened(occurred or now, now, what=wanted)
            check_follow_up(follow_up_day, occurred, what=wanted)
            return self._add_contact(
                conn,
                staff,
                customer,
                {
                    "kind": wanted,
                    "visit_plan_id": None,
                    "occurred_at": occurred,
                    "outcome": optional_text(outcome),
                    "needs_explicit": None,
                    "needs_implicit": None,
                    "needs_latent": None,
                    "products_discussed": None,
                    "objections": None,
                    "next_step": None,
                    "follow_up_date": follow_up_day,
                    "notes": notes,
                },
            )

    def _add_contact(
        self, conn: Connection, staff: Mapping[str, Any], customer: Mapping[str, Any], fields: dict[str, Any]
    ) -> ContactDTO:
        contact_id, written = new_id(), utcnow()
        values = {
            "id": contact_id,
            "customer_id": int(customer["id"]),
            "staff_id": int(staff["id"]),
            **fields,
            "version": 1,
            "created_at": written,
            "updated_at": written,
        }
        store.add_contact(conn, values)
        payload = {**_jsonable(values), "cif": str(customer["cif"]), "staff": str(staff["code"])}
        self._write(
            conn,
            entity="contact_record",
            entity_id=contact_id,
            action="contact.create",
            op="insert",
            payload=payload,
        )
        row = {**values, "staff_code": staff["code"], "staff_name": staff["name"]}
        return _contact_dto(row, str(customer["cif"]), str(customer["name"]))

    # -- complaints -------------------------------------------------------------------------------

    def open_complaint(
        self, cif: str, *, channel: str, description: str, at: str | datetime | None = None
    ) -> ComplaintDTO:
        """Open a complaint (投诉) of customer ``cif``: when it was received, its channel and what it says."""
        channel = check_channel(channel)
        description = optional_text(description)
        if description is None:
            raise RecordError("--description: a complaint needs a description of what happened")
        received = self._moment(at)
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("record complaints"))
            customer = self._customer(conn, staff, cif)
            _, now = self._clock(conn)
            received = check_happened(received or now, now, what="complaint")
            complaint_id, written = new_id(), utcnow()
            values = {
                "id": complaint_id,
                "customer_id": int(customer["id"]),
                "received_at": received,
                "channel": channel,
                "description": description,
                "status": CaseStatus.OPEN.value,
                "created_by": int(staff["id"]),
                "closed_at": None,
                "version": 1,
                "created_at": written,
            }
            store.add_complaint(conn, values)
            payload = {**_jsonable(values), "cif": str(customer["cif"]), "staff": str(staff["code"])}
            self._write(
                conn,
                entity="complaint",
                entity_id=complaint_id,
                action="complaint.create",
                op="insert",
                payload=payload,
            )
            return self._complaint_view(conn, complaint_id)

    def _complaint(self, conn: Connection, staff: Mapping[str, Any], complaint_id: str) -> dict[str, Any]:
        missing = _no_complaint(complaint_id)
        found = store.complaint(conn, _parse_id(complaint_id, missing))
        if found is None or customer_row(conn, str(found["cif"]), self._scope(staff)) is None:
            raise missing
        return found

    @staticmethod
    def _complaint_view(conn: Connection, pk: uuid.UUID) -> ComplaintDTO:
        row = store.complaint(conn, pk)
        assert row is not None  # read in the transaction that wrote it
        return _complaint_dto(row, store.complaint_steps(conn, [pk])[pk])

    def complaint_step(self, complaint_id: str, note: str, *, step: int | None = None) -> ComplaintDTO:
        """Take the next of the five steps on a complaint (or ``step``, refused unless it is the next one),
        with a note; the acting person is its author and now its time."""
        note = optional_text(note)
        if note is None:
            raise RecordError("--note: a complaint step needs a note saying what was done")
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("handle complaints"))
            found = self._complaint(conn, staff, complaint_id)
            pk = found["id"]
            done = [
                HandlingStep.from_number(int(s["step_no"])) for s in store.complaint_steps(conn, [pk])[pk]
            ]
            closed = found["status"] == CaseStatus.CLOSED
            wanted = (
                HandlingStep.from_number(step)
                if step is not None
                else next_step(done) or HandlingStep.FOLLOW_UP
            )
            taken = check_step(done, wanted, closed=closed)
            _, now = self._clock(conn)
            step_id = new_id()
            values = {
                "id": step_id,
                "complaint_id": pk,
                "step_no": taken.number,
                "note": note,
                "author_id": int(staff["id"]),
                "at": max(now, found["received_at"]),
            }
            try:
                store.add_complaint_step(conn, values)
            except IntegrityError:
                raise ComplaintError(
                    "step {step.label} was just taken on this complaint by someone else; look at it again",
                    step=taken,
                ) from None
            payload = {**_jsonable(values), "step": taken.value, "author": str(staff["code"])}
            self._write(
                conn,
                entity="complaint_step",
                entity_id=step_id,
                action="complaint.step",
                op="insert",
                payload=payload,
            )
            return self._complaint_view(conn, pk)

    def close_complaint(self, complaint_id: str) -> ComplaintDTO:
        """Close a complaint; refused unless its follow-up (回访) is done."""
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("close complaints"))
            found = self._complaint(conn, staff, complaint_id)
            pk = found["id"]
            done = [
                HandlingStep.from_number(int(s["step_no"])) for s in store.complaint_steps(conn, [pk])[pk]
            ]
            check_close(done, closed=found["status"] == CaseStatus.CLOSED)
            _, now = self._clock(conn)
            version = int(found["version"])
            if not store.close_complaint(conn, pk, version=version, at=now):
                raise ComplaintError("the complaint was changed meanwhile; look at it again")
            payload = {
                "status": CaseStatus.CLOSED.value,
                "closed_at": now.isoformat(),
                "version": version + 1,
            }
            self._write(
                conn,
                entity="complaint",
                entity_id=pk,
                action="complaint.close",
                op="update",
                payload=payload,
                before={"status": CaseStatus.OPEN.value, "closed_at": None, "version": version},
                base_version=version,
            )
            return self._complaint_view(conn, pk)

    def complaint(self, complaint_id: str) -> ComplaintDTO:
        """A complaint with its steps, if its customer is one the acting person may see."""
        with self._services.engine.connect() as conn:
            staff = self._acting(conn, Phrase("look at complaints"))
            return self._complaint_view(conn, self._complaint(conn, staff, complaint_id)["id"])

    # -- the daily work log -----------------------------------------------------------------------

    def log_work(
        self, text: str, *, kind: str | None = None, cif: str | None = None, day: str | date | None = None
    ) -> WorkLogEntryDTO:
        """Add an entry to the acting person's work log (日常工作登记簿) of ``day`` (default today)."""
        text = optional_text(text)
        if text is None:
            raise RecordError("--text: a work-log entry needs text saying what was done")
        work_kind = parse_work_kind(kind)
        wanted_day = self._day(day, "--day")
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("keep a work log"))
            customer = self._customer(conn, staff, cif) if cif is not None and cif.strip() else None
            today, now = self._clock(conn)
            entry_day = check_work_day(wanted_day or today, today)
            entry_id = new_id()
            values = {
                "id": entry_id,
                "staff_id": int(staff["id"]),
                "day": entry_day,
                "at": now,
                "kind": work_kind.value,
                "customer_id": int(customer["id"]) if customer is not None else None,
                "text": text,
                "version": 1,
            }
            store.add_work_entry(conn, values)
            payload = {
                **_jsonable(values),
                "cif": str(customer["cif"]) if customer is not None else None,
                "staff": str(staff["code"]),
            }
            self._write(
                conn,
                entity="work_log_entry",
                entity_id=entry_id,
                action="work_log.create",
                op="insert",
                payload=payload,
            )
            return WorkLogEntryDTO(
                id=str(entry_id),
                staff=str(staff["code"]),
                day=entry_day,
                at=now,
                kind=work_kind.value,
                text=text,
                cif=str(customer["cif"]) if customer is not None else None,
                customer_name=str(customer["name"]) if customer is not None else None,
            )

    def work_log(self, day: str | date | None = None) -> WorkLogDay:
        """The acting person's work log of ``day`` (default today), in the order it was written."""
        wanted_day = self._day(day, "--day")
        with self._services.engine.connect() as conn:
            staff = self._acting(conn, Phrase("read a work log"))
            today, _ = self._clock(conn)
            shown = wanted_day or today
            return WorkLogDay(
                staff=str(staff["code"]),
                staff_name=str(staff["name"]),
                day=shown,
                entries=tuple(
                    WorkLogEntryDTO(
                        id=_text_id(row["id"]),
                        staff=str(staff["code"]),
                        day=row["day"],
                        at=row["at"],
                        kind=str(row["kind"]),
                        text=str(row["text"]),
                        cif=row["cif"],
                        customer_name=row["customer_name"],
                    )
                    for row in store.work_entries(conn, int(staff["id"]), shown)
                ),
            )

    # -- risk-tolerance assessment ----------------------------------------------------------------

    @staticmethod
    def questions() -> Questionnaire:
        """The risk-tolerance questionnaire (投资风险承受能力评估): questions, options and level bands."""
        levels: list[LevelBandDTO] = []
        low = 0
        for top, level in BANDS:
            name_en, name_zh = LEVEL_NAMES[level]
            levels.append(LevelBandDTO(level.value, name_en, name_zh, low, top))
            low = top + 1
        return Questionnaire(
            questions=tuple(
                QuestionDTO(
                    number=q.number,
                    topic=q.topic,
                    text_en=q.text_en,
                    text_zh=q.text_zh,
                    options=tuple(OptionDTO(o.key, o.text_en, o.text_zh, o.points) for o in q.options),
                )
                for q in QUESTIONS
            ),
            levels=tuple(levels),
            max_score=MAX_SCORE,
            valid_months=VALID_MONTHS,
        )

    def assess_risk(self, cif: str, answers: str) -> RiskAssessmentDTO:
        """Score the questionnaire ``answers`` (``1a,2c,…``) of customer ``cif`` into C1–C5 and store the
        assessment, valid through :func:`~rm_console.domain.questionnaire.valid_until` of today."""
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("assess customers' risk tolerance"))
            customer = self._customer(conn, staff, cif)
            checked = check_answers(answers)
            total, level = score(checked)
            today, _ = self._clock(conn)
            assessment_id = new_id()
            values = {
                "id": assessment_id,
                "customer_id": int(customer["id"]),
                "staff_id": int(staff["id"]),
                "assessed_on": today,
                "valid_until": valid_until(today),
                "score": total,
                "level": level.value,
                "answers": {str(number): letter for number, letter in checked.items()},
                "created_at": utcnow(),
            }
            store.add_risk_assessment(conn, values)
            payload = {**_jsonable(values), "cif": str(customer["cif"]), "staff": str(staff["code"])}
            self._write(
                conn,
                entity="risk_assessment",
                entity_id=assessment_id,
                action="risk_assessment.create",
                op="insert",
                payload=payload,
            )
            return _risk_dto(values, str(customer["cif"]), str(customer["name"]), today, str(staff["code"]))

    # -- credit rating ----------------------------------------------------------------------------

    def rate_credit(self, cif: str, scorecard: str, sub_scores: Mapping[str, int]) -> CreditRatingDTO:
        """Rate customer ``cif`` on the ``corporate`` or ``personal`` scorecard from a 0–100 sub-score per
        factor; store the whole score, its grade and each factor's part."""
        card = find_scorecard(scorecard.strip().lower())
        with self._services.engine.begin() as conn:
            staff = self._acting(conn, Phrase("rate customers' credit"))
            customer = self._customer(conn, staff, cif)
            check_scorecard_kind(card.key, str(customer["kind"]), str(customer["cif"]))
            rating = rate(card, {key.strip().lower(): value for key, value in sub_scores.items()})
            today, _ = self._clock(conn)
            rating_id = new_id()
            values = {
                "id": rating_id,
                "customer_id": int(customer["id"]),
                "staff_id": int(staff["id"]),
                "rated_on": today,
                "scorecard": card.key,
                "score": rating.score,
                "grade": rating.grade.value,
                "details": rating.details(),
                "created_at": utcnow(),
            }
            store.add_credit_rating(conn, values)
            payload = {**_jsonable(values), "cif": str(customer["cif"]), "staff": str(staff["code"])}
            self._write(
                conn,
                entity="credit_rating",
                entity_id=rating_id,
                action="credit_rating.create",
                op="insert",
                payload=payload,
            )
            return _rating_dto(values, str(customer["cif"]), str(customer["name"]), str(staff["code"]))

    # -- one customer's records -------------------------------------------------------------------

    def customer_records(self, cif: str) -> CustomerRecords:
        """Customer ``cif``'s contact timeline (newest first, with staff), visit plans, complaints with
        their steps, latest risk assessment (with its expiry) and latest credit rating."""
        with self._services.engine.connect() as conn:
            staff = self._acting(conn, Phrase("look up customers"))
            customer = self._customer(conn, staff, cif)
            today, _ = self._clock(conn)
            pk, code, name = int(customer["id"]), str(customer["cif"]), str(customer["name"])
            complaints = store.complaints_of(conn, pk)
            steps = store.complaint_steps(conn, [row["id"] for row in complaints])
            risk = store.latest_risk_assessment(conn, pk)
            credit = store.latest_credit_rating(conn, pk)
            return CustomerRecords(
                cif=code,
                name=name,
                as_of=today,
                contacts=tuple(_contact_dto(row, code, name) for row in store.contacts_of(conn, pk)),
                plans=tuple(_plan_dto(row) for row in store.plans_of(conn, pk)),
                complaints=tuple(_complaint_dto(row, steps[row["id"]]) for row in complaints),
                risk=_risk_dto(risk, code, name, today, risk["staff_code"]) if risk is not None else None,
                credit=_rating_dto(credit, code, name, credit["staff_code"]) if credit is not None else None,
            )


__all__ = ["PLAIN_CONTACT_KINDS", "RecordService"]
