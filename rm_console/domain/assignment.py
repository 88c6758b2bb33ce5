"""Assignment rules (SPEC §4): one primary RM, distinct secondary RMs, participation summing to 100.

Pure functions over plain values; the services apply them and write an assignment event beside
every change, so the assignment at any past date is derivable from the events (:func:`as_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rm_console.domain.enums import AssignmentRole, Role, Tier
from rm_console.domain.errors import UserError


class AssignmentError(UserError):
    """An assignment that breaks a rule of SPEC §4; the message says which."""


@dataclass(frozen=True, slots=True)
class Share:
    """One RM's part in a customer's assignment."""

    staff: str
    role: AssignmentRole
    pct: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the rules need to know about a staff member named in an assignment."""

    code: str
    role: str
    institution: str


def parse_share(text: str, role: AssignmentRole) -> tuple[str, int | None]:
    """``RM001:70`` → ("RM001", 70); ``RM001`` → ("RM001", None). The percentage must be a whole number."""
    code, sep, pct = text.partition(":")
    code = code.strip()
    if not code:
        if role is AssignmentRole.PRIMARY:
            raise AssignmentError("{text!r}: name the primary RM by staff code, e.g. RM001:70", text=text)
        raise AssignmentError("{text!r}: name the secondary RM by staff code, e.g. RM001:70", text=text)
    if not sep:
        return code, None
    pct = pct.strip()
    if not pct.isdigit():
        raise AssignmentError(
            "{text!r}: the participation of {code} must be a whole percentage, e.g. {code}:70",
            text=text,
            code=code,
        )
    return code, int(pct)


def shares(
    primary: tuple[str, int | None], secondaries: Sequence[tuple[str, int | None]]
) -> tuple[Share, ...]:
    """The shares of an assignment; a primary without a percentage takes what the secondaries leave."""
    for code, pct in secondaries:
        if pct is None:
            raise AssignmentError("secondary RM {code}: give a participation, e.g. {code}:30", code=code)
    primary_pct = primary[1]
    if primary_pct is None:
        primary_pct = 100 - sum(pct or 0 for _, pct in secondaries)
    return (
        Share(primary[0], AssignmentRole.PRIMARY, primary_pct),
        *(Share(code, AssignmentRole.SECONDARY, pct or 0) for code, pct in secondaries),
    )


def validate(
    proposed: Sequence[Share],
    *,
    staff: Mapping[str, Candidate],
    allowed_institutions: Iterable[str],
    tier: str | None,
    min_tier: str | None,
) -> tuple[Share, ...]:
    """Return ``proposed`` if it may be the customer's assignment, else raise AssignmentError.

    Rules: exactly one primary; each RM once; participations whole numbers 1–100 summing to exactly
    100; every RM known, with role ``rm``, working at one of ``allowed_institutions`` (the customer's
    institution or its parent branch); and the customer's tier at least ``min_tier`` (None for an
    adjustment of an existing assignment, which a later fall in tier does not forbid).
    """
    primaries = [share for share in proposed if share.role is AssignmentRole.PRIMARY]
    if len(primaries) != 1:
        raise AssignmentError("an assignment has exactly one primary RM, not {count}", count=len(primaries))
    seen: set[str] = set()
    for share in proposed:
        if share.staff in seen:
            raise AssignmentError("{code} is named twice; each RM takes one part", code=share.staff)
        seen.add(share.staff)
        if not 1 <= share.pct <= 100:
            # The percent sign is in the value: a template with "% i" reads as a printf placeholder to
            # the catalog tools.
            raise AssignmentError(
                "{code}: participation {pct} is not between 1 and 100", code=share.staff, pct=f"{share.pct}%"
            )
    total = sum(share.pct for share in proposed)
    if total != 100:
        parts = " + ".join(f"{share.staff} {share.pct}" for share in proposed)
        raise AssignmentError(
            "participations must sum to exactly 100, not {total} ({parts})", total=total, parts=parts
        )
    places = set(allowed_institutions)
    for share in proposed:
        candidate = staff.get(share.staff)
        if candidate is None:
            raise AssignmentError("no staff member has the code {code!r}", code=share.staff)
        if candidate.role != Role.RM:
            raise AssignmentError(
                "{code} is not a relationship manager (role {role})", code=share.staff, role=candidate.role
            )
        if candidate.institution not in places:
            where = ", ".join(sorted(places))
            raise AssignmentError(
                "{code} works at {institution}; the customer's RMs work at {places}",
                code=share.staff,
                institution=candidate.institution,
                places=where,
            )
    if min_tier is not None and (tier is None or Tier(tier).rank > Tier(min_tier).rank):
        if not tier:
            raise AssignmentError(
                "only customers of tier {min_tier} or above are assigned to RMs; this customer is not yet "
                "evaluated",
                min_tier=min_tier,
            )
        raise AssignmentError(
            "only customers of tier {min_tier} or above are assigned to RMs; this customer is {tier}",
            min_tier=min_tier,
            tier=tier,
        )
    return tuple(proposed)


@dataclass(frozen=True, slots=True)
class Event:
    """An assignment event: the shares after it (empty after a recycle) and when it took effect."""

    at: datetime
    after: tuple[Share, ...]


def as_of(events: Iterable[Event], moment: datetime) -> tuple[Share, ...]:
    """The assignment in force at ``moment``: the shares of the last event at or before it."""
    current: tuple[Share, ...] = ()
    for event in sorted(events, key=lambda e: e.at):
        if event.at > moment:
            break
        current = event.after
    return current
