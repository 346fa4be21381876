"""Intake over HTTP: accepted applications per second against a bare POST endpoint that validates the
same body, on the same server (uvicorn, 2 workers, uvloop + httptools) in the same run, loaded by wrk.

What runs (bench/README.md has the table):

1. a fresh database; the intake app's lifespan run once in this process (migrations, the demo catalogue
   published, topics made), then `uvicorn bench.intake_server:app --workers 2` in a subprocess with the
   settings as ONEWINDOW_INTAKE_* variables (environment=test: the development token issuer, derived
   from the default development master key, so tokens minted here verify in the server);
2. N applicants (one per connection), each with a token and the item's four materials uploaded over
   HTTP (POST /v1/materials); one application each, checked to come back `accepted`;
3. wrk, the same connections and threads for every load: a warm-up of each endpoint, then the timed
   loads in rounds (intake, bare; bare, intake) — POST /v1/applications (ONLINE applicant, fully-online
   item, all materials: accepted at once) with a unique Idempotency-Key per request, and POST /bench/bare
   with the same bodies — counting only 201s; after each intake load the outbox is let drain (the relay
   runs in the server), so the next load does not share the cores with a relay catching up; then a
   diagnostic load with bodies that leave out material_ids (the materials come from the vault);
4. checks: the accepted cases in the database against the 201s wrk counted (no lost writes; requests
   still in flight when wrk stops are answered to nobody but commit, so the database may hold up to one
   per connection more), no case left in another status, the outbox empty, and every intake event of
   the run on Kafka (`intake.events`' end offsets moved by at least the number of events the cases hold);
   the outbox backlog during the loads and the relay's cycle (timed in the server) are reported too.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from .common import Row
from .infra import ROOT, Infra, create_database, drop_database

ITEM = "330100-SCJGJ-XK-001"  # 有限责任公司设立登记: fully online, 4 materials
MATERIALS = ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY", "CL-JBR-SQWTS")
INTAKE_TOPIC = "intake.events"
ANSWERS_BY_TYPE = {"text": "杭州味道餐饮管理有限公司", "address": "杭州市西湖区文三路100号",
                   "id_number": "11010519491231002X", "phone": "13800138000", "number": 12, "date": "2026-03-01"}


@dataclass(frozen=True)
class IntakeSizes:
    workers: int = 2
    connections: int = 64             # wrk -c, the same for every load; also the number of applicants
    threads: int = 2                  # wrk -t
    warmup_s: float = 3.0             # per endpoint, before the timed loads
    window_s: float = 10.0            # per timed load
    rounds: int = 2                   # intake, bare; then bare, intake (ABBA): drift hits both alike
    diag_window_s: float = 8.0        # the diagnostic load (body without material_ids)
    drain_timeout_s: float = 60.0


FULL = IntakeSizes()
QUICK = IntakeSizes(warmup_s=1.0, window_s=5.0, rounds=1, diag_window_s=3.0, drain_timeout_s=30.0)


GOAL_PER_S, GOAL_RATIO = 1000.0, 0.35


@dataclass
class IntakeRow(Row):
    """A row whose goal has two parts: an absolute rate and a share of the baseline."""

    @property
    def met(self) -> bool | None:
        if self.goal_kind != "intake":
            return super().met
        return self.figure >= GOAL_PER_S and self.ratio is not None and self.ratio >= GOAL_RATIO


# --- the server ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, bootstrap: str, bus_dir: Path) -> dict[str, str]:
    return {
        "ONEWINDOW_INTAKE_ENVIRONMENT": "test",
        "ONEWINDOW_INTAKE_DATABASE_URL": database_url,
        "ONEWINDOW_INTAKE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "ONEWINDOW_INTAKE_BUS_PATH": str(bus_dir / "bus.db"),  # unused with Kafka; kept out of the tree
        "ONEWINDOW_INTAKE_MIGRATE_ON_START": "false",  # migrated once beforehand, not by two workers at once
        "ONEWINDOW_INTAKE_PUBLISH_CATALOGUE_ON_START": "true",  # unchanged items add no version
    }


async def prepare_database(env: dict[str, str]) -> None:
    """Run the app's lifespan once here: migrations, the catalogue published, topics made."""
    from onewindow_intake.app import create_app
    from onewindow_intake.config import Settings

    settings = Settings(**{k.removeprefix("ONEWINDOW_INTAKE_").lower(): v for k, v in env.items()
                           if k != "ONEWINDOW_INTAKE_MIGRATE_ON_START"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path
    workers: list[int] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def cpu_seconds(self) -> dict[int, float]:
        """utime + stime of each worker process so far (from /proc)."""
        out = {}
        tick = os.sysconf("SC_CLK_TCK")
        for pid in self.workers:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                out[pid] = (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                pass
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _is_worker(pid: int) -> bool:
    """uvicorn's workers are spawned interpreters; the spawn start method also leaves a resource tracker."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"resource_tracker" not in cmdline


def start_server(env: dict[str, str], workers: int, log_dir: Path, extra_env: dict[str, str] | None = None) -> Server:
    port = free_port()
    log_path = log_dir / "uvicorn.log"
    out = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.intake_server:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
         "--log-level", "info"],
        cwd=ROOT, env=os.environ | env | (extra_env or {}), stdout=out, stderr=subprocess.STDOUT,
    )
    out.close()
    server = Server(proc, port, log_path)
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}:\n{server.log_tail()}")
        if server.log_tail(100_000).count("Application startup complete") >= workers:
            break
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"uvicorn's {workers} workers did not start in 120 s:\n{server.log_tail()}")
        time.sleep(0.2)
    server.workers = [p for p in _children(proc.pid) if _is_worker(p)]
    return server


# --- applicants ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Applicant:
    subject: str
    token: str
    material_ids: tuple[str, ...]


async def make_applicants(base: str, n: int, answers_out: dict[str, Any],
                          transport: httpx.AsyncBaseTransport | None = None) -> list[Applicant]:
    """N applicants with a token and the item's materials in their vault; one accepted case each
    (over a real server at `base`, or in process through an ASGI `transport`)."""
    from onewindow_chassis.web import development_issuer
    from onewindow_intake.config import Settings

    issuer = development_issuer(Settings(environment="test"))
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=base, timeout=60, transport=transport) as client:
        item = (await client.get(f"/v1/catalogue/items/{ITEM}")).raise_for_status().json()
        if not item.get("fully_online"):
            raise RuntimeError(f"{ITEM} is no longer fully online: applications would not be accepted at once")
        needed = {m["type_code"] for m in item["materials"]}
        if needed != set(MATERIALS):
            raise RuntimeError(f"{ITEM} now needs {sorted(needed)}, the bench uploads {sorted(MATERIALS)}")
        answers_out.update({f["code"]: (f["choices"][0] if f["type"] == "choice" else ANSWERS_BY_TYPE[f["type"]])
                            for f in item["form"]})

        async def one(i: int) -> Applicant:
            subject = f"app-bench-{tag}-{i:04d}"
            token = issuer.issue(subject, "applicant")
            headers = {"Authorization": f"Bearer {token}"}
            ids = []
            for code in MATERIALS:
                content = b"%PDF-1.7\n" + f"{code} of {subject} {uuid.uuid4()}".encode()
                reply = await client.post("/v1/materials", content=content,
                                          params={"type_code": code, "filename": f"{code}.pdf"},
                                          headers=headers | {"Idempotency-Key": uuid.uuid4().hex})
                if reply.status_code != 201:
                    raise RuntimeError(f"upload of {code} answered {reply.status_code}: {reply.text[:500]}")
                ids.append(reply.json()["material_id"])
            return Applicant(subject, token, tuple(ids))

        applicants = []
        for start in range(0, n, 16):
            applicants += await asyncio.gather(*(one(i) for i in range(start, min(n, start + 16))))
        # one application each, without material_ids: everything must come from the vault
        for applicant in applicants:
            reply = await client.post("/v1/applications", json=body(answers_out, ()), headers={
                "Authorization": f"Bearer {applicant.token}", "Idempotency-Key": uuid.uuid4().hex})
            case = reply.json()
            if reply.status_code != 201 or case.get("status") != "accepted":
                raise RuntimeError(f"the first application answered {reply.status_code}: {reply.text[:800]}")
            sources = {m["type_code"]: m["source"] for m in case["materials"]}
            if any(sources.get(code) != "reused" for code in MATERIALS):  # others (a generated form) may join
                raise RuntimeError(f"materials were not all reused from the vault: {case['materials']}")
    return applicants


def body(answers: dict[str, Any], material_ids: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"item_codes": [ITEM], "applicant_kind": "enterprise", "answers": answers}
    if material_ids:
        out["material_ids"] = list(material_ids)
    return out


# --- wrk ----------------------------------------------------------------------------------------------

_LUA = r"""
-- generated by bench/intake.py: POST with per-applicant bodies and a unique Idempotency-Key per request
local tokens = {%(tokens)s}
local bodies = {%(bodies)s}
local path = %(path)s
local run = "?"
local method = %(method)s
local threads = {}
local next_id = 0
-- globals, not locals: done() reads them from each thread with thread:get()
counter = 0
created = 0
others = {}

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  run = args[1]  -- a tag unique to this wrk run: keys never repeat across warm-up and timed runs
end

function request()
  counter = counter + 1
  local n = (counter * 7 + id) %% #tokens + 1
  if method == "GET" then
    return wrk.format("GET", path)
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[n],
    ["Idempotency-Key"] = run .. "-" .. id .. "-" .. counter,
  }, bodies[n])
end

function response(status, headers, body)
  if status == 201 or (method == "GET" and status == 200) then
    created = created + 1
  else
    local k = tostring(status)
    others[k] = (others[k] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total_created = 0
  local merged = {}
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    local o = thread:get("others")
    for k, v in pairs(o) do merged[k] = (merged[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%%s": %%d', k, v)) end
  io.write(string.format(
    'BENCH_RESULT {"requests": %%d, "duration_us": %%d, "ok": %%d, "others": {%%s}, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%f}\n',
    summary.requests, summary.duration, total_created, table.concat(parts, ", "),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def _lua_string(text: str) -> str:
    """A Lua long-bracket literal: raw bytes (UTF-8 included), no escapes (LuaJIT knows no \\u)."""
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def write_script(directory: Path, name: str, path: str, applicants: list[Applicant], bodies: list[dict[str, Any]],
                 method: str = "POST") -> Path:
    script = directory / f"{name}.lua"
    script.write_text(_LUA % {
        "tokens": ", ".join(_lua_string(a.token) for a in applicants),
        "bodies": ", ".join(_lua_string(json.dumps(b, ensure_ascii=False, separators=(",", ":"))) for b in bodies),
        "path": _lua_string(path), "method": _lua_string(method),
    })
    return script


@dataclass
class Load:
    """What one wrk run counted."""

    name: str
    seconds: float
    requests: int
    ok: int                     # 201s (200s for GET)
    others: dict[str, int]
    errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float = 0.0   # both workers' CPU inside the run
    postgres_cpu_s: float = 0.0

    @property
    def per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        bad = sum(self.others.values()) + sum(v for k, v in self.errors.items() if k != "status")
        cpu = (f"; workers' CPU {self.server_cpu_s / max(self.ok, 1) * 1e6:,.0f} µs, PostgreSQL's "
               f"{self.postgres_cpu_s / max(self.ok, 1) * 1e6:,.0f} µs per request") if self.ok else ""
        return (f"{self.per_s:9,.0f} /s  ({self.ok:,} in {self.seconds:.1f} s; p50 {self.p50_ms:.1f} ms, "
                f"p99 {self.p99_ms:.1f} ms, max {self.max_ms:.0f} ms; other answers/errors {bad}{cpu})")


def combined(loads: list[Load]) -> Load:
    """Several timed loads of one endpoint as one: counts and CPU summed, percentiles averaged, max kept."""
    if len(loads) == 1:
        return loads[0]
    others: dict[str, int] = {}
    errors: dict[str, int] = {}
    for load in loads:
        for k, v in load.others.items():
            others[k] = others.get(k, 0) + v
        for k, v in load.errors.items():
            errors[k] = errors.get(k, 0) + v
    n = len(loads)
    return Load(loads[0].name, sum(x.seconds for x in loads), sum(x.requests for x in loads), sum(x.ok for x in loads),
                others, errors, sum(x.p50_ms for x in loads) / n, sum(x.p90_ms for x in loads) / n,
                sum(x.p99_ms for x in loads) / n, max(x.max_ms for x in loads),
                sum(x.server_cpu_s for x in loads), sum(x.postgres_cpu_s for x in loads))


def relay_cycle(stats_files: list[Path], windows: list[tuple[float, float]]) -> dict[str, Any]:
    """The relay's batches that started inside the timed intake loads (from bench/intake_server.py)."""
    batches = []
    for file in stats_files:
        with contextlib.suppress(OSError, ValueError):
            batches += json.loads(file.read_text())
    inside = [b for b in batches if any(t0 <= b[0] < t1 for t0, t1 in windows)]
    if not inside:
        return {"batches": 0}
    n = len(inside)
    cycle = sum(b[1] - b[0] for b in inside) / n
    publish = sum(b[3] for b in inside) / n
    return {"batches": n, "events": sum(b[2] for b in inside), "mean_batch": sum(b[2] for b in inside) / n,
            "mean_cycle_ms": cycle * 1e3, "mean_publish_ms": publish * 1e3, "mean_other_ms": (cycle - publish) * 1e3,
            "max_cycle_ms": max(b[1] - b[0] for b in inside) * 1e3}


def _proc_cpu(pid: int, *, reaped: bool = False) -> float:
    """utime + stime of a process (and, with `reaped`, of its children it has waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if reaped else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


_postmaster: int | None = None


def watch_postgres(infra: Infra) -> None:
    """Count the CPU of the bench's own PostgreSQL cluster only (other sessions may run one too)."""
    global _postmaster
    _postmaster = None
    for started in infra.started:
        if started.script == "postgres.sh":
            with contextlib.suppress(OSError, ValueError, IndexError):
                _postmaster = int((started.directory / "data" / "postmaster.pid").read_text().split()[0])


def postgres_cpu_seconds() -> float:
    """CPU of the bench's PostgreSQL so far: the postmaster, its live backends and the ones it reaped.
    On an external server (DATABASE_URL), every postgres process on this machine."""
    if _postmaster is not None and Path(f"/proc/{_postmaster}").exists():
        total = _proc_cpu(_postmaster, reaped=True)
        for child in _children(_postmaster):
            with contextlib.suppress(OSError, IndexError, ValueError):  # a backend that just exited
                total += _proc_cpu(child)
        return total
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            if stat[stat.find("(") + 1:stat.rfind(")")].startswith("postgres"):
                total += _proc_cpu(int(entry.name))
    return total


def wrk(server: Server, script: Path, path: str, seconds: float, sizes: IntakeSizes, name: str) -> Load:
    cpu0, pg0 = sum(server.cpu_seconds().values()), postgres_cpu_seconds()
    done = subprocess.run(
        ["wrk", f"-t{min(sizes.threads, sizes.connections)}", f"-c{sizes.connections}",
         f"-d{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(script), server.base + path, "--", f"{name.split()[0]}-{uuid.uuid4().hex[:12]}"],
        capture_output=True, text=True, timeout=seconds + 120,
    )
    cpu1, pg1 = sum(server.cpu_seconds().values()), postgres_cpu_seconds()
    line = next((l for l in done.stdout.splitlines() if l.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    r = json.loads(line.removeprefix("BENCH_RESULT "))
    return Load(name, r["duration_us"] / 1e6, r["requests"], r["ok"], r["others"], r["errors"],
                r["p50_us"] / 1e3, r["p90_us"] / 1e3, r["p99_us"] / 1e3, r["max_us"] / 1e3,
                server_cpu_s=cpu1 - cpu0, postgres_cpu_s=pg1 - pg0)


# --- checks -------------------------------------------------------------------------------------------

async def case_counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {r["status"]: r["n"] for r in await conn.fetch("SELECT status, count(*) AS n FROM cases GROUP BY status")}


async def settle(conn: asyncpg.Connection, quiet_s: float = 1.5, timeout_s: float = 30.0) -> dict[str, int]:
    """The case counts once the requests still in flight when wrk stopped have finished: no change
    for `quiet_s`."""
    t0 = time.perf_counter()
    last, since = await case_counts(conn), time.perf_counter()
    while time.perf_counter() - since < quiet_s and time.perf_counter() - t0 < timeout_s:
        await asyncio.sleep(0.25)
        now = await case_counts(conn)
        if now != last:
            last, since = now, time.perf_counter()
    return last


async def case_events(conn: asyncpg.Connection) -> int:
    """Events of the cases' streams (ApplicationReceived, ApplicationAccepted, …): the intake topic's messages."""
    return await conn.fetchval("SELECT count(*) FROM events e JOIN cases c ON c.case_id = e.stream_id")


async def topic_end(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - first look at a topic
            partitions = consumer.partitions_for_topic(topic) or set()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def drain(conn: asyncpg.Connection, timeout_s: float) -> tuple[int, float]:
    """Wait for the server's relay to empty the outbox: (rows left at the start, seconds it took)."""
    t0 = time.perf_counter()
    first = await conn.fetchval("SELECT count(*) FROM outbox")
    left = first
    while left and time.perf_counter() - t0 < timeout_s:
        await asyncio.sleep(0.05)
        left = await conn.fetchval("SELECT count(*) FROM outbox")
    if left:
        raise RuntimeError(f"the outbox still holds {left} rows after {timeout_s:.0f} s: the relay is not draining")
    return first, time.perf_counter() - t0


async def loaded(conn: asyncpg.Connection, server: Server, script: Path, path: str, seconds: float,
                 sizes: IntakeSizes, name: str) -> tuple[Load, list[int]]:
    """wrk in a thread while the outbox's backlog is sampled every half second (the relay's lag)."""
    job = asyncio.ensure_future(asyncio.to_thread(wrk, server, script, path, seconds, sizes, name))
    backlog = []
    while not job.done():
        await asyncio.wait([job], timeout=0.5)
        if not job.done():
            backlog.append(await conn.fetchval("SELECT count(*) FROM outbox"))
    return job.result(), backlog


# --- the measurement ----------------------------------------------------------------------------------

async def measure(infra: Infra, quick: bool, log: Any) -> list[Row]:
    sizes = QUICK if quick else FULL
    if shutil.which("wrk") is None:
        raise RuntimeError("the intake row needs wrk (Debian: apt-get install -y wrk), a load generator light "
                           "enough to share 2 cores with the server")
    url = await create_database(infra.postgres_url, "bench_intake")
    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    server: Server | None = None
    watch_postgres(infra)
    try:
        env = server_env(url, infra.kafka_bootstrap, work)
        t0 = time.perf_counter()
        await prepare_database(env)
        log(f"intake: database migrated and catalogue published in {time.perf_counter() - t0:.1f} s; starting "
            f"uvicorn, {sizes.workers} workers (uvloop, httptools)")
        server = start_server(env, sizes.workers, work, {"BENCH_RELAY_STATS": str(work / "relay")})
        answers: dict[str, Any] = {}
        t0 = time.perf_counter()
        applicants = await make_applicants(server.base, sizes.connections, answers)
        log(f"  {len(applicants)} applicants, {len(MATERIALS)} materials each uploaded over HTTP, one accepted "
            f"application each without material_ids (all reused from the vault): {time.perf_counter() - t0:.1f} s")
        full_bodies = [body(answers, a.material_ids) for a in applicants]
        vault_bodies = [body(answers, ()) for _ in applicants]
        size = len(json.dumps(full_bodies[0], ensure_ascii=False, separators=(",", ":")).encode())
        scripts = {
            "intake": write_script(work, "intake", "/v1/applications", applicants, full_bodies),
            "bare": write_script(work, "bare", "/bench/bare", applicants, full_bodies),
            "intake_vault": write_script(work, "intake_vault", "/v1/applications", applicants, vault_bodies),
        }
        pg = await asyncpg.connect(url)
        try:
            for name, path in (("intake", "/v1/applications"), ("bare", "/bench/bare")):
                warm = wrk(server, scripts[name], path, sizes.warmup_s, sizes, f"{name} warm-up")
                log(f"  warm-up {name:<19}{warm.summary()}")
            await settle(pg)
            await drain(pg, sizes.drain_timeout_s)
            events0, end0 = await case_events(pg), await topic_end(infra.kafka_bootstrap, INTAKE_TOPIC)
            runs: dict[str, list[Load]] = {"intake": [], "bare": []}
            accepted_in_windows, windows, backlogs, stops = 0, [], [], []
            for r in range(sizes.rounds):
                for name in (("intake", "bare") if r % 2 == 0 else ("bare", "intake")):
                    tag = f"round {r + 1}/{sizes.rounds}"
                    if name == "bare":
                        runs["bare"].append(wrk(server, scripts["bare"], "/bench/bare", sizes.window_s, sizes,
                                                "POST /bench/bare"))
                        log(f"  {tag} POST /bench/bare           {runs['bare'][-1].summary()}")
                        continue
                    at_start, t0 = await case_counts(pg), time.time()
                    load, seen = await loaded(pg, server, scripts["intake"], "/v1/applications", sizes.window_s,
                                              sizes, "POST /v1/applications")
                    windows.append((t0, time.time()))
                    runs["intake"].append(load)
                    backlogs += seen
                    log(f"  {tag} POST /v1/applications      {load.summary()}")
                    stops.append(await drain(pg, sizes.drain_timeout_s))  # timed from wrk's end
                    at_end = await settle(pg)
                    await drain(pg, sizes.drain_timeout_s)
                    accepted_in_windows += at_end.get("accepted", 0) - at_start.get("accepted", 0)
            at_vault = await case_counts(pg)
            vault = wrk(server, scripts["intake_vault"], "/v1/applications", sizes.diag_window_s, sizes,
                        "POST /v1/applications, no material_ids")
            log(f"  diag: no material_ids            {vault.summary()}")
            after = await settle(pg)
            await drain(pg, sizes.drain_timeout_s)
            events1, end1 = await case_events(pg), await topic_end(infra.kafka_bootstrap, INTAKE_TOPIC)
        finally:
            await pg.close()
    finally:
        if server is not None:
            server.stop()
        relay = relay_cycle(sorted(work.glob("relay.*.json")), windows if server is not None else [])
        with contextlib.suppress(Exception):
            await drop_database(infra.postgres_url, url)
        shutil.rmtree(work, ignore_errors=True)

    ours, bare = combined(runs["intake"]), combined(runs["bare"])
    not_accepted = {k: v for k, v in after.items() if k != "accepted"}
    rounds_in_flight = sizes.connections * len(runs["intake"])
    in_flight_ok = 0 <= accepted_in_windows - ours.ok <= rounds_in_flight
    vault_db = after.get("accepted", 0) - at_vault.get("accepted", 0)
    vault_ok = 0 <= vault_db - vault.ok <= sizes.connections
    relayed, appended = end1 - end0, events1 - events0
    backlog = max((b for b, _ in stops), default=0)
    drain_s = max((d for _, d in stops), default=0.0)
    checks = {
        "accepted_cases_in_windows": accepted_in_windows, "created_201_in_windows": ours.ok,
        "difference_in_flight_at_stop": accepted_in_windows - ours.ok, "difference_allowed_max": rounds_in_flight,
        "no_lost_writes": in_flight_ok and vault_ok, "cases_not_accepted": not_accepted,
        "outbox_backlog_when_load_stopped": [b for b, _ in stops],
        "outbox_drained_in_s": [round(d, 2) for _, d in stops],
        "outbox_backlog_during_load": backlogs, "relay": relay,
        "case_events_appended": appended, "intake_topic_messages_added": relayed,
        "relayed_all": relayed >= appended,  # at-least-once: a retried batch may add duplicates, never fewer
    }
    log(f"  checks: {accepted_in_windows:,} cases accepted in the database during the timed loads, {ours.ok:,} 201s "
        f"counted by wrk (+{accepted_in_windows - ours.ok} committed for requests in flight when wrk stopped, "
        f"answered to nobody; at most {rounds_in_flight}); no-material_ids load {vault_db:,} vs {vault.ok:,}; "
        f"cases in another status: {sum(not_accepted.values())}")
    median = sorted(backlogs)[len(backlogs) // 2] if backlogs else 0
    log(f"  outbox (the relay runs in one of the workers): backlog during the loads median {median}, max "
        f"{max(backlogs, default=0)} rows; at most {backlog} when wrk stopped, empty at most {drain_s:.2f} s later; "
        f"{appended:,} case events appended, {relayed:,} messages added to {INTAKE_TOPIC}")
    if relay.get("batches"):
        log(f"  relay during the loads: {relay['batches']} batches of {relay['mean_batch']:.0f} events on average; "
            f"a cycle took {relay['mean_cycle_ms']:.0f} ms (max {relay['max_cycle_ms']:.0f}): "
            f"{relay['mean_publish_ms']:.0f} ms in publish (send + every ack), {relay['mean_other_ms']:.0f} ms in "
            f"its two transactions (pool checkout included) and building the messages")
    problems = []
    if not in_flight_ok or not vault_ok:
        problems.append("accepted cases and 201s disagree beyond the requests in flight")
    if not_accepted:
        problems.append(f"cases not accepted: {not_accepted}")
    if relayed < appended:
        problems.append(f"{appended} case events but only {relayed} messages on {INTAKE_TOPIC}")
    elif relayed > appended:
        log(f"  note: {relayed - appended} duplicate messages on {INTAKE_TOPIC} (at-least-once delivery)")
    for load in (*runs["intake"], *runs["bare"], vault):
        if load.others or any(v for k, v in load.errors.items() if k != "status"):
            problems.append(f"{load.name}: other answers {load.others}, errors {load.errors}")
    for problem in problems:
        log(f"  WARNING: {problem}")

    rounds = (f"{sizes.rounds} rounds (intake, bare; bare, intake) of " if sizes.rounds > 1 else "")
    setup = (f"uvicorn {sizes.workers} workers (uvloop, httptools), wrk -t{sizes.threads} -c{sizes.connections}, "
             f"{rounds}{sizes.window_s:.0f} s per endpoint after {sizes.warmup_s:.0f} s warm-up each; "
             f"{len(applicants)} "
             f"ONLINE applicants, item {ITEM} with its 4 material_ids in a {size} B body, unique Idempotency-Key "
             f"per request; only 201s counted")
    details = {
        "loads": {"intake": [{**v.__dict__, "per_s": v.per_s} for v in runs["intake"]],
                  "bare": [{**v.__dict__, "per_s": v.per_s} for v in runs["bare"]],
                  "intake_no_material_ids": {**vault.__dict__, "per_s": vault.per_s}},
        "checks": checks, "problems": problems, "body_bytes": size, "applicants": len(applicants),
        "body_example": full_bodies[0],
    }
    return [
        IntakeRow("intake_http", "Intake: accepted applications/s (HTTP, 2 workers)", "/s", ours.per_s,
                  "bare POST validating the same body", bare.per_s, "≥ 1,000/s and ≥ 35% of bare", "intake",
                  GOAL_PER_S, setup, details),
        Row("intake_http_p99", "Intake: POST /v1/applications p99", "ms", ours.p99_ms,
            "bare POST p99", bare.p99_ms, "", "", None,
            f"wrk's latency of every answer (mean over the rounds); p50 {ours.p50_ms:.1f} ms, bare p50 "
            f"{bare.p50_ms:.1f} ms"),
        Row("intake_http_cpu", "  diag: CPU per request, workers + PostgreSQL", "µs",
            (ours.server_cpu_s + ours.postgres_cpu_s) / max(ours.ok, 1) * 1e6, "bare POST",
            (bare.server_cpu_s + bare.postgres_cpu_s) / max(bare.ok, 1) * 1e6, "", "", None,
            f"/proc CPU of both uvicorn workers and of PostgreSQL over each timed load ÷ its 201s; intake: workers "
            f"{ours.server_cpu_s / max(ours.ok, 1) * 1e6:,.0f} µs + PostgreSQL "
            f"{ours.postgres_cpu_s / max(ours.ok, 1) * 1e6:,.0f} µs (the relay runs in a worker: included)",
            diagnostic=True),
        Row("intake_http_vault", "  diag: intake, body without material_ids", "/s", vault.per_s,
            "bare POST", bare.per_s, "", "", None,
            f"the same load for {sizes.diag_window_s:.0f} s, materials all reused from the vault "
            f"(p99 {vault.p99_ms:.1f} ms)", diagnostic=True),
    ]
