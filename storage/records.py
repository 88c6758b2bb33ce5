"""Contact, visit, complaint, work-log, risk-assessment and credit-rating records in the store (SPEC §8).

Plain reads and writes over the terminal-authored tables of :mod:`storage.models`. Who may write what,
the rules and the transaction belong to :mod:`rm_console.services.records`; every function here runs
inside the caller's connection and commits nothing. Rows come back as plain dicts with the staff code and
name (and the customer's CIF) joined in, so the service can build its DTOs without a second query.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from storage.models import (
    Complaint,
    ComplaintStep,
    ContactRecord,
    CreditRating,
    Customer,
    Product,
    RiskAssessment,
    Staff,
    VisitPlan,
    WorkLogEntry,
)

_PLAN = VisitPlan.__table__  # type: ignore[attr-defined]
_CONTACT = ContactRecord.__table__  # type: ignore[attr-defined]
_COMPLAINT = Complaint.__table__  # type: ignore[attr-defined]
_STEP = ComplaintStep.__table__  # type: ignore[attr-defined]
_WORK = WorkLogEntry.__table__  # type: ignore[attr-defined]
_RISK = RiskAssessment.__table__  # type: ignore[attr-defined]
_RATING = CreditRating.__table__  # type: ignore[attr-defined]
_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_PRODUCT = Product.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]


def _insert(conn: Connection, table: Any, values: Mapping[str, Any]) -> None:
    conn.execute(insert(table).values(**values))


# ---------------------------------------------------------------------------------------------------
# Reference data the records point at
# ---------------------------------------------------------------------------------------------------


def product_ids(conn: Connection, codes: Collection[str]) -> dict[str, int]:
    """The ids of the products among ``codes`` that exist in the catalogue, by code."""
    if not codes:
        return {}
    rows = conn.execute(select(_PRODUCT.c.code, _PRODUCT.c.id).where(_PRODUCT.c.code.in_(list(codes))))
    return {str(code): int(pk) for code, pk in rows}


# ---------------------------------------------------------------------------------------------------
# Visit plans
# ---------------------------------------------------------------------------------------------------

_PLAN_COLUMNS = (
    _PLAN.c.id,
    _PLAN.c.customer_id,
    _CUSTOMER.c.cif,
    _CUSTOMER.c.name.label("customer_name"),
    _PLAN.c.staff_id,
    _STAFF.c.code.label("staff_code"),
    _STAFF.c.name.label("staff_name"),
    _PLAN.c.purpose,
    _PLAN.c.planned_at,
    _PLAN.c.place,
    _PLAN.c.strategy,
    _PLAN.c.materials,
    _PLAN.c.cancelled,
    _PLAN.c.version,
)


def _plans() -> Any:
    return (
        select(*_PLAN_COLUMNS)
        .join(_CUSTOMER, _CUSTOMER.c.id == _PLAN.c.customer_id)
        .join(_STAFF, _STAFF.c.id == _PLAN.c.staff_id)
    )


def add_visit_plan(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a visit plan; ``values`` are its columns (``id`` included)."""
    _insert(conn, _PLAN, values)


def visit_plan(conn: Connection, plan_id: uuid.UUID) -> dict[str, Any] | None:
    """A visit plan with its customer and author, or None."""
    row = conn.execute(_plans().where(_PLAN.c.id == plan_id)).mappings().first()
    return dict(row) if row is not None else None


