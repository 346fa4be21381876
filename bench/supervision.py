"""Supervision: rebuild its projection from the archive of every event it heard, against a raw read of
the same rows, then verify that the rebuild equals the live tables.

supervision archives each event heard as a stream of its own (`archive:<event id>`, version 1, subject =
the case id, metadata topic/partition/offset/source/time: service_layer/archive.py). The bench fills such
an archive directly in SQL (batched multi-row INSERTs from `unnest` arrays, a few large transactions: the
event store's per-event append would take longer than the measurement), then

1. catches the live projection up (`ProjectionRunner.catch_up`, pages of 1000, as a service runs it), in
   slices, stopping at a time budget (150 s; 30 s with --quick) if it has not reached the log's end: a
   rebuild stops at live's cursor, so this bounds the row (a rebuild of the supervision projection at
   ~1,500 events/s would take 11 min for 1M events; the rate so far is reported with how much was left);
2. times `ProjectionRunner.rebuild(progress, catch_up_first=False)` (live was caught up just before):
   the events live applied, again, into the shadow tables, with the progress line the `rebuild` command
   draws; at the runner's default page (5000) first, and if that fails on asyncpg's 32,767-argument limit
   (the timeline INSERT binds 10 values per event) again with pages of 3000, the failure reported;
3. times one raw asyncpg server-side cursor over the same rows (same columns, same order, not decoded);
4. times `ProjectionRunner.verify()`: live and rebuild compared row by row at one cursor.
"""
from __future__ import annotations

import asyncio
import re
import time
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import orjson

from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import Cursor, PostgresEventStore
from onewindow_chassis.eventstore.postgres import _SELECT
from onewindow_chassis.migrations import upgrade
from onewindow_chassis.projections import ProjectionFailed, ProjectionRunner, ProgressLine
from onewindow_contracts import approval as ap
from onewindow_contracts import intake as it
from onewindow_contracts import materials as mat
from onewindow_contracts.base import Event, as_data
from onewindow_contracts.examples import approval as approval_examples
from onewindow_contracts.examples import intake as intake_examples
from onewindow_contracts.examples.common import CASE, FOOD, SIGN, URBAN
from onewindow_supervision.app import MIGRATIONS
from onewindow_supervision.projections import SUPERVISION

from .common import Row
from .infra import Infra, create_database, drop_database

FULL_EVENTS = 1_000_000
QUICK_EVENTS = 100_000
BATCH = 10_000               # rows per INSERT statement
TX_EVENTS = 50_000           # events per writing transaction (20 transactions for 1M)
WAVE = 1000                  # cases in flight at once: their events interleave in the log
PAGE = 5000                  # the runner's rebuild page; the raw cursor's prefetch
FALLBACK_PAGE = 3000         # the largest round page whose timeline INSERT stays under 32,767 arguments
SLICE = 20_000               # live catch-up runs to the cursor of the next SLICE events, then checks the budget
FULL_BUDGET_S = 150.0        # live catch-up stops after this long; the rebuild then covers what live applied
QUICK_BUDGET_S = 30.0
PARTITIONS = 4
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

_FILL = """
INSERT INTO events (tx_id, stream_id, stream_version, event_id, event_type, schema_version, subject,
                    data, metadata, recorded_at)
SELECT pg_current_xact_id(), 'archive:' || u.id, 1, u.id, u.event_type, u.schema_version, u.subject,
       u.data::jsonb, u.metadata::jsonb, (u.metadata::jsonb ->> 'time')::timestamptz + interval '0.8 s'
FROM (SELECT gen_random_uuid() AS id, b.*
      FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[])
           AS b(event_type, schema_version, subject, data, metadata)) u
"""
# Qualified ORDER BY: a bare `tx_id` would name the output column (tx_id::text::bigint), which no index serves.
_RAW = _SELECT + " ORDER BY events.tx_id, events.position"


@dataclass(frozen=True)
class Template:
    """One event of a case's life, as JSON text with the example case id and month still in it."""

    event_type: str
    schema_version: int
    topic: str
    source: str
    data: str
    time: str


@dataclass
class VerdictRow(Row):
    """A row whose goal is a yes/no outcome (verify: live equals the rebuild)."""

    verdict: bool = False

    @property
    def met(self) -> bool | None:  # type: ignore[override]
        return self.verdict


def _pick(examples: list[Event], cls: type[Event], **match: Any) -> Event:
    for example in examples:
        if type(example) is cls and all(getattr(example, k) == v for k, v in match.items()):
            return example
    raise LookupError(f"no example of {cls.__name__} with {match}")


def _changed(event: Event, **changes: Any) -> Event:
    """The example with some fields changed, validated again (so the data stays the contract's shape)."""
    return type(event).model_validate({**as_data(event), **changes})


