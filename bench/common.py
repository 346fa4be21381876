"""What every measurement shares: the sizes of a run, the event payload, timing loops, result rows."""
from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Sizes:
    """Counts and durations of one run. Throughputs are measured over a fixed time window after a
    warm-up with the same concurrency; `rounds` alternates the contenders that many times."""

    writers: int = 16                 # concurrent appenders (tasks, or threads for eventsourcing)
    batch: int = 100                  # events per append call in the batched measurement
    warmup_s: float = 1.0
    window_s: float = 4.0             # timed window per contender and round
    rounds: int = 2
    relay_events: int = 50_000
    latency_rate: int = 200           # appends per second
    latency_seconds: float = 10.0
    rebuild_events: int = 1_000_000
    page: int = 5000                  # read_all page size for the rebuild
    rebuild_budget_s: float = 45.0    # read_all gives up after this long (the rate so far is reported)
    diag_budget_s: float = 12.0       # the same for the diagnostic read (JSON left undecoded)
    wakeup_trials: int = 3


FULL = Sizes()
QUICK = Sizes(
    warmup_s=0.3, window_s=1.2, rounds=1, relay_events=5_000, latency_rate=100, latency_seconds=3.0,
    rebuild_events=50_000, rebuild_budget_s=15.0, wakeup_trials=1,
)

TOPIC = "bench.events"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def event_data(n: int) -> dict[str, Any]:
    """A realistic intake event body (~0.5 KB as JSON, Chinese text included)."""
    return {
        "application_id": f"app-{n:010d}",
        "item_code": "11440300MB2D12345X-440123-001",
        "region": "440305",
        "applicant": {"kind": "legal_person", "name": "深圳市某某餐饮管理有限公司", "credit_code": "91440300MA5XXXXX1Q"},
        "materials": [
            {"code": "M001", "name": "营业执照", "status": "provided"},
            {"code": "M002", "name": "食品经营许可申请书", "status": "provided"},
            {"code": "M003", "name": "经营场所证明", "status": "deferred"},
        ],
        "channel": "counter",
        "received_by": "clerk-0042",
        "promised_days": 5,
    }


def event_metadata() -> dict[str, Any]:
    return {"traceparent": TRACEPARENT, "correlation_id": str(uuid.uuid4()), "actor": "clerk-0042"}


def dumps(value: Any) -> str:
    """The chassis's own encoding (eventstore/postgres.py `_dumps`), used by the raw baselines too."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Window:
    """What a timed window counted: operations, the events they carried, and the seconds it took."""

    ops: int
    events: int
    seconds: float
    errors: int = 0
    cpu_s: float = 0.0              # this process's CPU time (all threads) inside the window

    @property
    def cpu_us_per_event(self) -> float:
        return self.cpu_s / self.events * 1e6 if self.events else 0.0

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def timed_tasks(
    n: int, op: Callable[[int, int], Awaitable[None]], *, events_per_op: int, warmup_s: float, window_s: float
) -> Window:
    """Run `n` tasks, each calling `op(worker, i)` back to back; count only what completes inside the
    window that opens after `warmup_s` (so pools, statement caches and the JIT-less loop are warm)."""
    counts = [0] * n
    errors = [0] * n
    stop = False

    async def worker(w: int) -> None:
        i = 0
        while not stop:
            try:
                await op(w, i)
            except Exception:
                errors[w] += 1
                raise
            counts[w] += 1
            i += 1

    tasks = [asyncio.create_task(worker(w)) for w in range(n)]
    try:
        await _sleep_checking(tasks, warmup_s)
        c0, t0, p0 = sum(counts), time.perf_counter(), time.process_time()
        await _sleep_checking(tasks, window_s)
        c1, t1, p1 = sum(counts), time.perf_counter(), time.process_time()
    finally:
        stop = True
        results = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise failures[0]
    ops = c1 - c0
    return Window(ops=ops, events=ops * events_per_op, seconds=t1 - t0, errors=sum(errors), cpu_s=p1 - p0)


async def _sleep_checking(tasks: list[asyncio.Task], seconds: float) -> None:
    """Sleep, but surface a worker's exception at once instead of timing a dead benchmark."""
    done, _ = await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        task.result()


def timed_threads(
    n: int, op: Callable[[int, int], None], *, events_per_op: int, warmup_s: float, window_s: float
) -> Window:
    """The same as `timed_tasks` for a blocking library: `n` OS threads calling `op(worker, i)`."""
    counts = [0] * n
    stop = threading.Event()
    failures: list[BaseException] = []

    def worker(w: int) -> None:
        i = 0
        try:
            while not stop.is_set():
                op(w, i)
                counts[w] += 1
                i += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
            stop.set()

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(n)]
    for thread in threads:
        thread.start()
    stop.wait(warmup_s)
    c0, t0, p0 = sum(counts), time.perf_counter(), time.process_time()
    stop.wait(window_s)
    c1, t1, p1 = sum(counts), time.perf_counter(), time.process_time()
    stop.set()
    for thread in threads:
        thread.join(60)
    if failures:
        raise failures[0]
    ops = c1 - c0
    return Window(ops=ops, events=ops * events_per_op, seconds=t1 - t0, cpu_s=p1 - p0)


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


@dataclass
class Row:
    """One line of the result table."""

    key: str
    name: str
    unit: str
    figure: float
    baseline_name: str = ""
    baseline: float | None = None
    goal: str = ""                      # as printed, e.g. "≥ 3× eventsourcing"
    goal_kind: str = ""                 # ratio_min | value_min | value_max | "" (informational)
    goal_value: float | None = None
    setup: str = ""                     # concurrency and counts, as printed
    details: dict[str, Any] = field(default_factory=dict)
    diagnostic: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.figure / self.baseline

    @property
    def met(self) -> bool | None:
        if self.goal_kind == "ratio_min":
            return self.ratio is not None and self.ratio >= self.goal_value
        if self.goal_kind == "value_min":
            return self.figure >= self.goal_value
        if self.goal_kind == "value_max":
            return self.figure <= self.goal_value
        return None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        out["met"] = self.met
        return out


async def reset_tables(conn: asyncpg.Connection) -> None:
    """Empty the chassis's event and outbox tables, then checkpoint, so every contender starts alike
    (no inherited bloat, no full-page writes left to pay from someone else's checkpoint)."""
    await conn.execute("TRUNCATE events, outbox RESTART IDENTITY")
    await conn.execute("CHECKPOINT")
