"""Kafka clients configured the one way the chassis's promises need, and topics made explicitly."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 4
    compacted: bool = False
    retain_forever: bool = False  # never expire: consumers rebuild their projections by replaying

    def config(self) -> dict[str, str]:
        config = {"cleanup.policy": "compact" if self.compacted else "delete"}
        if self.retain_forever:
            config["retention.ms"] = "-1"
        return config


def topic_specs(*topics: Any) -> list[TopicSpec]:
    """Specs from topic descriptions that have `name`, `partitions` and `cleanup_policy` (the
    contracts' topics): compacted topics keep the latest per key, the others keep everything."""
    return [
        TopicSpec(t.name, t.partitions, compacted=str(t.cleanup_policy) == "compact",
                  retain_forever=str(t.cleanup_policy) != "compact")
        for t in topics
    ]


def producer(bootstrap: str, *, client_id: str, linger_ms: int = 5) -> AIOKafkaProducer:
    """Idempotent, acks from every in-sync replica: a retried send never writes a record twice, and
    an acknowledged record survives a broker failure."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=linger_ms,
        request_timeout_ms=15000,
        retry_backoff_ms=200,
    )


def consumer(bootstrap: str, *topics: str, group_id: str, session_timeout_ms: int = 10000) -> AIOKafkaConsumer:
    """Offsets are committed by hand, only after the handler's transaction committed."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(300, session_timeout_ms // 4),
        max_poll_records=500,
        retry_backoff_ms=200,
    )


async def ensure_topics(bootstrap: str, specs: list[TopicSpec], *, with_dead_letters: bool = True) -> None:
    """Create the topics (and their dead-letter topics) if missing; the broker never auto-creates."""
    wanted = list(specs)
    if with_dead_letters:
        wanted += [TopicSpec(s.name + DLQ_SUFFIX, partitions=1) for s in specs if not s.compacted]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in wanted if s.name not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [NewTopic(s.name, num_partitions=s.partitions, replication_factor=1, topic_configs=s.config())
                     for s in missing]
                )
            except TopicAlreadyExistsError:
                pass  # another instance made it first
    finally:
        await admin.close()
