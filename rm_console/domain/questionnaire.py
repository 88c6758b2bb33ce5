"""The risk-tolerance questionnaire (投资风险承受能力评估, SPEC §8): questions, scoring and validity.

Ten questions, each with options worth points; each question's best option is worth 10, so the
highest total is exactly 100. The total falls in one of five bands:

=========  ===========  ==========================
score      level        meaning
=========  ===========  ==========================
0–20       C1           conservative 保守型
21–40      C2           steady 稳健型
41–60      C3           balanced 平衡型
61–80      C4           growth 成长型
81–100     C5           aggressive 进取型
=========  ===========  ==========================

Answers are written ``1a,2c,3b,…`` (question number and option letter; commas, semicolons or spaces
between them) or, in question order, as ten letters ``acbd…``. An assessment is valid for 12 months:
through the day before the same date a year later (:func:`valid_until`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from rm_console.domain.enums import RiskTolerance
from rm_console.domain.errors import UserError

#: Months an assessment stays valid.
VALID_MONTHS = 12


class QuestionnaireError(UserError):
    """Answers that cannot be scored; the message names each question that is wrong."""


@dataclass(frozen=True, slots=True)
class Option:
    """One answer to a question: its letter, its words and its points."""

    key: str
    text_en: str
    text_zh: str
    points: int


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the questionnaire."""

    number: int
    topic: str
    text_en: str
    text_zh: str
    options: tuple[Option, ...]

    def option(self, key: str) -> Option | None:
        """The option with letter ``key`` (any case), or None."""
        wanted = key.strip().lower()
        return next((option for option in self.options if option.key == wanted), None)

    @property
    def keys(self) -> str:
        """The option letters as a range for messages: ``a–e``."""
        return f"{self.options[0].key}–{self.options[-1].key}"

    @property
    def max_points(self) -> int:
        """The points of the best option."""
        return max(option.points for option in self.options)


def _q(number: int, topic: str, en: str, zh: str, *options: tuple[str, str, int]) -> Question:
    return Question(
        number,
        topic,
        en,
        zh,
        tuple(Option(chr(ord("a") + i), o_en, o_zh, pts) for i, (o_en, o_zh, pts) in enumerate(options)),
    )


#: The questionnaire, in order. Every question's best option is worth 10 points (total 100).
QUESTIONS: tuple[Question, ...] = (
    _q(
        1,
        "age",
        "How old are you?",
        "您的年龄是？",
        ("18–30", "18–30 岁", 10),
        ("31–45", "31–45 岁", 8),
        ("46–55", "46–55 岁", 6),
        ("56–65", "56–65 岁", 3),
        ("Over 65", "65 岁以上", 1),
    ),
    _q(
        2,
        "income",
        "What is your household's annual income?",
        "您的家庭年收入是？",
        ("Below ¥100,000", "10 万元以下", 2),
        ("¥100,000–300,000", "10–30 万元", 4),
        ("¥300,000–500,000", "30–50 万元", 6),
        ("¥500,000–1,000,000", "50–100 万元", 8),
        ("Over ¥1,000,000", "100 万元以上", 10),
    ),
    _q(
        3,
        "experience",
        "How long have you invested in funds, stocks, bonds or wealth products (not deposits)?",
        "您投资基金、股票、债券或理财产品（不含存款）的经验有多久？",
        ("Never", "没有经验", 0),
        ("Less than 2 years", "2 年以下", 3),
        ("2–5 years", "2–5 年", 6),
        ("5–10 years", "5–10 年", 8),
        ("More than 10 years", "10 年以上", 10),
    ),
    _q(
        4,
        "horizon",
        "For how long do you plan to keep this money invested?",
        "您计划的投资期限是？",
        ("Less than 1 year", "1 年以内", 2),
        ("1–3 years", "1–3 年", 5),
        ("3–5 years", "3–5 年", 8),
        ("More than 5 years", "5 年以上", 10),
    ),
    _q(
        5,
        "loss_tolerance",
        "What is the largest loss on this investment you could accept?",
        "您能承受的最大投资损失是？",
        ("None: the principal must be safe", "不能承受本金损失", 0),
        ("Up to 5%", "5% 以内", 3),
        ("5%–15%", "5%–15%", 6),
        ("15%–30%", "15%–30%", 8),
        ("More than 30%", "30% 以上", 10),
    ),
    _q(
        6,
        "knowledge",
        "How well do you know investment products and their risks?",
        "您对投资产品及其风险的了解程度是？",
        ("Very little: deposits only", "了解很少，仅了解存款", 0),
        ("Basic: I know funds and wealth products in general", "一般，大致了解基金和理财产品", 4),
        ("Good: I understand bonds, funds and equities", "较好，理解债券、基金和股票", 7),
        ("Professional: I work in finance or hold a qualification", "专业，从事金融工作或持有相关资格", 10),
    ),
    _q(
        7,
        "share_of_assets",
        "What share of your household's financial assets is, or will be, invested outside deposits?",
        "您家庭金融资产中用于（或拟用于）存款以外投资的比例是？",
        ("Less than 10%", "10% 以下", 2),
        ("10%–25%", "10%–25%", 4),
        ("25%–50%", "25%–50%", 7),
        ("More than 50%", "50% 以上", 10),
    ),
    _q(
        8,
        "goal",
        "What is the main goal of this investment?",
        "您投资的主要目标是？",
        ("Keep the principal safe", "保本，资产安全第一", 0),
        ("Steady income a little above deposits", "获取略高于存款的稳定收益", 4),
        ("Balanced growth with moderate ups and downs", "在适度波动中实现资产稳健增长", 7),
        ("The most growth over time, accepting large swings", "追求长期高增长，可接受大幅波动", 10),
    ),
    _q(
        9,
        "liquidity",
        "How likely are you to need this money within the next year?",
        "未来一年内您动用这笔资金的可能性？",
        ("I will need most of it", "很可能需要动用大部分", 0),
        ("I may need part of it", "可能需要动用一部分", 4),
        ("Unlikely", "不太可能", 7),
        ("I will not need it", "不需要", 10),
    ),
    _q(
        10,
        "fall_20pct",
        "Your investment falls 20% in a short time. What do you do?",
        "若您的投资短期内下跌 20%，您会？",
        ("Sell everything", "全部卖出", 0),
        ("Sell part of it", "卖出一部分", 3),
        ("Hold and wait", "继续持有，等待回升", 7),
        ("Buy more", "逢低加仓", 10),
    ),
)