def case_templates() -> list[Template]:
    """A case of the 开餐馆 bundle from the contracts' examples, both items approved: received, accepted,
    materials shared, two items assigned, a material read, two items approved, concluded (9 events)."""
    intake, approval = intake_examples.EXAMPLES, approval_examples.EXAMPLES
    received = _pick(intake, it.ApplicationReceived)
    accepted = _pick(intake, it.ApplicationAccepted)
    shared = _pick(intake, mat.MaterialsShared)
    accessed = _pick(intake, mat.MaterialAccessed)
    assigned_food = _pick(approval, ap.ItemAssigned)
    assigned_sign = _changed(
        assigned_food, item=as_data(assigned_food)["item"] | {"item_code": SIGN.item_code, "item_version": 1},
        department_code=URBAN, mode=ap.ApprovalMode.COMMITMENT.value, statutory_days=10, committed_days=3,
        due_on=date(2025, 3, 6).isoformat(),
    )
    approved_food = _pick(approval, ap.ItemApproved, item=FOOD)
    approved_sign = _changed(
        approved_food, item={"item_code": SIGN.item_code, "item_version": 1}, department_code=URBAN,
        mode=ap.ApprovalMode.COMMITMENT.value, decided_by=as_data(approval_examples.URBAN_REVIEWER),
        reason="申请人已签署告知承诺书，准予设置", result_held=False,
    )
    concluded = _changed(
        _pick(approval, ap.CaseConcluded), outcome=ap.CaseOutcome.APPROVED.value,
        items=[{"item_code": FOOD.item_code, "item_version": FOOD.item_version, "result": "approved"},
               {"item_code": SIGN.item_code, "item_version": SIGN.item_version, "result": "approved"}],
    )
    life = [received, accepted, shared, assigned_food, assigned_sign, accessed, approved_food, approved_sign,
            concluded]
    return [
        Template(
            event_type=type(e).event_type, schema_version=type(e).version, topic=type(e).topic,
            source=f"/onewindow/{type(e).event_type.split('.')[3]}",
            data=orjson.dumps(as_data(e)).decode(), time=e.occurred_at.isoformat(),
        )
        for e in life
    ]


def _generate(templates: list[Template], count: int):  # type: ignore[no-untyped-def]
    """Yield (event_type, schema_version, subject, data, metadata) for `count` events: cases in waves of
    WAVE, each wave's cases advancing one event at a time (so a page holds many cases, as in a real log);
    case ids and months vary, the example's day and hour stay."""
    offsets: dict[tuple[str, int], int] = {}
    produced, case_no = 0, 0
    while produced < count:
        wave = []
        for _ in range(WAVE):
            case_no += 1
            month = 1 + case_no % 12
            year = 2023 + (case_no // 12) % 3
            case_id = f"C330106{year}{month:02d}{case_no:06d}"  # 19 characters, like the example's
            wave.append((case_id, f"{year}-{month:02d}-", zlib.crc32(case_id.encode()) % PARTITIONS))
        for template in templates:
            for case_id, month, partition in wave:
                if produced >= count:
                    return
                key = (template.topic, partition)
                offset = offsets.get(key, 0)
                offsets[key] = offset + 1
                data = template.data.replace(CASE, case_id).replace("2025-03-", month)
                meta = orjson.dumps({
                    "topic": template.topic, "partition": partition, "offset": offset, "source": template.source,
                    "time": template.time.replace("2025-03-", month), "traceparent": TRACEPARENT,
                }).decode()
                yield template.event_type, template.schema_version, case_id, data, meta
                produced += 1


async def fill(conn: asyncpg.Connection, count: int, log: Any) -> float:
    """Write `count` archived events: INSERTs of BATCH rows, TX_EVENTS per transaction. The next batch
    is built in Python while PostgreSQL inserts the previous one."""
    templates = case_templates()
    rows = _generate(templates, count)
    statement = await conn.prepare(_FILL)
    t0 = time.perf_counter()
    written = 0
    while written < count:
        async with conn.transaction():
            pending: asyncio.Task | None = None
            in_tx = 0
            while in_tx < TX_EVENTS and written < count:
                n = min(BATCH, TX_EVENTS - in_tx, count - written)
                batch = [next(rows) for _ in range(n)]
                columns = [list(c) for c in zip(*batch)]
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(statement.fetch(*columns))
                in_tx += n
                written += n
            if pending is not None:
                await pending
    await conn.execute("VACUUM (ANALYZE) events")  # what autovacuum would have done to an old archive
    await conn.execute("CHECKPOINT")
    seconds = time.perf_counter() - t0
    size = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('events'))")
    log(f"supervision: archived {count:,} events ({-(-count // len(templates)):,} cases of {len(templates)} "
        f"events, {-(-count // TX_EVENTS)} writing transactions, table {size}) in {seconds:.1f} s "
        "(incl. VACUUM ANALYZE)")
    return seconds


