"""Real processes for the chassis's fault tests: a relay, a consumer, each of which can be told to
stop dead at a chosen point (after publishing, after handling) so that the test can SIGKILL it there.

    python -m tests.support.chassis_procs relay DB_URL BOOTSTRAP [MARKER]
    python -m tests.support.chassis_procs consume DB_URL BUS TOPIC GROUP [MARKER]
    python -m tests.support.chassis_procs publish BUS TOPIC COUNT MARKER

BUS is a Kafka bootstrap address, or `embedded:PATH` for the embedded bus file.
"""
from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from onewindow_chassis import kafka
from onewindow_chassis.bus import Bus, KafkaBus
from onewindow_chassis.cloudevents import Message, binary_headers
from onewindow_chassis.embedded_bus import EmbeddedBus
from onewindow_chassis.consumer import Consumer
from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.outbox import KafkaPublisher, OutboxRelay, OutgoingMessage

SOURCE = "/onewindow/test"

effects = sa.Table(
    "effects", sa.MetaData(), sa.Column("message_id", sa.Text), sa.Column("subject", sa.Text)
)


async def record_effect(message: Message, tx: Transaction) -> None:
    """The test handler's effect: one row per handling. Two rows for one message = applied twice."""
    if message.json().get("poison"):
        raise ValueError("this message can never be handled")
    await tx.conn.execute(effects.insert().values(message_id=message.id, subject=message.subject))


async def install_effects(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(effects.metadata.create_all)


def freeze_at(marker: str | None):  # type: ignore[no-untyped-def]
    """A hook that announces it was reached, then hangs until the test kills the process."""
    if marker is None:
        return None

    async def hook(_: object) -> None:
        Path(marker).write_text("reached")
        await asyncio.sleep(3600)

    return hook


async def relay(url: str, bootstrap: str, marker: str | None) -> None:
    db = Database(url)
    producer = kafka.producer(bootstrap, client_id="relay-proc")
    await producer.start()
    try:
        await OutboxRelay(db, KafkaPublisher(producer), source=SOURCE, on_published=freeze_at(marker)).run(asyncio.Event())
    finally:
        await producer.stop()


def open_test_bus(spec: str) -> Bus:
    if spec.startswith("embedded:"):
        return EmbeddedBus(Path(spec.removeprefix("embedded:")))
    return KafkaBus(spec, client_id="test-proc", session_timeout_ms=6000)


async def consume(url: str, bus_spec: str, topic: str, group: str, marker: str | None) -> None:
    db = Database(url)
    bus = open_test_bus(bus_spec)
    await bus.start()
    source = bus.consumer(topic, group_id=group)
    dead = bus.producer()
    await source.start()
    await dead.start()
    consumer = Consumer(
        db, name=group, topics=[topic], handler=record_effect, kafka_consumer=source, dead_letters=dead,
        after_handled=freeze_at(marker),
    )
    await consumer.run(asyncio.Event())


async def publish(bus_spec: str, topic: str, count: int, marker: str) -> None:
    """Publish `count` CloudEvents, announce it, and hang: the test kills us before anyone consumes."""
    bus = open_test_bus(bus_spec)
    await bus.start()
    messages = [
        OutgoingMessage(topic, f"case-{n % 3}", json.dumps({"n": n}).encode(), binary_headers(
            event_id=f"evt-{n}", event_type="Published", source=SOURCE, subject=f"case-{n % 3}",
            time=datetime.now(timezone.utc), schema_version=1), f"evt-{n}")
        for n in range(count)
    ]
    await bus.publisher().publish(messages)
    Path(marker).write_text("published")
    await asyncio.sleep(3600)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "relay":
        asyncio.run(relay(args[0], args[1], args[2] if len(args) > 2 else None))
    elif mode == "publish":
        asyncio.run(publish(args[0], args[1], int(args[2]), args[3]))
    else:
        asyncio.run(consume(args[0], args[1], args[2], args[3], args[4] if len(args) > 4 else None))
