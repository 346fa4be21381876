"""The core both a live run and a rebuild use: apply the event log, page by page, to one set of tables.

Each page is read, applied and its reader's cursor moved in ONE transaction: an exception anywhere
rolls back the rows and the cursor together, so the page is applied again later, whole, exactly once.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import sqlalchemy as sa

from ..clock import Clock
from ..db import Database
from ..eventstore import Cursor, EventStore
from . import cursors
from .model import Projection


class ProjectionFailed(Exception):
    """The handler raised on a page; nothing of the page was kept. The cause is chained."""

    def __init__(self, reader: str, after: Cursor) -> None:
        super().__init__(f"projection reader {reader!r} failed on the page after {tuple(after)}")
        self.reader = reader
        self.after = after


class Follower:
    """Moves one reader (a cursor in `read_positions`) through the log, applying pages to `tables`."""

    def __init__(
        self,
        db: Database,
        store: EventStore,
        projection: Projection,
        reader: str,
        tables: Mapping[str, sa.Table],
        clock: Clock,
    ) -> None:
        self.db = db
        self.store = store
        self.projection = projection
        self.reader = reader
        self.tables = tables
        self.clock = clock

    async def apply_page(self, limit: int, until: Cursor | None = None) -> int:
        """Apply the next page (at most `limit` events, none after `until`); return how many."""
        async with self.db.transaction() as tx:
            now = self.clock.now()
            after = await cursors.lock(tx, self.reader, now)
            page = await self.store.read_all(tx, after, limit)
            if until is not None and page and page[-1].cursor > until:
                page = [event for event in page if event.cursor <= until]
            if not page:
                return 0
            try:
                await self.projection.apply(page, tx, self.tables)
            except Exception as error:
                raise ProjectionFailed(self.reader, after) from error
            await cursors.save(tx, self.reader, page[-1].cursor, now)
        return len(page)

    async def advance(
        self, limit: int, until: Cursor | None = None, on_page: Callable[[int], None] | None = None
    ) -> int:
        """Apply pages until the log (or `until`) is reached; return how many events were applied."""
        applied = 0
        while True:
            count = await self.apply_page(limit, until)
            applied += count
            if count and on_page is not None:
                on_page(count)
            if count < limit:  # a short page: the end of what may be read now
                return applied

    async def cursor(self) -> Cursor | None:
        async with self.db.transaction() as tx:
            return await cursors.read(tx, self.reader)
