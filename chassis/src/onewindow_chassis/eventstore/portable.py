"""The event store in SQLAlchemy Core: any SQL database, used as is for SQLite (the embedded default).

SQLite has one writer at a time and the chassis begins write transactions IMMEDIATE, so positions are
handed out in commit order and reading `position > cursor` never skips a late commit.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import metrics
from ..db import Transaction
from ..schema import events, outbox, snapshots
from ..telemetry import traceparent_now
from .model import ConcurrencyError, Cursor, NewEvent, RecordedEvent, with_trace

_COLUMNS = (
    events.c.position, events.c.tx_id, events.c.stream_id, events.c.stream_version, events.c.event_id,
    events.c.event_type, events.c.schema_version, events.c.subject, events.c.data, events.c.metadata,
    events.c.recorded_at,
)


def _recorded(row: Any) -> RecordedEvent:
    return RecordedEvent(*row)


class PortableEventStore:
    async def append(
        self,
        tx: Transaction,
        stream_id: str,
        expected_version: int,
        new_events: Sequence[NewEvent],
        recorded_at: datetime,
    ) -> list[int]:
        """Append after `expected_version` (0 = a new stream); return the events' positions."""
        current = (
            await tx.conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(events.c.stream_version), 0)).where(
                    events.c.stream_id == stream_id
                )
            )
        ).scalar_one()
        if current != expected_version:
            raise ConcurrencyError(stream_id, expected_version)
        positions = []
        traceparent = traceparent_now()
        try:
            for offset, event in enumerate(new_events, start=1):
                result = await tx.conn.execute(
                    events.insert().values(
                        tx_id=0, stream_id=stream_id, stream_version=expected_version + offset,
                        event_id=event.event_id, event_type=event.event_type,
                        schema_version=event.schema_version, subject=event.subject, data=event.data,
                        metadata=with_trace(event, traceparent), recorded_at=recorded_at,
                    )
                )
                position = result.inserted_primary_key[0]
                positions.append(position)
                if event.topic is not None:
                    await tx.conn.execute(
                        outbox.insert().values(position=position, topic=event.topic, message_key=event.subject)
                    )
        except IntegrityError as error:
            raise ConcurrencyError(stream_id, expected_version) from error
        for event in new_events:
            metrics.events_appended.labels(event.event_type).inc()
        return positions

    async def load(self, tx: Transaction, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        rows = await tx.conn.execute(
            sa.select(*_COLUMNS)
            .where(events.c.stream_id == stream_id, events.c.stream_version > after_version)
            .order_by(events.c.stream_version)
        )
        return [_recorded(row) for row in rows]

    async def read_all(self, tx: Transaction, after: Cursor, limit: int = 1000) -> list[RecordedEvent]:
        """The next events in global order after `after`, none of them ever to be preceded by a later commit."""
        rows = await tx.conn.execute(
            sa.select(*_COLUMNS).where(events.c.position > after.position).order_by(events.c.position).limit(limit)
        )
        return [_recorded(row) for row in rows]

    async def save_snapshot(
        self, tx: Transaction, stream_id: str, version: int, state: dict[str, Any], taken_at: datetime
    ) -> None:
        await tx.conn.execute(snapshots.delete().where(snapshots.c.stream_id == stream_id))
        await tx.conn.execute(
            snapshots.insert().values(stream_id=stream_id, stream_version=version, state=state, taken_at=taken_at)
        )

    async def load_snapshot(self, tx: Transaction, stream_id: str) -> tuple[int, dict[str, Any]] | None:
        row = (
            await tx.conn.execute(
                sa.select(snapshots.c.stream_version, snapshots.c.state).where(snapshots.c.stream_id == stream_id)
            )
        ).first()
        return (row[0], row[1]) if row else None
