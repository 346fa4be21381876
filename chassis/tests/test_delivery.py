"""Delivery over a real Kafka broker: the outbox relay and idempotent consumers, with their faults."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from onewindow_chassis import kafka
from onewindow_chassis.cloudevents import binary_headers
from onewindow_chassis.consumer import Consumer
from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import NewEvent, event_store_for
from onewindow_chassis.outbox import KafkaPublisher, OutboxRelay
from onewindow_chassis.schema import outbox
from tests.support.chassis_procs import SOURCE, effects, install_effects, record_effect
from tests.support.infra import ROOT, Local, cleanup, start_local
from tests.support.kafka_tools import eventually, read_topic

AT = datetime(2026, 5, 6, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
async def topic(kafka_bootstrap: str, unique: str) -> str:
    await kafka.ensure_topics(kafka_bootstrap, [kafka.TopicSpec(f"{unique}.events", partitions=4)])
    return f"{unique}.events"


@pytest.fixture
async def db(pg_db: Database) -> AsyncIterator[Database]:
    await install_effects(pg_db)
    yield pg_db


async def append_cases(db: Database, topic: str, cases: range, *, poison: bool = False) -> None:
    store = event_store_for(db.dialect)
    for n in cases:
        async with db.transaction() as tx:
            event = NewEvent("ApplicationReceived", {"n": n, "poison": poison}, subject=f"case-{n}", topic=topic)
            await store.append(tx, f"application-{n}", 0, [event], AT)


async def effect_counts(db: Database) -> dict[str, int]:
    async with db.transaction() as tx:
        rows = await tx.conn.execute(
            sa.select(effects.c.subject, sa.func.count()).group_by(effects.c.subject)
        )
        return dict(rows.all())


async def outbox_size(db: Database) -> int:
    async with db.transaction() as tx:
        return (await tx.conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.support.chassis_procs", *args], cwd=ROOT)


async def run_consumer(db: Database, bootstrap: str, topic: str, group: str,
                       wants: set[str] | None = None) -> tuple[Consumer, asyncio.Event, asyncio.Task]:
    source = kafka.consumer(bootstrap, topic, group_id=group, session_timeout_ms=6000)
    dead = kafka.producer(bootstrap, client_id=f"{group}-dlq")
    await source.start()
    await dead.start()
    consumer = Consumer(db, name=group, topics=[topic], handler=record_effect, kafka_consumer=source,
                        dead_letters=dead, first_backoff=0.01, wants=wants)
    stop = asyncio.Event()

    async def run() -> None:
        try:
            await consumer.run(stop)
        finally:
            await source.stop()
            await dead.stop()

    return consumer, stop, asyncio.create_task(run())


async def relay_all(db: Database, bootstrap: str) -> int:
    producer = kafka.producer(bootstrap, client_id="relay-test")
    await producer.start()
    try:
        relay = OutboxRelay(db, KafkaPublisher(producer), source=SOURCE)
        total = 0
        while count := await relay.relay_once():
            total += count
        return total
    finally:
        await producer.stop()


async def test_the_relay_publishes_stored_events_as_binary_cloudevents(db, kafka_bootstrap, topic) -> None:
    await append_cases(db, topic, range(3))
    assert await relay_all(db, kafka_bootstrap) == 3
    assert await outbox_size(db) == 0
    records = await read_topic(kafka_bootstrap, topic, expect=3)
    assert sorted(r.key for r in records) == [b"case-0", b"case-1", b"case-2"]
    record = next(r for r in records if r.key == b"case-1")
    headers = dict(record.headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"ApplicationReceived"
    assert headers["ce_subject"] == headers["ce_partitionkey"] == b"case-1"
    assert headers["ce_source"] == SOURCE.encode()
    assert headers["content-type"] == b"application/json"
    assert json.loads(record.value) == {"n": 1, "poison": False}


async def test_a_redelivered_event_changes_nothing_twice(db, kafka_bootstrap, topic, unique) -> None:
    await append_cases(db, topic, range(5))
    await relay_all(db, kafka_bootstrap)
    # The same events once more at new offsets, as a relay that died before marking would send them.
    async with db.transaction() as tx:
        positions = (await tx.conn.execute(sa.text("SELECT position FROM events"))).scalars().all()
        await tx.conn.execute(outbox.insert(), [{"position": p, "topic": topic, "message_key": "again"} for p in positions])
    await relay_all(db, kafka_bootstrap)
    consumer, stop, task = await run_consumer(db, kafka_bootstrap, topic, unique)

    async def all_seen() -> bool:
        return consumer.stats.handled + consumer.stats.duplicates == 10

    await eventually(all_seen)
    stop.set()
    await task
    assert await effect_counts(db) == {f"case-{n}": 1 for n in range(5)}
    assert consumer.stats.duplicates == 5


async def test_types_a_consumer_does_not_want_are_passed_by_without_a_transaction(db, kafka_bootstrap, topic, unique) -> None:
    await append_cases(db, topic, range(4))
    store = event_store_for(db.dialect)
    for n in range(4, 7):  # the same topic carries other types too
        async with db.transaction() as tx:
            await store.append(tx, f"application-{n}", 0, [NewEvent("ApplicationWithdrawn", {"n": n}, subject=f"case-{n}",
                                                                    topic=topic)], AT)
    await relay_all(db, kafka_bootstrap)
    consumer, stop, task = await run_consumer(db, kafka_bootstrap, topic, unique, wants={"ApplicationReceived"})
    await eventually(lambda: _true(consumer.stats.handled + consumer.stats.passed_by == 7))
    stop.set()
    await task
    assert consumer.stats.passed_by == 3
    assert await effect_counts(db) == {f"case-{n}": 1 for n in range(4)}
    async with db.transaction() as tx:  # claimed: only what was handled
        claimed = (await tx.conn.execute(sa.text("SELECT count(*) FROM processed_messages WHERE consumer = :c"),
                                         {"c": unique})).scalar_one()
    assert claimed == 4


async def test_a_poison_message_goes_to_the_dead_letter_topic_and_the_consumer_goes_on(
    db, kafka_bootstrap, topic, unique
) -> None:
    await append_cases(db, topic, range(0, 2))
    await append_cases(db, topic, range(2, 3), poison=True)
    await append_cases(db, topic, range(3, 5))
    await relay_all(db, kafka_bootstrap)
    raw = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await raw.start()
    await raw.send_and_wait(topic, b"not json, no headers", key=b"case-x")  # not a CloudEvent at all
    await raw.stop()
    consumer, stop, task = await run_consumer(db, kafka_bootstrap, topic, unique)
    await eventually(lambda: _true(consumer.stats.handled == 4 and consumer.stats.dead_lettered == 2))
    stop.set()
    await task
    assert await effect_counts(db) == {f"case-{n}": 1 for n in (0, 1, 3, 4)}
    letters = await read_topic(kafka_bootstrap, topic + ".dlq", expect=2)
    reasons = sorted(dict(r.headers)["dlq_reason"].decode().split(":")[0] for r in letters)
    assert reasons == ["NotACloudEvent", "ValueError"]
    poisoned = next(r for r in letters if r.key == b"case-2")
    assert json.loads(poisoned.value)["poison"] is True  # the original bytes, kept
    assert dict(poisoned.headers)["dlq_topic"] == topic.encode()
    assert dict(poisoned.headers)["ce_type"] == b"ApplicationReceived"  # and the original headers


async def _true(value: bool) -> bool:
    return value


def _record(topic: str, offset: int, n: int, *, poison: bool = False) -> SimpleNamespace:
    """A record as aiokafka hands it over: binary CloudEvents headers, the event as the value."""
    headers = binary_headers(event_id=f"evt-{n}", event_type="ApplicationReceived", source=SOURCE,
                             subject=f"case-{n}", time=AT, schema_version=1, traceparent=None)
    return SimpleNamespace(topic=topic, partition=0, offset=offset, key=f"case-{n}".encode(),
                           value=json.dumps({"n": n, "poison": poison}).encode(), headers=headers)


async def test_a_fetched_run_goes_in_one_transaction_and_a_poison_in_it_costs_only_the_run(
    db, kafka_bootstrap, topic, unique
) -> None:
    transactions: list[int] = []

    async def handler(message, tx) -> None:  # type: ignore[no-untyped-def]
        transactions.append(id(tx))
        await record_effect(message, tx)

    dead = kafka.producer(kafka_bootstrap, client_id=f"{unique}-dlq")
    await dead.start()
    try:
        consumer = Consumer(db, name=unique, topics=[topic], handler=handler, kafka_consumer=None,
                            dead_letters=dead, first_backoff=0.01)
        assert await consumer.process_together([_record(topic, n, n) for n in range(3)])
        assert len(set(transactions)) == 1 and consumer.stats.handled == 3  # one transaction for the three

        transactions.clear()
        run = [_record(topic, 3, 3), _record(topic, 4, 4, poison=True), _record(topic, 5, 5), _record(topic, 5, 5)]
        assert await consumer.process_together(run)
        assert consumer.stats.dead_lettered == 1  # the poison alone, after the run fell back to one at a time
        assert await effect_counts(db) == {f"case-{n}": 1 for n in (0, 1, 2, 3, 5)}  # the twin absorbed

        assert await consumer.process_together([_record(topic, n, n) for n in range(3)])  # redelivered
        assert await effect_counts(db) == {f"case-{n}": 1 for n in (0, 1, 2, 3, 5)}
        assert consumer.stats.duplicates >= 4
    finally:
        await dead.stop()
    (letter,) = await read_topic(kafka_bootstrap, topic + ".dlq", expect=1)
    assert letter.key == b"case-4"


async def test_one_relay_leads_however_many_run(db, kafka_bootstrap, topic) -> None:
    producer = kafka.producer(kafka_bootstrap, client_id="two-relays")
    await producer.start()
    relays = [OutboxRelay(db, KafkaPublisher(producer), source=SOURCE, poll_seconds=0.1) for _ in range(2)]
    stop = asyncio.Event()
    led = [0, 0]

    async def lead(i: int) -> None:
        async with relays[i]._leadership() as leader:
            led[i] = 1 if leader else 0
            await stop.wait()

    tasks = [asyncio.create_task(lead(i)) for i in range(2)]
    await asyncio.sleep(0.5)
    assert sum(led) == 1
    stop.set()
    await asyncio.gather(*tasks)
    await producer.stop()


# --- faults: each takes real processes down; they run last, on instances of their own -------------


@pytest.fixture
def own_kafka() -> Iterator[Local]:
    broker = start_local("kafka.sh", "ow-kafka-fault-")
    yield broker
    cleanup(broker)


@pytest.mark.kills
async def test_a_broker_outage_delays_delivery_and_loses_nothing(db, own_kafka: Local, unique) -> None:
    bootstrap = own_kafka.address
    topic = f"{unique}.events"
    await kafka.ensure_topics(bootstrap, [kafka.TopicSpec(topic, partitions=4)])
    relay_proc = spawn("relay", _url(db), bootstrap)
    try:
        await append_cases(db, topic, range(0, 20))
        await eventually(lambda: _outbox_empty(db))
        await asyncio.to_thread(own_kafka.stop)  # the broker goes away mid-stream
        await append_cases(db, topic, range(20, 40))  # the service keeps accepting: stored, waiting
        await asyncio.sleep(2)
        assert await outbox_size(db) == 20
        await asyncio.to_thread(own_kafka.restart)
        await eventually(lambda: _outbox_empty(db), timeout=90)
    finally:
        relay_proc.kill()
        relay_proc.wait()
    consumer, stop, task = await run_consumer(db, bootstrap, topic, unique)
    await eventually(lambda: _true(consumer.stats.handled == 40), timeout=60)
    stop.set()
    await task
    assert await effect_counts(db) == {f"case-{n}": 1 for n in range(40)}


@pytest.mark.kills
async def test_a_relay_killed_between_publish_and_mark_yields_duplicates_only(
    db, kafka_bootstrap, topic, unique, tmp_path: Path
) -> None:
    await append_cases(db, topic, range(10))
    marker = tmp_path / "published"
    proc = spawn("relay", _url(db), kafka_bootstrap, str(marker))
    try:
        await eventually(lambda: _true(marker.exists()), timeout=60)
        os.kill(proc.pid, signal.SIGKILL)  # published, acknowledged, not yet marked
    finally:
        proc.wait()
    assert await outbox_size(db) == 10  # nothing was marked: all will be sent again
    assert await relay_all(db, kafka_bootstrap) == 10
    assert len(await read_topic(kafka_bootstrap, topic, expect=20)) == 20  # every event twice on the wire
    consumer, stop, task = await run_consumer(db, kafka_bootstrap, topic, unique)
    await eventually(lambda: _true(consumer.stats.handled + consumer.stats.duplicates == 20))
    stop.set()
    await task
    assert await effect_counts(db) == {f"case-{n}": 1 for n in range(10)}  # and applied once


@pytest.mark.kills
async def test_a_consumer_killed_after_its_effects_and_before_its_offset_commit(
    db, kafka_bootstrap, topic, unique, tmp_path: Path
) -> None:
    await append_cases(db, topic, range(6))
    await relay_all(db, kafka_bootstrap)
    marker = tmp_path / "handled"
    proc = spawn("consume", _url(db), kafka_bootstrap, topic, unique, str(marker))
    try:
        await eventually(lambda: _true(marker.exists()), timeout=60)
        os.kill(proc.pid, signal.SIGKILL)  # the effect is committed, the offset is not
    finally:
        proc.wait()
    before = sum((await effect_counts(db)).values())  # the first run (one transaction) took 1 to 6
    assert 1 <= before <= 6
    consumer, stop, task = await run_consumer(db, kafka_bootstrap, topic, unique)
    await eventually(lambda: _true(consumer.stats.handled + consumer.stats.duplicates >= 6), timeout=60)
    await asyncio.sleep(1)
    stop.set()
    await task
    assert consumer.stats.handled == 6 - before
    assert consumer.stats.duplicates >= before  # what the killed one handled came again, and was absorbed
    assert await effect_counts(db) == {f"case-{n}": 1 for n in range(6)}


def _url(db: Database) -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _outbox_empty(db: Database) -> bool:
    return await outbox_size(db) == 0


async def test_replaying_a_dead_letter_topic_after_the_fix_handles_what_failed(db, kafka_bootstrap, topic, unique) -> None:
    from onewindow_chassis.deadletter import replay

    await append_cases(db, topic, range(3))
    await relay_all(db, kafka_bootstrap)
    broken = True

    async def handler(message, tx) -> None:  # type: ignore[no-untyped-def]
        if broken and message.subject == "case-1":
            raise LookupError("a reference table is missing")  # a bug, fixed below
        await record_effect(message, tx)

    source = kafka.consumer(kafka_bootstrap, topic, group_id=unique, session_timeout_ms=6000)
    dead = kafka.producer(kafka_bootstrap, client_id="dlq")
    await source.start()
    await dead.start()
    consumer = Consumer(db, name=unique, topics=[topic], handler=handler, kafka_consumer=source,
                        dead_letters=dead, first_backoff=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: _true(consumer.stats.handled == 2 and consumer.stats.dead_lettered == 1))
    broken = False
    assert await replay(kafka_bootstrap, topic + ".dlq", idle_seconds=2) == 1
    await eventually(lambda: _true(consumer.stats.handled == 3))
    stop.set()
    await task
    await source.stop()
    await dead.stop()
    assert await effect_counts(db) == {f"case-{n}": 1 for n in range(3)}
