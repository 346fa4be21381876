"""The bus port: Kafka in the distributed mode, the embedded bus in the embedded default — one code
path above it. The relay publishes through `publisher()`, consumers read through `consumer()`, and
dead letters go out through `producer()`."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from . import kafka
from .embedded_bus import EmbeddedBus
from .outbox import KafkaPublisher, Publisher


class Bus(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def ensure_topics(self, specs: Sequence[kafka.TopicSpec]) -> None: ...
    def publisher(self) -> Publisher: ...
    def producer(self) -> Any: ...
    def consumer(self, *topics: str, group_id: str) -> Any: ...


class KafkaBus:
    def __init__(self, bootstrap: str, *, client_id: str, session_timeout_ms: int = 10000) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.session_timeout_ms = session_timeout_ms
        self._producer = kafka.producer(bootstrap, client_id=client_id)

    async def start(self) -> None:
        await self._producer.start()

    async def close(self) -> None:
        await self._producer.stop()

    async def ensure_topics(self, specs: Sequence[kafka.TopicSpec]) -> None:
        await kafka.ensure_topics(self.bootstrap, list(specs))

    def publisher(self) -> Publisher:
        return KafkaPublisher(self._producer)

    def producer(self) -> Any:
        return self._producer

    def consumer(self, *topics: str, group_id: str) -> Any:
        return kafka.consumer(self.bootstrap, *topics, group_id=group_id, session_timeout_ms=self.session_timeout_ms)


def open_bus(*, kafka_bootstrap: str | None, embedded_path: Path, client_id: str) -> Bus:
    """Kafka when a broker is configured, else the embedded bus file."""
    if kafka_bootstrap:
        return KafkaBus(kafka_bootstrap, client_id=client_id)
    return EmbeddedBus(embedded_path)
