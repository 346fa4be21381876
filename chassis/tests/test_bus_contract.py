"""The bus contract: the embedded bus keeps Kafka's promises, checked by ONE suite run on both.

Durable, ordered per key, consumer groups with positions that move only on commit, at least once —
and a real process SIGKILLed between publish and consume, and between handling and position commit.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from onewindow_chassis.bus import Bus, KafkaBus
from onewindow_chassis.cloudevents import binary_headers
from onewindow_chassis.consumer import Consumer
from onewindow_chassis.db import Database
from onewindow_chassis.embedded_bus import EmbeddedBus
from onewindow_chassis.kafka import TopicSpec
from onewindow_chassis.outbox import OutgoingMessage
from tests.support.chassis_procs import effects, install_effects, record_effect
from tests.support.databases import installed
from tests.support.infra import ROOT
from tests.support.kafka_tools import eventually


def message(topic: str, n: int, key: str) -> OutgoingMessage:
    headers = binary_headers(event_id=f"evt-{n}", event_type="Happened", source="/test", subject=key,
                             time=datetime(2026, 1, 5, tzinfo=timezone.utc), schema_version=1)
    return OutgoingMessage(topic, key, json.dumps({"n": n}).encode(), headers, f"evt-{n}")


async def drain(bus: Bus, topic: str, group: str, *, expect: int, commit: bool = True) -> list[int]:
    consumer = bus.consumer(topic, group_id=group)
    await consumer.start()
    seen: list[tuple[str, int]] = []
    try:
        for _ in range(100):
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            for partition, records in batches.items():
                seen += [(r.key.decode(), json.loads(r.value)["n"]) for r in records]
                if commit:
                    await consumer.commit({partition: records[-1].offset + 1})
            if len(seen) >= expect:
                await asyncio.sleep(0.3)
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    seen += [(r.key.decode(), json.loads(r.value)["n"]) for r in records]
                break
    finally:
        await consumer.stop()
    return seen  # type: ignore[return-value]


class BusContract:
    """Subclass once per adapter, providing the fixtures `bus` and `bus_spec`."""

    @pytest.fixture
    async def topic(self, bus: Bus, unique: str) -> str:
        await bus.ensure_topics([TopicSpec(f"{unique}.events", partitions=4)])
        return f"{unique}.events"

    @pytest.fixture
    async def effects_db(self, tmp_path: Path) -> AsyncIterator[Database]:
        db = await installed(f"sqlite:///{tmp_path}/effects.db")
        await install_effects(db)
        yield db
        await db.dispose()

    async def test_one_keys_records_arrive_in_the_order_published(self, bus: Bus, topic: str, unique: str) -> None:
        await bus.publisher().publish([message(topic, n, f"case-{n % 3}") for n in range(30)])
        seen = await drain(bus, topic, unique, expect=30)
        assert sorted(n for _, n in seen) == list(range(30))
        for key in ("case-0", "case-1", "case-2"):
            ns = [n for k, n in seen if k == key]
            assert ns == sorted(ns)

    async def test_a_group_resumes_after_its_commit_and_a_new_group_reads_from_the_start(
        self, bus: Bus, topic: str, unique: str
    ) -> None:
        await bus.publisher().publish([message(topic, n, f"case-{n}") for n in range(5)])
        assert len(await drain(bus, topic, unique, expect=5)) == 5
        await bus.publisher().publish([message(topic, n, f"case-{n}") for n in range(5, 8)])
        assert sorted(n for _, n in await drain(bus, topic, unique, expect=3)) == [5, 6, 7]
        assert len(await drain(bus, topic, unique + "-other", expect=8)) == 8

    async def test_what_was_not_committed_is_delivered_again(self, bus: Bus, topic: str, unique: str) -> None:
        await bus.publisher().publish([message(topic, n, f"case-{n}") for n in range(4)])
        assert len(await drain(bus, topic, unique, expect=4, commit=False)) == 4
        assert sorted(n for _, n in await drain(bus, topic, unique, expect=4)) == [0, 1, 2, 3]

    async def test_a_topic_is_never_made_by_writing_to_it(self, bus: Bus, unique: str) -> None:
        with pytest.raises(Exception):
            await asyncio.wait_for(bus.publisher().publish([message(f"{unique}.nowhere", 1, "k")]), 20)

    async def test_a_consumer_on_the_bus_applies_each_event_once(
        self, bus: Bus, topic: str, unique: str, effects_db: Database
    ) -> None:
        batch = [message(topic, n, f"case-{n}") for n in range(6)]
        await bus.publisher().publish(batch)
        await bus.publisher().publish(batch[:3])  # a relay's duplicates
        consumer = Consumer(effects_db, name=unique, topics=[topic], handler=record_effect,
                            kafka_consumer=bus.consumer(topic, group_id=unique), dead_letters=bus.producer())
        await consumer.kafka.start()
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await eventually(lambda: _true(consumer.stats.handled == 6 and consumer.stats.duplicates == 3))
        stop.set()
        await task
        await consumer.kafka.stop()

    @pytest.mark.kills
    async def test_a_publisher_killed_after_publishing_loses_nothing(
        self, bus: Bus, bus_spec: str, topic: str, unique: str, tmp_path: Path
    ) -> None:
        marker = tmp_path / "published"
        proc = subprocess.Popen([sys.executable, "-m", "tests.support.chassis_procs", "publish", bus_spec, topic,
                                 "12", str(marker)], cwd=ROOT)
        try:
            await eventually(lambda: _true(marker.exists()), timeout=60)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        assert sorted(n for _, n in await drain(bus, topic, unique, expect=12)) == list(range(12))

    @pytest.mark.kills
    async def test_a_consumer_killed_between_handling_and_position_commit_applies_once(
        self, bus: Bus, bus_spec: str, topic: str, unique: str, effects_db: Database, tmp_path: Path
    ) -> None:
        await bus.publisher().publish([message(topic, n, f"case-{n}") for n in range(5)])
        marker = tmp_path / "handled"
        url = f"sqlite:///{tmp_path}/effects.db"
        proc = subprocess.Popen([sys.executable, "-m", "tests.support.chassis_procs", "consume", url, bus_spec,
                                 topic, unique, str(marker)], cwd=ROOT)
        try:
            await eventually(lambda: _true(marker.exists()), timeout=60)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        consumer = Consumer(effects_db, name=unique, topics=[topic], handler=record_effect,
                            kafka_consumer=bus.consumer(topic, group_id=unique), dead_letters=bus.producer())
        await consumer.kafka.start()
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        # Killed after a commit and before the position: what it committed comes again and is absorbed
        # (how many depends on whether it had handled them one by one or together).
        await eventually(lambda: _true(consumer.stats.handled + consumer.stats.duplicates == 5
                                       and consumer.stats.duplicates >= 1), timeout=60)
        stop.set()
        await task
        await consumer.kafka.stop()
        async with effects_db.transaction() as tx:
            rows = (await tx.conn.execute(effects.select())).all()
        assert sorted(r.subject for r in rows) == [f"case-{n}" for n in range(5)]


async def _true(value: bool) -> bool:
    return value


class TestKafkaBus(BusContract):
    @pytest.fixture
    async def bus(self, kafka_bootstrap: str) -> AsyncIterator[Bus]:
        bus = KafkaBus(kafka_bootstrap, client_id="contract", session_timeout_ms=6000)
        await bus.start()
        yield bus
        await bus.close()

    @pytest.fixture
    def bus_spec(self, kafka_bootstrap: str) -> str:
        return kafka_bootstrap


class TestEmbeddedBus(BusContract):
    @pytest.fixture
    async def bus(self, tmp_path: Path) -> AsyncIterator[Bus]:
        bus = EmbeddedBus(tmp_path / "bus.db")
        await bus.start()
        yield bus
        await bus.close()

    @pytest.fixture
    def bus_spec(self, tmp_path: Path) -> str:
        return f"embedded:{tmp_path / 'bus.db'}"
