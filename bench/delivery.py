"""Delivery: the outbox relay's throughput against a raw aiokafka producer, and the latency from an
append's commit to a Kafka consumer's receipt with the relay running as services run it."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from onewindow_chassis import kafka
from onewindow_chassis.cloudevents import binary_headers
from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import NewEvent, PostgresEventStore
from onewindow_chassis.outbox import KafkaPublisher, OutboxRelay, OutgoingMessage

from .common import TRACEPARENT, Row, Sizes, dumps, event_data, event_metadata, now, percentile, reset_tables

SOURCE = "/onewindow/bench"

# Events and their outbox rows written straight in SQL, 10,000 per transaction: the relay's input.
_FILL = """
WITH stored AS (
    INSERT INTO events (tx_id, stream_id, stream_version, event_id, event_type, schema_version, subject,
                        data, metadata, recorded_at)
    SELECT pg_current_xact_id(), 'relay-' || g, 1, gen_random_uuid(), 'ApplicationReceived', 1,
           'case-' || lpad(g::text, 10, '0'),
           jsonb_set($1::jsonb, '{application_id}', to_jsonb('app-' || lpad(g::text, 10, '0'))),
           $2::jsonb, now()
    FROM generate_series($3::bigint, $4::bigint) g
    RETURNING position, subject
)
INSERT INTO outbox (position, topic, message_key) SELECT position, $5, subject FROM stored ORDER BY position
"""


async def fill_outbox(conn: asyncpg.Connection, topic: str, first: int, count: int) -> None:
    data, meta = dumps(event_data(0)), dumps(event_metadata())
    for start in range(first, first + count, 10_000):
        end = min(first + count, start + 10_000) - 1
        async with conn.transaction():
            await conn.execute(_FILL, data, meta, start, end, topic)


async def topic_size(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - first look at a new topic
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        await consumer.stop()


async def relay_throughput(db: Database, pool: asyncpg.Pool, bootstrap: str, sizes: Sizes, log: Any) -> list[Row]:
    tag = uuid.uuid4().hex[:6]
    relay_topic, raw_topic = f"bench.{tag}.relay", f"bench.{tag}.raw"
    await kafka.ensure_topics(bootstrap, [kafka.TopicSpec(relay_topic), kafka.TopicSpec(raw_topic)], with_dead_letters=False)
    count, warm = sizes.relay_events, 2000
    producer = kafka.producer(bootstrap, client_id=f"bench-relay-{tag}")
    await producer.start()
    try:
        relay = OutboxRelay(db, KafkaPublisher(producer), source=SOURCE)
        async with pool.acquire() as conn:
            await reset_tables(conn)
            await fill_outbox(conn, relay_topic, 1, warm)
        while await relay.relay_once():  # warm-up: connections, metadata, statement caches
            pass
        async with pool.acquire() as conn:
            await fill_outbox(conn, relay_topic, warm + 1, count)
            await conn.execute("ANALYZE events")
            await conn.execute("ANALYZE outbox")
            await conn.execute("CHECKPOINT")
            sample = await conn.fetchrow(
                "SELECT e.event_id, e.subject, e.data::text AS data, e.recorded_at FROM outbox o "
                "JOIN events e ON e.position = o.position ORDER BY o.id LIMIT 1"
            )
        log(f"relay: {count:,} events waiting in the outbox; draining with relay_once()")
        relayed, batches = 0, 0
        t0 = time.perf_counter()
        while n := await relay.relay_once():
            relayed += n
            batches += 1
        ours_s = time.perf_counter() - t0
        ours = relayed / ours_s
        log(f"  relay_once loop                  {ours:>10,.0f} msgs/s  ({relayed:,} in {ours_s:.2f} s, {batches} batches)")

        # The raw baseline: the same producer settings, same-size messages (value = the stored event's
        # JSON text, the CloudEvents headers the relay makes, the same key shape), send() + gather.
        value = sample["data"].encode()
        headers = binary_headers(
            event_id=str(sample["event_id"]), event_type="ApplicationReceived", source=SOURCE,
            subject=sample["subject"], time=sample["recorded_at"], schema_version=1, traceparent=TRACEPARENT,
        )
        key = sample["subject"].encode()
        warm_sent = [await producer.send(raw_topic, value, key=key, headers=headers) for _ in range(warm)]
        await asyncio.gather(*warm_sent)
        t0 = time.perf_counter()
        sent = [await producer.send(raw_topic, value, key=key, headers=headers) for _ in range(count)]
        await asyncio.gather(*sent)
        raw_s = time.perf_counter() - t0
        raw = count / raw_s
        log(f"  raw aiokafka send()+gather       {raw:>10,.0f} msgs/s  ({count:,} in {raw_s:.2f} s)")
    finally:
        await producer.stop()
    on_topic = await topic_size(bootstrap, relay_topic)
    return [
        Row(
            key="relay", name="Relay outbox → Kafka", unit="msgs/s", figure=ours,
            baseline_name="raw aiokafka send()+gather", baseline=raw, goal="≥ 50% of raw", goal_kind="ratio_min",
            goal_value=0.5,
            setup=(
                f"{count:,} events drained by relay_once (batch 500) over kafka.producer() "
                f"(idempotent, acks=all, linger 5 ms); 4 partitions; value {len(value)} B + CloudEvents headers"
            ),
            details={
                "relayed": relayed, "relay_seconds": round(ours_s, 3), "batches": batches,
                "raw_seconds": round(raw_s, 3), "messages_on_relay_topic": on_topic,
                "value_bytes": len(value), "header_bytes": sum(len(k) + len(v) for k, v in headers),
            },
        )
    ]


class _Receiver:
    """A Kafka consumer (the chassis's settings) noting when each CloudEvents id arrives."""

    def __init__(self, bootstrap: str, topic: str, group: str) -> None:
        self.consumer = kafka.consumer(bootstrap, topic, group_id=group)
        self.arrived: dict[str, float] = {}
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.consumer.start()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=100, max_records=500)
            at = time.perf_counter()
            for records in batches.values():
                for record in records:
                    for name, value in record.headers or ():
                        if name == "ce_id":
                            self.arrived[value.decode()] = at
                            break

    async def wait_for(self, ids: Sequence[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(i in self.arrived for i in ids):
                return True
            await asyncio.sleep(0.02)
        return False

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.consumer.stop()


async def _append_one(db: Database, store: PostgresEventStore, topic: str, stream: str, version: int) -> tuple[str, float]:
    event = NewEvent("ApplicationReceived", event_data(version), subject=stream, topic=topic, metadata=event_metadata())
    async with db.transaction() as tx:
        await store.append(tx, stream, version, [event], now())
    return str(event.event_id), time.perf_counter()  # just after COMMIT returned


async def latency(db: Database, pool: asyncpg.Pool, bootstrap: str, sizes: Sizes, log: Any) -> list[Row]:
    tag = uuid.uuid4().hex[:6]
    topic = f"bench.{tag}.latency"
    await kafka.ensure_topics(bootstrap, [kafka.TopicSpec(topic)], with_dead_letters=False)
    async with pool.acquire() as conn:
        await reset_tables(conn)
    store = PostgresEventStore()
    producer = kafka.producer(bootstrap, client_id=f"bench-latency-{tag}")
    receiver = _Receiver(bootstrap, topic, f"bench-latency-{tag}")
    await producer.start()
    await receiver.start()
    stop = asyncio.Event()
    # Exactly as a service runs it: leader election, LISTEN/NOTIFY wake-ups, 1 s poll fallback.
    relay = OutboxRelay(db, KafkaPublisher(producer), source=f"{SOURCE}/{tag}")
    relay_task = asyncio.create_task(relay.run(stop))
    committed: dict[str, float] = {}
    try:
        # Warm-up: until the consumer has joined its group and a few events made the whole trip.
        warm_ids = []
        for i in range(20):
            event_id, _ = await _append_one(db, store, topic, f"warm-{tag}", i)
            warm_ids.append(event_id)
            await asyncio.sleep(0.02)
        if not await receiver.wait_for(warm_ids, 60):
            raise RuntimeError("latency warm-up: the consumer did not receive the warm-up events in 60 s")
        total = int(sizes.latency_rate * sizes.latency_seconds)
        interval = 1.0 / sizes.latency_rate
        writers = 8  # enough that a slow commit does not hold up the schedule

        async def paced(count: int, prefix: str, record: dict[str, float]) -> float:
            """`count` appends at the rate, spread over `writers` tasks (each its own slots and streams:
            64 cases appended to in turn, i ≡ w mod 8, so no two writers race on one stream version)."""
            start = time.perf_counter() + 0.02

            async def writer(w: int) -> None:
                for i in range(w, count, writers):
                    delay = start + i * interval - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    event_id, at = await _append_one(db, store, topic, f"{prefix}-{i % 64}", i // 64)
                    record[event_id] = at

            await asyncio.gather(*(writer(w) for w in range(writers)))
            return time.perf_counter() - start

        # Warm-up at the same rate and concurrency (the pool opens its connections), not counted.
        warm: dict[str, float] = {}
        await paced(sizes.latency_rate, f"lw-{tag}", warm)
        await receiver.wait_for(list(warm), 30)
        log(f"latency: {total} appends at {sizes.latency_rate}/s, relay.run() woken by LISTEN/NOTIFY")
        started = time.perf_counter()
        sent_s = await paced(total, f"lat-{tag}", committed)
        if not await receiver.wait_for(list(committed), 30):
            log("  (some events did not arrive within 30 s)")
    finally:
        stop.set()
        await asyncio.gather(relay_task, return_exceptions=True)
        await receiver.stop()
        await producer.stop()
    timeline = sorted(
        (t - started, (receiver.arrived[i] - t) * 1000) for i, t in committed.items() if i in receiver.arrived
    )
    latencies = sorted(ms for _, ms in timeline)
    worst = sorted(timeline, key=lambda x: -x[1])[:10]
    missing = len(committed) - len(latencies)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    log(f"  commit → receipt  p50 {p50:.1f} ms  p99 {p99:.1f} ms  max {latencies[-1]:.1f} ms  (n={len(latencies)}, missing {missing})")
    setup = (
        f"{len(committed)} single-event appends at {sizes.latency_rate}/s for {sizes.latency_seconds:g} s "
        f"(actual {len(committed) / sent_s:.0f}/s); relay.run() + chassis kafka.consumer in the same process"
    )
    details = {
        "count": len(latencies), "missing": missing, "p50_ms": p50, "p90_ms": percentile(latencies, 90),
        "p99_ms": p99, "max_ms": latencies[-1] if latencies else None, "mean_ms": sum(latencies) / max(1, len(latencies)),
        "worst_10_at_s_ms": [(round(at, 3), round(ms, 1)) for at, ms in worst],
        "last_event_ms": round(timeline[-1][1], 1) if timeline else None,
    }
    return [
        Row(key="latency_p50", name="Commit → consumer receipt, p50", unit="ms", figure=p50, setup=setup, details=details),
        Row(
            key="latency_p99", name="Commit → consumer receipt, p99", unit="ms", figure=p99, goal="≤ 50 ms",
            goal_kind="value_max", goal_value=50.0, setup=setup, details=details,
        ),
    ]


class _AppendWhilePublishing:
    """A publisher that, while the relay publishes one batch, lets another transaction commit (and
    waits until its NOTIFY has reached the relay): the interleaving any busy service sees."""

    def __init__(self, inner: KafkaPublisher, during: Any) -> None:
        self.inner = inner
        self.during = during

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        await self.inner.publish(messages)
        if self.during is not None:
            during, self.during = self.during, None
            await during()


async def lost_wakeup(db: Database, pool: asyncpg.Pool, bootstrap: str, sizes: Sizes, log: Any) -> list[Row]:
    """Latency of an event that commits while the relay is publishing the previous batch."""
    tag = uuid.uuid4().hex[:6]
    topic = f"bench.{tag}.wakeup"
    await kafka.ensure_topics(bootstrap, [kafka.TopicSpec(topic)], with_dead_letters=False)
    store = PostgresEventStore()
    producer = kafka.producer(bootstrap, client_id=f"bench-wakeup-{tag}")
    receiver = _Receiver(bootstrap, topic, f"bench-wakeup-{tag}")
    await producer.start()
    await receiver.start()
    results: list[float] = []
    try:
        warm_id, _ = await _append_one(db, store, topic, f"w-{tag}", 0)
        stop = asyncio.Event()
        relay = OutboxRelay(db, KafkaPublisher(producer), source=f"{SOURCE}/{tag}")
        relay_task = asyncio.create_task(relay.run(stop))
        try:
            if not await receiver.wait_for([warm_id], 60):
                raise RuntimeError("lost-wakeup warm-up: nothing received in 60 s")
            for trial in range(sizes.wakeup_trials):
                second: dict[str, float] = {}

                async def commit_another(trial: int = trial, second: dict[str, float] = second) -> None:
                    event_id, at = await _append_one(db, store, topic, f"b-{tag}-{trial}", 0)
                    second[event_id] = at
                    await asyncio.sleep(0.05)  # the NOTIFY has reached the relay's listener by now

                relay.publisher = _AppendWhilePublishing(KafkaPublisher(producer), commit_another)
                first_id, _ = await _append_one(db, store, topic, f"a-{tag}-{trial}", 0)
                if not await receiver.wait_for([first_id], 10):
                    raise RuntimeError("lost-wakeup: the first event never arrived")
                while not second:
                    await asyncio.sleep(0.01)
                (second_id, at), = second.items()
                await receiver.wait_for([second_id], 10)
                ms = (receiver.arrived.get(second_id, float("inf")) - at) * 1000
                results.append(ms)
                log(f"  event committed while the relay published: received {ms:.0f} ms after commit")
                await asyncio.sleep(0.3)
        finally:
            stop.set()
            await asyncio.gather(relay_task, return_exceptions=True)
    finally:
        await receiver.stop()
        await producer.stop()
    return [
        Row(
            key="diag_lost_wakeup", name="  diag: commit during a relay batch", unit="ms",
            figure=max(results), setup=f"{len(results)} trials, relay.run() with poll_seconds=1.0; worst shown",
            diagnostic=True,
            details={
                "latencies_ms": results,
                "why": "OutboxRelay.run clears its wake event after relay_once returns, dropping a NOTIFY "
                "that arrived during the batch; the event then waits for poll_seconds",
            },
        )
    ]
