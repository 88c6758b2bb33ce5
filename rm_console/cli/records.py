"""``rmc log …`` and ``rmc assess …``: contact, visit, complaint and work-log records, risk-tolerance
assessments and credit ratings (SPEC §8, §12).

Every command calls :class:`rm_console.services.records.RecordService` as the acting person (``--as``);
a refusal prints ``error: …`` on standard error and exits 1. With ``--json`` a command prints one JSON
document and nothing else. Times are written ``YYYY-MM-DD HH:MM`` in Beijing time, dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from rm_console.cli.common import out, print_json, refuse, services_of
from rm_console.domain.errors import UserError
from rm_console.domain.records_dto import (
    ComplaintDTO,
    ContactDTO,
    CreditRatingDTO,
    RiskAssessmentDTO,
    VisitPlanDTO,
    WorkKind,
    contact_label,
    local_text,
    parse_sub_scores,
)

log_app = typer.Typer(
    help=(
        "Record contacts 客户接触记录: visit plans 拜访计划, visits 拜访, calls 电话, messages 信息, "
        "events 沙龙, complaints 投诉 and the daily work log 日常工作登记簿."
    ),
    no_args_is_help=True,
)
assess_app = typer.Typer(
    help="Assess customers: risk tolerance 风险承受能力评估 and credit rating 信用评级.", no_args_is_help=True
)


class ScorecardChoice(StrEnum):
    """The credit scorecards."""

    corporate = "corporate"
    personal = "personal"


CifArgument = Annotated[str, typer.Argument(help="The customer's CIF.")]
ComplaintArgument = Annotated[str, typer.Argument(help="The complaint's id (as printed when it was opened).")]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help='When it happened: "YYYY-MM-DD HH:MM", Beijing time (default: now).'),
]
FollowUpOption = Annotated[
    str | None,
    typer.Option("--follow-up", help="Follow-up date 回访日期 YYYY-MM-DD: a reminder on that day."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


# -- output ------------------------------------------------------------------------------------------


def _print_plan(plan: VisitPlanDTO, verb: str) -> None:
    out.print(
        f"{verb} visit plan 拜访计划 {plan.id}: {plan.cif} {plan.customer_name} on "
        f"{local_text(plan.planned_at)} — {plan.purpose}",
        markup=False,
    )
    for label, value in (
        ("place 地点", plan.place),
        ("strategy 策略", plan.strategy),
        ("materials 资料", plan.materials),
    ):
        if value:
            out.print(f"  {label}: {value}", markup=False)


def _print_contact(contact: ContactDTO) -> None:
    out.print(
        f"Recorded {contact_label(contact.kind)} {contact.id} with {contact.cif} {contact.customer_name} "
        f"at {local_text(contact.occurred_at)}.",
        markup=False,
    )
    if contact.plan_id:
        out.print(f"  for visit plan 拜访计划 {contact.plan_id}", markup=False)
    if contact.products:
        out.print(f"  products discussed 讨论产品: {', '.join(contact.products)}", markup=False)
    if contact.follow_up is not None:
        out.print(f"  follow-up 回访: {contact.follow_up.isoformat()} (a reminder on that day)", markup=False)


def _print_complaint(complaint: ComplaintDTO) -> None:
    status = "closed 已结案" if complaint.status == "closed" else "open 处理中"
    out.print(
        f"Complaint 投诉 {complaint.id} · {complaint.cif} {complaint.customer_name} · {status}",
        markup=False,
    )
    out.print(
        f"  received 受理 {local_text(complaint.received_at)} by {complaint.channel}: "
        f"{complaint.description}",
        markup=False,
    )
    for step in complaint.steps:
        out.print(f"  {local_text(step.at)} {step.label} by {step.author}: {step.note}", markup=False)
    if complaint.status == "closed":
        return
    if complaint.next_step is not None:
        out.print(f"  next step 下一步: {complaint.next_step}", markup=False)
    else:
        out.print(
            f"  every step is done; close it with: rmc log complaint-close {complaint.id}", markup=False
        )


def _print_risk(result: RiskAssessmentDTO) -> None:
    out.print(
        f"{result.cif} {result.customer_name}: score {result.score} → {result.level} {result.level_en} "
        f"({result.level_zh}), assessed {result.assessed_on.isoformat()}, valid until "
        f"{result.valid_until.isoformat()}.",
        markup=False,
    )


def _print_rating(rating: CreditRatingDTO) -> None:
    out.print(
        f"{rating.cif} {rating.customer_name}: {rating.scorecard} scorecard, score {rating.score} "
        f"(exact {rating.exact}) → grade 等级 {rating.grade}",
        markup=False,
    )
    table = Table(title="Factors 评分因素", title_justify="left")
    for column, justify in (
        ("factor 因素", "left"),
        ("weight 权重", "right"),
        ("sub-score 得分", "right"),
        ("points 分值", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for factor in rating.factors:
        table.add_row(
            f"{factor.name_en} {factor.name_zh}", str(factor.weight), str(factor.sub_score), factor.points
        )
    out.print(table)


# -- rmc log ---------------------------------------------------------------------------------------


@log_app.command("plan")
def log_plan(
    ctx: typer.Context,
    cif: CifArgument,
    at: Annotated[str, typer.Option("--at", help='When: "YYYY-MM-DD HH:MM", Beijing time (not past).')],
    purpose: Annotated[str, typer.Option("--purpose", help="Purpose of the visit 拜访目的.")],
    place: Annotated[str | None, typer.Option("--place", help="Where 地点.")] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="Approach 拜访策略.")] = None,
    materials: Annotated[str | None, typer.Option("--materials", help="Materials to bring 资料.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Plan a visit 拜访计划 to a customer."""
    services = services_of(ctx, current_store=True)
    try:
        plan = services.records.plan_visit(
            cif, at=at, purpose=purpose, place=place, strategy=strategy, materials=materials
        )
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(plan.as_json())
    else:
        _print_plan(plan, "Planned")


