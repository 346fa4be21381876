"""Appends: the chassis's `PostgresEventStore.append` inside `Database.transaction()`, against raw asyncpg
doing the same inserts into the same tables, and against the `eventsourcing` library (PyPI) on
PostgreSQL storing one event per transaction with the same concurrency.
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import NewEvent, PostgresEventStore

from .common import TOPIC, Row, Sizes, Window, dumps, event_data, event_metadata, mean, now, reset_tables, timed_tasks, timed_threads

EVENT_TYPE = "ApplicationReceived"

_RAW_EVENT = """INSERT INTO events (tx_id, stream_id, stream_version, event_id, event_type, schema_version,
                                   subject, data, metadata, recorded_at)
VALUES (pg_current_xact_id(), $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9) RETURNING position"""
_RAW_OUTBOX = "INSERT INTO outbox (position, topic, message_key) VALUES ($1, $2, $3)"
_RAW_EVENT_AT = """INSERT INTO events (position, tx_id, stream_id, stream_version, event_id, event_type,
                                      schema_version, subject, data, metadata, recorded_at)
VALUES ($1, pg_current_xact_id(), $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)"""
_RESERVE = "SELECT pg_current_xact_id(), array(SELECT nextval('events_position_seq') FROM generate_series(1, $1))"
_EVENT_COLUMNS = [
    "position", "tx_id", "stream_id", "stream_version", "event_id", "event_type", "schema_version",
    "subject", "data", "metadata", "recorded_at",
]

Op = Callable[[int, int], Awaitable[None]]


def _new_event(w: int, i: int) -> NewEvent:
    return NewEvent(
        event_type=EVENT_TYPE, data=event_data(i), subject=f"case-{w:03d}-{i // 10:07d}", topic=TOPIC,
        metadata=event_metadata(),
    )


class _DriverOnly:
    """Stands in for `Transaction`: hands the hot path an asyncpg connection already in a transaction."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.dialect = "postgresql"

    async def driver(self) -> asyncpg.Connection:
        return self.conn


class Contenders:
    """The ways of appending, each as `op(worker, i)` for the timing loop."""

    def __init__(self, db: Database, pool: asyncpg.Pool, sizes: Sizes) -> None:
        self.db = db
        self.pool = pool
        self.store = PostgresEventStore()
        self.sizes = sizes

    # --- one event (+ its outbox row) per transaction -------------------------------------------
    def ours_single(self) -> Op:
        tag = uuid.uuid4().hex[:6]

        async def op(w: int, i: int) -> None:
            async with self.db.transaction() as tx:
                await self.store.append(tx, f"s-{tag}-{w}", i, [_new_event(w, i)], now())

        return op

    def raw_single(self) -> Op:
        """BEGIN; INSERT events … RETURNING position; INSERT outbox; COMMIT — asyncpg's statement cache
        prepares both statements once per connection."""
        tag = uuid.uuid4().hex[:6]

        async def op(w: int, i: int) -> None:
            e = _new_event(w, i)
            async with self.pool.acquire() as conn, conn.transaction():
                position = await conn.fetchval(
                    _RAW_EVENT, f"r-{tag}-{w}", i + 1, e.event_id, e.event_type, e.schema_version, e.subject,
                    dumps(e.data), dumps(e.metadata), now(),
                )
                await conn.execute(_RAW_OUTBOX, position, e.topic, e.subject)

        return op

    def ours_on_raw_tx(self) -> Op:
        """DIAGNOSTIC: the chassis's own `PostgresEventStore.append`, but inside an asyncpg transaction
        on the raw pool instead of `Database.transaction()`: what the SQLAlchemy wrapper costs."""
        tag = uuid.uuid4().hex[:6]

        async def op(w: int, i: int) -> None:
            async with self.pool.acquire() as conn, conn.transaction():
                await self.store.append(_DriverOnly(conn), f"x-{tag}-{w}", i, [_new_event(w, i)], now())

        return op

    # --- a batch of events per append call --------------------------------------------------------
    def ours_batch(self) -> Op:
        tag = uuid.uuid4().hex[:6]
        size = self.sizes.batch

        async def op(w: int, i: int) -> None:
            events = [_new_event(w, i * size + k) for k in range(size)]
            async with self.db.transaction() as tx:
                await self.store.append(tx, f"b-{tag}-{w}", i * size, events, now())

        return op

    def raw_copy_batch(self) -> Op:
        """Reserve positions and read the transaction id (1 round trip), then COPY the events and the
        outbox rows (binary COPY, the fastest bulk path PostgreSQL has)."""
        tag = uuid.uuid4().hex[:6]
        size = self.sizes.batch

        async def op(w: int, i: int) -> None:
            events = [_new_event(w, i * size + k) for k in range(size)]
            at = now()
            async with self.pool.acquire() as conn, conn.transaction():
                tx_id, positions = await conn.fetchrow(_RESERVE, size)
                await conn.copy_records_to_table(
                    "events", columns=_EVENT_COLUMNS,
                    records=[
                        (p, tx_id, f"c-{tag}-{w}", i * size + k + 1, e.event_id, e.event_type, e.schema_version,
                         e.subject, dumps(e.data), dumps(e.metadata), at)
                        for k, (p, e) in enumerate(zip(positions, events))
                    ],
                )
                await conn.copy_records_to_table(
                    "outbox", columns=["position", "topic", "message_key"],
                    records=[(p, e.topic, e.subject) for p, e in zip(positions, events)],
                )

        return op

    def raw_executemany_batch(self) -> Op:
        """Reserve positions (1 round trip), then executemany the events and the outbox rows (asyncpg
        pipelines executemany's rows over one prepared statement)."""
        tag = uuid.uuid4().hex[:6]
        size = self.sizes.batch

        async def op(w: int, i: int) -> None:
            events = [_new_event(w, i * size + k) for k in range(size)]
            at = now()
            async with self.pool.acquire() as conn, conn.transaction():
                _, positions = await conn.fetchrow(_RESERVE, size)
                await conn.executemany(
                    _RAW_EVENT_AT,
                    [
                        (p, f"m-{tag}-{w}", i * size + k + 1, e.event_id, e.event_type, e.schema_version,
                         e.subject, dumps(e.data), dumps(e.metadata), at)
                        for k, (p, e) in enumerate(zip(positions, events))
                    ],
                )
                await conn.executemany(_RAW_OUTBOX, [(p, e.topic, e.subject) for p, e in zip(positions, events)])

        return op


