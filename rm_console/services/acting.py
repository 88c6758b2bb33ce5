"""Who is acting: the one check every service makes before it reads or writes on someone's behalf."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from rm_console.domain.dto import StaffDTO
from rm_console.domain.errors import NotFound, PermissionRefused
from rm_console.domain.words import role_label
from storage.scope import staff_by_code


def _a(noun: str) -> str:
    """``an analyst``, ``a branch manager``."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def acting_staff(
    conn: Connection, code: str | None, *, doing: str, roles: Iterable[str] = ()
) -> dict[str, Any]:
    """The acting staff member's row (with institution code and name).

    Refused with a sentence when nobody is acting or, if ``roles`` are given, when the person's role is
    not one of them; NotFound for an unknown code. ``doing`` completes "… to {doing}" in messages.
    """
    if code is None:
        raise PermissionRefused(
            "{doing} needs to know who is acting: pass --as STAFF_CODE or set RMC_USER", doing=doing
        )
    staff = staff_by_code(conn, code)
    if staff is None:
        raise NotFound("no staff member has the code {code!r}", code=code)
    allowed = tuple(roles)
    if allowed and staff["role"] not in allowed:
        may = " or ".join(_a(role_label(str(role))) for role in allowed)
        role = _a(role_label(str(staff["role"])))
        raise PermissionRefused(
            "{code} is {role}; only {may} may {doing}", code=code, role=role, may=may, doing=doing
        )
    return staff


def staff_dto(row: dict[str, Any]) -> StaffDTO:
    """A staff row (from :func:`acting_staff`) as the DTO screens and reports show."""
    return StaffDTO(
        code=str(row["code"]),
        name=str(row["name"]),
        role=str(row["role"]),
        institution_code=str(row["institution_code"]),
        institution_name=str(row["institution_name"]),
    )
