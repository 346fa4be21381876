"""What the event store takes and gives back."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


class ConcurrencyError(Exception):
    """The stream moved on since it was read: reload and decide again (optimistic concurrency)."""

    code = "stream_version_conflict"

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id!r} is not at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


@dataclass(frozen=True)
class NewEvent:
    """An event to append. `subject` is the case it concerns: the Kafka key and CloudEvents subject.
    `topic` None keeps the event private to the service (stored, never published)."""

    event_type: str
    data: dict[str, Any]
    subject: str
    topic: str | None = None
    schema_version: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


def from_contract(event: Any, metadata: dict[str, Any] | None = None) -> NewEvent:
    """A NewEvent from a contract event (anything with event_type, version, topic, subject and
    pydantic's model_dump): the store keeps its JSON form and the type and version it was written as."""
    return NewEvent(
        event_type=event.event_type, data=event.model_dump(mode="json"), subject=event.subject,
        topic=event.topic, schema_version=event.version, metadata=metadata or {},
    )


def with_trace(event: NewEvent, traceparent: str | None) -> dict[str, Any]:
    """The event's metadata, carrying the trace it was decided in (the relay continues it)."""
    if traceparent is None or "traceparent" in event.metadata:
        return event.metadata
    return {**event.metadata, "traceparent": traceparent}


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    tx_id: int
    stream_id: str
    stream_version: int
    event_id: uuid.UUID
    event_type: str
    schema_version: int
    subject: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime

    @property
    def cursor(self) -> "Cursor":
        return Cursor(self.tx_id, self.position)


class Cursor(NamedTuple):
    """A place in the global order (writing transaction, position). Readers keep the last one seen;
    ordering by the pair, and reading only finished transactions, means nothing lands behind it."""

    tx_id: int = 0
    position: int = 0


START = Cursor()