@log_app.command("cancel-plan")
def log_cancel_plan(
    ctx: typer.Context,
    plan_id: Annotated[str, typer.Argument(help="The visit plan's id.")],
    as_json: JsonOption = False,
) -> None:
    """Cancel a visit plan (its author, or a branch manager)."""
    services = services_of(ctx, current_store=True)
    try:
        plan = services.records.cancel_plan(plan_id)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(plan.as_json())
    else:
        _print_plan(plan, "Cancelled")


@log_app.command("visit")
def log_visit(
    ctx: typer.Context,
    cif: CifArgument,
    outcome: Annotated[str, typer.Option("--outcome", help="What came of the visit 拜访结果.")],
    plan: Annotated[str | None, typer.Option("--plan", help="The visit plan this visit carries out.")] = None,
    explicit: Annotated[str | None, typer.Option("--explicit", help="Explicit needs 显性需求.")] = None,
    implicit: Annotated[str | None, typer.Option("--implicit", help="Implicit needs 隐性需求.")] = None,
    latent: Annotated[str | None, typer.Option("--latent", help="Latent needs 潜在需求.")] = None,
    product: Annotated[
        list[str] | None,
        typer.Option("--product", help="A product code discussed (repeat for several)."),
    ] = None,
    objections: Annotated[str | None, typer.Option("--objections", help="Objections raised 异议.")] = None,
    next_step: Annotated[str | None, typer.Option("--next-step", help="The agreed next step 下一步.")] = None,
    follow_up: FollowUpOption = None,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a visit 拜访记录: outcome, needs found, products discussed, objections, next step."""
    services = services_of(ctx, current_store=True)
    try:
        contact = services.records.record_visit(
            cif,
            outcome=outcome,
            plan_id=plan,
            needs_explicit=explicit,
            needs_implicit=implicit,
            needs_latent=latent,
            products=product or [],
            objections=objections,
            next_step=next_step,
            follow_up=follow_up,
            at=at,
        )
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(contact.as_json())
    else:
        _print_contact(contact)


def _contact_command(kind: str, doc: str) -> None:
    """Register ``rmc log KIND CIF --notes TEXT [--follow-up DATE] [--at TIME]``."""

    def command(
        ctx: typer.Context,
        cif: CifArgument,
        notes: Annotated[str, typer.Option("--notes", help="What was said or done, and its outcome.")],
        follow_up: FollowUpOption = None,
        at: AtOption = None,
        as_json: JsonOption = False,
    ) -> None:
        services = services_of(ctx, current_store=True)
        try:
            contact = services.records.record_contact(cif, kind, notes=notes, follow_up=follow_up, at=at)
        except UserError as exc:
            refuse(str(exc))
        if as_json:
            print_json(contact.as_json())
        else:
            _print_contact(contact)

    command.__doc__ = doc
    command.__name__ = f"log_{kind}"
    log_app.command(kind)(command)


_contact_command("call", "Record a call 电话 with a customer.")
_contact_command("message", "Record a message 信息 (SMS, WeChat, e-mail) to or from a customer.")
_contact_command("event", "Record a customer's attendance at an event 沙龙活动.")


@log_app.command("complaint")
def log_complaint(
    ctx: typer.Context,
    cif: CifArgument,
    channel: Annotated[str, typer.Option("--channel", help="How it came in 投诉渠道 (counter, phone…).")],
    description: Annotated[str, typer.Option("--description", help="What the customer complains of.")],
    at: Annotated[
        str | None,
        typer.Option("--at", help='When it was received: "YYYY-MM-DD HH:MM", Beijing time (default: now).'),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Open a complaint 投诉 and print its id."""
    services = services_of(ctx, current_store=True)
    try:
        complaint = services.records.open_complaint(cif, channel=channel, description=description, at=at)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(complaint.as_json())
    else:
        _print_complaint(complaint)


@log_app.command("complaint-step")
def log_complaint_step(
    ctx: typer.Context,
    complaint_id: ComplaintArgument,
    note: Annotated[str, typer.Option("--note", help="What was done in this step.")],
    step: Annotated[
        int | None,
        typer.Option("--step", help="The step's number 1–5; refused unless it is the next one."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Take the next of the five steps on a complaint (record, analyse, apologise, execute, follow up)."""
    services = services_of(ctx, current_store=True)
    try:
        complaint = services.records.complaint_step(complaint_id, note, step=step)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(complaint.as_json())
    else:
        _print_complaint(complaint)


@log_app.command("complaint-close")
def log_complaint_close(
    ctx: typer.Context, complaint_id: ComplaintArgument, as_json: JsonOption = False
) -> None:
    """Close a complaint 结案, once its follow-up 回访 is done."""
    services = services_of(ctx, current_store=True)
    try:
        complaint = services.records.close_complaint(complaint_id)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(complaint.as_json())
    else:
        _print_complaint(complaint)


@log_app.command("work")
def log_work(
    ctx: typer.Context,
    text: Annotated[str, typer.Option("--text", help="What was done.")],
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=f"One of {', '.join(k.value for k in WorkKind)} (default note)."),
    ] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="The customer's CIF, if any.")] = None,
    day: Annotated[str | None, typer.Option("--day", help="The day YYYY-MM-DD (default: today).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add an entry to your daily work log 日常工作登记簿."""
    services = services_of(ctx, current_store=True)
    try:
        entry = services.records.log_work(text, kind=kind, cif=customer, day=day)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(entry.as_json())
        return
    about = f" ({entry.cif} {entry.customer_name})" if entry.cif else ""
    kind = f"{entry.kind} ({WorkKind(entry.kind).name_zh})"
    out.print(f"Logged {kind} for {entry.day.isoformat()}{about}: {entry.text}", markup=False)


@log_app.command("list")
def log_list(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--day", help="The day YYYY-MM-DD (default: today).")] = None,
    as_json: JsonOption = False,
) -> None:
    """List your work log 日常工作登记簿 of a day."""
    services = services_of(ctx, current_store=True)
    try:
        log = services.records.work_log(day)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(log.as_json())
        return
    if not log.entries:
        out.print(f"{log.staff} {log.staff_name}: nothing logged on {log.day.isoformat()}.", markup=False)
        return
    table = Table(
        title=f"Work log 日常工作登记簿 · {log.staff} {log.staff_name} · {log.day.isoformat()}",
        title_justify="left",
    )
    table.add_column("time 时间", no_wrap=True)
    table.add_column("kind 类别")
    table.add_column("customer 客户")
    table.add_column("text 内容")
    for entry in log.entries:
        table.add_row(
            local_text(entry.at)[11:],
            f"{entry.kind} {WorkKind(entry.kind).name_zh}",
            f"{entry.cif} {entry.customer_name}" if entry.cif else "",
            entry.text,
        )
    out.print(table)


# -- rmc assess -------------------------------------------------------------------------------------


@assess_app.command("questions")
def assess_questions(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Print the risk-tolerance questionnaire 投资风险承受能力评估问卷."""
    services = services_of(ctx)
    questionnaire = services.records.questions()
    if as_json:
        print_json(questionnaire.as_json())
        return
    for question in questionnaire.questions:
        out.print(f"{question.number}. {question.text_en} {question.text_zh}", markup=False)
        for option in question.options:
            out.print(f"   {option.key}) {option.text_en} {option.text_zh}", markup=False)
    bands = ", ".join(
        f"{band.level} {band.name_en} {band.name_zh} {band.min_score}–{band.max_score}"
        for band in questionnaire.levels
    )
    out.print(f"Levels 等级 (score 0–{questionnaire.max_score}): {bands}.", markup=False)
    out.print(
        f"Answer with: rmc assess risk CIF --answers 1a,2c,… (valid {questionnaire.valid_months} months)",
        markup=False,
    )


@assess_app.command("risk")
def assess_risk(
    ctx: typer.Context,
    cif: CifArgument,
    answers: Annotated[
        str, typer.Option("--answers", help="One answer per question: 1a,2c,3b,… (or ten letters in order).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Score a customer's risk-tolerance questionnaire into C1–C5 (valid 12 months)."""
    services = services_of(ctx, current_store=True)
    try:
        result = services.records.assess_risk(cif, answers)
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(result.as_json())
    else:
        _print_risk(result)


@assess_app.command("credit")
def assess_credit(
    ctx: typer.Context,
    cif: CifArgument,
    scorecard: Annotated[ScorecardChoice, typer.Option("--scorecard", help="corporate or personal.")],
    score: Annotated[
        list[str] | None,
        typer.Option("--score", help="FACTOR=N, a sub-score 0–100 per factor (repeat for each factor)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Rate a customer's credit 信用评级 on a scorecard: a score 0–100 and its grade AAA–C."""
    services = services_of(ctx, current_store=True)
    try:
        rating = services.records.rate_credit(cif, scorecard.value, parse_sub_scores(score or []))
    except UserError as exc:
        refuse(str(exc))
    if as_json:
        print_json(rating.as_json())
    else:
        _print_rating(rating)


def register_record_commands(app: typer.Typer) -> None:
    """Add ``log`` and ``assess`` to ``app``."""
    app.add_typer(log_app, name="log")
    app.add_typer(assess_app, name="assess")


__all__ = ["register_record_commands"]
