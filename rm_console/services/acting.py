"""Who is acting: the one check every service makes before it reads or writes on someone's behalf."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from rm_console.domain.dto import StaffDTO
from rm_console.domain.enums import Role
from rm_console.domain.errors import NotFound, PermissionRefused, Phrase, UserError
from storage.scope import staff_by_code

#: Each role as a refusal names it ("RM001 (branch manager at 0101) may not …").
ROLE_PHRASES: dict[str, Phrase] = {
    Role.RM: Phrase("relationship manager"),
    Role.BRANCH_MANAGER: Phrase("branch manager"),
    Role.TELLER: Phrase("teller"),
    Role.ANALYST: Phrase("analyst"),
}
#: Each role with its article ("only a branch manager may …").
_A_ROLE: dict[str, Phrase] = {
    Role.RM: Phrase("a relationship manager"),
    Role.BRANCH_MANAGER: Phrase("a branch manager"),
    Role.TELLER: Phrase("a teller"),
    Role.ANALYST: Phrase("an analyst"),
}


def role_phrase(role: str) -> Phrase:
    """The role named in a refusal, translated with it."""
    return ROLE_PHRASES[role]


def _either(roles: Iterable[str]) -> Phrase | UserError:
    """``a branch manager or an analyst``, translated with the refusal that names it."""
    phrases = [_A_ROLE[role] for role in roles]
    either: Phrase | UserError = phrases[0]
    for phrase in phrases[1:]:
        either = UserError("{first} or {second}", first=either, second=phrase)
    return either


def acting_staff(
    conn: Connection, code: str | None, *, doing: Phrase, roles: Iterable[str] = ()
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
        may = _either(str(role) for role in allowed)
        role = _A_ROLE[str(staff["role"])]
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
