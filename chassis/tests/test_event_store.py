"""The event store's promises, held by both adapters: append-only streams, optimistic concurrency,
events and outbox rows in one transaction, and a global order no reader skips."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import START, ConcurrencyError, NewEvent, event_store_for
from onewindow_chassis.schema import outbox

AT = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)


def new(kind: str, case: str = "case-1", topic: str | None = "t.events", **data: object) -> NewEvent:
    return NewEvent(event_type=kind, data=dict(data), subject=case, topic=topic)


async def append(db: Database, stream: str, expected: int, *events: NewEvent) -> list[int]:
    async with db.transaction() as tx:
        return await event_store_for(db.dialect).append(tx, stream, expected, list(events), AT)


async def load(db: Database, stream: str):
    async with db.transaction() as tx:
        return await event_store_for(db.dialect).load(tx, stream)


async def read_all(db: Database, after=START):
    async with db.transaction() as tx:
        return await event_store_for(db.dialect).read_all(tx, after)


async def test_a_stream_loads_what_was_appended_in_order(db: Database) -> None:
    await append(db, "app-1", 0, new("Received", n=1), new("Accepted", n=2))
    await append(db, "app-1", 2, new("Shared", 名称="开餐馆"))
    loaded = await load(db, "app-1")
    assert [(e.stream_version, e.event_type) for e in loaded] == [(1, "Received"), (2, "Accepted"), (3, "Shared")]
    assert loaded[2].data == {"名称": "开餐馆"}
    assert loaded[0].recorded_at == AT


async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(db: Database) -> None:
    await append(db, "app-1", 0, new("Received"))
    with pytest.raises(ConcurrencyError):
        await append(db, "app-1", 0, new("Received", case="other"))
    with pytest.raises(ConcurrencyError):  # ahead of the stream: would leave a gap
        await append(db, "app-1", 5, new("Accepted"))
    assert [e.stream_version for e in await load(db, "app-1")] == [1]
    assert len(await read_all(db)) == 1


async def test_concurrent_appends_to_one_stream_one_wins(db: Database) -> None:
    await append(db, "app-1", 0, new("Received"))
    results = await asyncio.gather(
        *(append(db, "app-1", 1, new("Decided", by=i)) for i in range(5)), return_exceptions=True
    )
    assert sum(isinstance(r, list) for r in results) == 1
    assert sum(isinstance(r, ConcurrencyError) for r in results) == 4
    assert [e.stream_version for e in await load(db, "app-1")] == [1, 2]


async def test_events_and_outbox_rows_commit_or_roll_back_together(db: Database) -> None:
    store = event_store_for(db.dialect)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await store.append(tx, "app-1", 0, [new("Received")], AT)
            raise RuntimeError("the handler failed after appending")
    assert await read_all(db) == []
    await append(db, "app-1", 0, new("Received"), new("Private", topic=None))
    async with db.transaction() as tx:
        rows = (await tx.conn.execute(sa.select(outbox.c.topic, outbox.c.message_key))).all()
    assert rows == [("t.events", "case-1")]  # the private event is stored, never queued


async def test_read_all_resumes_after_a_cursor(db: Database) -> None:
    for i in range(5):
        await append(db, f"s-{i}", 0, new("E", n=i))
    first = await read_all(db)
    assert [e.data["n"] for e in first] == [0, 1, 2, 3, 4]
    assert [e.data["n"] for e in await read_all(db, first[2].cursor)] == [3, 4]


async def test_snapshots_replace_each_other(db: Database) -> None:
    store = event_store_for(db.dialect)
    async with db.transaction() as tx:
        await store.save_snapshot(tx, "app-1", 3, {"state": "accepted"}, AT)
        await store.save_snapshot(tx, "app-1", 7, {"state": "concluded"}, AT)
    async with db.transaction() as tx:
        assert await store.load_snapshot(tx, "app-1") == (7, {"state": "concluded"})
        assert await store.load_snapshot(tx, "nothing") is None


async def test_a_late_committing_writer_is_never_skipped(pg_db: Database) -> None:
    """T1 appends and stays open; T2 appends and commits; a reader reads; T1 commits; the next read
    returns T1's event — even though T1's position is lower than what the reader already passed."""
    store = event_store_for(pg_db.dialect)
    t1_appended, t1_may_commit = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with pg_db.transaction() as tx:
            await store.append(tx, "slow", 0, [new("Slow")], AT)
            t1_appended.set()
            await t1_may_commit.wait()

    t1 = asyncio.create_task(slow_writer())
    await t1_appended.wait()
    await append(pg_db, "fast", 0, new("Fast"))
    seen = await read_all(pg_db)
    assert [e.event_type for e in seen] == []  # T2 waits behind the open T1: nothing can land before it
    t1_may_commit.set()
    await t1
    cursor = seen[-1].cursor if seen else START
    later = await read_all(pg_db, cursor)
    assert [e.event_type for e in later] == ["Slow", "Fast"]
    assert later[0].position < later[1].position


async def test_a_rolled_back_writer_leaves_a_hole_that_is_passed_at_once(pg_db: Database) -> None:
    store = event_store_for(pg_db.dialect)
    with pytest.raises(RuntimeError):
        async with pg_db.transaction() as tx:
            await store.append(tx, "doomed", 0, [new("Doomed")], AT)
            raise RuntimeError("roll back")
    await append(pg_db, "fine", 0, new("Fine"))
    assert [e.event_type for e in await read_all(pg_db)] == ["Fine"]
