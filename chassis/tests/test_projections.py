"""The projection runner's promises, held on both adapters: live catch-up applies each event once,
a failed page keeps nothing, a rebuild from the events equals live, and verify names every difference."""
from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.eventstore import START, NewEvent, RecordedEvent, event_store_for
from onewindow_chassis.projections import (
    SHADOW, NoRebuild, Progress, ProgressLine, Projection, ProjectionFailed, ProjectionRunner, Tables,
    each_event, insert, main, shadow_tables,
)

AT = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)

metadata = sa.MetaData()
counts = sa.Table(
    "subject_counts",
    metadata,
    sa.Column("subject", sa.Text, primary_key=True),
    sa.Column("events", sa.Integer, nullable=False),
    sa.Column("last_type", sa.Text, nullable=False),
    sa.Index("subject_counts_last_type", "last_type"),  # a named index: the shadow copy must rename it
)


async def count_page(page: Sequence[RecordedEvent], tx: Transaction, tables: Tables) -> None:
    """The toy read model: events per subject and the last event's type, a page in one statement."""
    folded: dict[str, dict[str, object]] = {}
    for event in page:
        row = folded.setdefault(event.subject, {"subject": event.subject, "events": 0})
        row["events"] += 1
        row["last_type"] = event.event_type
    table = tables["subject_counts"]
    statement = insert(tx, table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.subject],
        set_={"events": table.c.events + statement.excluded.events, "last_type": statement.excluded.last_type},
    )
    await tx.conn.execute(statement, list(folded.values()))


COUNTS = Projection("subject_counts", [counts], count_page)


@pytest.fixture
async def live(db: Database) -> Database:
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return db


async def append(db: Database, subject: str, *kinds: str) -> None:
    store = event_store_for(db.dialect)
    async with db.transaction() as tx:
        version = len(await store.load(tx, subject))
        await store.append(tx, subject, version, [NewEvent(kind, {}, subject) for kind in kinds], AT)


async def rows(db: Database, table: sa.Table = counts) -> dict[str, tuple[int, str]]:
    async with db.transaction() as tx:
        result = await tx.conn.execute(sa.select(table.c.subject, table.c.events, table.c.last_type))
        return {subject: (n, last) for subject, n, last in result}


def runner_for(db: Database, projection: Projection = COUNTS, **options: int) -> ProjectionRunner:
    return ProjectionRunner(db, event_store_for(db.dialect), projection, **options)


async def test_catch_up_applies_new_events_once_and_moves_the_cursor(live: Database) -> None:
    runner = runner_for(live, page_size=2)  # several pages
    await append(live, "s-1", "Received", "Accepted")
    await append(live, "s-2", "Received")
    await append(live, "s-1", "Decided")
    assert await runner.catch_up() == 4
    assert await rows(live) == {"s-1": (3, "Decided"), "s-2": (1, "Received")}
    assert await runner.catch_up() == 0
    await append(live, "s-2", "Withdrawn")
    assert await runner.catch_up() == 1
    assert await rows(live) == {"s-1": (3, "Decided"), "s-2": (2, "Withdrawn")}
    async with live.transaction() as tx:
        last = (await event_store_for(live.dialect).read_all(tx, START))[-1]
    assert await runner.cursor() == last.cursor


async def test_a_failing_page_keeps_neither_rows_nor_cursor(live: Database) -> None:
    poisoned = True

    async def count_one(event: RecordedEvent, tx: Transaction, tables: Tables) -> None:
        if event.event_type == "Poison" and poisoned:
            raise ValueError("the handler cannot take this event yet")
        await count_page([event], tx, tables)  # written before the failure: must roll back with it

    runner = runner_for(live, Projection("subject_counts", [counts], each_event(count_one)), page_size=3)
    await append(live, "s-1", "A", "B", "C")  # page 1: applied and kept
    await append(live, "s-2", "D", "Poison", "E")  # page 2: D is written, then the handler fails
    with pytest.raises(ProjectionFailed) as failure:
        await runner.catch_up()
    assert isinstance(failure.value.__cause__, ValueError)
    assert await rows(live) == {"s-1": (3, "C")}
    page_one_end = await runner.cursor()
    assert failure.value.after == page_one_end
    poisoned = False
    assert await runner.catch_up() == 3
    assert await rows(live) == {"s-1": (3, "C"), "s-2": (3, "E")}  # D counted once, not twice


async def test_two_runners_at_once_apply_each_event_once(live: Database) -> None:
    for i in range(6):
        await append(live, f"s-{i % 3}", *(f"E{j}" for j in range(5)))
    one, other = runner_for(live, page_size=4), runner_for(live, page_size=3)
    applied = await asyncio.gather(one.catch_up(), other.catch_up())
    assert sum(applied) == 30
    assert await rows(live) == {f"s-{i}": (10, "E4") for i in range(3)}


async def test_run_keeps_the_projection_current_until_stopped(live: Database) -> None:
    runner, stop = runner_for(live), asyncio.Event()
    task = asyncio.create_task(runner.run(stop, poll_seconds=0.05))
    await append(live, "s-1", "Received")
    for _ in range(100):
        if await rows(live):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert await rows(live) == {"s-1": (1, "Received")}


