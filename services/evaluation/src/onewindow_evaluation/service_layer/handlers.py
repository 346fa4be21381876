"""Evaluation's handlers. Events heard from intake, approval and notify make stages ratable (and start the
default-rating clock); applicants' and staff's commands rate, answer, complain and appeal.
Every handler is listed in HEARD (events), HANDLERS (commands) or TIMERS (timer kinds) at the bottom."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from onewindow_chassis import timers
from onewindow_chassis.consumer import NotYet
from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.problems import DomainError
from onewindow_chassis.timers import Timer
from onewindow_contracts.approval import ItemApproved, ItemAssigned, ItemRejected
from onewindow_contracts.base import Event
from onewindow_contracts.evaluation import (
    AppealOutcome, ComplaintSource, Disposition, EvaluationChannel, EvaluationStage, EvaluationTarget, RatingLevel,
    ServiceAspect,
)
from onewindow_contracts.intake import ApplicantErased, ApplicationAccepted, ApplicationReceived, PersonalDataErased
from onewindow_contracts.notify import ResultDelivered
from onewindow_contracts.values import Actor, ActorRole, ItemRef

from ..adapters import repository
from ..domain.ratings import CaseRatings, Complaint
from .unit_of_work import DEFAULT_RATING, RECTIFICATION_DUE, Services, UnitOfWork, default_timer_id


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _staff_ref(actor: Actor | None) -> str | None:
    return actor.ref if actor is not None and actor.role is not ActorRole.PLATFORM else None


# --- what intake, approval and notify tell us -----------------------------------------------------------

async def _open_stage(uow: UnitOfWork, case_id: str, stage: EvaluationStage, item: dict[str, Any] | None,
                      department_code: str | None, staff_ref: str | None, at: datetime) -> None:
    """A stage becomes ratable; its default rating is due after the configured natural days."""
    item_code = item["item_code"] if item else ""
    opened = await repository.open_stage(uow.tx, {
        "case_id": case_id, "stage": stage.value, "item_code": item_code,
        "item_version": item["item_version"] if item else None, "department_code": department_code,
        "staff_ref": staff_ref, "ratable_at": at})
    if opened:
        await timers.schedule(uow.tx, default_timer_id(case_id, stage, item_code), DEFAULT_RATING,
                              at + uow.services.default_after,
                              {"case_id": case_id, "stage": stage.value, "item_code": item_code})


async def _known_case(uow: UnitOfWork, case_id: str) -> dict[str, Any]:
    row = await repository.case(uow.tx, case_id)
    if row is None:  # intake's ApplicationReceived comes on another topic: wait for it
        raise NotYet(f"case {case_id} not heard from intake yet")
    return row


async def heard_received(event: ApplicationReceived, uow: UnitOfWork) -> None:
    if await repository.case(uow.tx, event.case_id) is not None:
        return
    await repository.save_case(uow.tx, {
        "case_id": event.case_id, "applicant_ref": event.applicant_ref, "region_code": event.region_code,
        "channel": event.channel.value, "bundle_code": event.bundle_code,
        "items": {i.item_code: {"item_version": i.item_version, "department_code": None} for i in event.items}})


async def heard_accepted(event: ApplicationAccepted, uow: UnitOfWork) -> None:
    """受理: the acceptance of every item is ratable, about the centre (or the accepting department) and clerk."""
    case = await repository.case(uow.tx, event.case_id)
    if case is None:
        return  # received before evaluation listened: nothing to rate it against
    department = event.accepted_by.department_code or uow.services.centre_of(case["region_code"])
    for item in event.items:
        await _open_stage(uow, event.case_id, EvaluationStage.ACCEPTANCE,
                          {"item_code": item.item_code, "item_version": item.item_version}, department,
                          _staff_ref(event.accepted_by), event.accepted_at)


async def heard_assigned(event: ItemAssigned, uow: UnitOfWork) -> None:
    case = await _known_case(uow, event.case_id)
    case["items"][event.item.item_code] = {"item_version": event.item.item_version,
                                           "department_code": event.department_code}
    await repository.save_case(uow.tx, case)


async def heard_decided(event: ItemApproved | ItemRejected, uow: UnitOfWork) -> None:
    """审批: the decision on an item — either way — is ratable, about the deciding department."""
    await _known_case(uow, event.case_id)
    at = event.decided_at
    await _open_stage(uow, event.case_id, EvaluationStage.APPROVAL, event.item.model_dump(), event.department_code,
                      _staff_ref(event.decided_by), at)


async def heard_delivered(event: ResultDelivered, uow: UnitOfWork) -> None:
    """出件: delivery of each item is ratable; when a bundle's last item is delivered, the bundle as a whole."""
    case = await _known_case(uow, event.case_id)
    for item in event.items:
        department = (case["items"].get(item.item_code) or {}).get("department_code") \
            or uow.services.centre_of(case["region_code"])
        await _open_stage(uow, event.case_id, EvaluationStage.DELIVERY, item.model_dump(), department,
                          _staff_ref(event.handed_over_by), event.delivered_at)
    if case["bundle_code"]:
        delivered = {s["item_code"] for s in await repository.stages_of(uow.tx, event.case_id)
                     if s["stage"] == EvaluationStage.DELIVERY.value}
        if set(case["items"]) <= delivered:
            await _open_stage(uow, event.case_id, EvaluationStage.OVERALL, None,
                              uow.services.centre_of(case["region_code"]), None, event.delivered_at)


