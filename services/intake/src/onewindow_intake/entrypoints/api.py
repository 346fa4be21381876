"""Intake's HTTP API under /v1. Each endpoint turns its request into a command, runs the handler in a
unit of work (with the request's Idempotency-Key), and answers; rules live in the domain."""
from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from onewindow_chassis import idempotency
from onewindow_chassis.auth import Principal, current_principal
from onewindow_contracts.values import ActorRole

from ..adapters import repository
from ..domain.application import Application
from ..domain.errors import invalid
from ..domain.vault import MAX_BYTES
from ..service_layer import commands
from ..service_layer.handlers import HANDLERS
from ..service_layer.unit_of_work import Services, UnitOfWork
from . import access, schemas

router = APIRouter(prefix="/v1", tags=["intake"])
Key = Header(default=None, alias="Idempotency-Key", description="Required on every state-changing POST")


def services(request: Request) -> Services:
    return request.app.state.intake


async def _run(request: Request, principal: Principal, key: str | None, body: Any, status: int,
               work: Any) -> Response:
    """Run `work(uow)` once per Idempotency-Key: a retry gets the first reply, a race loses to it."""
    reply = await idempotency.respond_once(request.method, request.url.path, f"{principal.role}:{principal.subject}",
                                           key, body, status, services(request).uow, work)
    return Response(reply.body, reply.status_code, media_type="application/json")


def case_view(uow: UnitOfWork, application: Application) -> dict[str, Any]:
    catalogue = uow.services.catalogue
    items = []
    for ref in application.item_refs:
        record = catalogue.at(ref.item_code, ref.item_version).record
        items.append({"item_code": ref.item_code, "item_version": ref.item_version, "name": record.name,
                      "department_code": record.department_code, "committed_days": record.committed_days})
    return schemas.CaseOut(
        case_id=application.case_id, status=application.status.value, applicant_ref=application.applicant_ref,
        channel=application.received.channel.value if application.received else "",
        bundle_code=application.received.bundle_code if application.received else None, items=items,
        materials=[{**m.model_dump(mode="json"), "granted_to": sorted(application.shared.get(m.material_id, ()))}
                   for m in application.materials.values()],
        owed={code: sorted(owed) for code, owed in application.owed.items()},
        supplement_due_on=application.supplement_due_on, on_commitment=sorted(application.on_commitment),
        commitments={code: ref.model_dump(mode="json") for code, ref in application.commitments.items()},
        escalation_id=application.escalation_id,
    ).model_dump(mode="json")


# --- catalogue (public: 办事指南) -------------------------------------------------------------------

@router.get("/catalogue/items")
async def list_items(request: Request) -> list[dict[str, Any]]:
    return [item.record.model_dump(mode="json") for item in services(request).catalogue.latest_items()]


@router.get("/catalogue/items/{code}")
async def get_item(request: Request, code: str, version: int | None = Query(default=None, ge=1)) -> dict[str, Any]:
    catalogue = services(request).catalogue
    item = catalogue.at(code, version) if version else catalogue.current(code)
    return {**item.record.model_dump(mode="json"), "form": [f.__dict__ for f in catalogue.form_for([item])]}


@router.get("/bundles")
async def list_bundles(request: Request) -> list[dict[str, Any]]:
    return [b.__dict__ for b in services(request).catalogue.bundles.values()]


@router.get("/bundles/{code}")
async def get_bundle(request: Request, code: str) -> dict[str, Any]:
    """一件事: its items, the one form (each question once) and the one set of materials."""
    catalogue = services(request).catalogue
    bundle = catalogue.bundle(code)
    items = catalogue.items_for(bundle_code=code, item_codes=())
    return {**bundle.__dict__, "items": [i.record.model_dump(mode="json") for i in items],
            "form": [f.__dict__ for f in catalogue.form_for(items)],
            "materials": [m.__dict__ for m in catalogue.materials_for(items)]}


# --- the materials vault ----------------------------------------------------------------------------

@router.post("/materials", status_code=201)
async def upload(request: Request, type_code: str = Query(max_length=64), filename: str = Query(max_length=255),
                 applicant_ref: str | None = Query(default=None, max_length=64),
                 principal: Principal = Depends(current_principal), key: str | None = Key) -> Response:
    """Upload one document (the raw bytes as the body). Applicants upload their own; a clerk or an
    agent names the applicant."""
    role = access.require(principal, ActorRole.APPLICANT, ActorRole.AGENT, ActorRole.WINDOW_CLERK)
    owner = principal.subject if role is ActorRole.APPLICANT else applicant_ref
    if not owner:
        raise invalid("applicant_ref_required", "请指明申请人", "Name the applicant (applicant_ref)")
    if int(request.headers.get("content-length") or 0) > MAX_BYTES:
        raise invalid("material_too_large", "文件超过10MB", "The file is larger than 10 MB", limit_bytes=MAX_BYTES)
    content = await request.body()
    body = {"type_code": type_code, "filename": filename, "owner": owner, "sha256": hashlib.sha256(content).hexdigest()}
    cmd = commands.UploadMaterial(access.actor(principal, on_behalf_of=owner), owner, type_code, content, filename)

    async def work(uow: UnitOfWork) -> dict[str, Any]:
        stored = await HANDLERS[commands.UploadMaterial](cmd, uow)
        return schemas.MaterialOut(**{k: getattr(stored, k) for k in schemas.MaterialOut.model_fields}).model_dump(mode="json")

    return await _run(request, principal, key, body, 201, work)


@router.get("/materials")
async def my_materials(request: Request, principal: Principal = Depends(current_principal)) -> list[dict[str, Any]]:
    """The applicant's documents on file (材料库), reused by later cases while valid."""
    access.require(principal, ActorRole.APPLICANT)
    async with services(request).uow() as uow:
        stored = await repository.materials_of(uow.tx, principal.subject)
    return [schemas.MaterialOut(**{k: getattr(m, k) for k in schemas.MaterialOut.model_fields}).model_dump(mode="json")
            for m in stored]


@router.post("/delegations", status_code=201)
async def grant_delegation(request: Request, body: schemas.DelegationIn, principal: Principal = Depends(current_principal),
                           key: str | None = Key) -> Response:
    """帮办代办: authorise a service-centre helper to act for me, under my signed 授权委托书."""
    access.require(principal, ActorRole.APPLICANT)
    cmd = commands.GrantDelegation(access.actor(principal), body.agent_ref, tuple(a.value for a in body.acts),
                                   body.authorisation_material_id, body.valid_until)

    async def work(uow: UnitOfWork) -> dict[str, Any]:
        return await HANDLERS[commands.GrantDelegation](cmd, uow)

    return await _run(request, principal, key, body.model_dump(mode="json"), 201, work)
