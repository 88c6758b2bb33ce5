"""Contact, visit, complaint, work-log and assessment records (SPEC §8): the rules of their input and
the DTOs the record service returns.

The rules are pure functions over plain values, each refusing with one sentence that names the
command-line option at fault:

* a time is written ``YYYY-MM-DD HH:MM`` in business time (Asia/Shanghai) and stored in UTC;
* a visit plan is for a time to come; a contact, a visit or a complaint is recorded after it happened;
* a follow-up date (回访日期) falls on or after the day of the contact it follows;
* a work-log entry (日常工作登记簿) has one of the :class:`WorkKind` kinds and is for today or a day before;
* credit sub-scores are written ``FACTOR=N`` (the scorecard itself is :mod:`rm_console.domain.rating`).

Complaint steps, the risk questionnaire and credit grades have their own modules
(:mod:`~rm_console.domain.complaints`, :mod:`~rm_console.domain.questionnaire`,
:mod:`~rm_console.domain.rating`); this one only carries their results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from rm_console.domain.calendar import BUSINESS_TZ, parse_date
from rm_console.domain.enums import ContactKind
from rm_console.domain.errors import UserError

#: The longest complaint channel the store keeps (``complaint.channel``).
CHANNEL_MAX = 32

_LOCAL_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})\Z")
_SUB_SCORE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([+-]?\d+)\s*\Z")


class RecordError(UserError):
    """A record refused by its rules; the message names the option at fault."""


# ---------------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------------

#: Each contact kind in Chinese.
CONTACT_ZH: dict[str, str] = {
    ContactKind.VISIT: "拜访",
    ContactKind.CALL: "电话",
    ContactKind.MESSAGE: "信息",
    ContactKind.EVENT: "沙龙活动",
}


def contact_label(kind: str) -> str:
    """``call (电话)``: how text output names a contact kind."""
    return f"{kind} ({CONTACT_ZH.get(kind, kind)})"


class WorkKind(StrEnum):
    """What a work-log entry (日常工作登记簿) records."""

    NOTE = "note"
    VISIT = "visit"
    CALL = "call"
    SALE = "sale"
    MEETING = "meeting"
    TRAINING = "training"
    OTHER = "other"

    @property
    def name_zh(self) -> str:
        """The kind in Chinese."""
        return _WORK_ZH[self]


_WORK_ZH: dict[WorkKind, str] = {
    WorkKind.NOTE: "备注",
    WorkKind.VISIT: "拜访",
    WorkKind.CALL: "电话",
    WorkKind.SALE: "营销",
    WorkKind.MEETING: "会议",
    WorkKind.TRAINING: "培训",
    WorkKind.OTHER: "其他",
}


# ---------------------------------------------------------------------------------------------------
# Reading input
# ---------------------------------------------------------------------------------------------------


def required_text(value: str | None, *, option: str, what: str) -> str:
    """``value`` stripped, refused when empty: ``--purpose: a visit plan needs a purpose (拜访目的)``."""
    text = (value or "").strip()
    if not text:
        raise RecordError("{option}: {what}", option=option, what=what)
    return text


def optional_text(value: str | None) -> str | None:
    """``value`` stripped, or None when empty."""
    text = (value or "").strip()
    return text or None


def parse_local_time(text: str, *, option: str = "--at") -> datetime:
    """A business-local ``YYYY-MM-DD HH:MM`` (Asia/Shanghai) as an aware UTC instant."""
    match = _LOCAL_TIME.match(text.strip())
    if match is None:
        raise RecordError(
            "{option}: {text!r} is not a time; write YYYY-MM-DD HH:MM (Beijing time)",
            option=option,
            text=text,
        )
    try:
        day = date.fromisoformat(match.group(1))
        hour, minute = int(match.group(2)), int(match.group(3))
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=BUSINESS_TZ)
    except ValueError:
        raise RecordError(
            "{option}: {text!r} is not a time; write YYYY-MM-DD HH:MM (Beijing time)",
            option=option,
            text=text,
        ) from None
    return local.astimezone(UTC)


def parse_day(text: str, *, option: str) -> date:
    """A ``YYYY-MM-DD`` date, refused with the option's name."""
    try:
        return parse_date(text.strip())
    except ValueError as exc:
        raise RecordError("{option}: {error}", option=option, error=exc) from None


def parse_work_kind(text: str | None) -> WorkKind:
    """The work-log kind named ``text`` (default ``note``)."""
    wanted = (text or WorkKind.NOTE.value).strip().lower()
    try:
        return WorkKind(wanted)
    except ValueError:
        kinds = ", ".join(kind.value for kind in WorkKind)
        raise RecordError(
            "--kind: {text!r} is not a kind of work-log entry; choose one of {kinds}", text=text, kinds=kinds
        ) from None


