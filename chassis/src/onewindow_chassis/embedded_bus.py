"""The embedded bus: Kafka's promises in one SQLite file, for the embedded default.

The same promises as Kafka, held by the same contract tests: a durable log per topic, split into
partitions by key (so one case's events stay in order), consumer groups whose positions are stored
and move only when committed, delivery at least once. It offers the few methods of aiokafka's
producer and consumer that the chassis uses, so the relay and the consumers run on it unchanged.

Limits, by design of a one-process default: a group is consumed by one member at a time, and
compacted topics keep every record (a reader from the start sees every version, newest last, as
it would on Kafka before compaction).
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiokafka.structs import TopicPartition

from .db import Database
from .kafka import DLQ_SUFFIX, TopicSpec

_meta = sa.MetaData()
bus_topics = sa.Table(
    "bus_topics", _meta,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("partitions", sa.Integer, nullable=False),
    sa.Column("compacted", sa.Boolean, nullable=False),
)
bus_records = sa.Table(
    "bus_records", _meta,
    sa.Column("topic", sa.Text, primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("offset", sa.Integer, primary_key=True),
    sa.Column("key", sa.LargeBinary, nullable=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("headers", sa.Text, nullable=False),
    sa.Column("appended_at", sa.Float, nullable=False),
)
bus_positions = sa.Table(
    "bus_positions", _meta,
    sa.Column("group_id", sa.Text, primary_key=True),
    sa.Column("topic", sa.Text, primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("next_offset", sa.Integer, nullable=False),
)


class UnknownTopic(LookupError):
    """Like Kafka with auto-create off: a topic must be made before it is written to."""


@dataclass(frozen=True)
class BusRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    timestamp: float


def _encode_headers(headers: Sequence[tuple[str, bytes]]) -> str:
    return json.dumps([[k, base64.b64encode(v).decode()] for k, v in headers])


def _decode_headers(text: str) -> list[tuple[str, bytes]]:
    return [(k, base64.b64decode(v)) for k, v in json.loads(text)]


class EmbeddedBus:
    """One bus file per platform; every service of the embedded default shares it."""

    def __init__(self, path: Path) -> None:
        self.db = Database(f"sqlite:///{path}")
        self._appended = asyncio.Condition()
        self._partitions: dict[str, int] = {}

    async def start(self) -> None:
        async with self.db.engine.begin() as conn:
            await conn.run_sync(_meta.create_all)

    async def close(self) -> None:
        await self.db.dispose()

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        """Make topics and their dead-letter topics, as on Kafka; existing ones are kept as they are."""
        specs = list(specs) + [TopicSpec(s.name + DLQ_SUFFIX, partitions=1) for s in specs if not s.compacted]
        async with self.db.transaction() as tx:
            existing = set((await tx.conn.execute(sa.select(bus_topics.c.name))).scalars())
            for spec in specs:
                if spec.name not in existing:
                    await tx.conn.execute(
                        bus_topics.insert().values(name=spec.name, partitions=spec.partitions, compacted=spec.compacted)
                    )

    async def partitions(self, topic: str) -> int:
        if topic not in self._partitions:
            async with self.db.transaction() as tx:
                count = (await tx.conn.execute(sa.select(bus_topics.c.partitions).where(bus_topics.c.name == topic))).scalar()
            if count is None:
                raise UnknownTopic(topic)
            self._partitions[topic] = count
        return self._partitions[topic]

    async def append(self, messages: Sequence[tuple[str, bytes | None, bytes, Sequence[tuple[str, bytes]]]]) -> None:
        """Append (topic, key, value, headers) records in one transaction: all stored, or none."""
        placed = [(topic, zlib.crc32(key or b"") % await self.partitions(topic), key, value, headers)
                  for topic, key, value, headers in messages]
        now = time.time()
        async with self.db.transaction() as tx:  # BEGIN IMMEDIATE: offsets are handed out by one writer
            next_offsets: dict[tuple[str, int], int] = {}
            rows = []
            for topic, partition, key, value, headers in placed:
                slot = (topic, partition)
                if slot not in next_offsets:
                    last = (await tx.conn.execute(
                        sa.select(sa.func.max(bus_records.c.offset)).where(
                            bus_records.c.topic == topic, bus_records.c.partition == partition)
                    )).scalar()
                    next_offsets[slot] = -1 if last is None else last
                next_offsets[slot] += 1
                rows.append({"topic": topic, "partition": partition, "offset": next_offsets[slot], "key": key,
                             "value": value, "headers": _encode_headers(headers), "appended_at": now})
            await tx.conn.execute(bus_records.insert(), rows)
        async with self._appended:
            self._appended.notify_all()

    def producer(self) -> "EmbeddedProducer":
        return EmbeddedProducer(self)

    def publisher(self) -> "EmbeddedPublisher":
        return EmbeddedPublisher(self)

    def consumer(self, *topics: str, group_id: str) -> "EmbeddedConsumer":
        return EmbeddedConsumer(self, list(topics), group_id)

    async def wait_for_append(self, timeout: float) -> None:
        """Wake on an append in this process, or after `timeout` (another process may have appended)."""
        async with self._appended:
            try:
                await asyncio.wait_for(self._appended.wait(), timeout)
            except TimeoutError:
                pass


class EmbeddedProducer:
    """The part of aiokafka's producer the chassis uses."""

    def __init__(self, bus: EmbeddedBus) -> None:
        self.bus = bus

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send_and_wait(self, topic: str, value: bytes, key: bytes | None = None, headers: Any = ()) -> None:
        await self.bus.append([(topic, key, value, list(headers or ()))])


