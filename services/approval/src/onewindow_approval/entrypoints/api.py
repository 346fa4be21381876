"""The department desk under /v1: my department's queue by deadline, a case's items and clocks, and
the decisions on an item — approve, refuse with reason and legal basis, 补正, 特别程序, 延期, 核查."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from onewindow_chassis import idempotency
from onewindow_chassis.auth import Principal, current_principal
from onewindow_chassis.problems import DomainError
from onewindow_contracts.approval import SuspensionReason
from onewindow_contracts.values import Actor, ActorRole

from ..adapters import repository
from ..domain.case import ApprovalCase
from ..service_layer import handlers
from ..service_layer.unit_of_work import Services, UnitOfWork

router = APIRouter(prefix="/v1", tags=["approval"])
_DEPARTMENT = {ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM}


def services(request: Request) -> Services:
    return request.app.state.approval


def _actor(principal: Principal, *roles: ActorRole) -> Actor:
    try:
        role = ActorRole(principal.role)
    except ValueError:
        role = None
    if role not in roles:
        raise DomainError("forbidden", "forbidden", "无权操作", "Your role may not do this")
    return Actor(role=role, ref=principal.subject, department_code=principal.department_code)


def case_view(case: ApprovalCase, uow: UnitOfWork) -> dict[str, Any]:
    calendar, now = uow.services.calendar, uow.now
    return {"case_id": case.case_id, "concluded": case.concluded, "items": [
        {"item_code": code, "item_version": i.ref.item_version, "department_code": i.department_code,
         "mode": i.mode.value, "status": i.status.value, "waits_for": list(i.waits_for), "result_held": i.result_held,
         "due_on": i.clock.due(calendar, now).day.isoformat(), "provisional": i.clock.due(calendar, now).provisional,
         "working_days_left": i.clock.left(calendar, now), "clock": i.clock.state(calendar, now).value,
         "paused_working_days": i.clock.paused_working_days(calendar, now), "suspension_id": i.suspension_id}
        for code, i in case.items.items()]}


@router.get("/queue")
async def queue(request: Request, principal: Principal = Depends(current_principal),
                department: str | None = Query(default=None, description="supervisors name the department"),
                status: str | None = Query(default=None), limit: int = Query(default=50, ge=1, le=200),
                after: str | None = Query(default=None, description="the `next` cursor of the previous page")
                ) -> dict[str, Any]:
    """部门待办: my department's items, the nearest deadline first."""
    actor = _actor(principal, *_DEPARTMENT, ActorRole.SUPERVISOR)
    own = actor.department_code if actor.role in _DEPARTMENT else department
    if not own:
        raise DomainError("invalid", "department_required", "请指定部门", "Name the department")
    cursor = None
    if after:
        try:
            due, case_id, item_code = after.split("|", 2)
            cursor = (date.fromisoformat(due), case_id, item_code)
        except ValueError:  # a cursor the caller made up or cut short: their mistake, not our 500
            raise DomainError("invalid", "cursor_invalid", "分页游标无效", "The page cursor is not valid") from None
    async with services(request).uow() as uow:
        rows = await repository.department_queue(uow.tx, own, status, limit, cursor)
    last = rows[-1] if len(rows) == limit else None
    return {"items": [{**r, "due_on": r["due_on"].isoformat(), "updated_at": r["updated_at"].isoformat()} for r in rows],
            "next": f"{last['due_on'].isoformat()}|{last['case_id']}|{last['item_code']}" if last else None}


@router.get("/cases/{case_id}")
async def get_case(request: Request, case_id: str, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    actor = _actor(principal, *_DEPARTMENT, ActorRole.SUPERVISOR)
    async with services(request).uow() as uow:
        case = await uow.case(case_id)
        if actor.role in _DEPARTMENT and all(i.department_code != actor.department_code for i in case.items.values()):
            raise DomainError("not_found", "not_found", "办件不存在", "No such case")
        return case_view(case, uow)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DecisionIn(Strict):
    approve: bool
    reason: str | None = Field(default=None, max_length=2000)
    legal_basis: str | None = Field(default=None, max_length=2000)


class SuspensionIn(Strict):
    reason: SuspensionReason
    note: str = Field(min_length=2, max_length=2000)
    requested_type_codes: list[str] = Field(default_factory=list, max_length=20)


class ResumptionIn(Strict):
    outcome: str | None = Field(default=None, max_length=2000)


class ExtensionIn(Strict):
    days: int = Field(ge=1, le=15)
    reason: str = Field(min_length=2, max_length=2000)
    legal_basis: str | None = Field(default=None, max_length=2000)


class VerificationIn(Strict):
    truthful: bool
    findings: str | None = Field(default=None, max_length=2000)


def _item_command(path: str, schema: type, build: Any, doc: str) -> None:
    async def endpoint(request: Request, case_id: str, item_code: str, body: Any,
                       principal: Principal = Depends(current_principal),
                       key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
        actor = _actor(principal, *_DEPARTMENT)
        command = build(actor, case_id, item_code, body)

        async def work(uow: UnitOfWork) -> dict[str, Any]:
            return case_view(await handlers.HANDLERS[type(command)](command, uow), uow)

        reply = await idempotency.respond_once(request.method, request.url.path, f"{principal.role}:{principal.subject}",
                                               key, body.model_dump(mode="json"), 200, services(request).uow, work)
        return Response(reply.body, reply.status_code, media_type="application/json")

    endpoint.__doc__ = doc
    endpoint.__annotations__["body"] = schema
    router.add_api_route(f"/cases/{{case_id}}/items/{{item_code}}/{path}", endpoint, methods=["POST"], name=path)


_item_command("decision", DecisionIn,
              lambda a, c, i, b: handlers.Decide(a, c, i, b.approve, b.reason, b.legal_basis),
              "准予 or 不予许可 (a refusal states its reason and legal basis). Only the item's department.")
_item_command("suspension", SuspensionIn,
              lambda a, c, i, b: handlers.Suspend(a, c, i, b.reason, b.note, tuple(b.requested_type_codes)),
              "补正 (the applicant corrects; the clock stops by local rule) or a 特别程序 (the clock stops).")
_item_command("resumption", ResumptionIn, lambda a, c, i, b: handlers.Resume(a, c, i, b.outcome),
              "恢复计时 after a 特别程序 (a 补正 resumes by itself when the corrected materials arrive).")
_item_command("extension", ExtensionIn, lambda a, c, i, b: handlers.Extend(a, c, i, b.days, b.reason, b.legal_basis),
              "延期 (行政许可法 art. 42): more working days, with the reason recorded.")
_item_command("verification", VerificationIn,
              lambda a, c, i, b: handlers.VerifyCommitment(a, c, i, b.truthful, b.findings),
              "先证后核: the result of verifying a commitment; a false one marks the applicant's credit.")
