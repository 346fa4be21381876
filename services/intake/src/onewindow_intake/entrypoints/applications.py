"""/v1/applications: apply with one form, accept (or 容缺受理), escalate, decide, withdraw, supplement,
and the departments' audited reads of shared materials."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from onewindow_chassis.auth import Principal, current_principal
from onewindow_contracts.values import ActorRole, ApplicantKind, Channel

from ..adapters import repository
from ..domain.errors import invalid, not_found
from ..service_layer import commands
from ..service_layer.handlers import HANDLERS, register_applicant
from ..service_layer.unit_of_work import UnitOfWork
from . import access, schemas
from .api import Key, _run, case_view, services

# A department system's name for one read: a read it repeats (its handler retried after a crash) with the
# same key is served again and recorded once.
ReadKey = Header(default=None, alias="Idempotency-Key", description="Optional: the same read, repeated, is recorded once")

router = APIRouter(prefix="/v1/applications", tags=["applications"])
_APPLICANT_CHANNELS = {Channel.ONLINE, Channel.MOBILE, Channel.KIOSK}


async def _submission(body: schemas.ApplicationIn, principal: Principal, uow: UnitOfWork) -> commands.SubmitApplication:
    """Who applies for whom, through which channel, by the caller's role."""
    role = access.require(principal, ActorRole.APPLICANT, ActorRole.AGENT, ActorRole.WINDOW_CLERK)
    region = body.region_code or uow.services.default_region
    if role is ActorRole.APPLICANT:
        if body.applicant or body.applicant_ref:
            raise invalid("applicant_is_caller", "申请人只能为本人申请", "An applicant applies for themself only")
        channel = body.channel or Channel.ONLINE
        if channel not in _APPLICANT_CHANNELS:
            raise invalid("channel_not_allowed", "申请人可通过网上、移动端或自助终端申请",
                          "Applicants apply online, on mobile or at a kiosk")
        applicant, kind = principal.subject, body.applicant_kind or ApplicantKind.CITIZEN
    elif role is ActorRole.WINDOW_CLERK:
        if body.applicant is None:
            raise invalid("applicant_required", "窗口收件须登记申请人身份", "At the window, identify the applicant")
        channel = Channel.WINDOW
        applicant = await register_applicant(uow, commands.Identity(body.applicant.kind, body.applicant.number,
                                                                    body.applicant.name))
        kind = body.applicant.kind
    else:
        if not body.applicant_ref or body.applicant_kind is None:
            raise invalid("applicant_ref_required", "代办须指明被代办的申请人", "An agent names the applicant and their kind")
        channel, applicant, kind = Channel.AGENT, body.applicant_ref, body.applicant_kind
    return commands.SubmitApplication(
        actor=access.actor(principal, on_behalf_of=applicant), applicant_ref=applicant, applicant_kind=kind,
        channel=channel, region_code=region, bundle_code=body.bundle_code, item_codes=tuple(body.item_codes),
        answers=body.answers, material_ids=tuple(body.material_ids), commitments=tuple(body.commitments),
        delivery_method=body.delivery_method, delivery_address=body.delivery_address,
        use_e_licences=body.use_e_licences,
    )


@router.post("", status_code=201)
async def apply(request: Request, body: schemas.ApplicationIn, principal: Principal = Depends(current_principal),
                key: str | None = Key) -> Response:
    """一窗受理: one form and one set of materials for a bundle or items; returns the case."""

    async def work(uow: UnitOfWork) -> dict[str, Any]:
        application = await HANDLERS[commands.SubmitApplication](await _submission(body, principal, uow), uow)
        return case_view(uow, application)

    return await _run(request, principal, key, body.model_dump(mode="json"), 201, work)