async def heard_erased(event: PersonalDataErased, uow: UnitOfWork) -> None:
    """个人信息删除: a comment is the applicant's free text and may name them; it is dropped, while
    the ratings themselves (levels, stars) stay in the statistics."""
    await repository.forget_remarks(uow.tx, case_id=event.case_id)


async def heard_applicant_erased(event: ApplicantErased, uow: UnitOfWork) -> None:
    """The same for what the person wrote outside any case: a complaint filed without a case number."""
    await repository.forget_remarks(uow.tx, author_ref=event.applicant_ref)


HEARD: dict[type[Event], Any] = {
    ApplicationReceived: heard_received,
    ApplicationAccepted: heard_accepted,
    ItemAssigned: heard_assigned,
    ItemApproved: heard_decided,
    ItemRejected: heard_decided,
    ResultDelivered: heard_delivered,
    PersonalDataErased: heard_erased,
    ApplicantErased: heard_applicant_erased,
}


# --- timers ------------------------------------------------------------------------------------------------

def timer_handlers(services: Services) -> dict[str, Any]:
    async def default_rating(timer: Timer, tx: Transaction) -> None:
        """默认评价: the stage was not rated in time; the platform files the locality's default, marked so."""
        uow = UnitOfWork(services, tx, event_store_for(tx.dialect))
        payload = timer.payload
        stage = await repository.stage(tx, payload["case_id"], payload["stage"], payload["item_code"])
        if stage is None:
            return
        ratings = await uow.ratings(payload["case_id"])
        item = ItemRef(item_code=stage["item_code"], item_version=stage["item_version"]) if stage["item_code"] else None
        await uow.save(ratings, ratings.default(
            evaluation_id=new_id("evl"), stage=EvaluationStage(stage["stage"]), item=item,
            level=services.default_level, target=EvaluationTarget(department_code=stage["department_code"],
                                                                  staff_ref=stage["staff_ref"]), now=uow.now))

    async def rectification_due(timer: Timer, tx: Transaction) -> None:
        """整改逾期: the desk shows it overdue; an answer after this is recorded as late."""
        await repository.overdue(tx, timer.payload["rectification_id"])

    return {DEFAULT_RATING: default_rating, RECTIFICATION_DUE: rectification_due}


# --- what applicants and staff do ------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    actor: Actor
    case_id: str
    stage: EvaluationStage
    level: RatingLevel
    channel: EvaluationChannel
    item_code: str | None = None
    aspects: tuple[ServiceAspect, ...] = ()
    comment: str | None = None
    scores: dict[str, int] = field(default_factory=dict)
    window_ref: str | None = None
    rectification_id: str | None = None


@dataclass(frozen=True)
class Answer:
    actor: Actor
    rectification_id: str
    disposition: Disposition
    answer: str


@dataclass(frozen=True)
class FileComplaint:
    actor: Actor
    source: ComplaintSource
    aspects: tuple[ServiceAspect, ...]
    text: str | None = None
    work_order_no: str | None = None
    case_id: str | None = None
    item_code: str | None = None
    department_code: str | None = None
    window_ref: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class FileAppeal:
    actor: Actor
    case_id: str
    evaluation_id: str
    grounds: str


@dataclass(frozen=True)
class DecideAppeal:
    actor: Actor
    appeal_id: str
    outcome: AppealOutcome
    reason: str


def _no_case() -> DomainError:
    return DomainError("not_found", "not_found", "办件不存在", "No such case")


async def own_case(uow: UnitOfWork, case_id: str, actor: Actor) -> dict[str, Any]:
    """The case, if the actor is its applicant; anyone else learns nothing of it (404)."""
    case = await repository.case(uow.tx, case_id)
    if case is None or actor.applicant_ref is None or case["applicant_ref"] != actor.applicant_ref:
        raise _no_case()
    return case


