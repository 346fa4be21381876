"""Run a projection: keep its live tables caught up with the log; rebuild, verify and swap on demand."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from ..clock import Clock, SystemClock
from ..db import Database
from ..eventstore import START, Cursor, EventStore
from . import rebuild as rebuilding
from .diff import VerifyReport
from .follow import Follower
from .model import SHADOW, Projection, shadow_tables
from .progress import Progress

log = logging.getLogger(__name__)


class ProjectionRunner:
    def __init__(
        self,
        db: Database,
        store: EventStore,
        projection: Projection,
        *,
        page_size: int = 1000,
        rebuild_page_size: int = 5000,  # a rebuild has the log to itself: bigger pages, fewer commits
        clock: Clock | None = None,
    ) -> None:
        self.projection = projection
        self.page_size = page_size
        self.rebuild_page_size = rebuild_page_size
        clock = clock or SystemClock()
        self.live = Follower(db, store, projection, projection.name, projection.live, clock)
        self.shadow = Follower(db, store, projection, projection.name + SHADOW, shadow_tables(projection), clock)

    async def catch_up(self, until: Cursor | None = None) -> int:
        """Apply every event after the live cursor (up to `until`), a page per transaction; return how many."""
        return await self.live.advance(self.page_size, until)

    async def cursor(self) -> Cursor:
        return await self.live.cursor() or START

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Catch up, then again every `poll_seconds`, until `stop` is set.

        A page that fails is retried every poll and never skipped: a projection that left out an event
        would be silently wrong, one that is stuck shows in its lag and in the log.
        """
        while not stop.is_set():
            try:
                await self.catch_up()
            except Exception as error:
                after = getattr(error, "after", None)
                cause = type(error.__cause__ or error).__name__
                log.warning("projection %s stuck after %s (%s); retrying", self.projection.name, after, cause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)

    async def rebuild(
        self, progress: Callable[[Progress], None] | None = None, *, catch_up_first: bool = True
    ) -> Cursor:
        """Build the projection again from the first event into fresh shadow tables (`<table>__rebuild`),
        up to the cursor live has reached (after catching live up, unless told not to); return it."""
        return await rebuilding.rebuild(self.live, self.shadow, self.rebuild_page_size, progress, catch_up_first)

    async def verify(self, examples: int = 5) -> VerifyReport:
        """Compare live with the rebuild, both at the same cursor: missing, extra and changed rows."""
        return await rebuilding.verify(self.live, self.shadow, self.rebuild_page_size, examples)

    async def swap(self) -> Cursor:
        """Make the rebuild live (rows and cursor, in one transaction) and drop the shadow tables."""
        return await rebuilding.swap(self.live, self.shadow)

    async def drop_rebuild(self) -> None:
        await rebuilding.drop(self.shadow)
