"""Idempotent consumers: each event's effects happen once, however often Kafka delivers it.

For each record: begin a transaction, claim its CloudEvents id in the tracking table, run the
handler, commit; only then commit the Kafka offset. A redelivered record finds its claim and changes
nothing. A record that cannot be handled goes to `<topic>.dlq` with the reason, and the consumer goes on.
Outages of the database are waited out, never dead-lettered: the message is fine, the world is not.

The records fetched together (from every partition) are first tried as ONE transaction (claims in
one statement, handlers in order, one commit): a transaction costs more than most handlers. If anything
in that run fails, it is rolled back whole and the records are taken one at a time as above, so a poison
message, a NotYet or an outage is met exactly as it would be alone.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
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
COMMIT_EVERY = 1.0  # seconds between offset commits while records keep coming


@dataclass
class ConsumerStats:
    handled: int = 0
    passed_by: int = 0  # of a type the handler does not act on: no transaction, no claim
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
        wants: Collection[str] | None = None,
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
        self.wants = frozenset(wants) if wants is not None else None  # CloudEvents types; None: all
        self.kafka = kafka_consumer  # from `kafka.consumer()`: auto-commit off
        self.dead_letters = dead_letters  # an aiokafka producer for `<topic>.dlq`
        self.clock = clock or SystemClock()
        self.max_attempts = max_attempts
        self.first_backoff = first_backoff
        self.after_handled = after_handled  # a seam for fault tests: effects committed, offset not yet
        self.stats = ConsumerStats()

    async def run(self, stop: asyncio.Event) -> None:
        # Offsets only spare a restarted consumer re-reading what it handled (the tracking table, not
        # the offset, keeps effects single), so they are committed together, at most once a COMMIT_EVERY
        # while records flow and at once when they stop: one request instead of one per partition batch.
        handled: dict[Any, int] = {}
        last_commit = time.monotonic()
        try:
            while not stop.is_set():
                try:
                    batches = await self.kafka.getmany(timeout_ms=200, max_records=500)
                except KafkaError as error:  # the broker is away: keep our place and wait for it
                    log.warning("consumer %s cannot fetch: %s", self.name, type(error).__name__)
                    await asyncio.sleep(1.0)
                    continue
                # Every partition's records in one run: each partition's stay in order, and partitions
                # were never ordered with each other (under light load most batches hold one record).
                fetched = [record for records in batches.values() for record in records if self._wanted(record)]
                if not await self.process_together(fetched):
                    for record in fetched:
                        await self.process(record)
                for partition, records in batches.items():
                    handled[partition] = records[-1].offset + 1
                    self._report_lag(partition, records[-1].offset + 1)
                if handled and (not batches or time.monotonic() - last_commit >= COMMIT_EVERY):
                    await self._commit(handled)
                    last_commit = time.monotonic()
        finally:
            if handled:
                with contextlib.suppress(KafkaError, OSError):
                    await self._commit(handled)

    async def _commit(self, handled: dict[Any, int]) -> None:
        offsets = dict(handled)
        handled.clear()
        # rebalanced away meanwhile: the partition's new owner gets these again and dedupes them
        with contextlib.suppress(CommitFailedError, IllegalStateError):
            await self.kafka.commit(offsets)

    def _wanted(self, record: Any) -> bool:
        """False for a record of a type this consumer passes by; anything unreadable goes on to be judged."""
        if self.wants is None:
            return True
        for name, value in record.headers or ():
            if name == "ce_type":
                if value.decode(errors="replace") in self.wants:
                    return True
                self.stats.passed_by += 1
                return False
        return True

    def _report_lag(self, partition: Any, next_offset: int) -> None:
        highwater = getattr(self.kafka, "highwater", None)  # Kafka knows the partition's end
        end = highwater(partition) if highwater else None
        if end is not None:
            metrics.consumer_lag.labels(self.name, partition.topic, str(partition.partition)).set(max(0, end - next_offset))

    async def process_together(self, records: Sequence[Any], most: int = 100) -> bool:
        """Handle a run of records, up to `most` per transaction. False when they cannot go together
        (fewer than two, or one is not a CloudEvent): the caller takes them one by one."""
        if len(records) < 2:
            return False
        try:
            messages = [from_record(topic=r.topic, partition=r.partition, offset=r.offset, key=r.key, value=r.value,
                                    headers=list(r.headers or ())) for r in records]
        except NotACloudEvent:
            return False
        for start in range(0, len(messages), most):
            chunk = messages[start:start + most]
            try:
                handled = await self._handle_together(chunk)
            except Exception as error:  # rolled back whole: from here on, one at a time
                log.info("consumer %s takes %d records one by one after %s", self.name, len(records) - start,
                         type(error).__name__)
                for record in records[start:]:
                    await self.process(record)
                return True
            self.stats.handled += handled
            self.stats.duplicates += len(chunk) - handled
            metrics.messages_handled.labels(self.name).inc(handled)
            metrics.duplicates_absorbed.labels(self.name).inc(len(chunk) - handled)
            if self.after_handled is not None:
                for message in chunk:
                    await self.after_handled(message)
        return True

    async def _handle_together(self, messages: Sequence[Message]) -> int:
        """One transaction: claim every id, run the handler of each fresh one in order; how many ran."""
        async with self.db.transaction() as tx:
            fresh = await tracking.claim_many(tx, self.name, [m.id for m in messages], self.clock.now())
            handled = 0
            for message in messages:
                if message.id not in fresh:
                    continue  # handled before, or already earlier in this very run
                fresh.discard(message.id)
                with self._span(message):
                    await self.handler(message, tx)
                handled += 1
        return handled

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
        with self._span(message):
            await self._handle_in_transaction(message)

    def _span(self, message: Message) -> Any:
        return tracer.start_as_current_span(
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
        )

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


