"""The risk-tolerance questionnaire (风险承受能力评估): ten questions, the running score and level, and the
assessment stored as C1–C5."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Select, Static

from rm_console.domain.records_dto import LevelBandDTO, QuestionDTO, Questionnaire, RiskAssessmentDTO
from rm_console.i18n import N_, _, language
from screens.dialogs.form import CustomerFinder, FieldError, FormDialog

if TYPE_CHECKING:
    from rm_console.services import Services


def question_field(question: QuestionDTO) -> str:
    """The id of a question's field: ``q1`` … ``q10``."""
    return f"q{question.number}"


def running_score(
    questionnaire: Questionnaire, answers: Mapping[int, str]
) -> tuple[int, LevelBandDTO | None]:
    """The points of the answers given so far and, once every question is answered, the level."""
    total = 0
    for question in questionnaire.questions:
        letter = answers.get(question.number)
        total += next((option.points for option in question.options if option.key == letter), 0)
    complete = all(question.number in answers for question in questionnaire.questions)
    level = (
        next((band for band in questionnaire.levels if band.min_score <= total <= band.max_score), None)
        if complete
        else None
    )
    return total, level


class RiskQuestionnaireDialog(FormDialog[RiskAssessmentDTO]):
    """Asks the ten questions of ``services.records.questions()``, shows the running score, and stores
    the assessment through ``services.records.assess_risk``; dismisses with the
    :class:`RiskAssessmentDTO` (score, level C1–C5, valid until)."""

    TITLE_TEXT = N_("Risk questionnaire")
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (("no customer ", "customer"),)

    def __init__(
        self, services: Services, *, cif: str | None = None, find: CustomerFinder | None = None
    ) -> None:
        super().__init__(services, find=find)
        self._cif = cif
        self.questionnaire = services.records.questions()
        """The questions, their options and the level bands."""

    def start_fields(self) -> tuple[str, ...]:
        """The customer, then the questions in order."""
        return ("customer", *(question_field(question) for question in self.questionnaire.questions))

    def compose_fields(self) -> ComposeResult:
        """Customer and the ten questions."""
        chinese = language() == "zh"
        yield self.field_row("customer", _("Customer"), self.customer_input(cif=self._cif))
        for question in self.questionnaire.questions:
            field_id = question_field(question)
            text = question.text_zh if chinese else question.text_en
            options = [
                (f"{option.key})  {option.text_zh if chinese else option.text_en}", option.key)
                for option in question.options
            ]
            yield Vertical(
                Label(f"{question.number}. {text}", classes="form-label"),
                self.select(field_id, options, allow_blank=True, prompt=_("choose an answer")),
                Static("", id=f"{field_id}-hint", classes="form-hint", markup=False),
                Static("", id=f"{field_id}-error", classes="form-error", markup=False),
                id=f"{field_id}-row",
                classes="form-question",
            )

    def compose_summary(self) -> ComposeResult:
        """The running score, always in sight."""
        yield Static("", id="score", classes="form-score", markup=False)

    def on_mount(self) -> None:
        """Show the score of no answers."""
        super().on_mount()
        self._show_score()

    def _answers(self) -> dict[int, str]:
        answers: dict[int, str] = {}
        for question in self.questionnaire.questions:
            choice = self.query_one(f"#{question_field(question)}", Select)
            if choice.value is not Select.NULL:
                answers[question.number] = str(choice.value)
        return answers

    @on(Select.Changed)
    def _show_score(self) -> None:
        answers = self._answers()
        total, level = running_score(self.questionnaire, answers)
        count = len(self.questionnaire.questions)
        if level is None:
            text = _("{answered} of {count} answered · score so far {score}").format(
                answered=len(answers), count=count, score=total
            )
        else:
            name = level.name_zh if language() == "zh" else level.name_en
            text = _("Score {score} of {top} → {level} {name}").format(
                score=total, top=self.questionnaire.max_score, level=level.level, name=name
            )
        self.query_one("#score", Static).update(text)

    def save(self, values: Mapping[str, str]) -> RiskAssessmentDTO:
        """Store the assessment; every question must be answered."""
        cif = self.cif_value(values)
        answers: list[str] = []
        missing: dict[str, str] = {}
        for question in self.questionnaire.questions:
            letter = values.get(question_field(question), "")
            if letter:
                answers.append(f"{question.number}{letter}")
            else:
                missing[question_field(question)] = _("Choose an answer")
        if missing:
            first, message = next(iter(missing.items()))
            raise FieldError(first, message, more=missing)
        return self.services.records.assess_risk(cif, ",".join(answers))


__all__ = ["RiskQuestionnaireDialog", "question_field", "running_score"]