async def rate(cmd: Rate, uow: UnitOfWork) -> dict[str, Any]:
    case = await own_case(uow, cmd.case_id, cmd.actor)
    ratings = await uow.ratings(cmd.case_id)
    evaluation_id = new_id("evl")
    if cmd.stage is EvaluationStage.FOLLOW_UP:
        rectification = ratings.rectifications.get(cmd.rectification_id or "")
        rated = ratings.evaluations.get(rectification.evaluation_id or "") if rectification else None
        if rated is None:
            raise DomainError("not_found", "not_found", "整改不存在", "No such rectification")
        item, target = rated.item or _first_item(case), rated.target
    else:
        item_code = cmd.item_code
        if cmd.stage is EvaluationStage.OVERALL:
            item_code = ""
        elif item_code is None and len(case["items"]) == 1:
            item_code = next(iter(case["items"]))
        stage = await repository.stage(uow.tx, cmd.case_id, cmd.stage.value, item_code or "")
        if stage is None:
            raise DomainError("conflict", "not_ratable", "该环节尚不可评价", "This stage cannot be rated yet")
        item = ItemRef(item_code=stage["item_code"], item_version=stage["item_version"]) if item_code else None
        target = EvaluationTarget(department_code=stage["department_code"], window_ref=cmd.window_ref,
                                  staff_ref=stage["staff_ref"])
    events = ratings.rate(
        evaluation_id=evaluation_id, stage=cmd.stage, item=item, level=cmd.level, aspects=cmd.aspects,
        channel=cmd.channel, target=target, evaluator=cmd.actor, now=uow.now, rectification_id=cmd.rectification_id,
        new_rectification_id=new_id("rf"), deadlines=uow.services.deadlines_for(case["region_code"]),
        calendar=uow.services.calendar)
    await uow.save(ratings, events)
    await repository.keep_remark(uow.tx, evaluation_id, cmd.case_id, cmd.actor.applicant_ref, cmd.comment,
                                 dict(cmd.scores), uow.now)
    return {"evaluation_id": evaluation_id, **await case_view(uow, cmd.case_id)}


def _first_item(case: dict[str, Any]) -> ItemRef:
    code, item = next(iter(case["items"].items()))
    return ItemRef(item_code=code, item_version=item["item_version"])


async def _rectifiable(uow: UnitOfWork, rectification_id: str) -> tuple[CaseRatings | Complaint, dict[str, Any]]:
    row = await repository.rectification(uow.tx, rectification_id)
    if row is None:
        raise DomainError("not_found", "not_found", "整改不存在", "No such rectification")
    if row["complaint_id"]:
        return await uow.complaint(row["complaint_id"]), row
    return await uow.ratings(row["case_id"]), row


async def answer(cmd: Answer, uow: UnitOfWork) -> dict[str, Any]:
    """评必反馈: the department (or a supervisor) answers the applicant with what was done."""
    aggregate, _ = await _rectifiable(uow, cmd.rectification_id)
    await uow.save(aggregate, aggregate.answer(cmd.rectification_id, cmd.disposition, cmd.answer, cmd.actor, uow.now))
    return repository.jsonable(await repository.rectification(uow.tx, cmd.rectification_id) or {})


async def file_complaint(cmd: FileComplaint, uow: UnitOfWork) -> dict[str, Any]:
    """投诉 / 12345 工单: linked to a case when it concerns one; opens a rectification like a bad rating."""
    case, item, region = None, None, cmd.region_code
    department = cmd.department_code
    if cmd.case_id:
        case = await repository.case(uow.tx, cmd.case_id)
        if case is None or (cmd.actor.role in (ActorRole.APPLICANT, ActorRole.AGENT)
                            and case["applicant_ref"] != cmd.actor.applicant_ref):
            raise _no_case()
        region = case["region_code"]
        if cmd.item_code:
            known = case["items"].get(cmd.item_code)
            if known is None:
                raise DomainError("not_found", "not_found", "办件无此事项", "The case has no such item")
            item = ItemRef(item_code=cmd.item_code, item_version=known["item_version"])
            department = department or known["department_code"]
        department = department or uow.services.centre_of(region)
    elif cmd.item_code:
        raise DomainError("invalid", "case_required", "事项投诉请关联办件", "Name the case of the item")
    if not department:
        raise DomainError("invalid", "department_required", "请指定被投诉部门", "Name the department")
    complaint_id, rectification_id = new_id("cp"), new_id("rf")
    complaint = await uow.complaint(complaint_id, must_exist=False)
    await uow.save(complaint, complaint.file(
        source=cmd.source, work_order_no=cmd.work_order_no, case_id=cmd.case_id, item=item,
        complainant_ref=cmd.actor.applicant_ref, department_code=department, window_ref=cmd.window_ref,
        aspects=cmd.aspects, rectification_id=rectification_id, deadlines=uow.services.deadlines_for(region),
        calendar=uow.services.calendar, now=uow.now))
    await repository.keep_remark(uow.tx, complaint_id, cmd.case_id, cmd.actor.applicant_ref, cmd.text, {}, uow.now)
    return {"complaint_id": complaint_id,
            "rectification": repository.jsonable(await repository.rectification(uow.tx, rectification_id) or {})}


