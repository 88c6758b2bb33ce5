"""The assignment rules of SPEC §4 as pure functions: every rule and its message."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_console.domain.assignment import (
    AssignmentError,
    Candidate,
    Event,
    Share,
    as_of,
    parse_share,
    shares,
    validate,
)
from rm_console.domain.enums import AssignmentRole

P, S = AssignmentRole.PRIMARY, AssignmentRole.SECONDARY
STAFF = {
    "RM001": Candidate("RM001", "rm", "OT01"),
    "RM002": Candidate("RM002", "rm", "OT01"),
    "RM003": Candidate("RM003", "rm", "BR01"),
    "RM009": Candidate("RM009", "rm", "OT03"),
    "TL001": Candidate("TL001", "teller", "OT01"),
}
PLACES = ("OT01", "BR01")


def check(
    proposed: list[Share], tier: str | None = "platinum", min_tier: str | None = "gold"
) -> tuple[Share, ...]:
    return validate(proposed, staff=STAFF, allowed_institutions=PLACES, tier=tier, min_tier=min_tier)


def test_a_valid_split_passes() -> None:
    proposed = [Share("RM001", P, 70), Share("RM002", S, 20), Share("RM003", S, 10)]
    assert check(proposed) == tuple(proposed)


@pytest.mark.parametrize(
    ("proposed", "message"),
    [
        ([Share("RM001", S, 100)], "exactly one primary RM, not 0"),
        ([Share("RM001", P, 50), Share("RM002", P, 50)], "exactly one primary RM, not 2"),
        ([Share("RM001", P, 50), Share("RM001", S, 50)], "RM001 is named twice"),
        ([Share("RM001", P, 100), Share("RM002", S, 0)], "RM002: participation 0% is not between 1 and 100"),
        ([Share("RM001", P, 70), Share("RM002", S, 20)], "sum to exactly 100, not 90 (RM001 70 + RM002 20)"),
        ([Share("RM001", P, 70), Share("RM002", S, 40)], "not 110"),
        ([Share("RM404", P, 100)], "no staff member has the code 'RM404'"),
        ([Share("TL001", P, 100)], "TL001 is not a relationship manager (role teller)"),
        ([Share("RM009", P, 100)], "RM009 works at OT03; the customer's RMs work at BR01, OT01"),
    ],
)
def test_each_rule_refuses_with_its_sentence(proposed: list[Share], message: str) -> None:
    with pytest.raises(AssignmentError, match=re.escape(message)):
        check(proposed)


def test_only_gold_and_above_unless_the_parameter_says_otherwise() -> None:
    with pytest.raises(AssignmentError, match=r"tier gold or above .* this customer is potential"):
        check([Share("RM001", P, 100)], tier="potential")
    with pytest.raises(AssignmentError, match="not yet evaluated"):
        check([Share("RM001", P, 100)], tier=None)
    assert check([Share("RM001", P, 100)], tier="potential", min_tier="potential")
    assert check([Share("RM001", P, 100)], tier="gold")
    # An adjustment of an existing assignment is not refused because the customer fell in tier.
    assert check([Share("RM001", P, 100)], tier="potential", min_tier=None)


def test_shares_from_the_command_line() -> None:
    assert parse_share("RM001:70", P) == ("RM001", 70)
    assert parse_share("RM001", P) == ("RM001", None)
    built = shares(("RM001", None), [("RM002", 30)])
    assert built == (Share("RM001", P, 70), Share("RM002", S, 30))
    with pytest.raises(AssignmentError, match="whole percentage"):
        parse_share("RM002:33.5", S)
    with pytest.raises(AssignmentError, match="give a participation"):
        shares(("RM001", 70), [("RM002", None)])
    with pytest.raises(AssignmentError, match="name the secondary RM"):
        parse_share(":30", S)


@given(st.lists(st.integers(1, 100), min_size=1, max_size=5))
def test_any_split_summing_to_100_passes_and_any_other_is_refused(parts: list[int]) -> None:
    codes = ["RM001", "RM002", "RM003"]
    parts = parts[: len(codes)]
    proposed = [
        Share(code, P if i == 0 else S, pct) for i, (code, pct) in enumerate(zip(codes, parts, strict=False))
    ]
    if sum(parts) == 100:
        assert check(proposed)
    else:
        with pytest.raises(AssignmentError, match="sum to exactly 100"):
            check(proposed)


def test_the_assignment_at_any_moment_follows_the_events() -> None:
    day = lambda d: datetime(2026, 11, d, 9, tzinfo=UTC)  # noqa: E731
    first = (Share("RM001", P, 100),)
    second = (Share("RM001", P, 70), Share("RM002", S, 30))
    events = [Event(day(20), ()), Event(day(5), first), Event(day(12), second)]
    assert as_of(events, day(4)) == ()
    assert as_of(events, day(5)) == first
    assert as_of(events, day(15)) == second
    assert as_of(events, day(21)) == ()
