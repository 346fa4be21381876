"""Rebuild: reading the whole events table in global order, as a projection rebuild does, through
`PostgresEventStore.read_all` pages against a raw asyncpg cursor over the same rows."""
from __future__ import annotations

import time
from typing import Any

import asyncpg

from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import START, PostgresEventStore, RecordedEvent
from onewindow_chassis.eventstore.postgres import _READ_ALL, _SELECT

from .common import Row, Sizes, dumps, event_data, event_metadata, reset_tables

# 20,000 events per transaction, so the log holds many writing transactions like a real one.
_FILL = """
INSERT INTO events (tx_id, stream_id, stream_version, event_id, event_type, schema_version, subject,
                    data, metadata, recorded_at)
SELECT pg_current_xact_id(), 'stream-' || (g / 8), g % 8 + 1, gen_random_uuid(),
       (ARRAY['ApplicationReceived', 'MaterialsChecked', 'Accepted', 'Decided'])[g % 4 + 1], 1,
       'case-' || lpad((g / 8)::text, 10, '0'),
       jsonb_set($1::jsonb, '{application_id}', to_jsonb('app-' || lpad(g::text, 10, '0'))),
       $2::jsonb, now()
FROM generate_series($3::bigint, $4::bigint) g
"""
# The raw baseline reads the same columns in the index's order. (Qualified names: a bare `ORDER BY tx_id`
# would name the OUTPUT column `tx_id::text::bigint`, which no index serves.)
_RAW = _SELECT + " ORDER BY events.tx_id, events.position"


class UndecodedStore(PostgresEventStore):
    """DIAGNOSTIC ONLY: the chassis's read_all query and RecordedEvent, with `data` and `metadata` left
    as JSON text instead of `json.loads`: what decoding costs (the ceiling of a lazy-decoding read)."""

    async def read_all(self, tx, after, limit=1000):  # type: ignore[no-untyped-def]
        conn = await tx.driver()
        return [
            RecordedEvent(
                position=r[0], tx_id=r[1], stream_id=r[2], stream_version=r[3], event_id=r[4], event_type=r[5],
                schema_version=r[6], subject=r[7], data=r[8], metadata=r[9], recorded_at=r[10],
            )
            for r in await conn.fetch(_READ_ALL, str(after.tx_id), after.position, limit)
        ]


async def fill(conn: asyncpg.Connection, count: int, log: Any) -> None:
    data, meta = dumps(event_data(0)), dumps(event_metadata())
    t0 = time.perf_counter()
    for start in range(0, count, 20_000):
        end = min(count, start + 20_000) - 1
        async with conn.transaction():
            await conn.execute(_FILL, data, meta, start, end)
    await conn.execute("VACUUM (ANALYZE) events")  # what autovacuum would have done to an old log
    await conn.execute("CHECKPOINT")
    log(f"rebuild: filled {count:,} events in {time.perf_counter() - t0:.1f} s (incl. VACUUM ANALYZE)")


async def read_ours(
    db: Database, page: int, stop_after: int | None = None, page_ms: list[float] | None = None,
    budget_s: float | None = None, store: PostgresEventStore | None = None,
) -> int:
    store = store or PostgresEventStore()
    cursor, total = START, 0
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    while True:
        if deadline is not None and time.perf_counter() > deadline:
            return total
        t0 = time.perf_counter()
        async with db.transaction() as tx:
            events = await store.read_all(tx, cursor, page)
        if page_ms is not None:
            page_ms.append((time.perf_counter() - t0) * 1000)
        if not events:
            return total
        total += len(events)
        cursor = events[-1].cursor
        if stop_after is not None and total >= stop_after:
            return total


async def plans(conn: asyncpg.Connection, page: int) -> dict[str, list[str]]:
    """The plan of a page read: with literal values, and as a prepared statement after the 6
    executions that let PostgreSQL switch to a generic plan (as asyncpg's cached statement does)."""
    query = _READ_ALL
    literal = query.replace("$1::text", "'0'::text").replace("$2::bigint", "0::bigint").replace("$3", str(page))
    first = [r[0] for r in await conn.fetch("EXPLAIN " + literal)]
    await conn.execute("PREPARE bench_page(text, bigint, int) AS " + query)
    try:
        row = await conn.fetchrow("SELECT tx_id::text, position FROM events ORDER BY tx_id, position OFFSET $1 LIMIT 1", page)
        for _ in range(6):
            await conn.execute(f"EXECUTE bench_page('{row[0]}', {row[1]}, {page})")
        prepared = [r[0] for r in await conn.fetch(f"EXPLAIN EXECUTE bench_page('{row[0]}', {row[1]}, {page})")]
    finally:
        await conn.execute("DEALLOCATE bench_page")
    return {"literal_first_page": first, "prepared_after_6_executions": prepared}


