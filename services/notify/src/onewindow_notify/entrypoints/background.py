"""What notify listens to: intake, approval, certificates and evaluation; and its sender loop."""
from __future__ import annotations

from pydantic import ValidationError

from onewindow_chassis.cloudevents import Message
from onewindow_chassis.consumer import PermanentError
from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.runtime import Subscription
from onewindow_contracts.base import ContractError, UnknownEventType, decode, latest, types_of
from onewindow_contracts.topics import APPROVAL, CERTIFICATES, EVALUATION, INTAKE

from ..service_layer.handlers import HEARD
from ..service_layer.unit_of_work import Services, UnitOfWork


def subscriptions(services: Services) -> list[Subscription]:
    async def handle(message: Message, tx: Transaction) -> None:
        try:
            kind = latest(message.type)
        except UnknownEventType:
            return  # a type from a newer producer that notify has no use for
        handler = HEARD.get(kind)
        if handler is None:
            return
        try:
            event = decode(message.type, message.schema_version, message.data)
        except (ContractError, ValidationError) as error:
            raise PermanentError(f"undecodable {message.type}: {type(error).__name__}") from error
        # The CloudEvents id is the notification's cause: its dedupe key and `caused_by`.
        await handler(event, message.id, UnitOfWork(services, tx, event_store_for(tx.dialect)))

    # A group per topic: an approval event waiting for its case (NotYet) must not hold up intake's
    # consumer, which brings that case in.
    return [Subscription("notify.intake", [INTAKE.name], handle, wants=types_of(HEARD)),
            Subscription("notify.approval", [APPROVAL.name], handle, wants=types_of(HEARD)),
            Subscription("notify.certificates", [CERTIFICATES.name], handle, wants=types_of(HEARD)),
            Subscription("notify.evaluation", [EVALUATION.name], handle, wants=types_of(HEARD))]
