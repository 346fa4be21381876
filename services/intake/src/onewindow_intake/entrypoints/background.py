"""Intake's background entry points: the events it consumes and the timers it keeps."""
from __future__ import annotations

from pydantic import ValidationError

from onewindow_chassis.cloudevents import Message
from onewindow_chassis.consumer import PermanentError
from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.runtime import Subscription
from onewindow_chassis.timers import Timer
from onewindow_contracts.base import ContractError, decode, types_of
from onewindow_contracts.topics import APPROVAL
from onewindow_contracts.approval import CaseConcluded, ItemSuspended, SuspensionReason
from onewindow_contracts.verification import CreditMarked

from ..adapters import repository
from ..service_layer.erasure import record_closure
from ..service_layer.handlers import SUPPLEMENT_DEADLINE, supplement_deadline_passed
from ..service_layer.unit_of_work import Services, UnitOfWork


async def on_approval_event(message: Message, tx: Transaction) -> None:
    """信用监管: a false commitment found by approval bars the applicant from 告知承诺 here; 补正: a
    department asked for corrected materials, which the applicant then hands in at intake."""
    if message.type not in (CreditMarked.event_type, ItemSuspended.event_type, CaseConcluded.event_type):
        return
    try:
        event = decode(message.type, message.schema_version, message.data)
    except (ContractError, ValidationError) as error:
        raise PermanentError(f"undecodable {message.type}: {type(error).__name__}") from error
    if isinstance(event, CaseConcluded):  # 办结: the case file's retention starts (service_layer/erasure.py)
        await record_closure(tx, event.case_id, event.concluded_at)
    elif isinstance(event, CreditMarked):
        await repository.mark_credit(tx, event.applicant_ref, event.case_id, event.bars_commitment_until,
                                     event.marked_at)
    elif isinstance(event, ItemSuspended) and event.reason is SuspensionReason.CORRECTION:
        await repository.add_correction(tx, {
            "suspension_id": event.suspension_id, "case_id": event.case_id, "item_code": event.item.item_code,
            "department_code": event.suspended_by.department_code or "", "requested": list(event.requested_type_codes),
            "note": event.note, "requested_at": event.suspended_at})


def subscriptions() -> list[Subscription]:
    return [Subscription("intake.approval-events", [APPROVAL.name], on_approval_event,
                         wants=types_of([CreditMarked, ItemSuspended, CaseConcluded]))]


def timer_handlers(services: Services) -> dict:
    async def supplement_deadline(timer: Timer, tx: Transaction) -> None:
        await supplement_deadline_passed(timer, UnitOfWork(services, tx, event_store_for(tx.dialect)))

    return {SUPPLEMENT_DEADLINE: supplement_deadline}
