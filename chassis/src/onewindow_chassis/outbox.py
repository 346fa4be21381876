"""The outbox relay: publishes stored events to the bus, then forgets them.

The order is publish, wait for every acknowledgement, then delete the outbox rows. A crash between the
two publishes the batch again on restart: duplicates, never losses; consumers absorb duplicates by
CloudEvents id. One relay is active per service however many instances run (PostgreSQL advisory lock).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from opentelemetry.trace import Span, SpanKind, set_span_in_context

from .cloudevents import TRACEPARENT, Headers, binary_headers
from .db import Database
from .schema import OUTBOX_CHANNEL, events, outbox
from .statements import Statement, param
from .telemetry import context_from, traceparent_in, tracer, tracing_enabled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    topic: str
    key: str
    value: bytes
    headers: Headers
    event_id: str


class Publisher(Protocol):
    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Return only once every message is durably accepted, in order per key; raise otherwise."""


class KafkaPublisher:
    def __init__(self, producer) -> None:  # an aiokafka producer from `kafka.producer()`
        self.producer = producer

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        sent = [
            await self.producer.send(m.topic, m.value, key=m.key.encode(), headers=m.headers) for m in messages
        ]
        await asyncio.gather(*sent)


_PENDING = Statement(
    sa.select(
        outbox.c.id, outbox.c.topic, outbox.c.message_key, events.c.event_id, events.c.event_type,
        events.c.schema_version, events.c.subject, sa.cast(events.c.data, sa.Text).label("data"),
        events.c.metadata["traceparent"].as_string().label("traceparent"), events.c.recorded_at,
    )
    .select_from(outbox.join(events, events.c.position == outbox.c.position))
    .order_by(outbox.c.id)
    .limit(param("most", sa.Integer))
)
# Published rows go in one statement of one shape whatever their number (an IN list would be compiled
# anew for every length); SQLite, the embedded default, has no arrays and takes the IN list.
_FORGET = Statement(outbox.delete().where(outbox.c.id == sa.any_(param("ids", postgresql.ARRAY(sa.BigInteger)))))


def _traced(message: OutgoingMessage, spans: list[Span]) -> OutgoingMessage:
    """Continue the trace the event was decided in: a PRODUCER span under the stored context, whose
    own context replaces the `traceparent` header, as OpenTelemetry's Kafka instrumentation does."""
    stored = next((v.decode() for k, v in message.headers if k == TRACEPARENT), None)
    if stored is None or not tracing_enabled():
        return message  # no tracer installed: the stored context travels on as it is
    span = tracer.start_span(
        f"{message.topic} publish",
        context=context_from(stored),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "publish",
            "messaging.destination.name": message.topic,
            "messaging.message.id": message.event_id,
        },
    )
    spans.append(span)
    traceparent = traceparent_in(set_span_in_context(span)) or stored
    headers = [(k, v) for k, v in message.headers if k != TRACEPARENT] + [(TRACEPARENT, traceparent.encode())]
    return OutgoingMessage(message.topic, message.key, message.value, headers, message.event_id)


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        *,
        source: str,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        on_published: Callable[[Sequence[OutgoingMessage]], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.source = source
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.on_published = on_published  # a seam for fault tests: runs between publish and delete
        self._wake = asyncio.Event()

    async def relay_once(self) -> int:
        """Publish one batch of waiting events; return how many."""
        async with self.db.transaction() as tx:
            rows = await _PENDING.rows(tx, most=self.batch_size)
        if not rows:
            return 0
        messages = [
            OutgoingMessage(
                topic=row["topic"],
                key=row["message_key"],
                value=row["data"].encode(),
                headers=binary_headers(
                    event_id=str(row["event_id"]), event_type=row["event_type"], source=self.source,
                    subject=row["subject"], time=row["recorded_at"], schema_version=row["schema_version"],
                    traceparent=row["traceparent"],
                ),
                event_id=str(row["event_id"]),
            )
            for row in rows
        ]
        spans: list[Span] = []
        try:
            messages = [_traced(m, spans) for m in messages]
            await self.publisher.publish(messages)
        finally:
            for span in spans:  # a span lasts until the broker acknowledged (or refused) its message
                span.end()
        if self.on_published is not None:
            await self.on_published(messages)
        ids = [row["id"] for row in rows]
        async with self.db.transaction() as tx:
            if tx.dialect == "postgresql":
                await _FORGET.execute(tx, ids=ids)
            else:
                await tx.conn.execute(outbox.delete().where(outbox.c.id.in_(ids)))
        return len(rows)

    async def backlog(self) -> int:
        async with self.db.transaction() as tx:
            return (await tx.conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set: while leader, drain, then sleep until NOTIFY or the poll interval."""
        backoff = 0.2
        while not stop.is_set():
            try:
                async with self._leadership() as leader:
                    if not leader:
                        await _wait(stop, 2.0)  # another instance relays; stand by to take over
                        continue
                    while not stop.is_set() and leader.held():
                        self._wake.clear()  # before reading: a NOTIFY during the batch must wake us again
                        count = await self.relay_once()
                        backoff = 0.2
                        if count < self.batch_size:
                            await _wait_any(stop, self._wake, self.poll_seconds)
            except Exception as error:  # broker or database away: wait and try again, losing nothing
                log.warning("outbox relay retrying after %s: %s", type(error).__name__, error)
                await _wait(stop, backoff)
                backoff = min(backoff * 2, 5.0)

    @contextlib.asynccontextmanager
    async def _leadership(self) -> AsyncIterator["_Leader | None"]:
        if self.db.dialect != "postgresql":
            yield _Leader(None)  # the embedded default runs one process
            return
        conn = await asyncpg.connect(self.db.engine.url.set(drivername="postgresql").render_as_string(False))
        try:
            got = await conn.fetchval("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", f"relay:{self.source}")
            if not got:
                yield None
                return
            await conn.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
            yield _Leader(conn)
        finally:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)


class _Leader:
    def __init__(self, conn: asyncpg.Connection | None) -> None:
        self.conn = conn

    def held(self) -> bool:
        """A closed lock connection means the lock is gone: step down and contend again."""
        return self.conn is None or not self.conn.is_closed()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
