"""The event store's hot path on PostgreSQL: one prepared statement per append, straight on asyncpg.

calibration.md: round trips cost Python CPU and SQLAlchemy costs 2–4× the driver per request, so the
append (guard + events + outbox rows) is ONE statement.

The global order is (writing transaction id, position). A reader sees only events whose transaction
id is below the oldest still-running transaction (`pg_snapshot_xmin`): those transactions are over for
good, committed or rolled back, and every later writer gets a higher id. So an event that commits late
can never land behind a reader's cursor, and a rolled-back transaction's hole is passed at once. The
price: one long-running writer holds readers back until it ends (not the others, who keep writing).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from .. import metrics
from ..db import Transaction
from ..telemetry import traceparent_now
from .model import ConcurrencyError, Cursor, NewEvent, RecordedEvent, with_trace
from .portable import PortableEventStore

_APPEND = """
WITH guard AS (
    SELECT 1 WHERE $2::int = 0
       OR EXISTS (SELECT 1 FROM events WHERE stream_id = $1 AND stream_version = $2)
), batch AS (
    SELECT * FROM unnest($3::uuid[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[])
        WITH ORDINALITY AS b(event_id, event_type, schema_version, subject, data, metadata, topic, n)
), stored AS (
    INSERT INTO events (tx_id, stream_id, stream_version, event_id, event_type, schema_version,
                        subject, data, metadata, recorded_at)
    SELECT pg_current_xact_id(), $1, $2 + b.n, b.event_id, b.event_type, b.schema_version,
           b.subject, b.data::jsonb, b.metadata::jsonb, $10
    FROM guard, batch b
    RETURNING position, stream_version, subject
), queued AS (
    INSERT INTO outbox (position, topic, message_key)
    SELECT s.position, b.topic, s.subject FROM stored s JOIN batch b ON s.stream_version = $2 + b.n
    WHERE b.topic IS NOT NULL
)
SELECT position FROM stored ORDER BY stream_version
"""

_SELECT = """SELECT position, tx_id::text::bigint, stream_id, stream_version, event_id, event_type,
       schema_version, subject, data::text, metadata::text, recorded_at FROM events"""

_LOAD = _SELECT + " WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version"

# ORDER BY names the table's columns: a bare `tx_id` would mean the output column (tx_id::text::bigint),
# which no index serves, and every page would scan and sort the whole rest of the log.
_READ_ALL = (
    _SELECT
    + """ WHERE (tx_id, position) > ($1::text::xid8, $2::bigint)
      AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY events.tx_id, events.position LIMIT $3"""
)


def _recorded(row: asyncpg.Record) -> RecordedEvent:
    # orjson: decoding the JSON is most of the cost of reading events (bench/README.md)
    return RecordedEvent(
        position=row[0], tx_id=row[1], stream_id=row[2], stream_version=row[3], event_id=row[4],
        event_type=row[5], schema_version=row[6], subject=row[7], data=orjson.loads(row[8]),
        metadata=orjson.loads(row[9]), recorded_at=row[10],
    )


def _dumps(value: dict[str, Any]) -> str:
    return orjson.dumps(value, default=str).decode()


class PostgresEventStore(PortableEventStore):
    async def append(
        self,
        tx: Transaction,
        stream_id: str,
        expected_version: int,
        new_events: Sequence[NewEvent],
        recorded_at: datetime,
    ) -> list[int]:
        if not new_events:
            return []
        conn = await tx.driver()
        traceparent = traceparent_now()
        try:
            rows = await conn.fetch(
                _APPEND,
                stream_id,
                expected_version,
                [e.event_id for e in new_events],
                [e.event_type for e in new_events],
                [e.schema_version for e in new_events],
                [e.subject for e in new_events],
                [_dumps(e.data) for e in new_events],
                [_dumps(with_trace(e, traceparent)) for e in new_events],
                [e.topic for e in new_events],
                recorded_at,
            )
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name == "events_stream_version_key":
                raise ConcurrencyError(stream_id, expected_version) from error
            raise
        if not rows:  # the guard found no event at expected_version: the caller is ahead of the stream
            raise ConcurrencyError(stream_id, expected_version)
        for event in new_events:
            metrics.events_appended.labels(event.event_type).inc()
        return [row[0] for row in rows]

    async def load(self, tx: Transaction, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        conn = await tx.driver()
        return [_recorded(row) for row in await conn.fetch(_LOAD, stream_id, after_version)]

    async def read_all(self, tx: Transaction, after: Cursor, limit: int = 1000) -> list[RecordedEvent]:
        conn = await tx.driver()
        return [_recorded(row) for row in await conn.fetch(_READ_ALL, str(after.tx_id), after.position, limit)]