async def file_appeal(cmd: FileAppeal, uow: UnitOfWork) -> dict[str, Any]:
    """申诉: the rated department disputes a bad rating as mistaken or malicious."""
    ratings = await uow.ratings(cmd.case_id)
    rated = ratings.evaluations.get(cmd.evaluation_id)
    if rated is None:
        raise DomainError("not_found", "not_found", "评价不存在", "No such evaluation")
    if cmd.actor.role is not ActorRole.SUPERVISOR and cmd.actor.department_code != rated.target.department_code:
        raise DomainError("forbidden", "not_this_department", "仅被评价部门可申诉", "Only the rated department appeals")
    if not rated.level.bad:
        raise DomainError("conflict", "not_a_bad_rating", "仅差评可申诉", "Only a bad rating is appealed")
    appeal_id = new_id("apl")
    if not await repository.file_appeal(uow.tx, {
            "appeal_id": appeal_id, "case_id": cmd.case_id, "evaluation_id": cmd.evaluation_id,
            "department_code": cmd.actor.department_code, "grounds": cmd.grounds, "filed_by": cmd.actor.ref,
            "filed_at": uow.now, "outcome": None}):
        raise DomainError("conflict", "already_appealed", "该评价已申诉", "This rating was appealed already")
    return repository.jsonable(await repository.appeal(uow.tx, appeal_id) or {})


async def decide_appeal(cmd: DecideAppeal, uow: UnitOfWork) -> dict[str, Any]:
    """复核: a supervisor decides; an upheld appeal takes the rating out of the statistics."""
    row = await repository.appeal(uow.tx, cmd.appeal_id)
    if row is None:
        raise DomainError("not_found", "not_found", "申诉不存在", "No such appeal")
    ratings = await uow.ratings(row["case_id"])
    await uow.save(ratings, ratings.decide_appeal(appeal_id=cmd.appeal_id, evaluation_id=row["evaluation_id"],
                                                  outcome=cmd.outcome, reason=cmd.reason, actor=cmd.actor,
                                                  now=uow.now))
    await repository.appeal_decided(uow.tx, cmd.appeal_id, cmd.outcome.value)
    return repository.jsonable({**row, "outcome": cmd.outcome.value})


async def case_view(uow: UnitOfWork, case_id: str) -> dict[str, Any]:
    """The applicant's view: stages, their ratings (with their own words), rectifications and answers."""
    ratings = await uow.ratings(case_id)
    words = await repository.remarks_of(uow.tx, case_id)
    stages = [{"stage": s["stage"], "item_code": s["item_code"] or None,
               "ratable_since": s["ratable_at"].isoformat(),
               "evaluation_id": ratings.by_stage.get((s["stage"], s["item_code"]))}
              for s in await repository.stages_of(uow.tx, case_id)]
    evaluations = [{**e.model_dump(mode="json", include={"evaluation_id", "stage", "level", "aspects", "channel",
                                                          "defaulted", "rectification_id", "filed_at", "item"}),
                    "comment": (words.get(e.evaluation_id) or {}).get("text"),
                    "scores": (words.get(e.evaluation_id) or {}).get("scores") or {},
                    "appeal": ratings.appeals[e.evaluation_id].outcome.value
                    if e.evaluation_id in ratings.appeals else None}
                   for e in ratings.evaluations.values()]
    rectifications = [{"rectification_id": r.rectification_id, "evaluation_id": r.evaluation_id,
                       "department_code": r.department_code, "window_ref": r.window_ref,
                       "verify_due_on": r.verify_due_on.isoformat(), "rectify_due_on": r.rectify_due_on.isoformat(),
                       "answered": r.answered is not None, "followed_up": r.followed_up,
                       "disposition": r.answered.disposition.value if r.answered else None,
                       "answer": r.answered.answer if r.answered else None,
                       "on_time": r.answered.on_time if r.answered else None}
                      for r in ratings.rectifications.values()]
    return {"case_id": case_id, "stages": stages, "evaluations": evaluations, "rectifications": rectifications}


_COMMANDS: dict[type, Any] = {Rate: rate, Answer: answer, FileComplaint: file_complaint, FileAppeal: file_appeal,
                              DecideAppeal: decide_appeal}


async def handle(command: Any, uow: UnitOfWork) -> dict[str, Any]:
    """Run a command; a contract the command would break is the caller's error (422), not ours."""
    try:
        return await _COMMANDS[type(command)](command, uow)
    except ValidationError as error:
        problems = "; ".join(str(e.get("msg")) for e in error.errors())
        raise DomainError("invalid", "invalid", "请求不合规", "The request breaks a rule", problems) from error


HANDLERS = _COMMANDS
