"""What certificates listens to: the catalogue, intake's applications, approval's decisions."""
from __future__ import annotations

from onewindow_chassis.cloudevents import Message
from onewindow_chassis.consumer import PermanentError
from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.runtime import Subscription
from onewindow_contracts.base import ContractError, pick, types_of
from onewindow_contracts.topics import APPROVAL, CATALOGUE, INTAKE

from ..service_layer.handlers import HEARD
from ..service_layer.unit_of_work import Services, UnitOfWork


def subscriptions(services: Services) -> list[Subscription]:
    async def handle(message: Message, tx: Transaction) -> None:
        try:
            found = pick(message.type, message.schema_version, message.data, HEARD)
        except ContractError as error:
            raise PermanentError(f"undecodable {message.type}") from error
        if found is not None:  # else a type this service has no use for
            handler, event = found
            await handler(event, UnitOfWork(services, tx, event_store_for(tx.dialect)))

    # One group per topic: an approval that waits for its catalogue version or its application (NotYet)
    # must not hold up the very consumers that bring them in.
    return [Subscription("certificates.catalogue", [CATALOGUE.name], handle, wants=types_of(HEARD)),
            Subscription("certificates.intake", [INTAKE.name], handle, wants=types_of(HEARD)),
            Subscription("certificates.approval", [APPROVAL.name], handle, wants=types_of(HEARD))]
