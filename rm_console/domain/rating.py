"""Credit rating (信用评级, SPEC §8): scorecards, their weighted totals and the grade of a score.

A scorecard is data: factors with weights summing to 100. The rater gives each factor a whole
sub-score from 0 (worst) to 100 (best); a factor contributes ``weight × sub-score / 100`` points, so the
exact total is a ``Decimal`` from 0 to 100 with at most two decimals. The total is rounded half up to
a whole number (84.50 → 85, 84.49 → 84) and that whole number is graded:

=====  =======
grade  score
=====  =======
AAA    90–100
AA     80–89
A      70–79
BBB    60–69
BB     50–59
B      40–49
CCC    30–39
CC     20–29
C      0–19
=====  =======
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from rm_console.domain.errors import UserError

#: Highest score and highest sub-score.
MAX_SCORE = 100


class RatingError(UserError):
    """A score or sub-scores that cannot be graded; the message says which and why."""


class Grade(StrEnum):
    """Credit grade, best first."""

    AAA = "AAA"
    AA = "AA"
    A = "A"
    BBB = "BBB"
    BB = "BB"
    B = "B"
    CCC = "CCC"
    CC = "CC"
    C = "C"


#: The lowest score of each grade, best grade first (SPEC §8).
GRADE_FLOORS: tuple[tuple[int, Grade], ...] = (
    (90, Grade.AAA),
    (80, Grade.AA),
    (70, Grade.A),
    (60, Grade.BBB),
    (50, Grade.BB),
    (40, Grade.B),
    (30, Grade.CCC),
    (20, Grade.CC),
    (0, Grade.C),
)


def round_score(value: Decimal | int) -> int:
    """A score rounded half up to a whole number: 84.5 → 85, 84.49 → 84. Floats are refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise RatingError("a score is a whole number or a Decimal, not {value!r}", value=value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise RatingError(
            "a score must be a number between 0 and {max_score}, not {value}",
            max_score=MAX_SCORE,
            value=value,
        )
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def grade(score: int | Decimal) -> Grade:
    """The grade of a whole score 0–100 (a ``Decimal`` is accepted only if it is whole).

    A fractional, out-of-range or non-numeric score is refused with a message; round a fractional
    total with :func:`round_score` first.
    """
    if isinstance(score, bool) or not isinstance(score, int | Decimal):
        raise RatingError(
            "a credit score is a whole number between 0 and {max_score}, not {score!r}",
            max_score=MAX_SCORE,
            score=score,
        )
    if isinstance(score, Decimal):
        if not score.is_finite() or score != score.to_integral_value():
            raise RatingError(
                "a credit score is a whole number between 0 and {max_score}, not {score}; "
                "round it half up first",
                max_score=MAX_SCORE,
                score=score,
            )
        score = int(score)
    if not 0 <= score <= MAX_SCORE:
        raise RatingError(
            "a credit score is between 0 and {max_score}; {score} is outside",
            max_score=MAX_SCORE,
            score=score,
        )
    return next(grade for floor, grade in GRADE_FLOORS if score >= floor)


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor of a scorecard and its weight (its share of 100)."""

    key: str
    name_en: str
    name_zh: str
    weight: int


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A scorecard: factors whose weights sum to exactly 100."""

    key: str
    name_en: str
    name_zh: str
    factors: tuple[Factor, ...]

    def __post_init__(self) -> None:
        total = sum(factor.weight for factor in self.factors)
        if total != MAX_SCORE:
            raise RatingError(
                "scorecard {scorecard}: the weights sum to {total}, not {max_score}",
                scorecard=self.key,
                total=total,
                max_score=MAX_SCORE,
            )
        keys = [factor.key for factor in self.factors]
        if len(set(keys)) != len(keys):
            raise RatingError("scorecard {scorecard}: a factor is named twice", scorecard=self.key)
        if any(factor.weight <= 0 for factor in self.factors):
            raise RatingError("scorecard {scorecard}: every weight must be more than 0", scorecard=self.key)


#: The corporate scorecard (对公客户信用评级) of SPEC §8.
CORPORATE = Scorecard(
    "corporate",
    "Corporate",
    "对公客户",
    (
        Factor("basic_quality", "Basic quality", "基本素质", 10),
        Factor("economic_strength", "Economic strength", "经济实力", 7),
        Factor("solvency_credit", "Solvency and credit", "偿债能力与信用状况", 43),
        Factor("operations", "Operations and efficiency", "经营管理与效益", 31),
        Factor("outlook", "Outlook", "发展前景", 9),
    ),
)

#: The personal scorecard (个人客户信用评级). Debt ratio scores high when debt is low.
PERSONAL = Scorecard(
    "personal",
    "Personal",
    "个人客户",
    (
        Factor("income_stability", "Income stability", "收入稳定性", 20),
        Factor("assets_with_bank", "Assets with the bank", "在我行资产", 20),
        Factor("credit_history", "Credit history", "信用记录", 30),
        Factor("debt_ratio", "Debt ratio (low is good)", "负债水平", 20),
        Factor("relationship", "Length of relationship", "与我行关系年限", 10),
    ),
)

#: Every scorecard by key (the ``scorecard`` column of a stored rating).
SCORECARDS: dict[str, Scorecard] = {card.key: card for card in (CORPORATE, PERSONAL)}


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one factor added to a rating: its sub-score and the points it is worth."""

    factor: str
    weight: int
    sub_score: int
    points: Decimal


@dataclass(frozen=True, slots=True)
class Rating:
    """The outcome of a scorecard: exact total, whole score (half up), grade, and each factor's part."""

    scorecard: str
    exact: Decimal
    score: int
    grade: Grade
    contributions: tuple[Contribution, ...]

    def details(self) -> dict[str, object]:
        """A JSON-ready record of the factors (the ``details`` column); points as decimal text."""
        return {
            "exact": str(self.exact),
            "factors": {
                c.factor: {"weight": c.weight, "sub_score": c.sub_score, "points": str(c.points)}
                for c in self.contributions
            },
        }


def scorecard(key: str) -> Scorecard:
    """The scorecard named ``key``."""
    card = SCORECARDS.get(key)
    if card is None:
        raise RatingError(
            "no scorecard {key!r}; the scorecards are {scorecards}", key=key, scorecards=", ".join(SCORECARDS)
        )
    return card


def _every(problems: list[RatingError]) -> RatingError:
    """One refusal naming every problem, in order, joined by semicolons."""
    joined = problems[0]
    for problem in problems[1:]:
        joined = RatingError("{problems}; {problem}", problems=joined, problem=problem)
    return joined


def rate(card: Scorecard, sub_scores: Mapping[str, int]) -> Rating:
    """Rate by ``card`` from a whole 0–100 sub-score per factor; every problem is named in one message."""
    problems: list[RatingError] = []
    known = {factor.key for factor in card.factors}
    for key in sorted(set(sub_scores) - known):
        problems.append(RatingError("{scorecard} has no factor {key!r}", scorecard=card.key, key=key))
    contributions: list[Contribution] = []
    for factor in card.factors:
        value = sub_scores.get(factor.key)
        if value is None:
            problems.append(
                RatingError("{factor} ({name}) has no sub-score", factor=factor.key, name=factor.name_en)
            )
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SCORE:
            problems.append(
                RatingError(
                    "{factor}: sub-score {value!r} is not a whole number 0–{max_score}",
                    factor=factor.key,
                    value=value,
                    max_score=MAX_SCORE,
                )
            )
        else:
            points = Decimal(factor.weight * value) / MAX_SCORE
            contributions.append(Contribution(factor.key, factor.weight, value, points))
    if problems:
        raise _every(problems)
    exact = sum((c.points for c in contributions), Decimal(0))
    whole = round_score(exact)
    return Rating(card.key, exact, whole, grade(whole), tuple(contributions))