async def test_a_rebuild_equals_live_and_shows_progress_to_the_total(live: Database) -> None:
    runner = runner_for(live, page_size=7, rebuild_page_size=4)
    for i in range(10):
        await append(live, f"s-{i % 4}", "Received", "Accepted" if i % 2 else "Rejected")
    await runner.catch_up()
    seen: list[Progress] = []
    at = await runner.rebuild(seen.append)
    assert at == await runner.cursor()
    assert await rows(live, runner.shadow.tables["subject_counts"]) == await rows(live)
    assert [p.done for p in seen] == [0, 4, 8, 12, 16, 20]
    assert {p.total for p in seen} == {20}
    report = await runner.verify()
    assert report.equal, str(report)
    assert report.cursor == at
    assert "equal" in str(report)


async def test_verify_names_changed_missing_and_extra_rows(live: Database) -> None:
    runner = runner_for(live)
    for subject in ("s-1", "s-2", "s-3"):
        await append(live, subject, "Received", "Accepted")
    await runner.catch_up()
    await runner.rebuild()
    async with live.transaction() as tx:  # corrupt live behind the projection's back
        await tx.conn.execute(counts.update().where(counts.c.subject == "s-1").values(events=99))
    report = await runner.verify()
    assert not report.equal
    [diff] = report.tables
    assert (diff.table, diff.missing, diff.extra, diff.changed) == ("subject_counts", 0, 0, 1)
    assert diff.changed_rows[0].key == ("s-1",)
    assert diff.changed_rows[0].columns == {"events": (99, 2)}
    assert "changed ('s-1',): events live=99 rebuilt=2" in str(report)

    async with live.transaction() as tx:
        await tx.conn.execute(counts.delete().where(counts.c.subject == "s-2"))
        await tx.conn.execute(counts.insert().values(subject="s-9", events=1, last_type="Invented"))
    [diff] = (await runner.verify()).tables
    assert (diff.missing, diff.extra, diff.changed) == (1, 1, 1)
    assert diff.missing_keys == [("s-2",)]
    assert diff.extra_keys == [("s-9",)]

    assert await runner.swap() == await runner.cursor()  # the rebuild repairs live
    assert await rows(live) == {s: (2, "Accepted") for s in ("s-1", "s-2", "s-3")}
    with pytest.raises(NoRebuild):  # the shadow is gone with the swap
        await runner.verify()
    await runner.rebuild()
    assert (await runner.verify()).equal


async def test_a_rebuild_stops_where_live_is_and_verify_compares_at_one_cursor(live: Database) -> None:
    runner = runner_for(live)
    await append(live, "s-1", "A", "B")
    await runner.catch_up()
    await append(live, "s-1", "C")  # not yet applied to live
    seen: list[Progress] = []
    at = await runner.rebuild(seen.append, catch_up_first=False)
    assert at == await runner.cursor()
    assert seen[-1].done == seen[-1].total == 2
    assert await rows(live, runner.shadow.tables["subject_counts"]) == {"s-1": (2, "B")}
    assert (await runner.verify()).equal

    await runner.catch_up()  # live moves on after the rebuild: verify brings the rebuild along first
    report = await runner.verify()
    assert report.equal and report.cursor == await runner.cursor()
    assert await rows(live, runner.shadow.tables["subject_counts"]) == {"s-1": (3, "C")}


async def test_the_command_verifies_and_swaps(live: Database, capsys: pytest.CaptureFixture[str]) -> None:
    await append(live, "s-1", "Received")
    await runner_for(live).catch_up()
    async with live.transaction() as tx:
        await tx.conn.execute(counts.update().values(events=5))
    url = live.url
    assert await asyncio.to_thread(main, ["verify", "subject_counts"], [COUNTS], database_url=url) == 1
    out, err = capsys.readouterr()
    assert "changed ('s-1',): events live=5 rebuilt=1" in out
    assert "1/1 events" in err and "events/s" in err
    assert await asyncio.to_thread(main, ["rebuild", "subject_counts", "--swap"], [COUNTS], database_url=url) == 0
    assert await rows(live) == {"s-1": (1, "Received")}
    assert await asyncio.to_thread(main, ["verify", "subject_counts"], [COUNTS], database_url=url) == 0


def test_shadow_copies_have_their_own_names() -> None:
    [(name, copy)] = shadow_tables(COUNTS).items()
    assert (name, copy.name) == ("subject_counts", "subject_counts" + SHADOW)
    assert {index.name for index in copy.indexes} == {"subject_counts_last_type" + SHADOW}
    assert [c.name for c in copy.columns] == [c.name for c in counts.columns]
    assert counts.name == "subject_counts"  # the live table is untouched


def test_a_projection_refuses_tables_it_cannot_rebuild() -> None:
    keyless = sa.Table("keyless", sa.MetaData(), sa.Column("n", sa.Integer))
    with pytest.raises(ValueError, match="primary key"):
        Projection("p", [keyless], count_page)
    with pytest.raises(ValueError, match="__rebuild"):
        Projection("p__rebuild", [counts], count_page)


def test_the_progress_line_shows_done_total_and_rate() -> None:
    stream = io.StringIO()
    line = ProgressLine("rebuild p", stream, every=0)
    line(Progress(500, 1000, 0.5))
    line(Progress(1000, 1000, 1.0))
    assert "500/1,000 events ( 50.0%)  1,000 events/s" in stream.getvalue()
    assert stream.getvalue().endswith("\n")
