"""Certificates under /v1: the published keys, verification, a holder's wallet, a licence's QR code and
printable page, 免证办 for other systems, and revocation by the issuing department."""
from __future__ import annotations

import base64
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from onewindow_chassis import idempotency
from onewindow_chassis.auth import SERVICE, Principal, current_principal
from onewindow_chassis.problems import DomainError
from onewindow_contracts.certificates import RevocationReason
from onewindow_contracts.values import Actor, ActorRole

from ..adapters import qr, repository
from ..service_layer import handlers
from ..service_layer.unit_of_work import Services, UnitOfWork
from ..service_layer.verifying import verify_online
from ..signing.showing import MAX_TEXT
from . import page

router = APIRouter(prefix="/v1", tags=["certificates"])
_DEPARTMENT = {"department_reviewer", "department_system"}
_NOT_FOUND = DomainError("not_found", "not_found", "证照不存在", "No such licence")


def services(request: Request) -> Services:
    return request.app.state.certificates


def _may_see(principal: Principal, row: dict[str, Any]) -> bool:
    """The holder; the window that hands it out (统一出件) and supervisors; the issuing department."""
    if principal.role == "applicant":
        return principal.subject == row["holder_ref"]
    if principal.role in ("window_clerk", "supervisor"):
        return True
    return principal.role in _DEPARTMENT and principal.department_code == row["issuer_code"]


async def _visible(request: Request, licence_id: str, principal: Principal) -> dict[str, Any]:
    async with services(request).uow() as uow:
        row = await repository.licence(uow.tx, licence_id)
    if row is None or not _may_see(principal, row):
        raise _NOT_FOUND  # a licence that is not yours is one that does not exist
    return row


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """A licence as its holder and staff see it: metadata and standing, never the document bytes."""
    keep = ("licence_id", "licence_no", "name", "type_code", "case_id", "item_code", "holder_ref", "holder_kind",
            "issuer_code", "issuer_name", "region_code", "status", "revocation_reason", "key_id", "qr_payload")
    dates = ("issued_on", "valid_from", "valid_until", "issued_at", "revoked_at")
    return {k: row[k] for k in keep} | {k: row[k].isoformat() if row[k] else None for k in dates}


@router.get("/keys")
async def keys(request: Request) -> dict[str, Any]:
    """The public key set (JWKS) that verifies every licence code: configure it in offline verifiers."""
    return services(request).keys.jwks()


@router.get("/verify")
async def verify(request: Request, payload: str = Query(min_length=4, max_length=MAX_TEXT)) -> dict[str, Any]:
    """亮证核验: the signature, the validity dates, and — only online — revocation. Anyone may ask:
    the code carries no personal data, and the answer adds none."""
    async with services(request).uow() as uow:
        return await verify_online(uow, payload)


@router.get("/wallet")
async def wallet(request: Request, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """我的证照: the applicant's own licences, the newest first."""
    if principal.role != "applicant":
        raise DomainError("forbidden", "forbidden", "仅持证人可查看证照夹", "Only a holder has a wallet")
    async with services(request).uow() as uow:
        rows = await repository.licences_of(uow.tx, principal.subject)
    return {"items": [summary(row) for row in rows]}


@router.get("/licences/{licence_id}")
async def get_licence(request: Request, licence_id: str, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    return summary(await _visible(request, licence_id, principal))


@router.get("/licences/{licence_id}/qr.png")
async def qr_png(request: Request, licence_id: str, principal: Principal = Depends(current_principal)) -> Response:
    row = await _visible(request, licence_id, principal)
    return Response(qr.png(row["qr_payload"]), media_type="image/png")


@router.get("/licences/{licence_id}/qr.svg")
async def qr_svg(request: Request, licence_id: str, principal: Principal = Depends(current_principal)) -> Response:
    row = await _visible(request, licence_id, principal)
    return Response(qr.svg(row["qr_payload"]), media_type="image/svg+xml")


@router.get("/licences/{licence_id}/page", response_class=HTMLResponse)
async def licence_page(request: Request, licence_id: str, principal: Principal = Depends(current_principal)) -> HTMLResponse:
    """The licence to print or show, with its code."""
    row = await _visible(request, licence_id, principal)
    return HTMLResponse(page.render(row))


@router.get("/holders/{holder_ref}/licences")
async def held_licence(request: Request, holder_ref: str, type_code: str = Query(min_length=1, max_length=64),
                       purpose: str = Query(min_length=2, max_length=500, description="用途/事由, recorded"),
                       principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """免证办: the holder's newest licence of the type valid today, with its sealed file, for a system
    that asks with the applicant's authorisation (intake). Every read is recorded with its purpose."""
    if principal.role not in ("department_system", SERVICE):
        raise DomainError("forbidden", "forbidden", "仅限业务系统调用", "Only systems may fetch licences")
    async with services(request).uow() as uow:
        row = await repository.newest_valid(uow.tx, holder_ref, type_code, uow.today)
        if row is None:
            raise _NOT_FOUND
        await repository.record_read(uow.tx, {
            "read_id": uuid.uuid4().hex, "licence_id": row["licence_id"], "reader": f"{principal.role}:{principal.subject}",
            "department_code": principal.department_code, "purpose": purpose, "read_at": uow.now})
    return {"licence": summary(row), "media_type": "application/json", "document_sha256": row["document_sha256"],
            "document": base64.b64encode(row["document"]).decode()}


class RevocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: RevocationReason
    detail: str | None = Field(default=None, min_length=2, max_length=2000)


@router.post("/licences/{licence_id}/revocation")
async def revocation(request: Request, licence_id: str, body: RevocationIn,
                     principal: Principal = Depends(current_principal),
                     key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
    """撤销/注销 by the issuing department (issued in error, at the holder's request, superseded)."""
    try:
        role = ActorRole(principal.role)
    except ValueError:
        raise DomainError("forbidden", "forbidden", "无权操作", "Your role may not do this") from None
    if role not in (ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM, ActorRole.SUPERVISOR):
        raise DomainError("forbidden", "forbidden", "无权操作", "Your role may not do this")
    command = handlers.Revoke(Actor(role=role, ref=principal.subject, department_code=principal.department_code),
                              licence_id, body.reason, body.detail)

    async def work(uow: UnitOfWork) -> dict[str, Any]:
        await handlers.HANDLERS[type(command)](command, uow)
        row = await repository.licence(uow.tx, licence_id)
        assert row is not None
        return summary(row)

    reply = await idempotency.respond_once(request.method, request.url.path, f"{principal.role}:{principal.subject}",
                                           key, body.model_dump(mode="json"), 200, services(request).uow, work)
    return Response(reply.body, reply.status_code, media_type="application/json")
