"""A service's background work, started and stopped with its app: the outbox relay, its consumers,
its timers. The same on Kafka and on the embedded bus."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .bus import Bus
from .clock import Clock
from .consumer import Consumer, Handler
from .db import Database
from .kafka import TopicSpec
from .outbox import OutboxRelay
from .timers import TimerHandler, TimerRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscription:
    """A consumer group of this service: what it reads and the one handler that dispatches it."""

    group: str
    topics: Sequence[str]
    handler: Handler
    # The CloudEvents types the handler acts on; the rest are passed by before any transaction or
    # claim (most of a topic is of no use to most readers). None: every type reaches the handler.
    wants: Collection[str] | None = None


@dataclass
class ServiceRuntime:
    service: str
    db: Database
    bus: Bus
    clock: Clock
    topics: Sequence[TopicSpec] = ()
    subscriptions: Sequence[Subscription] = ()
    timer_handlers: Mapping[str, TimerHandler] = field(default_factory=dict)
    group_prefix: str = ""
    loops: Sequence[Any] = ()  # more background work: async callables taking the stop event
    consumers: list[Consumer] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _sources: list[Any] = field(default_factory=list)

    async def start(self) -> None:
        await self.bus.start()
        await self.bus.ensure_topics(self.topics)
        self.relay = OutboxRelay(self.db, self.bus.publisher(), source=f"/onewindow/{self.service}")
        self._spawn(lambda: self.relay.run(self._stop), "relay")
        for subscription in self.subscriptions:
            group = self.group_prefix + subscription.group
            source = self.bus.consumer(*subscription.topics, group_id=group)
            await source.start()
            self._sources.append(source)
            consumer = Consumer(
                self.db, name=group, topics=subscription.topics, handler=subscription.handler, wants=subscription.wants,
                kafka_consumer=source, dead_letters=self.bus.producer(), clock=self.clock,
            )
            self.consumers.append(consumer)
            self._spawn(lambda consumer=consumer: consumer.run(self._stop), subscription.group)
        if self.timer_handlers:
            runner = TimerRunner(self.db, self.clock, self.timer_handlers)
            self._spawn(lambda: runner.run(self._stop), "timers")
        for number, loop in enumerate(self.loops):
            self._spawn(lambda loop=loop: loop(self._stop), getattr(loop, "__name__", f"loop-{number}"))

    def _spawn(self, work: Callable[[], Awaitable[None]], name: str) -> None:
        task = asyncio.create_task(self._keep_running(work, name), name=f"{self.service}:{name}")
        self._tasks.append(task)

    async def _keep_running(self, work: Callable[[], Awaitable[None]], name: str) -> None:
        """Background work that fails unexpectedly is logged and started again: a service whose relay
        or consumer silently died would look healthy while delivering nothing."""
        backoff = 1.0
        while not self._stop.is_set():
            try:
                await work()
                return
            except Exception as error:
                log.error("background task %s:%s failed (%s); restarting", self.service, name, type(error).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), backoff)
                backoff = min(backoff * 2, 30.0)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        for source in self._sources:
            with contextlib.suppress(Exception):
                await source.stop()
        await self.bus.close()