async def read_raw(conn: asyncpg.Connection, stop_after: int | None = None) -> int:
    total = 0
    async with conn.transaction():
        async for _row in conn.cursor(_RAW, prefetch=PAGE):
            total += 1
            if stop_after is not None and total >= stop_after:
                break
    return total


async def table_counts(conn: asyncpg.Connection, suffix: str = "") -> dict[str, int]:
    return {t.name: await conn.fetchval(f'SELECT count(*) FROM "{t.name}{suffix}"') for t in SUPERVISION.tables}


async def cursor_at(conn: asyncpg.Connection, n: int) -> Cursor:
    """The cursor of the n-th event (1-based) in the global order."""
    row = await conn.fetchrow(
        "SELECT tx_id::text::bigint, position FROM events ORDER BY events.tx_id, events.position OFFSET $1 LIMIT 1",
        n - 1,
    )
    return Cursor(row[0], row[1])


async def catch_up_live(runner: ProjectionRunner, conn: asyncpg.Connection, count: int, budget_s: float,
                        log: Any) -> tuple[int, float]:
    """`catch_up` in slices of SLICE events until the log's end or the budget: the rebuild then stops at
    the cursor live reached (that is what `rebuild` rebuilds up to), so the budget bounds the whole row."""
    t0 = time.perf_counter()
    done = 0
    while done < count and time.perf_counter() - t0 < budget_s:
        until = await cursor_at(conn, min(count, done + SLICE))
        done += await runner.catch_up(until)
    seconds = time.perf_counter() - t0
    log(f"  live catch-up, pages of {runner.page_size}     {done / seconds:>10,.0f} events/s  "
        f"({done:,} in {seconds:.2f} s" + (f"; stopped at the {budget_s:g} s budget, {count - done:,} of "
                                           f"{count:,} not applied)" if done < count else ")"))
    return done, seconds


def _too_many_arguments(error: BaseException) -> bool:
    while error is not None:
        if "number of query arguments cannot exceed" in str(error):
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


