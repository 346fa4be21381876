"""Notify's handlers. Heard events become notification intents (HEARD); people's commands register a
contact and hand over results (HANDLERS). Nothing here sends: the sender loop does, after commit."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from onewindow_chassis.consumer import NotYet
from onewindow_chassis.problems import DomainError
from onewindow_contracts.approval import (
    CaseConcluded, ItemApproved, ItemRejected, ItemSuspended, SuspensionReason,
)
from onewindow_contracts.base import Event
from onewindow_contracts.certificates import LicenceIssued
from onewindow_contracts.evaluation import RectificationAnswered
from onewindow_contracts.intake import (
    ApplicationAccepted, ApplicationNotAccepted, ApplicationReceived, PersonalDataErased,
)
from onewindow_contracts.materials import MaterialsSupplemented
from onewindow_contracts.notify import (
    NotificationChannel, NotificationPurpose, NotificationSent, ResultDelivered, ResultDispatched,
)
from onewindow_contracts.values import Actor, DeliveryMethod, ItemRef

from ..adapters import repository
from ..domain import templates
from ..domain.sending import Contact, channels_for, notification_id, valid_email, valid_phone
from .unit_of_work import UnitOfWork, delivery_stream, notification_stream

P = NotificationPurpose


# --- the intent: one row per (event, recipient, channel) -----------------------------------------------

async def notify(uow: UnitOfWork, caused_by: str, case_id: str, recipient_ref: str, purpose: P,
                 facts: dict[str, Any]) -> list[str]:
    """Record what to tell the applicant, once per channel, in the transaction that heard the event.
    The in-app message is delivered by this very commit (the inbox is notify's own table); SMS and
    e-mail rows are left `pending` for the sender loop. Returns the ids newly recorded."""
    message = templates.render(purpose, {"case_id": case_id, **facts})
    has_phone, has_email = await uow.services.contacts.reachable(uow.tx, recipient_ref)
    recorded = []
    for channel in channels_for(has_phone, has_email):
        nid = notification_id(caused_by, recipient_ref, channel.value)
        in_app = channel is NotificationChannel.IN_APP
        row = {
            "notification_id": nid, "caused_by": caused_by, "recipient_ref": recipient_ref, "channel": channel.value,
            "case_id": case_id, "purpose": purpose.value, "template_code": message.template_code,
            "template_version": message.template_version, "title": message.title, "body": message.body,
            "status": "sent" if in_app else "pending", "attempts": 1 if in_app else 0,
            "next_attempt_at": None if in_app else uow.now, "last_error": None, "provider_message_id": None,
            "stream_version": 0, "created_at": uow.now, "sent_at": uow.now if in_app else None, "read_at": None,
        }
        if not await repository.add_notification(uow.tx, row):
            continue  # this event was heard before: its notifications stand, nothing is sent twice
        recorded.append(nid)
        if in_app:
            version, _ = await uow.record(notification_stream(nid), 0, [NotificationSent(
                case_id=case_id, notification_id=nid, recipient_ref=recipient_ref, channel=channel,
                purpose=purpose, template_code=message.template_code, template_version=message.template_version,
                caused_by=caused_by, sent_at=uow.now)])
            await repository.update_notification(uow.tx, nid, stream_version=version)
    return recorded


async def _applicant(uow: UnitOfWork, case_id: str) -> str:
    case = await repository.case(uow.tx, case_id)
    if case is None:  # topics are not ordered with each other: intake's ApplicationReceived is yet to come
        raise NotYet(f"case {case_id} not heard from intake yet")
    return str(case["applicant_ref"])


# --- what the other services tell us -------------------------------------------------------------------

async def heard_received(event: ApplicationReceived, caused_by: str, uow: UnitOfWork) -> None:
    await repository.keep_case(uow.tx, {
        "case_id": event.case_id, "applicant_ref": event.applicant_ref,
        "items": [i.model_dump(mode="json") for i in event.items], "delivery_method": event.delivery_method.value})


async def heard_accepted(event: ApplicationAccepted, caused_by: str, uow: UnitOfWork) -> None:
    await notify(uow, caused_by, event.case_id, await _applicant(uow, event.case_id), P.ACCEPTED, {
        "notice_no": event.notice_no, "supplement": templates.supplement_clause(event.supplement_due_on)})


async def heard_not_accepted(event: ApplicationNotAccepted, caused_by: str, uow: UnitOfWork) -> None:
    await notify(uow, caused_by, event.case_id, await _applicant(uow, event.case_id), P.NOT_ACCEPTED,
                 {"notice_no": event.notice_no, "reason": event.reason})


async def heard_suspended(event: ItemSuspended, caused_by: str, uow: UnitOfWork) -> None:
    """补正: the applicant is told what to correct; a 特别程序 is the department's own business."""
    if event.reason is not SuspensionReason.CORRECTION:
        return
    await notify(uow, caused_by, event.case_id, await _applicant(uow, event.case_id), P.SUPPLEMENT_REQUESTED, {
        "item_code": event.item.item_code, "note": event.note,
        "materials": "、".join(event.requested_type_codes) or "见说明"})


async def heard_supplemented(event: MaterialsSupplemented, caused_by: str, uow: UnitOfWork) -> None:
    """Materials arrived but some are still owed: 补齐补正告知 of what remains."""
    if not event.outstanding_type_codes:
        return
    await notify(uow, caused_by, event.case_id, await _applicant(uow, event.case_id), P.SUPPLEMENT_REQUESTED, {
        "item_code": "、".join(sorted({m.type_code for m in event.materials})),
        "materials": "、".join(event.outstanding_type_codes), "note": "已收到部分材料，以上材料仍需补齐。"})


async def heard_approved(event: ItemApproved, caused_by: str, uow: UnitOfWork) -> None:
    detail = "结果待容缺材料补齐后发放。" if event.result_held else (event.reason or "")
    await notify(uow, caused_by, event.case_id, await _applicant(uow, event.case_id), P.DECIDED, {
        "subject": f"（事项{event.item.item_code}）", "outcome": templates.outcome_text("approved"), "detail": detail})


async def heard_rejected(event: ItemRejected, caused_by: str, uow: UnitOfWork) -> None:
    await notify(uow, caused_by, event.case_id, await _applicant(uow, event.case_id), P.DECIDED, {
        "subject": f"（事项{event.item.item_code}）", "outcome": templates.outcome_text("rejected"),
        "detail": f"理由：{event.reason}；依据：{event.legal_basis}。如不服，可依法申请行政复议或提起行政诉讼。"})


async def heard_concluded(event: CaseConcluded, caused_by: str, uow: UnitOfWork) -> None:
    await notify(uow, caused_by, event.case_id, await _applicant(uow, event.case_id), P.DECIDED, {
        "subject": "已办结，", "outcome": templates.outcome_text(event.outcome.value),
        "detail": "欢迎对本次服务进行评价。"})


async def heard_licence(event: LicenceIssued, caused_by: str, uow: UnitOfWork) -> None:
    await notify(uow, caused_by, event.case_id, event.holder_ref, P.LICENCE_ISSUED,
                 {"licence_name": event.licence_name, "licence_no": event.licence_no})


async def heard_rectification(event: RectificationAnswered, caused_by: str, uow: UnitOfWork) -> None:
    if event.case_id is None:
        return  # a complaint without a case: evaluation answers the complainant itself
    answer = event.answer if event.answer.endswith(("。", "！", ".")) else event.answer + "。"
    await notify(uow, caused_by, event.case_id, await _applicant(uow, event.case_id), P.RECTIFICATION_ANSWERED,
                 {"answer": answer})


async def heard_erased(event: PersonalDataErased, caused_by: str, uow: UnitOfWork) -> None:
    """个人信息删除 at intake: shred notify's own sealed copy of the contact (once per case: idempotent)."""
    await uow.services.contacts.erase(uow.tx, event.applicant_ref, event.erased_at)


HEARD: dict[type[Event], Any] = {
    ApplicationReceived: heard_received,
    ApplicationAccepted: heard_accepted,
    ApplicationNotAccepted: heard_not_accepted,
    MaterialsSupplemented: heard_supplemented,
    ItemSuspended: heard_suspended,
    ItemApproved: heard_approved,
    ItemRejected: heard_rejected,
    CaseConcluded: heard_concluded,
    LicenceIssued: heard_licence,
    RectificationAnswered: heard_rectification,
    PersonalDataErased: heard_erased,
}


# --- what people do ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterContact:
    applicant_ref: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class Deliver:
    """统一出件: hand the result over at the window, post it for free, or mark it e-licence only."""

    actor: Actor
    case_id: str
    method: DeliveryMethod
    items: tuple[ItemRef, ...] = ()
    licence_ids: tuple[str, ...] = ()
    carrier: str | None = None
    waybill_no: str | None = None


@dataclass(frozen=True)
class ConfirmReceipt:
    """A posted result reached the applicant (the carrier's signed receipt)."""

    actor: Actor
    case_id: str
    delivery_id: str


async def register_contact(cmd: RegisterContact, uow: UnitOfWork) -> dict[str, Any]:
    if cmd.phone is not None and not valid_phone(cmd.phone):
        raise DomainError("invalid", "phone_invalid", "手机号码格式不正确", "Not a mainland mobile number")
    if cmd.email is not None and not valid_email(cmd.email):
        raise DomainError("invalid", "email_invalid", "电子邮箱格式不正确", "Not an e-mail address")
    await uow.services.contacts.register(uow.tx, cmd.applicant_ref, Contact(cmd.phone, cmd.email), uow.now)
    return {"sms": cmd.phone is not None, "email": cmd.email is not None}


def delivery_view(row: dict[str, Any]) -> dict[str, Any]:
    # str(k): a row's keys may be str subclasses (SQLAlchemy's quoted_name), which orjson refuses
    return {str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items() if k != "stream_version"}


async def deliver(cmd: Deliver, uow: UnitOfWork) -> dict[str, Any]:
    case = await repository.case(uow.tx, cmd.case_id)
    items = cmd.items or tuple(ItemRef.model_validate(i) for i in (case or {}).get("items", ()))
    if not items:
        raise DomainError("not_found", "not_found", "办件不存在", "No such case; name the items delivered")
    delivery_id = f"dlv-{uuid.uuid4().hex}"
    row: dict[str, Any] = {
        "delivery_id": delivery_id, "case_id": cmd.case_id, "method": cmd.method.value,
        "items": [i.model_dump(mode="json") for i in items], "licence_ids": list(cmd.licence_ids),
        "carrier": cmd.carrier, "waybill_no": cmd.waybill_no, "handled_by": cmd.actor.ref,
        "dispatched_at": None, "delivered_at": None}
    if cmd.method is DeliveryMethod.POST:
        if not cmd.carrier or not cmd.waybill_no:
            raise DomainError("invalid", "waybill_required", "免费邮寄须填写承运商和运单号",
                              "A posted result names its carrier and waybill number")
        event: Event = ResultDispatched(
            case_id=cmd.case_id, delivery_id=delivery_id, items=items, licence_ids=cmd.licence_ids,
            carrier=cmd.carrier, waybill_no=cmd.waybill_no, dispatched_at=uow.now)
        row |= {"status": "dispatched", "dispatched_at": uow.now}
    else:
        if cmd.waybill_no:
            raise DomainError("invalid", "waybill_only_for_post", "仅邮寄须填写运单号", "Only a posted result has a waybill")
        event = ResultDelivered(
            case_id=cmd.case_id, delivery_id=delivery_id, method=cmd.method, items=items,
            licence_ids=cmd.licence_ids, delivered_at=uow.now,
            handed_over_by=cmd.actor if cmd.method is DeliveryMethod.WINDOW_PICKUP else None)
        row |= {"status": "delivered", "delivered_at": uow.now}
    version, new = await uow.record(delivery_stream(delivery_id), 0, [event])
    row["stream_version"] = version
    await repository.add_delivery(uow.tx, row)
    if isinstance(event, ResultDispatched) and case is not None:
        await notify(uow, str(new[0].event_id), cmd.case_id, case["applicant_ref"], P.RESULT_DISPATCHED,
                     {"carrier": cmd.carrier, "waybill_no": cmd.waybill_no})
    return delivery_view(row)


async def confirm_receipt(cmd: ConfirmReceipt, uow: UnitOfWork) -> dict[str, Any]:
    row = await repository.delivery(uow.tx, cmd.delivery_id)
    if row is None or row["case_id"] != cmd.case_id:
        raise DomainError("not_found", "not_found", "出件记录不存在", "No such delivery")
    if row["status"] == "delivered":
        return delivery_view(row)
    version, _ = await uow.record(delivery_stream(cmd.delivery_id), row["stream_version"], [ResultDelivered(
        case_id=cmd.case_id, delivery_id=cmd.delivery_id, method=DeliveryMethod.POST,
        items=tuple(ItemRef.model_validate(i) for i in row["items"]), licence_ids=tuple(row["licence_ids"]),
        waybill_no=row["waybill_no"], delivered_at=uow.now)])
    await repository.update_delivery(uow.tx, cmd.delivery_id, status="delivered", delivered_at=uow.now,
                                     stream_version=version)
    return delivery_view({**row, "status": "delivered", "delivered_at": uow.now, "stream_version": version})


HANDLERS = {RegisterContact: register_contact, Deliver: deliver, ConfirmReceipt: confirm_receipt}