class EventsourcingLibrary:
    """The `eventsourcing` library on PostgreSQL (its own `stored_events` table, in a database of its
    own on the same server). It is synchronous (psycopg 3), so its writers are OS threads, one
    pooled connection each. Two ways of using it:

    - `recorder`: `PostgresApplicationRecorder.insert_events([one StoredEvent])`, the storage layer
      alone (what `Application.save` ends in): one event per transaction.
    - `application`: an `Aggregate` method call and `Application.save(aggregate)`, the library as its
      docs use it (mapper, JSON transcoder, then the recorder).
    Both take the library's `LOCK TABLE … IN EXCLUSIVE MODE` and `NOTIFY` per transaction: that is
    how it keeps its notification order gap-free.
    """

    def __init__(self, url: str, writers: int) -> None:
        from eventsourcing.application import Application
        from eventsourcing.domain import Aggregate, event

        class Case(Aggregate):
            @event("Received")
            def __init__(self, data: dict) -> None:
                self.notes = 0

            @event("Noted")
            def note(self, data: dict) -> None:
                self.notes += 1

        self.Case = Case
        parts = urlsplit(url)
        self.env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/"),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": parts.username or "postgres",
            "POSTGRES_PASSWORD": parts.password or "",
            "POSTGRES_POOL_SIZE": str(writers),
            "POSTGRES_MAX_OVERFLOW": "0",
        }
        self.app = Application(env=self.env)
        self.writers = writers

    def truncate(self) -> None:
        with self.app.factory.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            conn.execute(f'TRUNCATE "{self.app.recorder.events_table_name}"')  # type: ignore[attr-defined]
            conn.execute("CHECKPOINT")

    def recorder_op(self) -> Callable[[int, int], None]:
        from eventsourcing.persistence import StoredEvent

        ids = [uuid.uuid4() for _ in range(self.writers)]
        recorder = self.app.recorder

        def op(w: int, i: int) -> None:
            state = dumps({"originator_topic": "bench:Case", "data": event_data(i), "metadata": event_metadata()})
            recorder.insert_events(
                [StoredEvent(originator_id=ids[w], originator_version=i + 1, topic="bench:Case.Noted",
                             state=state.encode())]
            )

        return op

    def application_op(self) -> Callable[[int, int], None]:
        cases = []
        for _ in range(self.writers):
            case = self.Case(data=event_data(0))
            self.app.save(case)
            cases.append(case)

        def op(w: int, i: int) -> None:
            case = cases[w]
            case.note(data=event_data(i))
            self.app.save(case)

        return op

    def close(self) -> None:
        self.app.close()