def plans_of(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """A customer's visit plans, the latest planned time first."""
    rows = conn.execute(
        _plans()
        .where(_PLAN.c.customer_id == customer_id)
        .order_by(_PLAN.c.planned_at.desc(), _PLAN.c.id.desc())
    ).mappings()
    return [dict(row) for row in rows]


def cancel_visit_plan(conn: Connection, plan_id: uuid.UUID, *, version: int, at: datetime) -> bool:
    """Mark the plan cancelled (version + 1) if it is still at ``version`` and not cancelled."""
    result = conn.execute(
        update(_PLAN)
        .where(_PLAN.c.id == plan_id, _PLAN.c.version == version, _PLAN.c.cancelled.is_(False))
        .values(cancelled=True, version=version + 1, updated_at=at)
    )
    return result.rowcount == 1


def visit_of_plan(conn: Connection, plan_id: uuid.UUID) -> uuid.UUID | None:
    """The id of a visit record already made for the plan, or None."""
    found: uuid.UUID | None = conn.execute(
        select(_CONTACT.c.id).where(_CONTACT.c.visit_plan_id == plan_id).order_by(_CONTACT.c.id).limit(1)
    ).scalar_one_or_none()
    return found


# ---------------------------------------------------------------------------------------------------
# Contact records (visits, calls, messages, events)
# ---------------------------------------------------------------------------------------------------


def add_contact(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a contact record; ``values`` are its columns (``id`` included)."""
    _insert(conn, _CONTACT, values)


def contacts_of(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """A customer's contact records with their staff, newest first (by when they happened, then by id)."""
    rows = conn.execute(
        select(
            _CONTACT,
            _STAFF.c.code.label("staff_code"),
            _STAFF.c.name.label("staff_name"),
        )
        .join(_STAFF, _STAFF.c.id == _CONTACT.c.staff_id)
        .where(_CONTACT.c.customer_id == customer_id)
        .order_by(_CONTACT.c.occurred_at.desc(), _CONTACT.c.id.desc())
    ).mappings()
    return [dict(row) for row in rows]


# ---------------------------------------------------------------------------------------------------
# Complaints and their steps
# ---------------------------------------------------------------------------------------------------

_COMPLAINT_COLUMNS = (
    _COMPLAINT.c.id,
    _COMPLAINT.c.customer_id,
    _CUSTOMER.c.cif,
    _CUSTOMER.c.name.label("customer_name"),
    _COMPLAINT.c.received_at,
    _COMPLAINT.c.channel,
    _COMPLAINT.c.description,
    _COMPLAINT.c.status,
    _COMPLAINT.c.created_by,
    _STAFF.c.code.label("staff_code"),
    _STAFF.c.name.label("staff_name"),
    _COMPLAINT.c.closed_at,
    _COMPLAINT.c.version,
)


def _complaints() -> Any:
    return (
        select(*_COMPLAINT_COLUMNS)
        .join(_CUSTOMER, _CUSTOMER.c.id == _COMPLAINT.c.customer_id)
        .join(_STAFF, _STAFF.c.id == _COMPLAINT.c.created_by)
    )


def add_complaint(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a complaint; ``values`` are its columns (``id`` included)."""
    _insert(conn, _COMPLAINT, values)


def complaint(conn: Connection, complaint_id: uuid.UUID) -> dict[str, Any] | None:
    """A complaint with its customer and the staff member who opened it, or None."""
    row = conn.execute(_complaints().where(_COMPLAINT.c.id == complaint_id)).mappings().first()
    return dict(row) if row is not None else None


def complaints_of(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """A customer's complaints, the latest received first."""
    rows = conn.execute(
        _complaints()
        .where(_COMPLAINT.c.customer_id == customer_id)
        .order_by(_COMPLAINT.c.received_at.desc(), _COMPLAINT.c.id.desc())
    ).mappings()
    return [dict(row) for row in rows]


def complaint_steps(
    conn: Connection, complaint_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The steps taken on each complaint, in step order, with their authors."""
    steps: dict[uuid.UUID, list[dict[str, Any]]] = {pk: [] for pk in complaint_ids}
    if not complaint_ids:
        return steps
    rows = conn.execute(
        select(
            _STEP.c.id,
            _STEP.c.complaint_id,
            _STEP.c.step_no,
            _STEP.c.note,
            _STEP.c.at,
            _STEP.c.author_id,
            _STAFF.c.code.label("author_code"),
            _STAFF.c.name.label("author_name"),
        )
        .join(_STAFF, _STAFF.c.id == _STEP.c.author_id)
        .where(_STEP.c.complaint_id.in_(list(complaint_ids)))
        .order_by(_STEP.c.complaint_id, _STEP.c.step_no)
    ).mappings()
    for row in rows:
        steps.setdefault(row["complaint_id"], []).append(dict(row))
    return steps


def add_complaint_step(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a step; raises IntegrityError when the complaint already has a step of that number."""
    _insert(conn, _STEP, values)


def close_complaint(conn: Connection, complaint_id: uuid.UUID, *, version: int, at: datetime) -> bool:
    """Close the complaint (status closed, version + 1) if it is open and still at ``version``."""
    result = conn.execute(
        update(_COMPLAINT)
        .where(
            _COMPLAINT.c.id == complaint_id, _COMPLAINT.c.version == version, _COMPLAINT.c.status == "open"
        )
        .values(status="closed", closed_at=at, version=version + 1)
    )
    return result.rowcount == 1


# ---------------------------------------------------------------------------------------------------
# The daily work log
# ---------------------------------------------------------------------------------------------------


def add_work_entry(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a work-log entry; ``values`` are its columns (``id`` included)."""
    _insert(conn, _WORK, values)


def work_entries(conn: Connection, staff_id: int, day: date) -> list[dict[str, Any]]:
    """A staff member's work-log entries of ``day``, in the order they were written."""
    rows = conn.execute(
        select(
            _WORK.c.id,
            _WORK.c.day,
            _WORK.c.at,
            _WORK.c.kind,
            _WORK.c.text,
            _CUSTOMER.c.cif,
            _CUSTOMER.c.name.label("customer_name"),
        )
        .outerjoin(_CUSTOMER, _CUSTOMER.c.id == _WORK.c.customer_id)
        .where(_WORK.c.staff_id == staff_id, _WORK.c.day == day)
        .order_by(_WORK.c.at, _WORK.c.id)
    ).mappings()
    return [dict(row) for row in rows]


# ---------------------------------------------------------------------------------------------------
# Risk assessments and credit ratings
# ---------------------------------------------------------------------------------------------------


def add_risk_assessment(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a risk-tolerance assessment; ``values`` are its columns (``id`` included)."""
    _insert(conn, _RISK, values)


def latest_risk_assessment(conn: Connection, customer_id: int) -> dict[str, Any] | None:
    """The customer's most recent risk-tolerance assessment (by day assessed, then by id), or None."""
    row = (
        conn.execute(
            select(_RISK, _STAFF.c.code.label("staff_code"), _STAFF.c.name.label("staff_name"))
            .outerjoin(_STAFF, _STAFF.c.id == _RISK.c.staff_id)
            .where(_RISK.c.customer_id == customer_id)
            .order_by(_RISK.c.assessed_on.desc(), _RISK.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def add_credit_rating(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a credit rating; ``values`` are its columns (``id`` included)."""
    _insert(conn, _RATING, values)


def latest_credit_rating(conn: Connection, customer_id: int) -> dict[str, Any] | None:
    """The customer's most recent credit rating (by day rated, then by id), or None."""
    row = (
        conn.execute(
            select(_RATING, _STAFF.c.code.label("staff_code"), _STAFF.c.name.label("staff_name"))
            .outerjoin(_STAFF, _STAFF.c.id == _RATING.c.staff_id)
            .where(_RATING.c.customer_id == customer_id)
            .order_by(_RATING.c.rated_on.desc(), _RATING.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


__all__ = [
    "add_complaint",
    "add_complaint_step",
    "add_contact",
    "add_credit_rating",
    "add_risk_assessment",
    "add_visit_plan",
    "add_work_entry",
    "cancel_visit_plan",
    "close_complaint",
    "complaint",
    "complaint_steps",
    "complaints_of",
    "contacts_of",
    "latest_credit_rating",
    "latest_risk_assessment",
    "plans_of",
    "product_ids",
    "visit_of_plan",
    "visit_plan",
    "work_entries",
]
