"""Small tools for tests that talk to a real broker."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer


async def read_topic(bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0) -> list[Any]:
    """Every record of `topic` from the start, waiting until at least `expect` came (or time is up)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest", enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expect and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
        # a short grace read, so a test that expects N also sees an unwanted N+1th
        for batch in (await consumer.getmany(timeout_ms=500)).values():
            records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout: float = 60.0, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        await asyncio.sleep(every)


CASE_TOPICS = ("intake.events", "approval.events", "certificates.events", "evaluation.events", "notify.events")
# Every consumer group of the services that reads case topics (the catalogue groups read from the start).
CASE_GROUPS = ("intake.approval-events", "approval.intake", "certificates.intake", "certificates.approval",
               "supervision.archive", "evaluation.intake", "evaluation.approval", "evaluation.notify",
               "notify.intake", "notify.approval", "notify.certificates", "notify.evaluation")


async def skip_history(bootstrap: str, prefix: str) -> None:
    """Start a test's fresh consumer groups at the end of the case topics, as a deployment that began
    today would: the shared broker holds every earlier test's cases, which this test need not replay."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from onewindow_contracts.topics import TOPICS

    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await probe.start()
    try:
        known = await probe.topics()
        partitions = [TopicPartition(t, p) for t in CASE_TOPICS if t in known for p in range(TOPICS[t].partitions)]
        ends = await probe.end_offsets(partitions) if partitions else {}
    finally:
        await probe.stop()
    if not ends:
        return  # a new broker: there is no history to skip
    for group in CASE_GROUPS:
        committer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=prefix + group, enable_auto_commit=False)
        await committer.start()
        try:
            committer.assign(partitions)
            await committer.commit({tp: offset for tp, offset in ends.items()})
        finally:
            await committer.stop()