async def _notify_trigger(pool: asyncpg.Pool, enabled: bool) -> None:
    async with pool.acquire() as conn:
        await conn.execute(f"ALTER TABLE outbox {'ENABLE' if enabled else 'DISABLE'} TRIGGER outbox_notify")


async def measure(db: Database, pool: asyncpg.Pool, es_url: str, sizes: Sizes, log: Any) -> list[Row]:
    """`db` (the chassis) and `pool` (raw asyncpg) each hold `sizes.writers` connections."""
    n = sizes.writers
    es = await asyncio.to_thread(EventsourcingLibrary, es_url, n)
    try:
        contenders = Contenders(db, pool, sizes)
        results: dict[str, list[Window]] = {}

        async def run(name: str, make_op: Callable[[], Op], events_per_op: int) -> None:
            async with pool.acquire() as conn:
                await reset_tables(conn)
            window = await timed_tasks(
                n, make_op(), events_per_op=events_per_op, warmup_s=sizes.warmup_s, window_s=sizes.window_s
            )
            results.setdefault(name, []).append(window)
            log(f"  {name:<34} {window.events_per_s:>10,.0f} events/s  ({window.events:,} in {window.seconds:.2f} s; "
                f"{window.cpu_us_per_event:,.0f} µs of this process's CPU per event)")

        async def run_threads(name: str, make_op: Callable[[], Callable[[int, int], None]]) -> None:
            await asyncio.to_thread(es.truncate)
            op = await asyncio.to_thread(make_op)
            window = await asyncio.to_thread(
                timed_threads, n, op, events_per_op=1, warmup_s=sizes.warmup_s, window_s=sizes.window_s
            )
            results.setdefault(name, []).append(window)
            log(f"  {name:<34} {window.events_per_s:>10,.0f} events/s  ({window.events:,} in {window.seconds:.2f} s; "
                f"{window.cpu_us_per_event:,.0f} µs of this process's CPU per event)")

        async def without_notify(name: str, make_op: Callable[[], Op]) -> None:
            await _notify_trigger(pool, False)
            try:
                await run(name, make_op, 1)
            finally:
                await _notify_trigger(pool, True)

        single: list[Callable[[], Awaitable[None]]] = [
            lambda: run("ours_single", contenders.ours_single, 1),
            lambda: run("raw_single", contenders.raw_single, 1),
            lambda: run("ours_on_raw_tx", contenders.ours_on_raw_tx, 1),
            lambda: run_threads("es_recorder", es.recorder_op),
            lambda: run_threads("es_application", es.application_op),
            lambda: without_notify("ours_single_no_notify", contenders.ours_single),
            lambda: without_notify("raw_single_no_notify", contenders.raw_single),
        ]
        batched: list[Callable[[], Awaitable[None]]] = [
            lambda: run("ours_batch", contenders.ours_batch, sizes.batch),
            lambda: run("raw_copy_batch", contenders.raw_copy_batch, sizes.batch),
            lambda: run("raw_executemany_batch", contenders.raw_executemany_batch, sizes.batch),
        ]
        # Rounds alternate the order (A B C, then C B A) so that a drift in the machine's load (other
        # work on the same cores) does not favour whoever runs first.
        for r in range(sizes.rounds):
            log(f"appends, round {r + 1}/{sizes.rounds}: one event + outbox row per transaction, {n} writers"
                " (last two: diagnostic, outbox NOTIFY trigger disabled)")
            for step in (single if r % 2 == 0 else single[::-1]):
                await step()
        for r in range(sizes.rounds):
            log(f"appends, round {r + 1}/{sizes.rounds}: {sizes.batch} events per append call, {n} writers")
            for step in (batched if r % 2 == 0 else batched[::-1]):
                await step()
        async with pool.acquire() as conn:
            await reset_tables(conn)
    finally:
        await asyncio.to_thread(es.close)

    def rate(name: str) -> float:
        return mean([w.events_per_s for w in results[name]])

    def detail(name: str) -> dict[str, Any]:
        return {
            "per_round_events_per_s": [round(w.events_per_s, 1) for w in results[name]],
            "events_counted": sum(w.events for w in results[name]),
            "seconds_counted": round(sum(w.seconds for w in results[name]), 3),
            "process_cpu_us_per_event": round(mean([w.cpu_us_per_event for w in results[name]]), 1),
        }

    es_best_name = max(("es_recorder", "es_application"), key=rate)
    window = f"{sizes.rounds}×{sizes.window_s:g} s windows after {sizes.warmup_s:g} s warm-up"
    single = f"{n} writers, pool {n}, 1 event + 1 outbox row per tx; {window}"
    batch_raw = max(("raw_copy_batch", "raw_executemany_batch"), key=rate)
    return [
        Row(
            key="append_single_vs_eventsourcing", name="Append, single-event commits", unit="events/s",
            figure=rate("ours_single"), baseline_name=f"eventsourcing ({es_best_name.removeprefix('es_')})",
            baseline=rate(es_best_name), goal="≥ 3× eventsourcing", goal_kind="ratio_min", goal_value=3.0,
            setup=single + "; eventsourcing: " + f"{n} threads, pool {n}",
            details={
                "ours": detail("ours_single"), "es_recorder": detail("es_recorder"),
                "es_application": detail("es_application"),
                "baseline_choice": "the faster of the library's recorder and Application.save",
            },
        ),
        Row(
            key="append_single_vs_raw", name="Append, single-event commits, vs raw", unit="events/s",
            figure=rate("ours_single"), baseline_name="raw asyncpg (2 INSERTs, 4 round trips)",
            baseline=rate("raw_single"), setup=single, details={"raw": detail("raw_single")},
        ),
        Row(
            key="append_single_eventsourcing_app", name="  eventsourcing Application.save (info)", unit="events/s",
            figure=rate("es_application"), setup=f"{n} threads, pool {n}; Aggregate + Application.save",
            details=detail("es_application"),
        ),
        Row(
            key="append_batch", name=f"Append, {sizes.batch} events per call", unit="events/s",
            figure=rate("ours_batch"),
            baseline_name="raw asyncpg " + ("COPY" if batch_raw == "raw_copy_batch" else "executemany"),
            baseline=rate(batch_raw), goal="≥ 50% of raw", goal_kind="ratio_min", goal_value=0.5,
            setup=f"{n} writers, {sizes.batch} events + {sizes.batch} outbox rows per tx; {window}",
            details={
                "ours": detail("ours_batch"), "raw_copy": detail("raw_copy_batch"),
                "raw_executemany": detail("raw_executemany_batch"),
                "baseline_choice": "the faster of COPY and executemany",
            },
        ),
        Row(
            key="diag_append_single_no_notify", name="  diag: single-event, NOTIFY trigger off", unit="events/s",
            figure=rate("ours_single_no_notify"), baseline_name="raw asyncpg, trigger off",
            baseline=rate("raw_single_no_notify"), setup=single, diagnostic=True,
            details={
                "ours": detail("ours_single_no_notify"), "raw": detail("raw_single_no_notify"),
                "ours_with_trigger_events_per_s": rate("ours_single"),
                "why": "the outbox trigger's pg_notify serialises every committing writer of the database",
            },
        ),
        Row(
            key="diag_append_single_raw_tx", name="  diag: single-event, append on raw asyncpg tx", unit="events/s",
            figure=rate("ours_on_raw_tx"), baseline_name="raw asyncpg (2 INSERTs)", baseline=rate("raw_single"),
            setup=single + "; PostgresEventStore.append inside pool.acquire() + conn.transaction(), no SQLAlchemy",
            diagnostic=True,
            details={
                "ours_on_raw_tx": detail("ours_on_raw_tx"), "ours_via_Database_transaction": detail("ours_single"),
                "why": "isolates what Database.transaction() (SQLAlchemy engine.begin, greenlet, pool) adds",
            },
        ),
    ]