#: The highest possible total: exactly 100.
MAX_SCORE = sum(question.max_points for question in QUESTIONS)

#: The bands: (highest score of the band, level), lowest band first; each band starts one above the last.
BANDS: tuple[tuple[int, RiskTolerance], ...] = (
    (20, RiskTolerance.C1),
    (40, RiskTolerance.C2),
    (60, RiskTolerance.C3),
    (80, RiskTolerance.C4),
    (100, RiskTolerance.C5),
)

#: Each level's name in English and Chinese.
LEVEL_NAMES: dict[RiskTolerance, tuple[str, str]] = {
    RiskTolerance.C1: ("conservative", "保守型"),
    RiskTolerance.C2: ("steady", "稳健型"),
    RiskTolerance.C3: ("balanced", "平衡型"),
    RiskTolerance.C4: ("growth", "成长型"),
    RiskTolerance.C5: ("aggressive", "进取型"),
}

_BY_NUMBER: dict[int, Question] = {question.number: question for question in QUESTIONS}
_PAIR = re.compile(r"(\d+)\s*[.:=)]?\s*([A-Za-z])\Z")
_SEPARATORS = re.compile(r"[\s,;，；]+")


def _every(problems: list[QuestionnaireError]) -> QuestionnaireError:
    """One refusal naming every problem, in order, joined by semicolons."""
    joined = problems[0]
    for problem in problems[1:]:
        joined = QuestionnaireError("{problems}; {problem}", problems=joined, problem=problem)
    return joined