async def measure(infra: Infra, quick: bool, log: Any) -> list[Row]:
    count = QUICK_EVENTS if quick else FULL_EVENTS
    budget_s = QUICK_BUDGET_S if quick else FULL_BUDGET_S
    label = f"{count // 1_000_000}M" if count % 1_000_000 == 0 else f"{count // 1000}k"
    url = await create_database(infra.postgres_url, "bench_supervision")
    db: Database | None = None
    default_failure: tuple[str, float] | None = None
    try:
        await asyncio.to_thread(upgrade, url, MIGRATIONS)
        conn = await asyncpg.connect(url)
        try:
            fill_s = await fill(conn, count, log)
            db = Database(url, pool_size=2)
            runner = ProjectionRunner(db, PostgresEventStore(), SUPERVISION)

            # Live, as a service keeps it: pages of 1000, one transaction each (this also warms the cache).
            live_n, live_s = await catch_up_live(runner, conn, count, budget_s, log)

            # The rebuild as the command runs it (live is already caught up to where the rebuild stops).
            t0 = time.perf_counter()
            try:
                await runner.rebuild(ProgressLine(f"  rebuild {SUPERVISION.name}"), catch_up_first=False)
            except ProjectionFailed as error:
                if not _too_many_arguments(error):
                    raise
                failed_s = time.perf_counter() - t0
                message = re.sub(r"^\([\w.]+\) ", "", str(error.__cause__).splitlines()[0])
                default_failure = (f"{type(error.__cause__).__name__}: {message[:160]}", failed_s)
                log(f"\n  REBUILD FAILED at the default page of {runner.rebuild_page_size}: {default_failure[0]}")
                log(f"  (the timeline INSERT binds 10 values per event: a page over {32767 // 10:,} events exceeds "
                    f"asyncpg's 32,767 arguments); measuring with pages of {FALLBACK_PAGE} instead")
                runner = ProjectionRunner(db, PostgresEventStore(), SUPERVISION, rebuild_page_size=FALLBACK_PAGE)
                t0 = time.perf_counter()
                await runner.rebuild(ProgressLine(f"  rebuild {SUPERVISION.name}"), catch_up_first=False)
            rebuild_s = time.perf_counter() - t0
            shadow_counts = await table_counts(conn, "__rebuild")
            log(f"  ProjectionRunner.rebuild, pages of {runner.rebuild_page_size}  {live_n / rebuild_s:>10,.0f} "
                f"events/s  ({live_n:,} in {rebuild_s:.2f} s; rows {shadow_counts})")

            await read_raw(conn, stop_after=2 * PAGE)  # warm-up: the statement and the first pages
            t0 = time.perf_counter()
            raw_n = await read_raw(conn, stop_after=live_n)
            raw_s = time.perf_counter() - t0
            log(f"  raw asyncpg cursor, prefetch {PAGE}     {raw_n / raw_s:>10,.0f} events/s  "
                f"({raw_n:,} in {raw_s:.2f} s)")
            if raw_n != live_n:
                raise RuntimeError(f"the raw cursor read {raw_n} events, expected {live_n}")

            t0 = time.perf_counter()
            report = await runner.verify()
            verify_s = time.perf_counter() - t0
            log("  verify: " + str(report).replace("\n", "\n  "))
            log(f"  verify took {verify_s:.2f} s")
            live_counts = await table_counts(conn)
            await runner.drop_rebuild()
        finally:
            await conn.close()
    finally:
        if db is not None:
            await db.dispose()
        try:
            await drop_database(infra.postgres_url, url)
        except Exception as error:  # noqa: BLE001 - cleanup must not hide the real outcome
            log(f"could not drop {url}: {error}")

    partial = live_n < count
    raw_name = "raw asyncpg cursor"
    pages = f"pages of {runner.rebuild_page_size}" + (
        f" (the default 5000 FAILS: {default_failure[0]})" if default_failure else "")
    setup = (
        f"{count:,} archived events (9 per case: ApplicationReceived, ApplicationAccepted, MaterialsShared, "
        "ItemAssigned ×2, MaterialAccessed, ItemApproved ×2, CaseConcluded, data from the contracts' examples; "
        f"stream archive:<uuid> v1; {WAVE} cases in flight at a time) in {-(-count // TX_EVENTS)} writing "
        f"transactions; live caught up first (pages of {runner.page_size}"
        + (f", stopped at the {budget_s:g} s budget after {live_n:,} events" if partial else "")
        + f"); ProjectionRunner(db, PostgresEventStore(), SUPERVISION).rebuild(ProgressLine) of those "
        f"{live_n:,} events into the shadow tables, {pages}; raw: one server-side cursor over the same "
        f"{live_n:,} rows, same columns in index order, prefetch {PAGE}, rows not decoded"
    )
    name = (f"Supervision: rebuild {label} archived events" if not partial
            else f"Supervision: rebuild archived events ({live_n:,} of {label})")
    rows: list[Row] = [
        Row(
            key="supervision_rebuild", name=name, unit="events/s",
            figure=live_n / rebuild_s, baseline_name=raw_name, baseline=raw_n / raw_s,
            goal="≥ 50,000 events/s", goal_kind="value_min", goal_value=50_000.0, setup=setup,
            details={
                "events_in_log": count, "events_rebuilt": live_n, "fill_seconds": round(fill_s, 1),
                "rebuild_seconds": round(rebuild_s, 3), "rebuild_page": runner.rebuild_page_size,
                "raw_seconds": round(raw_s, 3), "live_catch_up_seconds": round(live_s, 3),
                "live_budget_s": budget_s, "rows_live": live_counts, "rows_rebuilt": shadow_counts,
                "default_page_failure": default_failure[0] if default_failure else None,
            },
        ),
        VerdictRow(
            key="supervision_verify", name="Supervision: verify (live == rebuilt)", unit="ms",
            figure=verify_s * 1000, goal="equal", verdict=report.equal,
            setup=f"ProjectionRunner.verify() at cursor {tuple(report.cursor)}: "
                  + "; ".join(f"{d.table} {d.missing} missing/{d.extra} extra/{d.changed} changed"
                              for d in report.tables)
                  + f" → {'equal' if report.equal else 'DIFFERENT'}",
            details={"equal": report.equal, "tables": {d.table: [d.missing, d.extra, d.changed] for d in report.tables}},
        ),
        Row(
            key="diag_supervision_live", name="  diag: supervision live catch-up", unit="events/s",
            figure=live_n / live_s, baseline_name=raw_name, baseline=raw_n / raw_s, diagnostic=True,
            setup=f"ProjectionRunner.catch_up() over the first {live_n:,} events, pages of {runner.page_size}",
            details={"seconds": round(live_s, 3)},
        ),
    ]
    if default_failure:
        rows.append(VerdictRow(
            key="diag_supervision_default_page", name="  diag: rebuild at the default page (5000) runs", unit="ms",
            figure=default_failure[1] * 1000, goal="runs", verdict=False, diagnostic=True,
            setup=f"ProjectionRunner(...).rebuild() with rebuild_page_size=5000 failed after "
                  f"{default_failure[1]:.1f} s: {default_failure[0]}",
            details={"error": default_failure[0]},
        ))
    return rows
