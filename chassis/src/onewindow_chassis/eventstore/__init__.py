"""Append-only event streams with optimistic concurrency, and a global order no reader skips."""
from ..db import Dialect
from .model import START, ConcurrencyError, Cursor, NewEvent, RecordedEvent, from_contract
from .portable import PortableEventStore
from .postgres import PostgresEventStore

EventStore = PortableEventStore  # the interface; PostgresEventStore overrides the hot path


def event_store_for(dialect: Dialect) -> PortableEventStore:
    return PostgresEventStore() if dialect == "postgresql" else PortableEventStore()


__all__ = [
    "START", "ConcurrencyError", "Cursor", "EventStore", "NewEvent", "PortableEventStore",
    "PostgresEventStore", "RecordedEvent", "event_store_for", "from_contract",
]
