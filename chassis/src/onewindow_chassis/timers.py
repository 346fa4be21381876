"""Durable, idempotent timers: supplement deadlines, default ratings, rectification deadlines, alerts.

A timer is scheduled in the same transaction as the decision that needs it, under an id the caller
derives from that decision (scheduling twice is a no-op). It fires in its own transaction, which also
marks it fired, so a restart neither loses a due timer nor fires one twice in effect. Due-ness is read
from the clock port, so tests move time and nothing waits for real.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .clock import Clock
from .db import Database, Transaction
from .schema import timers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timer:
    timer_id: str
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int


TimerHandler = Callable[[Timer, Transaction], Awaitable[None]]


async def schedule(
    tx: Transaction, timer_id: str, kind: str, due_at: datetime, payload: dict[str, Any] | None = None
) -> bool:
    """Schedule once; False when a timer with this id exists already (its first schedule stands)."""
    insert = (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(timers)
    result = await tx.conn.execute(
        insert.values(timer_id=timer_id, kind=kind, due_at=due_at, payload=payload or {}, attempts=0)
        .on_conflict_do_nothing()
        .returning(sa.literal(1))
    )
    return result.first() is not None


async def cancel(tx: Transaction, timer_id: str, at: datetime) -> None:
    await tx.conn.execute(
        timers.update()
        .where(timers.c.timer_id == timer_id, timers.c.fired_at.is_(None), timers.c.cancelled_at.is_(None))
        .values(cancelled_at=at)
    )


def _pending(now: datetime) -> Any:
    return sa.and_(timers.c.due_at <= now, timers.c.fired_at.is_(None), timers.c.cancelled_at.is_(None))


class TimerRunner:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        handlers: Mapping[str, TimerHandler],
        *,
        poll_seconds: float = 1.0,
        retry_after: timedelta = timedelta(seconds=30),
    ) -> None:
        self.db = db
        self.clock = clock
        self.handlers = dict(handlers)
        self.poll_seconds = poll_seconds
        self.retry_after = retry_after

    async def fire_due(self, limit: int = 100) -> int:
        """Fire every timer due by the clock's now; return how many fired."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            due = (
                await tx.conn.execute(
                    sa.select(timers.c.timer_id).where(_pending(now)).order_by(timers.c.due_at).limit(limit)
                )
            ).scalars().all()
        fired = 0
        for timer_id in due:
            fired += await self._fire(timer_id, now)
        return fired

    async def _fire(self, timer_id: str, now: datetime) -> int:
        try:
            async with self.db.transaction() as tx:
                query = sa.select(timers).where(timers.c.timer_id == timer_id, _pending(now))
                if tx.dialect == "postgresql":
                    query = query.with_for_update(skip_locked=True)  # another instance has it
                row = (await tx.conn.execute(query)).mappings().first()
                if row is None:
                    return 0
                timer = Timer(row["timer_id"], row["kind"], row["due_at"], row["payload"], row["attempts"])
                handler = self.handlers.get(timer.kind)
                if handler is None:
                    raise LookupError(f"no handler for timer kind {timer.kind!r}")
                await handler(timer, tx)
                await tx.conn.execute(
                    timers.update().where(timers.c.timer_id == timer_id).values(fired_at=now, attempts=timer.attempts + 1)
                )
            return 1
        except Exception as error:
            log.warning("timer %s failed (%s); retrying later", timer_id, type(error).__name__)
            async with self.db.transaction() as tx:
                await tx.conn.execute(
                    timers.update()
                    .where(timers.c.timer_id == timer_id)
                    .values(
                        attempts=timers.c.attempts + 1,
                        last_error=f"{type(error).__name__}"[:500],
                        due_at=now + self.retry_after,
                    )
                )
            return 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.fire_due()
            except Exception as error:  # database away: try again next tick
                log.warning("timer runner retrying after %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)
