"""Who may see which customers (SPEC §1): the one query every listing, report and sync uses.

* an RM sees the customers assigned to them, as primary or secondary RM;
* a branch manager sees every customer of their institution and of its children;
* an analyst sees every customer;
* anyone else (a teller) sees the customers of their own institution.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, literal, select, true

from rm_console.domain.enums import Role
from storage.models import Assignment, Customer, Institution, Staff

_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_ASSIGNMENT = Assignment.__table__  # type: ignore[attr-defined]
_INSTITUTION = Institution.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]


@lru_cache(maxsize=256)
def institution_and_descendants(institution_id: int, *, name: str = "tree") -> Select[tuple[int]]:
    """A select of ``institution_id`` and every institution below it (recursive, SQLite and PostgreSQL).

    ``name`` names the recursive CTE; a statement that uses two such trees needs two names. The select
    is made once for each institution and name (the tree is read when it runs): every scoped read asks
    for it, and making its recursive CTE again each time cost a page of the customers list more than
    reading it.
    """
    tree = select(literal(institution_id).label("id")).cte(name, recursive=True)
    tree = tree.union_all(select(_INSTITUTION.c.id).where(_INSTITUTION.c.parent_id == tree.c.id))
    return select(tree.c.id)


def visible_customer_ids(staff_id: int, role: str, institution_id: int) -> Select[tuple[int]]:
    """A select of the ids of the customers a staff member may see."""
    if role == Role.RM:
        return select(_ASSIGNMENT.c.customer_id).where(_ASSIGNMENT.c.staff_id == staff_id).distinct()
    return select(_CUSTOMER.c.id).where(visible_customers(staff_id, role, institution_id))


def visible_customers(staff_id: int, role: str, institution_id: int) -> ColumnElement[bool]:
    """The same scope as :func:`visible_customer_ids`, as a condition on the ``customer`` table.

    A query over ``customer`` that filters it further (a search, a tier) should use this rather than
    ``customer.id IN (visible ids)``: the database can then match the scope and the filters in one pass
    over an index (``ix_customer_scope_search``), and stop early when the rows come in the order asked.
    """
    if role == Role.ANALYST:
        return true()
    if role == Role.RM:
        return _CUSTOMER.c.id.in_(select(_ASSIGNMENT.c.customer_id).where(_ASSIGNMENT.c.staff_id == staff_id))
    if role == Role.BRANCH_MANAGER:
        return _CUSTOMER.c.institution_id.in_(institution_and_descendants(institution_id))
    return _CUSTOMER.c.institution_id == institution_id


def institution_by_code(conn: Connection, code: str) -> dict[str, Any] | None:
    """An institution's id, code, name, kind and parent, or None."""
    row = (
        conn.execute(
            select(
                _INSTITUTION.c.id,
                _INSTITUTION.c.code,
                _INSTITUTION.c.name,
                _INSTITUTION.c.kind,
                _INSTITUTION.c.parent_id,
            ).where(_INSTITUTION.c.code == code)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def institution_is_within(conn: Connection, institution_id: int, ancestor_id: int) -> bool:
    """True when ``institution_id`` is ``ancestor_id`` or below it."""
    tree = institution_and_descendants(ancestor_id).subquery()
    found = conn.execute(select(tree.c.id).where(tree.c.id == institution_id).limit(1)).first()
    return found is not None


def all_staff(conn: Connection) -> list[dict[str, object]]:
    """Every active staff member with their institution, by institution code, role and code."""
    rows = conn.execute(
        select(
            _STAFF.c.id,
            _STAFF.c.code,
            _STAFF.c.name,
            _STAFF.c.role,
            _STAFF.c.institution_id,
            _INSTITUTION.c.code.label("institution_code"),
            _INSTITUTION.c.name.label("institution_name"),
        )
        .join(_INSTITUTION, _INSTITUTION.c.id == _STAFF.c.institution_id)
        .where(_STAFF.c.active.is_(True))
        .order_by(_INSTITUTION.c.code, _STAFF.c.role, _STAFF.c.code)
    ).mappings()
    return [dict(row) for row in rows]


def staff_by_code(conn: Connection, code: str) -> dict[str, object] | None:
    """A staff member with their institution, or None."""
    row = (
        conn.execute(
            select(
                _STAFF.c.id,
                _STAFF.c.code,
                _STAFF.c.name,
                _STAFF.c.role,
                _STAFF.c.institution_id,
                _INSTITUTION.c.code.label("institution_code"),
                _INSTITUTION.c.name.label("institution_name"),
            )
            .join(_INSTITUTION, _INSTITUTION.c.id == _STAFF.c.institution_id)
            .where(_STAFF.c.code == code)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


__all__ = [
    "all_staff",
    "institution_and_descendants",
    "institution_by_code",
    "institution_is_within",
    "staff_by_code",
    "visible_customer_ids",
    "visible_customers",
]
