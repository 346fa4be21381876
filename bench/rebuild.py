"""Rebuild: reading the whole events table in global order, as a projection rebuild does, through
`PostgresEventStore.read_all` pages against a raw asyncpg cursor over the same rows."""
from __future__ import annotations

import time
from typing import Any

import asyncpg

from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import START, PostgresEventStore
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
# Qualified names: a bare `ORDER BY tx_id` would name the OUTPUT column `tx_id::text::bigint` (SQL's rule
# for ORDER BY), which no index serves. The raw baseline reads in the index's order.
_RAW = _SELECT + " ORDER BY events.tx_id, events.position"
_UNQUALIFIED = "ORDER BY tx_id, position"
_FIXED_READ_ALL = _READ_ALL.replace(_UNQUALIFIED, "ORDER BY events.tx_id, events.position")


class FixedOrderStore(PostgresEventStore):
    """DIAGNOSTIC ONLY: the chassis's read_all with the ORDER BY columns qualified (the proposed fix)."""

    async def read_all(self, tx, after, limit=1000):  # type: ignore[no-untyped-def]
        from onewindow_chassis.eventstore.postgres import _recorded

        conn = await tx.driver()
        return [_recorded(r) for r in await conn.fetch(_FIXED_READ_ALL, str(after.tx_id), after.position, limit)]


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
    return {
        "chassis_read_all": await _plans(conn, _READ_ALL, page),
        "qualified_order_by": await _plans(conn, _FIXED_READ_ALL, page),
    }


async def _plans(conn: asyncpg.Connection, query: str, page: int) -> dict[str, list[str]]:
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
    fixed = FixedOrderStore()
    # Warm-up: a slice through each path (statement caches, the pool, the hot index pages).
    await read_ours(db, page, stop_after=2 * page, budget_s=budget)
    await read_ours(db, page, stop_after=2 * page, store=fixed)
    await read_raw(pool, page, stop_after=2 * page)

    page_ms: list[float] = []
    t0 = time.perf_counter()
    ours_n = await read_ours(db, page, page_ms=page_ms, budget_s=budget)
    ours_s = time.perf_counter() - t0
    capped = ours_n < count
    log(f"  read_all pages of {page}             {ours_n / ours_s:>10,.0f} events/s  ({ours_n:,} in {ours_s:.2f} s"
        + (f"; stopped at the {budget:g} s budget, {count - ours_n:,} left unread)" if capped else ")"))
    t0 = time.perf_counter()
    fixed_n = await read_ours(db, page, store=fixed)
    fixed_s = time.perf_counter() - t0
    log(f"  diag: read_all, ORDER BY qualified {fixed_n / fixed_s:>10,.0f} events/s  ({fixed_n:,} in {fixed_s:.2f} s)")
    t0 = time.perf_counter()
    raw_n = await read_raw(pool, page)
    raw_s = time.perf_counter() - t0
    log(f"  raw asyncpg cursor                {raw_n / raw_s:>10,.0f} events/s  ({raw_n:,} in {raw_s:.2f} s)")
    if fixed_n != count or raw_n != count:
        raise RuntimeError(f"rebuild read {fixed_n} (fixed order) and {raw_n} (raw) events, expected {count}")
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
            key="diag_rebuild_fixed_order", name="  diag: read_all, ORDER BY qualified", unit="events/s",
            figure=fixed_n / fixed_s, baseline_name=raw_name, baseline=raw_n / raw_s, diagnostic=True,
            setup=f"{count:,} events, pages of {page}: the chassis's query with ORDER BY events.tx_id, events.position",
            details={"seconds": round(fixed_s, 3)},
        ),
    ]
