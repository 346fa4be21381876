"""Kafka's retention is not an archive: supervision keeps every event it heard in its own event store,
one stream per event (expected version 0), so that the store's global order drives the projection and
a rebuild reads the archive, never the topics."""
from __future__ import annotations

import uuid

from onewindow_chassis.clock import Clock
from onewindow_chassis.cloudevents import Message
from onewindow_chassis.consumer import Handler, PermanentError
from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import NewEvent, event_store_for

_NAMESPACE = uuid.UUID("7f0c2a52-5a3e-4f7e-9d4a-1b7f1c0e9a00")


def archiver(clock: Clock) -> Handler:
    async def archive(message: Message, tx: Transaction) -> None:
        try:
            data = message.json()
        except ValueError as error:
            raise PermanentError("the event's data is not JSON") from error
        try:
            event_id = uuid.UUID(message.id)
        except ValueError:
            event_id = uuid.uuid5(_NAMESPACE, message.id)  # a producer whose ids are not UUIDs
        event = NewEvent(
            event_type=message.type, data=data, subject=message.subject or message.key or "", topic=None,
            schema_version=message.schema_version, event_id=event_id,
            metadata={"topic": message.topic, "partition": message.partition, "offset": message.offset,
                      "source": message.source, "time": message.time},
        )
        await event_store_for(tx.dialect).append(tx, f"archive:{message.id}", 0, [event], clock.now())

    return archive