async def read_raw(pool: asyncpg.Pool, prefetch: int, stop_after: int | None = None) -> int:
    total = 0
    async with pool.acquire() as conn, conn.transaction():
        async for _row in conn.cursor(_RAW, prefetch=prefetch):
            total += 1
            if stop_after is not None and total >= stop_after:
                break
    return total


async def measure(db: Database, pool: asyncpg.Pool, sizes: Sizes, log: Any) -> list[Row]:
    count, page, budget = sizes.rebuild_events, sizes.page, sizes.rebuild_budget_s
    async with pool.acquire() as conn:
        await reset_tables(conn)
        await fill(conn, count, log)
        plan = await plans(conn, page)
    if not any("Index" in line for line in plan["prepared_after_6_executions"]):
        log("  WARNING: read_all's page query uses no index (each page scans and sorts the table): "
            + " / ".join(plan["prepared_after_6_executions"][:3]))
    undecoded = UndecodedStore()
    # Warm-up: a slice through each path (statement caches, the pool, the hot index pages).
    await read_ours(db, page, stop_after=2 * page, budget_s=budget)
    await read_ours(db, page, stop_after=2 * page, store=undecoded)
    await read_raw(pool, page, stop_after=2 * page)

    page_ms: list[float] = []
    t0 = time.perf_counter()
    ours_n = await read_ours(db, page, page_ms=page_ms, budget_s=budget)
    ours_s = time.perf_counter() - t0
    capped = ours_n < count
    log(f"  read_all pages of {page}             {ours_n / ours_s:>10,.0f} events/s  ({ours_n:,} in {ours_s:.2f} s"
        + (f"; stopped at the {budget:g} s budget, {count - ours_n:,} left unread)" if capped else ")"))
    t0 = time.perf_counter()
    diag_n = await read_ours(db, page, store=undecoded, budget_s=sizes.diag_budget_s)
    diag_s = time.perf_counter() - t0
    log(f"  diag: read_all, JSON not decoded  {diag_n / diag_s:>10,.0f} events/s  ({diag_n:,} in {diag_s:.2f} s)")
    t0 = time.perf_counter()
    raw_n = await read_raw(pool, page)
    raw_s = time.perf_counter() - t0
    log(f"  raw asyncpg cursor                {raw_n / raw_s:>10,.0f} events/s  ({raw_n:,} in {raw_s:.2f} s)")
    if raw_n != count:
        raise RuntimeError(f"the raw cursor read {raw_n} events, expected {count}")
    async with pool.acquire() as conn:
        await reset_tables(conn)
    raw_name = "raw asyncpg cursor"
    return [
        Row(
            key="rebuild", name="Rebuild: read all events", unit="events/s", figure=ours_n / ours_s,
            baseline_name=raw_name, baseline=raw_n / raw_s,
            goal="≥ 50,000 events/s", goal_kind="value_min", goal_value=50_000.0,
            setup=(
                f"{count:,} events (~0.6 KB JSON each) in {-(-count // 20_000)} writing transactions; read_all "
                f"pages of {page}, one transaction per page, decoded to RecordedEvent"
                + (f" (stopped after {budget:g} s: {ours_n:,} of {count:,} read)" if capped else "")
                + f"; raw: one server-side cursor, prefetch {page}, same columns in index order, rows not decoded"
            ),
            details={
                "events": count, "ours_read": ours_n, "ours_seconds": round(ours_s, 3), "capped_by_budget": capped,
                "raw_seconds": round(raw_s, 3), "plans": plan,
                "page_ms_first_5": [round(x, 1) for x in page_ms[:5]],
                "page_ms_last_5": [round(x, 1) for x in page_ms[-6:-1]],
            },
        ),
        Row(
            key="diag_rebuild_undecoded", name="  diag: read_all, JSON left undecoded", unit="events/s",
            figure=diag_n / diag_s, baseline_name=raw_name, baseline=raw_n / raw_s, diagnostic=True,
            setup=(
                f"{count:,} events, pages of {page}: the chassis's read_all query and RecordedEvent, data/metadata "
                "kept as JSON text (no json.loads)"
                + (f" (first {diag_n:,} events, {sizes.diag_budget_s:g} s budget)" if diag_n < count else "")
            ),
            details={"read": diag_n, "seconds": round(diag_s, 3)},
        ),
    ]
