"""Complaint handling (投诉处理, SPEC §8): five steps taken strictly in order, closing only after follow-up.

The steps are stored by number (``complaint_step.step_no`` 1–5). A step may be taken only when every
earlier step is done and it is not done yet; a closed complaint takes no steps at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from rm_console.domain.errors import UserError


class ComplaintError(UserError):
    """A complaint step or closing out of order; the message names the step expected next."""


class HandlingStep(StrEnum):
    """The five steps of handling a complaint, in the order they are taken."""

    RECORD = "record"
    ANALYSE = "analyse"
    APOLOGISE = "apologise"
    EXECUTE = "execute"
    FOLLOW_UP = "follow_up"

    @property
    def number(self) -> int:
        """1 for recording the facts up to 5 for the follow-up (the stored ``step_no``)."""
        return list(HandlingStep).index(self) + 1

    @property
    def name_en(self) -> str:
        """The step in English."""
        return _NAMES[self][0]

    @property
    def name_zh(self) -> str:
        """The step in Chinese."""
        return _NAMES[self][1]

    @property
    def label(self) -> str:
        """``2 analyse and assign responsibility (分析定责)``: how messages name the step."""
        return f"{self.number} {self.name_en} ({self.name_zh})"

    @classmethod
    def from_number(cls, number: int) -> HandlingStep:
        """The step stored as ``number`` (1–5)."""
        steps = list(cls)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(steps):
            raise ComplaintError(
                "there is no complaint step {number!r}; the steps are 1–{count}",
                number=number,
                count=len(steps),
            )
        return steps[number - 1]


_NAMES: dict[HandlingStep, tuple[str, str]] = {
    HandlingStep.RECORD: ("record the facts", "记录事实"),
    HandlingStep.ANALYSE: ("analyse and assign responsibility", "分析定责"),
    HandlingStep.APOLOGISE: ("apologise and propose a resolution", "道歉并提出方案"),
    HandlingStep.EXECUTE: ("carry out the resolution", "执行方案"),
    HandlingStep.FOLLOW_UP: ("follow up", "回访"),
}

#: The steps in order.
STEPS: tuple[HandlingStep, ...] = tuple(HandlingStep)


def _done(done_steps: Iterable[HandlingStep | str]) -> tuple[HandlingStep, ...]:
    """``done_steps`` as steps, refused unless they are the first steps in order (what the rules allow)."""
    done = tuple(HandlingStep(step) for step in done_steps)
    if done != STEPS[: len(done)]:
        taken = ", ".join(step.value for step in done)
        raise ComplaintError("the steps taken ({taken}) are not the first steps in order", taken=taken)
    return done


def next_step(done_steps: Iterable[HandlingStep | str]) -> HandlingStep | None:
    """The step to take next, or None when all five are done."""
    done = _done(done_steps)
    return STEPS[len(done)] if len(done) < len(STEPS) else None


def check_step(
    done_steps: Iterable[HandlingStep | str], step: HandlingStep | str, *, closed: bool = False
) -> HandlingStep:
    """Return ``step`` if it may be taken now, else raise ComplaintError naming the expected step.

    Refused: any step of a closed complaint; a step already done (repeated); a step after the next one
    (skipped).
    """
    wanted = HandlingStep(step)
    if closed:
        raise ComplaintError(
            "the complaint is closed; it takes no more steps (not {step.label})", step=wanted
        )
    done = _done(done_steps)
    expected = next_step(done)
    if wanted in done:
        if expected is None:
            raise ComplaintError(
                "step {step.label} is already done; all five steps are done; close the complaint", step=wanted
            )
        raise ComplaintError(
            "step {step.label} is already done; the next step is {expected.label}",
            step=wanted,
            expected=expected,
        )
    if wanted is not expected:
        assert expected is not None  # a step not yet done exists, so not all are done
        raise ComplaintError(
            "step {step.label} cannot be taken yet: the next step is {expected.label}",
            step=wanted,
            expected=expected,
        )
    return wanted


def can_close(done_steps: Iterable[HandlingStep | str]) -> bool:
    """True once the follow-up (回访), and so every step, is done."""
    return next_step(done_steps) is None


def check_close(done_steps: Iterable[HandlingStep | str], *, closed: bool = False) -> None:
    """Refuse closing a complaint that is closed already or whose follow-up is not done."""
    if closed:
        raise ComplaintError("the complaint is already closed")
    expected = next_step(done_steps)
    if expected is not None:
        raise ComplaintError(
            "a complaint is closed only after step {last.label}; the next step is {expected.label}",
            last=HandlingStep.FOLLOW_UP,
            expected=expected,
        )
