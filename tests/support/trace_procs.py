"""Two services in two OS processes, for the trace test.

    python -m tests.support.trace_procs produce DB_URL BOOTSTRAP TOPIC SPANS_FILE
    python -m tests.support.trace_procs consume DB_URL BOOTSTRAP TOPIC GROUP SPANS_FILE
"""
from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timezone
from pathlib import Path

from opentelemetry.trace import SpanKind

from onewindow_chassis import kafka, telemetry
from onewindow_chassis.consumer import Consumer
from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import NewEvent, event_store_for
from onewindow_chassis.outbox import KafkaPublisher, OutboxRelay

from .chassis_procs import install_effects, record_effect


async def produce(url: str, bootstrap: str, topic: str) -> None:
    db = Database(url)
    with telemetry.tracer.start_as_current_span("POST /v1/applications", kind=SpanKind.SERVER):
        async with db.transaction() as tx:
            event = NewEvent("ApplicationReceived", {"n": 1}, subject="case-traced", topic=topic)
            await event_store_for(db.dialect).append(tx, "application-traced", 0, [event], datetime.now(timezone.utc))
    producer = kafka.producer(bootstrap, client_id="trace-producer")
    await producer.start()
    try:
        await OutboxRelay(db, KafkaPublisher(producer), source="/onewindow/producer").relay_once()
    finally:
        await producer.stop()
        await db.dispose()


async def consume(url: str, bootstrap: str, topic: str, group: str) -> None:
    db = Database(url)
    await install_effects(db)
    source = kafka.consumer(bootstrap, topic, group_id=group, session_timeout_ms=6000)
    dead = kafka.producer(bootstrap, client_id=f"{group}-dlq")
    await source.start()
    await dead.start()
    consumer = Consumer(db, name=group, topics=[topic], handler=record_effect, kafka_consumer=source, dead_letters=dead)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    for _ in range(600):
        if consumer.stats.handled:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await task
    await source.stop()
    await dead.stop()
    await db.dispose()


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    spans = Path(args[-1])
    telemetry.setup_tracing(mode, [telemetry.JsonLinesSpanExporter(spans)])
    if mode == "produce":
        asyncio.run(produce(*args[:3]))
    else:
        asyncio.run(consume(*args[:4]))