def parse_sub_scores(texts: Iterable[str]) -> dict[str, int]:
    """``["solvency_credit=80", …]`` as {factor: sub-score}; each factor once. The scorecard checks the
    factors and the 0–100 range."""
    scores: dict[str, int] = {}
    for text in texts:
        match = _SUB_SCORE.match(text)
        if match is None:
            raise RecordError(
                "--score: {text!r} is not FACTOR=N (a factor and a whole sub-score 0–100)", text=text
            )
        factor, value = match.group(1).lower(), int(match.group(2))
        if factor in scores:
            raise RecordError("--score: {factor} is given more than once", factor=factor)
        scores[factor] = value
    if not scores:
        raise RecordError("--score: no sub-scores given; write FACTOR=N for each factor of the scorecard")
    return scores


def local_text(moment: datetime) -> str:
    """An instant as business-local ``YYYY-MM-DD HH:MM``."""
    return moment.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def local_iso(moment: datetime) -> str:
    """An instant as business-local ISO text with its offset (``2026-11-25T10:00:00+08:00``)."""
    return moment.astimezone(BUSINESS_TZ).isoformat(timespec="seconds")


def local_day(moment: datetime) -> date:
    """The business date of an instant."""
    return moment.astimezone(BUSINESS_TZ).date()


# ---------------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------------


def check_planned(planned_at: datetime, now: datetime, *, option: str = "--at") -> datetime:
    """A visit plan is for a time to come: refuse ``planned_at`` before ``now``."""
    if planned_at < now:
        raise RecordError(
            "{option}: {planned} is in the past; a visit plan (拜访计划) is for a time to come",
            option=option,
            planned=local_text(planned_at),
        )
    return planned_at


def check_happened(occurred_at: datetime, now: datetime, *, what: str, option: str = "--at") -> datetime:
    """A contact or complaint is recorded after it happened: refuse ``occurred_at`` after ``now``."""
    if occurred_at > now:
        raise RecordError(
            "{option}: {occurred} is in the future; record the {what} once it has happened",
            option=option,
            occurred=local_text(occurred_at),
            what=what,
        )
    return occurred_at


def check_follow_up(follow_up: date | None, occurred_at: datetime, *, what: str) -> date | None:
    """A follow-up date falls on or after the business day of the contact it follows."""
    day = local_day(occurred_at)
    if follow_up is not None and follow_up < day:
        raise RecordError(
            "--follow-up: {follow_up} is before the {what} on {day}",
            follow_up=follow_up.isoformat(),
            what=what,
            day=day.isoformat(),
        )
    return follow_up


def check_work_day(day: date, today: date) -> date:
    """The work log records what was done: today or a day before, never a day to come."""
    if day > today:
        raise RecordError(
            "--day: {day} is after today ({today}); the work log (日常工作登记簿) records what was done",
            day=day.isoformat(),
            today=today.isoformat(),
        )
    return day


def check_channel(channel: str | None) -> str:
    """A complaint's channel (投诉渠道): required, at most :data:`CHANNEL_MAX` characters."""
    text = optional_text(channel)
    if text is None:
        raise RecordError("--channel: a complaint needs the channel it came by (投诉渠道)")
    if len(text) > CHANNEL_MAX:
        raise RecordError(
            "--channel: at most {limit} characters, not {length}", limit=CHANNEL_MAX, length=len(text)
        )
    return text


def check_scorecard_kind(scorecard: str, customer_kind: str, cif: str) -> None:
    """Companies are rated on the corporate scorecard, individuals on the personal one."""
    if customer_kind == "corporate":
        if scorecard != "corporate":
            raise RecordError(
                "--scorecard: {cif} is a corporate customer; rate it on the corporate scorecard", cif=cif
            )
    elif scorecard != "personal":
        raise RecordError(
            "--scorecard: {cif} is an individual customer; rate it on the personal scorecard", cif=cif
        )


