"""Rebuild a projection from the events alone into shadow tables, compare with live, and swap.

The rebuild stops at the cursor live has reached, and verify first brings the two to one cursor and
compares while holding both cursors, so live and rebuild are compared having seen the same events.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa

from ..db import Database, Transaction
from ..eventstore import START, Cursor
from . import cursors
from .diff import VerifyReport, diff_table
from .follow import Follower
from .progress import Progress


class NoRebuild(LookupError):
    """verify or swap was asked for before a rebuild was made."""


async def _recreate(tx: Transaction, shadow: Follower, create: bool) -> None:
    tables = list(shadow.tables.values())
    if not tables:
        return
    metadata = tables[0].metadata  # the shadow copies share one MetaData of their own

    def ddl(connection: sa.Connection) -> None:
        metadata.drop_all(connection, checkfirst=True)
        if create:
            metadata.create_all(connection)

    await tx.conn.run_sync(ddl)
    await cursors.forget(tx, shadow.reader)


async def rebuild(
    live: Follower,
    shadow: Follower,
    page_size: int,
    progress: Callable[[Progress], None] | None = None,
    catch_up_first: bool = True,
) -> Cursor:
    """Build fresh shadow tables from the first event up to live's cursor; return that cursor."""
    if catch_up_first:
        await live.advance(page_size)
    async with live.db.transaction() as tx:
        target = await cursors.read(tx, live.reader) or START
        total = await cursors.count_until(tx, target)
        await _recreate(tx, shadow, create=True)
    started = time.monotonic()
    done = 0

    def on_page(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(Progress(done, total, time.monotonic() - started))

    if progress is not None:
        progress(Progress(0, total, 0.0))
    await shadow.advance(page_size, until=target, on_page=on_page)
    return target


async def verify(
    live: Follower, shadow: Follower, page_size: int, examples: int = 5, attempts: int = 10
) -> VerifyReport:
    """Compare live with the rebuild at one cursor (the later of the two; the other is caught up)."""
    db: Database = live.db
    for _ in range(attempts):
        async with db.transaction() as tx:
            live_at = await cursors.read(tx, live.reader) or START
            shadow_at = await cursors.read(tx, shadow.reader)
        if shadow_at is None:
            raise NoRebuild(f"no rebuild of {live.projection.name!r}: rebuild it first")
        if shadow_at < live_at:
            await shadow.advance(page_size, until=live_at)
        elif live_at < shadow_at:
            await live.advance(page_size, until=shadow_at)
        async with db.transaction() as tx:
            # Holding both cursors keeps both sides still (a live run waits) while the rows are compared.
            now = live.clock.now()
            live_at = await cursors.lock(tx, live.reader, now)
            shadow_at = await cursors.lock(tx, shadow.reader, now)
            if live_at == shadow_at:
                diffs = [
                    await diff_table(tx, live.tables[name], shadow.tables[name], examples) for name in live.tables
                ]
                return VerifyReport(live.projection.name, live_at, diffs)
    raise RuntimeError(f"live {live.projection.name!r} kept moving; verify again")


async def swap(live: Follower, shadow: Follower) -> Cursor:
    """Replace live's rows with the rebuild's and move live's cursor to it, in one transaction.

    Rows are copied rather than tables renamed: live keeps its own indexes, grants and names, and
    SQLite cannot rename an index.
    """
    async with live.db.transaction() as tx:
        if await cursors.read(tx, shadow.reader) is None:
            raise NoRebuild(f"no rebuild of {live.projection.name!r}: rebuild it first")
        now = live.clock.now()
        await cursors.lock(tx, live.reader, now)
        rebuilt_at = await cursors.lock(tx, shadow.reader, now)
        for name in reversed(list(live.tables)):
            await tx.conn.execute(live.tables[name].delete())
        for name, table in live.tables.items():
            columns = [column.name for column in table.columns]
            copy = sa.select(*(shadow.tables[name].c[column] for column in columns))
            await tx.conn.execute(table.insert().from_select(columns, copy))
        await cursors.save(tx, live.reader, rebuilt_at, now)
        await _recreate(tx, shadow, create=False)
    return rebuilt_at


async def drop(shadow: Follower) -> None:
    """Forget a rebuild: its tables and its cursor."""
    async with shadow.db.transaction() as tx:
        await _recreate(tx, shadow, create=False)
