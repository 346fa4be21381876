"""好差评 under /v1: the applicant rates a case's stages and follows up; staff answer rectifications;
complaints and 12345 work orders; appeals decided by a supervisor; statistics."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from onewindow_chassis import idempotency
from onewindow_chassis.auth import Principal, current_principal
from onewindow_chassis.problems import DomainError
from onewindow_contracts.evaluation import (
    AppealOutcome, ComplaintSource, Disposition, EvaluationChannel, EvaluationStage, RatingLevel, ServiceAspect,
)
from onewindow_contracts.values import Actor, ActorRole

from ..adapters import repository
from ..projections import statistics as aggregate
from ..service_layer import handlers
from ..service_layer.unit_of_work import Services, UnitOfWork

router = APIRouter(prefix="/v1", tags=["evaluation"])
_DEPARTMENT = {ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM}
_STAFF = {*_DEPARTMENT, ActorRole.SUPERVISOR, ActorRole.WINDOW_CLERK}
_ID = r"^[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}$"


def services(request: Request) -> Services:
    return request.app.state.evaluation


def _actor(principal: Principal, *roles: ActorRole) -> Actor:
    try:
        role = ActorRole(principal.role)
    except ValueError:
        role = None
    if role not in roles or role is ActorRole.AGENT:
        raise DomainError("forbidden", "forbidden", "无权操作", "Your role may not do this")
    return Actor(role=role, ref=principal.subject,
                 department_code=None if role is ActorRole.APPLICANT else principal.department_code)


async def _once(request: Request, principal: Principal, key: str | None, body: BaseModel, command: Any) -> Response:
    async def work(uow: UnitOfWork) -> dict[str, Any]:
        return await handlers.handle(command, uow)

    reply = await idempotency.respond_once(request.method, request.url.path, f"{principal.role}:{principal.subject}",
                                           key, body.model_dump(mode="json"), 200, services(request).uow, work)
    return Response(reply.body, reply.status_code, media_type="application/json")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvaluationIn(Strict):
    stage: EvaluationStage
    level: RatingLevel
    channel: EvaluationChannel
    item_code: str | None = Field(default=None, pattern=_ID, description="omitted for a case of one item")
    aspects: list[ServiceAspect] = Field(default_factory=list, max_length=7, description="差评分类")
    comment: str | None = Field(default=None, max_length=2000, description="the applicant's words: kept here only")
    scores: dict[ServiceAspect, int] = Field(default_factory=dict, description="评价指标 → stars 1–5")
    window_ref: str | None = Field(default=None, pattern=_ID, description="the window, from a 评价器")
    rectification_id: str | None = Field(default=None, pattern=_ID, description="for a follow-up (追评)")


class AnswerIn(Strict):
    disposition: Disposition
    answer: str = Field(min_length=1, max_length=2000)


class ComplaintIn(Strict):
    source: ComplaintSource
    aspects: list[ServiceAspect] = Field(min_length=1, max_length=7)
    text: str | None = Field(default=None, max_length=4000, description="the complaint itself: kept here only")
    work_order_no: str | None = Field(default=None, pattern=_ID, description="12345 工单编号")
    case_id: str | None = Field(default=None, pattern=_ID)
    item_code: str | None = Field(default=None, pattern=_ID)
    department_code: str | None = Field(default=None, pattern=_ID)
    window_ref: str | None = Field(default=None, pattern=_ID)
    region_code: str | None = Field(default=None, pattern=r"^(\d{6}|\d{12})$")


class AppealIn(Strict):
    evaluation_id: str = Field(pattern=_ID)
    grounds: str = Field(min_length=2, max_length=2000)


class AppealDecisionIn(Strict):
    outcome: AppealOutcome
    reason: str = Field(min_length=2, max_length=2000)


async def _concerns(uow: UnitOfWork, view: dict[str, Any], department_code: str | None) -> bool:
    """A department sees a case's ratings when one of its stages, or a rectification, is about it."""
    rated = {s["department_code"] for s in await repository.stages_of(uow.tx, view["case_id"])}
    return department_code in rated | {r["department_code"] for r in view["rectifications"]}


@router.get("/cases/{case_id}/evaluations")
async def get_evaluations(request: Request, case_id: str, principal: Principal = Depends(current_principal)
                          ) -> dict[str, Any]:
    """The applicant's case: the stages open to rating, their ratings, rectifications and answers."""
    actor = _actor(principal, ActorRole.APPLICANT, *_STAFF)
    async with services(request).uow() as uow:
        if actor.role is ActorRole.APPLICANT:
            await handlers.own_case(uow, case_id, actor)
        elif await repository.case(uow.tx, case_id) is None:
            raise DomainError("not_found", "not_found", "办件不存在", "No such case")
        view = await handlers.case_view(uow, case_id)
        if actor.role in _DEPARTMENT and not await _concerns(uow, view, actor.department_code):
            raise DomainError("not_found", "not_found", "办件不存在", "No such case")  # another department's case
    if actor.role is not ActorRole.APPLICANT:  # the applicant's own words are for the applicant (and the desk's
        for evaluation in view["evaluations"]:  # rectification, which reads them through its own record)
            evaluation["comment"] = None
    return view