# ---------------------------------------------------------------------------------------------------
# What the record service returns
# ---------------------------------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class VisitPlanDTO:
    """A visit plan (拜访计划)."""

    id: str
    cif: str
    customer_name: str
    staff: str
    staff_name: str
    purpose: str
    planned_at: datetime
    place: str | None
    strategy: str | None
    materials: str | None
    cancelled: bool
    version: int

    def as_json(self) -> dict[str, object]:
        """The plan, its time as business-local ISO text."""
        return {
            "id": self.id,
            "cif": self.cif,
            "customer_name": self.customer_name,
            "staff": self.staff,
            "staff_name": self.staff_name,
            "purpose": self.purpose,
            "planned_at": local_iso(self.planned_at),
            "place": self.place,
            "strategy": self.strategy,
            "materials": self.materials,
            "cancelled": self.cancelled,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class ContactDTO:
    """A contact record: a visit (with its findings), a call, a message or an event (沙龙)."""

    id: str
    kind: str
    cif: str
    customer_name: str
    staff: str
    staff_name: str
    occurred_at: datetime
    outcome: str | None = None
    notes: str | None = None
    needs_explicit: str | None = None
    needs_implicit: str | None = None
    needs_latent: str | None = None
    products: tuple[str, ...] = ()
    objections: str | None = None
    next_step: str | None = None
    follow_up: date | None = None
    plan_id: str | None = None

    def as_json(self) -> dict[str, object]:
        """The record; needs as ``{"explicit", "implicit", "latent"}``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "cif": self.cif,
            "customer_name": self.customer_name,
            "staff": self.staff,
            "staff_name": self.staff_name,
            "occurred_at": local_iso(self.occurred_at),
            "outcome": self.outcome,
            "notes": self.notes,
            "needs": {
                "explicit": self.needs_explicit,
                "implicit": self.needs_implicit,
                "latent": self.needs_latent,
            },
            "products": list(self.products),
            "objections": self.objections,
            "next_step": self.next_step,
            "follow_up": _day(self.follow_up),
            "plan_id": self.plan_id,
        }


@dataclass(frozen=True, slots=True)
class ComplaintStepDTO:
    """A step taken on a complaint."""

    number: int
    step: str
    label: str
    note: str
    author: str
    author_name: str
    at: datetime

    def as_json(self) -> dict[str, object]:
        """The step with its number, key, label, author and time."""
        return {
            "number": self.number,
            "step": self.step,
            "label": self.label,
            "note": self.note,
            "author": self.author,
            "author_name": self.author_name,
            "at": local_iso(self.at),
        }


@dataclass(frozen=True, slots=True)
class ComplaintDTO:
    """A complaint (投诉) with the steps taken on it and the step expected next."""

    id: str
    cif: str
    customer_name: str
    received_at: datetime
    channel: str
    description: str
    status: str
    opened_by: str
    opened_by_name: str
    closed_at: datetime | None
    version: int
    steps: tuple[ComplaintStepDTO, ...]
    #: The label of the step to take next; None once all five are done.
    next_step: str | None

    def as_json(self) -> dict[str, object]:
        """The complaint, its steps in order and what comes next."""
        return {
            "id": self.id,
            "cif": self.cif,
            "customer_name": self.customer_name,
            "received_at": local_iso(self.received_at),
            "channel": self.channel,
            "description": self.description,
            "status": self.status,
            "opened_by": self.opened_by,
            "opened_by_name": self.opened_by_name,
            "closed_at": local_iso(self.closed_at) if self.closed_at is not None else None,
            "version": self.version,
            "steps": [step.as_json() for step in self.steps],
            "next_step": self.next_step,
        }


@dataclass(frozen=True, slots=True)
class WorkLogEntryDTO:
    """An entry of the daily work log (日常工作登记簿)."""

    id: str
    staff: str
    day: date
    at: datetime
    kind: str
    text: str
    cif: str | None = None
    customer_name: str | None = None

    def as_json(self) -> dict[str, object]:
        """The entry."""
        return {
            "id": self.id,
            "staff": self.staff,
            "day": self.day.isoformat(),
            "at": local_iso(self.at),
            "kind": self.kind,
            "text": self.text,
            "cif": self.cif,
            "customer_name": self.customer_name,
        }


@dataclass(frozen=True, slots=True)
class WorkLogDay:
    """A staff member's work log of one day."""

    staff: str
    staff_name: str
    day: date
    entries: tuple[WorkLogEntryDTO, ...]

    def as_json(self) -> dict[str, object]:
        """``{"staff", "staff_name", "day", "entries": [...]}``."""
        return {
            "staff": self.staff,
            "staff_name": self.staff_name,
            "day": self.day.isoformat(),
            "entries": [entry.as_json() for entry in self.entries],
        }


@dataclass(frozen=True, slots=True)
class OptionDTO:
    """One answer of a question of the risk questionnaire."""

    key: str
    text_en: str
    text_zh: str
    points: int

    def as_json(self) -> dict[str, object]:
        """The option."""
        return {"key": self.key, "text_en": self.text_en, "text_zh": self.text_zh, "points": self.points}


@dataclass(frozen=True, slots=True)
class QuestionDTO:
    """One question of the risk questionnaire with its options."""

    number: int
    topic: str
    text_en: str
    text_zh: str
    options: tuple[OptionDTO, ...]

    def as_json(self) -> dict[str, object]:
        """The question and its options."""
        return {
            "number": self.number,
            "topic": self.topic,
            "text_en": self.text_en,
            "text_zh": self.text_zh,
            "options": [option.as_json() for option in self.options],
        }


@dataclass(frozen=True, slots=True)
class LevelBandDTO:
    """A risk-tolerance level and the scores that fall in it."""

    level: str
    name_en: str
    name_zh: str
    min_score: int
    max_score: int

    def as_json(self) -> dict[str, object]:
        """The band."""
        return {
            "level": self.level,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "min_score": self.min_score,
            "max_score": self.max_score,
        }


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """The risk-tolerance questionnaire (投资风险承受能力评估) for display."""

    questions: tuple[QuestionDTO, ...]
    levels: tuple[LevelBandDTO, ...]
    max_score: int
    valid_months: int

    def as_json(self) -> dict[str, object]:
        """``{"questions": [...], "levels": [...], "max_score", "valid_months"}``."""
        return {
            "questions": [question.as_json() for question in self.questions],
            "levels": [level.as_json() for level in self.levels],
            "max_score": self.max_score,
            "valid_months": self.valid_months,
        }


@dataclass(frozen=True, slots=True)
class RiskAssessmentDTO:
    """A risk-tolerance assessment: score, level C1–C5, validity and the answers given."""

    id: str
    cif: str
    customer_name: str
    assessed_on: date
    valid_until: date
    score: int
    level: str
    level_en: str
    level_zh: str
    #: The answers as ``1a,2c,…``; None for an assessment stored without them.
    answers: str | None
    staff: str | None
    #: True when ``valid_until`` is before the business date it was looked at on.
    expired: bool

    def as_json(self) -> dict[str, object]:
        """The assessment."""
        return {
            "id": self.id,
            "cif": self.cif,
            "customer_name": self.customer_name,
            "assessed_on": self.assessed_on.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "score": self.score,
            "level": self.level,
            "level_en": self.level_en,
            "level_zh": self.level_zh,
            "answers": self.answers,
            "staff": self.staff,
            "expired": self.expired,
        }


@dataclass(frozen=True, slots=True)
class FactorScoreDTO:
    """What one factor of a scorecard added to a credit rating."""

    factor: str
    name_en: str
    name_zh: str
    weight: int
    sub_score: int
    #: The exact points, as decimal text (``34.40``).
    points: str

    def as_json(self) -> dict[str, object]:
        """The factor's part."""
        return {
            "factor": self.factor,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "weight": self.weight,
            "sub_score": self.sub_score,
            "points": self.points,
        }


@dataclass(frozen=True, slots=True)
class CreditRatingDTO:
    """A credit rating (信用评级): score 0–100, grade and each factor's part."""

    id: str
    cif: str
    customer_name: str
    rated_on: date
    scorecard: str
    score: int
    #: The exact weighted total before rounding, as decimal text.
    exact: str
    grade: str
    factors: tuple[FactorScoreDTO, ...]
    staff: str | None

    def as_json(self) -> dict[str, object]:
        """The rating."""
        return {
            "id": self.id,
            "cif": self.cif,
            "customer_name": self.customer_name,
            "rated_on": self.rated_on.isoformat(),
            "scorecard": self.scorecard,
            "score": self.score,
            "exact": self.exact,
            "grade": self.grade,
            "factors": [factor.as_json() for factor in self.factors],
            "staff": self.staff,
        }


@dataclass(frozen=True, slots=True)
class CustomerRecords:
    """A customer's records for the customer 360 (SPEC §7): the contact timeline (newest first), visit
    plans, complaints with their steps, the latest risk assessment and the latest credit rating."""

    cif: str
    name: str
    #: The business date the records were read on (what ``expired`` is judged against).
    as_of: date
    contacts: tuple[ContactDTO, ...]
    plans: tuple[VisitPlanDTO, ...]
    complaints: tuple[ComplaintDTO, ...]
    risk: RiskAssessmentDTO | None
    credit: CreditRatingDTO | None

    def as_json(self) -> dict[str, object]:
        """``{"cif", "name", "as_of", "contacts", "plans", "complaints", "risk", "credit"}``."""
        return {
            "cif": self.cif,
            "name": self.name,
            "as_of": self.as_of.isoformat(),
            "contacts": [contact.as_json() for contact in self.contacts],
            "plans": [plan.as_json() for plan in self.plans],
            "complaints": [complaint.as_json() for complaint in self.complaints],
            "risk": self.risk.as_json() if self.risk is not None else None,
            "credit": self.credit.as_json() if self.credit is not None else None,
        }
