"""The record rules of SPEC §8: risk questionnaire, credit rating, complaint steps."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache

import pytest

from rm_console.domain import questionnaire as q
from rm_console.domain.complaints import (
    STEPS,
    ComplaintError,
    HandlingStep,
    can_close,
    check_close,
    check_step,
    next_step,
)
from rm_console.domain.enums import RiskTolerance
from rm_console.domain.rating import (
    CORPORATE,
    PERSONAL,
    SCORECARDS,
    Factor,
    Grade,
    RatingError,
    Scorecard,
    grade,
    rate,
    round_score,
    scorecard,
)

C = RiskTolerance

# --- risk questionnaire -----------------------------------------------------------------------------------


def test_ten_questions_defined_as_data_with_both_languages() -> None:
    assert [question.number for question in q.QUESTIONS] == list(range(1, 11))
    topics = {question.topic for question in q.QUESTIONS}
    assert {"age", "income", "experience", "horizon", "loss_tolerance", "knowledge"} <= topics
    assert {"share_of_assets", "goal", "liquidity", "fall_20pct"} <= topics
    for question in q.QUESTIONS:
        assert question.text_en and question.text_zh
        assert len(question.options) >= 4
        assert [option.key for option in question.options] == list("abcde"[: len(question.options)])
        assert all(option.text_en and option.text_zh and option.points >= 0 for option in question.options)


def test_the_maximum_total_is_exactly_100() -> None:
    assert q.MAX_SCORE == 100
    best = {question.number: max(question.options, key=lambda o: o.points).key for question in q.QUESTIONS}
    assert q.score(best) == (100, C.C5)


@cache
def _answers_for(total: int) -> dict[int, str] | None:
    """Answers whose points add up to ``total``, found by walking the questions (None if impossible)."""
    reachable: dict[int, dict[int, str]] = {0: {}}
    for question in q.QUESTIONS:
        step: dict[int, dict[int, str]] = {}
        for points, chosen in reachable.items():
            for option in question.options:
                step.setdefault(points + option.points, {**chosen, question.number: option.key})
        reachable = step
    return reachable.get(total)


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (0, C.C1),
        (20, C.C1),
        (21, C.C2),
        (40, C.C2),
        (41, C.C3),
        (60, C.C3),
        (61, C.C4),
        (80, C.C4),
        (81, C.C5),
        (100, C.C5),
    ],
)
def test_bands_at_every_boundary(total: int, level: RiskTolerance) -> None:
    assert q.level_for(total) is level
    answers = _answers_for(total)
    if total >= 20:  # every band boundary from 20 up can be reached by real answers
        assert answers is not None
    if answers is not None:
        assert q.score(answers) == (total, level)


@pytest.mark.parametrize("bad", [-1, 101, True, "50"])
def test_a_score_outside_0_100_has_no_level(bad: object) -> None:
    with pytest.raises(q.QuestionnaireError, match="whole number 0–100"):
        q.level_for(bad)  # type: ignore[arg-type]


def test_answers_as_text_mapping_or_letters_score_the_same() -> None:
    text = "1b,2c,3b,4b,5b,6b,7b,8b,9b,10b"
    expected = 8 + 6 + 3 + 5 + 3 + 4 + 4 + 4 + 4 + 3
    assert q.score(text) == (expected, C.C3)
    assert q.score(q.parse_answers(text)) == (expected, C.C3)
    assert q.score("bcbbbbbbbb") == (expected, C.C3)
    assert q.score(list("bcbbbbbbbb")) == (expected, C.C3)
    assert q.score("1B; 2C 3b，4b,5b,6b,7b,8b,9b,10.b") == (expected, C.C3)
    assert q.answers_text(q.parse_answers(text.upper())) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no answers given"),
        ("1a,2c,3b", "3 of 10 questions answered; no answer to questions 4 (horizon), 5 (loss_tolerance)"),
        ("1a,2a,3a,4a,5a,6a,7a,8a,9a", "9 of 10 questions answered; no answer to question 10 (fall_20pct)"),
        ("1a,2a,3a,4e,5a,6a,7a,8a,9a,10a", "question 4 (horizon): 'e' is not an option; choose a–d"),
        ("1a,2a,3a,4a,5a,6a,7a,8a,9a,10a,11a", "there is no question 11; the questions are 1–10"),
        ("1a,2a,2b,3a,4a,5a,6a,7a,8a,9a,10a", "question 2 is answered more than once"),
        ("1a,2a,x,3a", "'x' is not an answer: write a question number and option letter, e.g. 2c"),
        ("1a,2,3a", "'2' is not an answer"),
        ("abcab", "5 answer letters for 10 questions"),
        ("aaaaaaaaaaa", "11 answer letters for 10 questions"),
    ],
)
def test_parse_errors_name_the_question(text: str, message: str) -> None:
    with pytest.raises(q.QuestionnaireError, match=re.escape(message)):
        q.score(text)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(q.QuestionnaireError) as caught:
        q.score({1: "a", 2: "z", 3: "a", 4: "a", 5: "a", 6: "a", 7: "a", 8: "a", 9: "a", 12: "a"})
    text = str(caught.value)
    assert "no answer to question 10 (fall_20pct)" in text
    assert "question 2 (income): 'z' is not an option; choose a–e" in text
    assert "there is no question 12" in text


def test_a_sequence_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(q.QuestionnaireError, match="9 answers for 10 questions"):
        q.score(["a"] * 9)


@pytest.mark.parametrize(
    ("assessed_on", "until"),
    [
        (date(2025, 3, 15), date(2026, 3, 14)),
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2025, 12, 31), date(2026, 12, 30)),
        (date(2023, 3, 1), date(2024, 2, 29)),  # the year ahead holds 29 February
        (date(2024, 2, 29), date(2025, 2, 28)),  # anniversary of 29 Feb in a common year is 1 March
        (date(2024, 2, 28), date(2025, 2, 27)),
        (date(2024, 3, 1), date(2025, 2, 28)),
    ],
)
def test_valid_for_twelve_months_through_the_day_before_the_anniversary(
    assessed_on: date, until: date
) -> None:
    assert q.valid_until(assessed_on) == until


def test_is_valid_includes_the_last_day() -> None:
    until = q.valid_until(date(2025, 3, 15))
    assert q.is_valid(until, date(2026, 3, 14))
    assert not q.is_valid(until, date(2026, 3, 15))


# --- credit rating ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (100, Grade.AAA),
        (90, Grade.AAA),
        (89, Grade.AA),
        (80, Grade.AA),
        (79, Grade.A),
        (70, Grade.A),
        (69, Grade.BBB),
        (60, Grade.BBB),
        (59, Grade.BB),
        (50, Grade.BB),
        (49, Grade.B),
        (40, Grade.B),
        (39, Grade.CCC),
        (30, Grade.CCC),
        (29, Grade.CC),
        (20, Grade.CC),
        (19, Grade.C),
        (0, Grade.C),
        (Decimal("85"), Grade.AA),
        (Decimal("90.00"), Grade.AAA),
    ],
)
def test_grade_boundaries(score: int | Decimal, expected: Grade) -> None:
    assert grade(score) is expected


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (-1, "between 0 and 100; -1 is outside"),
        (101, "between 0 and 100; 101 is outside"),
        (Decimal("89.5"), "not 89.5; round it half up first"),
        (89.5, "whole number between 0 and 100, not 89.5"),
        ("90", "whole number between 0 and 100, not '90'"),
        (True, "not True"),
        (Decimal("NaN"), "not NaN"),
    ],
)
def test_scores_outside_0_100_or_fractional_are_refused(score: object, message: str) -> None:
    with pytest.raises(RatingError, match=re.escape(message)):
        grade(score)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "whole"),
    [(Decimal("84.5"), 85), (Decimal("84.49"), 84), (Decimal("89.50"), 90), (Decimal("0.4"), 0), (7, 7)],
)
def test_round_score_is_half_up(value: Decimal | int, whole: int) -> None:
    assert round_score(value) == whole


def test_round_score_refuses_floats() -> None:
    with pytest.raises(RatingError):
        round_score(84.5)  # type: ignore[arg-type]


def test_the_corporate_weights_are_the_spec_and_sum_to_100() -> None:
    weights = {factor.key: factor.weight for factor in CORPORATE.factors}
    assert weights == {
        "basic_quality": 10,
        "economic_strength": 7,
        "solvency_credit": 43,
        "operations": 31,
        "outlook": 9,
    }
    assert sum(weights.values()) == 100
    assert sum(factor.weight for factor in PERSONAL.factors) == 100
    assert all(factor.name_zh for card in SCORECARDS.values() for factor in card.factors)


def test_a_worked_corporate_example() -> None:
    sub_scores = {
        "basic_quality": 80,  # 10 × 0.80 = 8.00
        "economic_strength": 70,  # 7 × 0.70 = 4.90
        "solvency_credit": 90,  # 43 × 0.90 = 38.70
        "operations": 85,  # 31 × 0.85 = 26.35
        "outlook": 60,  # 9 × 0.60 = 5.40
    }
    rating = rate(CORPORATE, sub_scores)
    assert rating.exact == Decimal("83.35")
    assert rating.score == 83
    assert rating.grade is Grade.AA
    assert [c.points for c in rating.contributions] == [
        Decimal("8"),
        Decimal("4.9"),
        Decimal("38.7"),
        Decimal("26.35"),
        Decimal("5.4"),
    ]
    assert rating.details()["exact"] == "83.35"


def test_a_half_point_total_rounds_up_into_the_next_grade() -> None:
    # 10×85 + 7×90 + 43×90 + 31×90 + 9×90 = 8950 → 89.50 → 90 (AAA): half up.
    keys = [factor.key for factor in CORPORATE.factors]
    half = rate(CORPORATE, dict(zip(keys, (85, 90, 90, 90, 90), strict=True)))
    assert (half.exact, half.score, half.grade) == (Decimal("89.5"), 90, Grade.AAA)
    # 10×80 + 7×80 + 43×87 + 31×98 + 9×90 = 8949 → 89.49 → 89 (AA).
    below = rate(CORPORATE, dict(zip(keys, (80, 80, 87, 98, 90), strict=True)))
    assert (below.exact, below.score, below.grade) == (Decimal("89.49"), 89, Grade.AA)
    # 20×50 + 20×50 + 30×50 + 20×50 + 10×45 = 4950 → 49.50 → 50 (BB): half up.
    personal = {
        "income_stability": 50,
        "assets_with_bank": 50,
        "credit_history": 50,
        "debt_ratio": 50,
        "relationship": 45,
    }
    rating = rate(scorecard("personal"), personal)
    assert (rating.exact, rating.score, rating.grade) == (Decimal("49.5"), 50, Grade.BB)


def test_all_best_and_all_worst() -> None:
    for card in SCORECARDS.values():
        assert rate(card, {f.key: 100 for f in card.factors}).grade is Grade.AAA
        assert rate(card, {f.key: 0 for f in card.factors}).score == 0


def test_bad_sub_scores_are_each_named() -> None:
    with pytest.raises(RatingError) as caught:
        rate(
            CORPORATE,
            {"basic_quality": 101, "economic_strength": 7.5, "solvency_credit": 50, "outlook": 5, "x": 1},
        )
    text = str(caught.value)
    assert "corporate has no factor 'x'" in text
    assert "basic_quality: sub-score 101 is not a whole number 0–100" in text
    assert "economic_strength: sub-score 7.5 is not a whole number 0–100" in text
    assert "operations (Operations and efficiency) has no sub-score" in text


def test_a_scorecard_must_weigh_100() -> None:
    with pytest.raises(RatingError, match="the weights sum to 99, not 100"):
        Scorecard("bad", "Bad", "坏", (Factor("a", "A", "甲", 50), Factor("b", "B", "乙", 49)))
    with pytest.raises(RatingError, match="no scorecard 'sme'"):
        scorecard("sme")


# --- complaint steps --------------------------------------------------------------------------------------

S = HandlingStep


def test_five_steps_in_order_with_both_names() -> None:
    assert [step.number for step in STEPS] == [1, 2, 3, 4, 5]
    assert [step.name_zh for step in STEPS] == ["记录事实", "分析定责", "道歉并提出方案", "执行方案", "回访"]
    assert S.from_number(3) is S.APOLOGISE
    with pytest.raises(ComplaintError, match="there is no complaint step 6"):
        S.from_number(6)


def test_the_steps_go_one_after_another_to_closing() -> None:
    done: list[HandlingStep] = []
    for step in STEPS:
        assert next_step(done) is step
        assert not can_close(done)
        done.append(check_step(done, step))
    assert next_step(done) is None
    assert can_close(done)
    check_close(done)


@pytest.mark.parametrize(
    ("done", "step", "message"),
    [
        (
            [],
            S.ANALYSE,
            "step 2 analyse and assign responsibility (分析定责) cannot be taken yet: "
            "the next step is 1 record the facts (记录事实)",
        ),
        ([S.RECORD], S.EXECUTE, "cannot be taken yet: the next step is 2 analyse and assign responsibility"),
        (
            [S.RECORD, S.ANALYSE, S.APOLOGISE],
            S.FOLLOW_UP,
            "the next step is 4 carry out the resolution (执行方案)",
        ),
        ([S.RECORD], S.RECORD, "step 1 record the facts (记录事实) is already done; the next step is 2"),
        ([S.RECORD, S.ANALYSE], S.RECORD, "is already done; the next step is 3 apologise and propose"),
        (list(STEPS), S.FOLLOW_UP, "step 5 follow up (回访) is already done; all five steps are done"),
    ],
)
def test_a_skipped_or_repeated_step_is_refused(
    done: list[HandlingStep], step: HandlingStep, message: str
) -> None:
    with pytest.raises(ComplaintError, match=re.escape(message)):
        check_step(done, step)


def test_close_only_after_follow_up() -> None:
    with pytest.raises(
        ComplaintError, match=re.escape("closed only after step 5 follow up (回访); the next step is 5")
    ):
        check_close(list(STEPS[:4]))
    with pytest.raises(ComplaintError, match="the next step is 1 record the facts"):
        check_close([])
    assert not can_close(list(STEPS[:4]))


def test_a_closed_complaint_takes_no_steps() -> None:
    with pytest.raises(ComplaintError, match="the complaint is closed; it takes no more steps"):
        check_step(list(STEPS), S.FOLLOW_UP, closed=True)
    with pytest.raises(ComplaintError, match="the complaint is closed"):
        check_step([], S.RECORD, closed=True)
    with pytest.raises(ComplaintError, match="already closed"):
        check_close(list(STEPS), closed=True)


def test_steps_may_come_as_stored_values_but_out_of_order_history_is_refused() -> None:
    assert next_step(["record", "analyse"]) is S.APOLOGISE
    assert check_step(["record"], "analyse") is S.ANALYSE
    with pytest.raises(ComplaintError, match="not the first steps in order"):
        next_step([S.ANALYSE])
