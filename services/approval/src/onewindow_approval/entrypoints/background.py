"""What approval listens to: the catalogue and intake's case events."""
from __future__ import annotations

from onewindow_chassis.cloudevents import Message
from onewindow_chassis.consumer import PermanentError
from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.runtime import Subscription
from onewindow_contracts.base import ContractError, pick, types_of
from onewindow_contracts.topics import CATALOGUE, INTAKE

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

    # Two groups, two loops: a case event that waits for its catalogue version (NotYet) must not hold up
    # the very consumer that would bring that version in.
    return [Subscription("approval.catalogue", [CATALOGUE.name], handle, wants=types_of(HEARD)),
            Subscription("approval.intake", [INTAKE.name], handle, wants=types_of(HEARD))]