@router.post("/cases/{case_id}/evaluations")
async def post_evaluation(request: Request, case_id: str, body: EvaluationIn,
                          principal: Principal = Depends(current_principal),
                          key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
    """一事一评: the applicant rates one stage (and item) of the case once; a follow-up after an answer.
    A 差评 (不满意, 非常不满意) opens a rectification for the department and window rated."""
    actor = _actor(principal, ActorRole.APPLICANT)
    if any(not 1 <= v <= 5 for v in body.scores.values()):
        raise DomainError("invalid", "invalid_score", "指标评分为1至5星", "Scores are 1 to 5 stars")
    command = handlers.Rate(actor, case_id, body.stage, body.level, body.channel, body.item_code,
                            tuple(body.aspects), body.comment, {k.value: v for k, v in body.scores.items()},
                            body.window_ref, body.rectification_id)
    return await _once(request, principal, key, body, command)


@router.get("/rectifications")
async def get_rectifications(request: Request, principal: Principal = Depends(current_principal),
                             department: str | None = Query(default=None, description="supervisors name one"),
                             status: Literal["open", "overdue", "answered"] | None = None,
                             limit: int = Query(default=50, ge=1, le=200)) -> dict[str, Any]:
    """整改台账: my department's rectifications, the nearest deadline first."""
    actor = _actor(principal, *_DEPARTMENT, ActorRole.SUPERVISOR)
    own = actor.department_code if actor.role in _DEPARTMENT else department
    async with services(request).uow() as uow:
        rows = await repository.desk(uow.tx, own, status, limit)
    return {"items": [repository.jsonable(r) for r in rows]}


@router.post("/rectifications/{rectification_id}/answer")
async def post_answer(request: Request, rectification_id: str, body: AnswerIn,
                      principal: Principal = Depends(current_principal),
                      key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
    """评必反馈: the responsible department or a supervisor answers; on time or late is recorded."""
    actor = _actor(principal, *_DEPARTMENT, ActorRole.SUPERVISOR)
    return await _once(request, principal, key, body,
                       handlers.Answer(actor, rectification_id, body.disposition, body.answer))


@router.post("/complaints")
async def post_complaint(request: Request, body: ComplaintIn, principal: Principal = Depends(current_principal),
                         key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
    """投诉 / 吐槽找茬 by the applicant, or a 12345 work order entered by staff; opens a rectification."""
    actor = _actor(principal, ActorRole.APPLICANT, ActorRole.WINDOW_CLERK, ActorRole.SUPERVISOR)
    command = handlers.FileComplaint(actor, body.source, tuple(body.aspects), body.text, body.work_order_no,
                                     body.case_id, body.item_code, body.department_code, body.window_ref,
                                     body.region_code)
    return await _once(request, principal, key, body, command)


@router.post("/cases/{case_id}/appeals")
async def post_appeal(request: Request, case_id: str, body: AppealIn, principal: Principal = Depends(current_principal),
                      key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
    """申诉: the rated department disputes a bad rating as mistaken or malicious (误评/恶意差评)."""
    actor = _actor(principal, *_DEPARTMENT, ActorRole.SUPERVISOR)
    return await _once(request, principal, key, body,
                       handlers.FileAppeal(actor, case_id, body.evaluation_id, body.grounds))


@router.post("/appeals/{appeal_id}/decision")
async def post_appeal_decision(request: Request, appeal_id: str, body: AppealDecisionIn,
                               principal: Principal = Depends(current_principal),
                               key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
    """复核: a supervisor upholds the appeal (the rating leaves the statistics) or dismisses it."""
    actor = _actor(principal, ActorRole.SUPERVISOR)
    return await _once(request, principal, key, body,
                       handlers.DecideAppeal(actor, appeal_id, body.outcome, body.reason))


@router.get("/statistics")
async def get_statistics(request: Request, principal: Principal = Depends(current_principal),
                         by: Literal["item", "department", "window", "channel"] = "item",
                         since: date | None = Query(default=None, alias="from"),
                         until: date | None = Query(default=None, alias="to")) -> dict[str, Any]:
    """好差评统计 per item, department, window or channel over a period (Asia/Shanghai days, inclusive)."""
    _actor(principal, *_STAFF)
    await request.app.state.evaluation_statistics.catch_up()  # read what has been filed so far
    async with services(request).uow() as uow:
        rows = await aggregate(uow.tx, by, since, until)
    return {"by": by, "from": since.isoformat() if since else None, "to": until.isoformat() if until else None,
            "rows": rows}