@router.get("")
async def list_applications(
    request: Request, principal: Principal = Depends(current_principal), status: str | None = Query(default=None),
    before: str | None = Query(default=None, description="the `next` cursor of the previous page"),
    limit: int = Query(default=20, ge=1, le=100),
) -> dict[str, Any]:
    """Cases the caller may see, newest first, keyset-paginated."""
    role = access.role_of(principal)
    cursor = None
    if before:
        at, _, case_id = before.partition("|")
        try:
            cursor = (datetime.fromisoformat(at), case_id)
        except ValueError:
            raise invalid("cursor_invalid", "分页游标无效", "The page cursor is not valid") from None
    mine = principal.subject if role is ActorRole.APPLICANT else None
    department = principal.department_code if role in access.DEPARTMENT else None
    if role is ActorRole.AGENT:
        raise invalid("agent_lists_by_case", "代办人请按办件编号查询", "Agents look cases up by number")
    async with services(request).uow() as uow:
        rows = await repository.list_cases(uow.tx, applicant_ref=mine, department=department, status=status,
                                           before=cursor, limit=limit)
    last = rows[-1] if len(rows) == limit else None
    return {"items": [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows],
            "next": f"{last['received_at'].isoformat()}|{last['case_id']}" if last else None}


async def _visible(uow: UnitOfWork, principal: Principal, case_id: str) -> str:
    """The case's applicant, once the caller is known to see the case (404 for anyone else)."""
    row = await repository.case_row(uow.tx, case_id)
    if row is None:
        raise not_found("办件", "case")
    access.may_see_case(principal, row)
    return row["applicant_ref"]


@router.get("/{case_id}")
async def get_application(request: Request, case_id: str, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    async with services(request).uow() as uow:
        await _visible(uow, principal, case_id)
        view = case_view(uow, await uow.application(case_id))
        view["corrections"] = [  # 补正: what a department asked the applicant to correct, and why
            {k: c[k] for k in ("suspension_id", "item_code", "department_code", "requested", "note")}
            for c in await repository.open_corrections(uow.tx, case_id)]
        return view


def _command_endpoint(path: str, schema: type, build: Any, doc: str) -> None:
    """A state-changing POST on one case: check the caller may see it, build the command from the
    caller as an Actor (an agent acting for the case's applicant), run it."""

    async def endpoint(request: Request, case_id: str, body: schema,  # type: ignore[valid-type]
                       principal: Principal = Depends(current_principal), key: str | None = Key) -> Response:
        async def work(uow: UnitOfWork) -> dict[str, Any]:
            applicant = await _visible(uow, principal, case_id)
            command = build(access.actor(principal, on_behalf_of=applicant), case_id, body)
            return case_view(uow, await HANDLERS[type(command)](command, uow))

        return await _run(request, principal, key, body.model_dump(mode="json"), 200, work)

    endpoint.__doc__ = doc
    endpoint.__annotations__["body"] = schema  # a real class: the string "schema" would not resolve
    router.add_api_route(f"/{{case_id}}/{path}", endpoint, methods=["POST"], name=path)


_command_endpoint("acceptance", schemas.AcceptanceIn,
                  lambda a, c, b: commands.AcceptApplication(a, c, b.allow_missing),
                  "受理 (or 容缺受理 with allow_missing): by the window or a supervisor; never a refusal.")
_command_endpoint("escalation", schemas.EscalationIn,
                  lambda a, c, b: commands.EscalateApplication(a, c, b.reason),
                  "提请审核: what the window cannot accept goes to a supervisor (窗口无权否决).")
_command_endpoint("escalation-decision", schemas.DecisionIn,
                  lambda a, c, b: commands.DecideEscalation(a, c, b.decision, b.reason, b.legal_basis),
                  "A supervisor decides an escalated application: accept, accept with missing, or not accept.")
_command_endpoint("withdrawal", schemas.WithdrawalIn,
                  lambda a, c, b: commands.WithdrawApplication(a, c, b.reason),
                  "撤件: the applicant (or their agent) withdraws.")
_command_endpoint("supplements", schemas.SupplementIn,
                  lambda a, c, b: commands.SupplementMaterials(a, c, tuple(b.material_ids)),
                  "补齐: hand in materials owed since 容缺受理.")


@router.get("/{case_id}/materials/{material_id}")
async def read_material(request: Request, case_id: str, material_id: str,
                        purpose: str = Query(min_length=2, max_length=500, description="用途/事由, recorded"),
                        principal: Principal = Depends(current_principal), key: str | None = ReadKey) -> Response:
    """A department reads a material shared with it for this case; the read is recorded (MaterialAccessed)."""
    access.require(principal, *access.DEPARTMENT)
    async with services(request).uow() as uow:
        material, content = await HANDLERS[commands.ReadMaterial](
            commands.ReadMaterial(access.actor(principal), case_id, material_id, purpose, key), uow)
    return Response(content, media_type=material.media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{material.material_id}"})