class EmbeddedPublisher:
    """The relay's port onto the embedded bus: a whole batch in one transaction."""

    def __init__(self, bus: EmbeddedBus) -> None:
        self.bus = bus

    async def publish(self, messages: Sequence[Any]) -> None:
        await self.bus.append([(m.topic, m.key.encode(), m.value, m.headers) for m in messages])


class EmbeddedConsumer:
    """The part of aiokafka's consumer the chassis uses: getmany, commit. Positions move on commit only."""

    def __init__(self, bus: EmbeddedBus, topics: list[str], group_id: str) -> None:
        self.bus = bus
        self.topics = topics
        self.group_id = group_id
        self._fetch: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        async with self.bus.db.transaction() as tx:
            committed = {
                TopicPartition(t, p): n
                for t, p, n in (await tx.conn.execute(
                    sa.select(bus_positions.c.topic, bus_positions.c.partition, bus_positions.c.next_offset)
                    .where(bus_positions.c.group_id == self.group_id, bus_positions.c.topic.in_(self.topics))
                )).all()
            }
        for topic in self.topics:
            for partition in range(await self.bus.partitions(topic)):
                tp = TopicPartition(topic, partition)
                self._fetch[tp] = committed.get(tp, 0)  # a new group starts at the earliest record

    async def stop(self) -> None:
        pass

    async def getmany(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[BusRecord]]:
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            batches = await self._read(max_records or 500)
            remaining = deadline - time.monotonic()
            if batches or remaining <= 0:
                return batches
            await self.bus.wait_for_append(min(remaining, 0.05))

    async def _read(self, limit: int) -> dict[TopicPartition, list[BusRecord]]:
        batches: dict[TopicPartition, list[BusRecord]] = {}
        async with self.bus.db.engine.connect() as conn:
            for tp, position in self._fetch.items():
                if limit <= 0:
                    break
                rows = (await conn.execute(
                    sa.select(bus_records)
                    .where(bus_records.c.topic == tp.topic, bus_records.c.partition == tp.partition,
                           bus_records.c.offset >= position)
                    .order_by(bus_records.c.offset).limit(limit)
                )).all()
                if rows:
                    batches[tp] = [BusRecord(r.topic, r.partition, r.offset, r.key, r.value,
                                             _decode_headers(r.headers), r.appended_at) for r in rows]
                    self._fetch[tp] = rows[-1].offset + 1
                    limit -= len(rows)
        return batches

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        async with self.bus.db.transaction() as tx:
            for tp, next_offset in offsets.items():
                await tx.conn.execute(
                    bus_positions.delete().where(bus_positions.c.group_id == self.group_id,
                                                 bus_positions.c.topic == tp.topic, bus_positions.c.partition == tp.partition)
                )
                await tx.conn.execute(bus_positions.insert().values(
                    group_id=self.group_id, topic=tp.topic, partition=tp.partition, next_offset=next_offset))