def level_for(score: int) -> RiskTolerance:
    """The level of a total ``score`` (0–100) by :data:`BANDS`."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
        raise QuestionnaireError(
            "a questionnaire score is a whole number 0–{max_score}, not {score!r}",
            max_score=MAX_SCORE,
            score=score,
        )
    return next(level for top, level in BANDS if score <= top)


def parse_answers(text: str) -> dict[int, str]:
    """Read ``"1a,2c,3b,…"`` (or ten letters in question order, ``"acbd…"``) into {question: letter}.

    Only the form is checked here; :func:`check_answers` (run by :func:`score`) checks the content.
    """
    tokens = [token for token in _SEPARATORS.split(text.strip()) if token]
    if not tokens:
        raise QuestionnaireError(
            "no answers given; write one per question, e.g. 1a,2c,… for questions 1–{questions}",
            questions=len(QUESTIONS),
        )
    if all(token.isalpha() for token in tokens):
        letters = "".join(tokens)
        if len(letters) != len(QUESTIONS):
            raise QuestionnaireError(
                "{letters} answer letters for {questions} questions; give one letter per "
                "question in order, or write question numbers (1a,2c,…)",
                letters=len(letters),
                questions=len(QUESTIONS),
            )
        return {number: letter.lower() for number, letter in enumerate(letters, start=1)}
    answers: dict[int, str] = {}
    problems: list[QuestionnaireError] = []
    for token in tokens:
        match = _PAIR.match(token)
        if match is None:
            problems.append(
                QuestionnaireError(
                    "{token!r} is not an answer: write a question number and option letter, e.g. 2c",
                    token=token,
                )
            )
            continue
        number, letter = int(match.group(1)), match.group(2).lower()
        if number in answers:
            problems.append(QuestionnaireError("question {number} is answered more than once", number=number))
            continue
        answers[number] = letter
    if problems:
        raise _every(problems)
    return answers


def check_answers(answers: Mapping[int, str] | Sequence[str] | str) -> dict[int, str]:
    """Answers as {question number: option letter}, every question answered once with a known option.

    ``answers`` may be text for :func:`parse_answers`, a mapping, or a sequence of letters in question
    order. Every problem is named in one message: a question with no answer, an unknown question, an
    unknown option (with the letters that question offers), or the wrong number of answers.
    """
    if isinstance(answers, str):
        given = parse_answers(answers)
    elif isinstance(answers, Mapping):
        given = {number: str(letter).strip().lower() for number, letter in answers.items()}
    else:
        if len(answers) != len(QUESTIONS):
            raise QuestionnaireError(
                "{answers} answers for {questions} questions; give one answer per question",
                answers=len(answers),
                questions=len(QUESTIONS),
            )
        given = {number: str(letter).strip().lower() for number, letter in enumerate(answers, start=1)}
    problems = [
        QuestionnaireError(
            "there is no question {number}; the questions are 1–{questions}",
            number=number,
            questions=len(QUESTIONS),
        )
        for number in sorted(number for number in given if number not in _BY_NUMBER)
    ]
    missing: list[Question] = []
    for question in QUESTIONS:
        letter = given.get(question.number)
        if letter is None:
            missing.append(question)
        elif question.option(letter) is None:
            problems.append(
                QuestionnaireError(
                    "question {number} ({topic}): {letter!r} is not an option; choose {keys}",
                    number=question.number,
                    topic=question.topic,
                    letter=letter,
                    keys=question.keys,
                )
            )
    if missing:
        named = ", ".join(f"{question.number} ({question.topic})" for question in missing)
        answered = len(QUESTIONS) - len(missing)
        if len(missing) > 1:
            unanswered = QuestionnaireError(
                "{answered} of {questions} questions answered; no answer to questions {named}",
                answered=answered,
                questions=len(QUESTIONS),
                named=named,
            )
        else:
            unanswered = QuestionnaireError(
                "{answered} of {questions} questions answered; no answer to question {named}",
                answered=answered,
                questions=len(QUESTIONS),
                named=named,
            )
        problems.insert(0, unanswered)
    if problems:
        raise _every(problems)
    return {question.number: given[question.number] for question in QUESTIONS}


def score(answers: Mapping[int, str] | Sequence[str] | str) -> tuple[int, RiskTolerance]:
    """The total points of ``answers`` (checked by :func:`check_answers`) and the level of that total."""
    checked = check_answers(answers)
    total = 0
    for question in QUESTIONS:
        option = question.option(checked[question.number])
        assert option is not None  # checked above
        total += option.points
    return total, level_for(total)


def answers_text(answers: Mapping[int, str]) -> str:
    """Checked answers written back as ``1a,2c,…`` (the form stored with an assessment)."""
    checked = check_answers(answers)
    return ",".join(f"{number}{letter}" for number, letter in checked.items())


def valid_until(assessed_on: date) -> date:
    """The last day an assessment made on ``assessed_on`` is valid: the day before the same date
    12 months later.

    2025-03-15 → 2026-03-14; 2025-01-01 → 2025-12-31; 2023-03-01 → 2024-02-29. An assessment made on
    29 February has its anniversary on 1 March of a common year, so it is valid through 28 February
    (2024-02-29 → 2025-02-28). Every assessment is thus valid for one full year of days (365 or 366).
    """
    anniversary = assessed_on + relativedelta(months=VALID_MONTHS)
    if assessed_on.month == 2 and assessed_on.day == 29 and anniversary.day == 28:
        anniversary += timedelta(days=1)
    return anniversary - timedelta(days=1)


def is_valid(valid_until_day: date, today: date) -> bool:
    """Whether an assessment valid until ``valid_until_day`` still holds on ``today`` (that day included)."""
    return today <= valid_until_day
