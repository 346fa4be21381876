"""Notify under /v1: the applicant's inbox and contact (联系方式), a case's notifications for staff,
and 统一出件 at the window — pickup, free post with its waybill, and the posted result's receipt."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from onewindow_chassis import idempotency
from onewindow_chassis.auth import Principal, current_principal
from onewindow_chassis.problems import DomainError
from onewindow_contracts.values import Actor, ActorRole, DeliveryMethod, ItemRef

from ..adapters import repository
from ..service_layer import handlers
from ..service_layer.unit_of_work import Services, UnitOfWork

router = APIRouter(prefix="/v1", tags=["notify"])
_STAFF = {ActorRole.WINDOW_CLERK, ActorRole.SUPERVISOR}


def services(request: Request) -> Services:
    return request.app.state.notify


def _role(principal: Principal, *roles: ActorRole) -> ActorRole:
    try:
        role = ActorRole(principal.role)
    except ValueError:
        role = None
    if role not in roles:
        raise DomainError("forbidden", "forbidden", "无权操作", "Your role may not do this")
    return role


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(Strict):
    phone: str | None = Field(default=None, max_length=20, description="手机号码, for SMS")
    email: str | None = Field(default=None, max_length=254, description="电子邮箱")


@router.put("/contacts/me")
async def put_contact(request: Request, body: ContactIn,
                      principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """联系方式: the applicant's phone and e-mail for notifications, stored sealed under their key.
    A PUT replaces both: leave one out to stop that channel."""
    _role(principal, ActorRole.APPLICANT)
    command = handlers.RegisterContact(principal.subject, body.phone, body.email)
    async with services(request).uow() as uow:
        return await handlers.register_contact(command, uow)


@router.get("/inbox")
async def inbox(request: Request, principal: Principal = Depends(current_principal),
                limit: int = Query(default=50, ge=1, le=200)) -> dict[str, Any]:
    """站内消息: what the applicant was told, newest first."""
    _role(principal, ActorRole.APPLICANT)
    async with services(request).uow() as uow:
        rows = await repository.inbox(uow.tx, principal.subject, limit)
    return {"items": [{"notification_id": r["notification_id"], "case_id": r["case_id"], "purpose": r["purpose"],
                       "title": r["title"], "body": r["body"], "created_at": r["created_at"].isoformat()}
                      for r in rows]}


@router.get("/cases/{case_id}/notifications")
async def case_notifications(request: Request, case_id: str,
                             principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """Every notification of a case and how it went, for the window and supervision (no addresses)."""
    _role(principal, *_STAFF)
    async with services(request).uow() as uow:
        rows = await repository.notifications_of_case(uow.tx, case_id)
    return {"items": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()
                       if k not in ("body", "stream_version")} for r in rows]}


class DeliveryIn(Strict):
    method: DeliveryMethod
    items: list[ItemRef] = Field(default_factory=list, max_length=50, description="default: all the case's items")
    licence_ids: list[str] = Field(default_factory=list, max_length=50)
    carrier: str | None = Field(default=None, max_length=64, description="免费邮寄: the carrier's code, e.g. EMS")
    waybill_no: str | None = Field(default=None, max_length=64, description="免费邮寄: the tracking number")


class ReceiptIn(Strict):
    pass


def _clerk(principal: Principal) -> Actor:
    _role(principal, ActorRole.WINDOW_CLERK)
    return Actor(role=ActorRole.WINDOW_CLERK, ref=principal.subject, department_code=principal.department_code)


async def _once(request: Request, principal: Principal, key: str | None, body: BaseModel, command: Any,
                status: int) -> Response:
    async def work(uow: UnitOfWork) -> dict[str, Any]:
        return await handlers.HANDLERS[type(command)](command, uow)

    reply = await idempotency.respond_once(request.method, request.url.path, f"{principal.role}:{principal.subject}",
                                           key, body.model_dump(mode="json"), status, services(request).uow, work)
    return Response(reply.body, reply.status_code, media_type="application/json")


@router.post("/cases/{case_id}/delivery", status_code=201)
async def deliver(request: Request, case_id: str, body: DeliveryIn, principal: Principal = Depends(current_principal),
                  key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
    """统一出件 by a window clerk: handed over at the window (ResultDelivered), or posted for free with the
    carrier and waybill number (ResultDispatched; the applicant is told the tracking number)."""
    try:
        command = handlers.Deliver(_clerk(principal), case_id, body.method, tuple(body.items), tuple(body.licence_ids),
                                   body.carrier, body.waybill_no)
    except ValueError as error:
        raise DomainError("invalid", "invalid", "请求无效", str(error)) from None
    return await _once(request, principal, key, body, command, 201)


@router.post("/cases/{case_id}/delivery/{delivery_id}/receipt")
async def receipt(request: Request, case_id: str, delivery_id: str, body: ReceiptIn,
                  principal: Principal = Depends(current_principal),
                  key: str | None = Header(default=None, alias="Idempotency-Key")) -> Response:
    """签收: the posted result reached the applicant (ResultDelivered with its waybill number)."""
    command = handlers.ConfirmReceipt(_clerk(principal), case_id, delivery_id)
    return await _once(request, principal, key, body, command, 200)


@router.get("/cases/{case_id}/delivery")
async def deliveries(request: Request, case_id: str, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """How a case's results went back: the window, supervision, and the case's own applicant."""
    role = _role(principal, *_STAFF, ActorRole.APPLICANT)
    async with services(request).uow() as uow:
        if role is ActorRole.APPLICANT:
            case = await repository.case(uow.tx, case_id)
            if case is None or case["applicant_ref"] != principal.subject:
                raise DomainError("not_found", "not_found", "办件不存在", "No such case")
        rows = await repository.deliveries_of_case(uow.tx, case_id)
    return {"items": [handlers.delivery_view(r) for r in rows]}
