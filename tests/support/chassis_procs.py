"""Real processes for the chassis's fault tests: a relay, a consumer, each of which can be told to
stop dead at a chosen point (after publishing, after handling) so that the test can SIGKILL it there.

    python -m tests.support.chassis_procs relay DB_URL BOOTSTRAP [MARKER]
    python -m tests.support.chassis_procs consume DB_URL BOOTSTRAP TOPIC GROUP [MARKER]
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import sqlalchemy as sa

from onewindow_chassis import kafka
from onewindow_chassis.cloudevents import Message
from onewindow_chassis.consumer import Consumer
from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.outbox import KafkaPublisher, OutboxRelay

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


async def consume(url: str, bootstrap: str, topic: str, group: str, marker: str | None) -> None:
    db = Database(url)
    source = kafka.consumer(bootstrap, topic, group_id=group, session_timeout_ms=6000)
    dead = kafka.producer(bootstrap, client_id=f"{group}-dlq")
    await source.start()
    await dead.start()
    consumer = Consumer(
        db, name=group, topics=[topic], handler=record_effect, kafka_consumer=source, dead_letters=dead,
        after_handled=freeze_at(marker),
    )
    await consumer.run(asyncio.Event())


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "relay":
        asyncio.run(relay(args[0], args[1], args[2] if len(args) > 2 else None))
    else:
        asyncio.run(consume(args[0], args[1], args[2], args[3], args[4] if len(args) > 4 else None))
