"""Idempotent consumers: each event's effects happen once, however often Kafka delivers it.

For each record: begin a transaction, claim its CloudEvents id in the tracking table, run the
handler, commit; only then commit the Kafka offset. A redelivered record finds its claim and changes
nothing. A record that cannot be handled goes to `<topic>.dlq` with the reason, and the consumer goes on.
Outages of the database are waited out, never dead-lettered: the message is fine, the world is not.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from opentelemetry.trace import SpanKind
from sqlalchemy.exc import DBAPIError

from . import metrics, tracking
from .clock import Clock, SystemClock
from .cloudevents import TRACEPARENT, Message, NotACloudEvent, from_record
from .db import Database, Transaction
from .kafka import DLQ_SUFFIX
from .telemetry import context_from, tracer

log = logging.getLogger(__name__)

Handler = Callable[[Message, Transaction], Awaitable[None]]


class PermanentError(Exception):
    """The message can never be handled (bad data, unknown version): dead-letter it at once."""


class NotYet(Exception):
    """The message needs a fact from another topic that has not arrived yet (topics are not ordered with
    each other): retried patiently, for minutes rather than milliseconds, before it is dead-lettered."""


PATIENCE = 15  # NotYet gets this many times the usual attempts


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        return bool(error.connection_invalidated) or isinstance(error.orig, OSError) or "connection" in str(error).lower()
    return isinstance(error, (OSError, ConnectionError, TimeoutError)) or type(error).__name__ in {
        "ConnectionDoesNotExistError", "InterfaceError", "CannotConnectNowError", "TooManyConnectionsError",
    }


class Consumer:
    def __init__(
        self,
        db: Database,
        *,
        name: str,
        topics: Sequence[str],
        handler: Handler,
        kafka_consumer: Any,
        dead_letters: Any,
        clock: Clock | None = None,
        max_attempts: int = 4,
        first_backoff: float = 0.1,
        after_handled: Callable[[Message], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.name = name
        self.topics = list(topics)
        self.handler = handler
        self.kafka = kafka_consumer  # from `kafka.consumer()`: auto-commit off
        self.dead_letters = dead_letters  # an aiokafka producer for `<topic>.dlq`
        self.clock = clock or SystemClock()
        self.max_attempts = max_attempts
        self.first_backoff = first_backoff
        self.after_handled = after_handled  # a seam for fault tests: effects committed, offset not yet
        self.stats = ConsumerStats()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                batches = await self.kafka.getmany(timeout_ms=200, max_records=500)
            except KafkaError as error:  # the broker is away: keep our place and wait for it
                log.warning("consumer %s cannot fetch: %s", self.name, type(error).__name__)
                await asyncio.sleep(1.0)
                continue
            for partition, records in batches.items():
                for record in records:
                    await self.process(record)
                # rebalanced away meanwhile: the partition's new owner gets these again and dedupes them
                with contextlib.suppress(CommitFailedError, IllegalStateError):
                    await self.kafka.commit({partition: records[-1].offset + 1})
                self._report_lag(partition, records[-1].offset + 1)

    def _report_lag(self, partition: Any, next_offset: int) -> None:
        highwater = getattr(self.kafka, "highwater", None)  # Kafka knows the partition's end
        end = highwater(partition) if highwater else None
        if end is not None:
            metrics.consumer_lag.labels(self.name, partition.topic, str(partition.partition)).set(max(0, end - next_offset))

    async def process(self, record: Any) -> None:
        try:
            message = from_record(
                topic=record.topic, partition=record.partition, offset=record.offset, key=record.key,
                value=record.value, headers=list(record.headers or ()),
            )
        except NotACloudEvent as error:
            await self._dead_letter(record, error)
            return
        attempt, backoff = 0, self.first_backoff
        while True:
            try:
                await self._handle_once(message)
                return
            except PermanentError as error:
                await self._dead_letter(record, error)
                return
            except Exception as error:
                if _is_outage(error):
                    log.warning("consumer %s waiting out an outage: %s", self.name, type(error).__name__)
                else:
                    attempt += 1
                    limit = self.max_attempts * (PATIENCE if isinstance(error, NotYet) else 1)
                    if attempt >= limit:
                        await self._dead_letter(record, error)
                        return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _handle_once(self, message: Message) -> None:
        with tracer.start_as_current_span(
            f"{message.topic} process",
            context=context_from(message.header(TRACEPARENT), message.header("tracestate")),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": message.topic,
                "messaging.consumer.group.name": self.name,
                "messaging.message.id": message.id,
                "messaging.kafka.offset": message.offset,
            },
        ):
            await self._handle_in_transaction(message)

    async def _handle_in_transaction(self, message: Message) -> None:
        async with self.db.transaction() as tx:
            if not await tracking.claim(tx, self.name, message.id, self.clock.now()):
                self.stats.duplicates += 1
                metrics.duplicates_absorbed.labels(self.name).inc()
                return
            await self.handler(message, tx)
        self.stats.handled += 1
        metrics.messages_handled.labels(self.name).inc()
        if self.after_handled is not None:
            await self.after_handled(message)

    async def _dead_letter(self, record: Any, error: BaseException) -> None:
        reason = f"{type(error).__name__}: {error}"[:2000]
        headers = list(record.headers or ()) + [
            ("dlq_reason", reason.encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_failed_at", self.clock.now().isoformat().encode()),
        ]
        while True:  # the offset is committed only after the dead letter is safely stored
            try:
                await self.dead_letters.send_and_wait(
                    record.topic + DLQ_SUFFIX, record.value, key=record.key, headers=headers
                )
                break
            except KafkaError as send_error:
                log.warning("dead-letter send failed, retrying: %s", send_error)
                await asyncio.sleep(1.0)
        self.stats.dead_lettered += 1
        metrics.dead_letters.labels(self.name, record.topic).inc()
        # The reason may quote the message's data; it stays in the dead-letter topic, out of the logs.
        log.error(
            "dead-lettered %s[%s]@%s by %s: %s",
            record.topic, record.partition, record.offset, self.name, type(error).__name__,
        )


