"""秒批 end to end: from POST /v1/applications at intake to ItemApproved on Kafka (approval.events), with
intake and approval as two real services, each its own uvicorn process (1 worker, uvloop + httptools),
over PostgreSQL (one database each) and Kafka.

What runs (bench/README.md has the table):

1. two fresh databases; the topics made as the services make them (`ensure_topics`); the two consumer
   groups that read case topics (approval's `approval.intake`, intake's `intake.approval-events`) given
   committed offsets at the topics' current ends, so events left by earlier sections of the same run
   (bench/intake.py writes intake.events) are not replayed into the fresh approval service — catalogue
   groups still read from the start;
2. `uvicorn --factory onewindow_intake.app:create_app` and `… onewindow_approval.app:create_app`, 1
   worker each, configured by ONEWINDOW_INTAKE_* / ONEWINDOW_APPROVAL_* (environment=test, so both
   verify tokens of the development issuer derived from the default development master key; approval
   reads intake's forms at APPROVAL_INTAKE_URL as the department's system);
3. applicants prepared beforehand, not timed: a token each and the four materials of 高龄津贴
   (330100-MZJ-JF-001: CL-LNR-SFZ, CL-HKB, CL-SBK, CL-SFZ) uploaded over HTTP; each applies for a parent
   born in 1944 (relation 子女), so every rule of RS-GLJT-1 holds and the item is approved by the platform;
4. two plain aiokafka consumers in this process, assigned every partition of approval.events and of
   intake.events and positioned at their ends before the first application: a department system's view
   of ItemApproved (key = case id, ce_type …ItemApproved), and intake's events for the breakdown;
5. a warm-up (pools, statement caches, consumer groups joined, the catalogue heard by approval), then
   N applications at a steady rate (open loop: each POST starts on schedule whatever the others do),
   then a burst of B applications sent at once, then a few one at a time (each after the previous one's
   ItemApproved, also polled on approval's GET /v1/cases/{id}): the path with nothing queued;
   latency = the bench consumer's receipt of ItemApproved − the instant the POST was sent (both
   `perf_counter` in this process).

Where the time goes is read off timestamps the path leaves anyway, all on this machine's wall clock: the
201, the Kafka CreateTime of MaterialsShared (set by intake's relay when it sends), its receipt here, the
recorded time of MaterialAccessed (intake records approval's read of the 申请表), the recorded time of
ItemApproved (approval's append, after the rules), its Kafka CreateTime (approval's relay) and its
receipt here. Nothing in the services is patched or instrumented.
"""
from __future__ import annotations

import asyncio
import contextlib
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
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from .common import Row, percentile
from .infra import ROOT, Infra, create_database, drop_database

ITEM = "330100-MZJ-JF-001"  # 高龄津贴申领: fully online, rule set RS-GLJT-1 (秒批)
MATERIALS = ("CL-LNR-SFZ", "CL-HKB", "CL-SBK", "CL-SFZ")
ACCESSED = "MaterialAccessed"  # event types are matched by their last segment (ce_type …ItemApproved)
PLAIN = {"text": "杭州市西湖区", "address": "杭州市西湖区文三路100号", "id_number": "11010519491231002X",
         "phone": "13800138000", "number": 1, "date": "2026-03-01"}
GOAL_MS = 1000.0


@dataclass(frozen=True)
class InstantSizes:
    warmup: int = 20
    warmup_rate: float = 5.0       # applications per second during the warm-up
    steady: int = 200
    rate: float = 10.0             # applications per second in the timed run
    burst: int = 20                # sent at once, after the steady run has settled
    single: int = 10               # one at a time at the end, each also polled on approval's GET /v1/cases
    poll_s: float = 0.02
    timeout_s: float = 120.0       # per application, for its ItemApproved (a queue may build up)


FULL = InstantSizes()
QUICK = InstantSizes(warmup=8, steady=40, single=5)


# --- the two services ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Service:
    name: str
    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        return _proc_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _proc_cpu(pid: int, *, reaped: bool = False) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if reaped else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def _postgres_cpu(infra: Infra) -> float | None:
    """CPU of the bench's own PostgreSQL (postmaster, live backends, reaped ones); None on an external server."""
    for started in infra.started:
        if started.script == "postgres.sh":
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid = int((started.directory / "data" / "postmaster.pid").read_text().split()[0])
                total = _proc_cpu(pid, reaped=True)
                with contextlib.suppress(OSError):
                    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                        total += _proc_cpu(int(child))
                return total
    return None


def _launch(name: str, factory: str, port: int, env: dict[str, str], work: Path) -> Service:
    log_path = work / f"{name}.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "info"],
            cwd=ROOT, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT,
        )
    return Service(name, proc, port, log_path)


def _wait_started(services: list[Service], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    waiting = list(services)
    while waiting:
        for service in list(waiting):
            if service.proc.poll() is not None:
                raise RuntimeError(f"{service.name} exited with {service.proc.returncode}:\n{service.log_tail()}")
            if "Application startup complete" in service.log_tail(100_000):
                waiting.remove(service)
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"{waiting[0].name} did not start in {timeout_s:.0f} s:\n{waiting[0].log_tail()}")
        time.sleep(0.1)


def _env(prefix: str, database_url: str, bootstrap: str, group_prefix: str, work: Path) -> dict[str, str]:
    return {
        f"{prefix}ENVIRONMENT": "test",
        f"{prefix}DATABASE_URL": database_url,
        f"{prefix}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        f"{prefix}CONSUMER_GROUP_PREFIX": group_prefix,
        f"{prefix}BUS_PATH": str(work / f"{prefix.lower()}bus.db"),  # unused with Kafka; kept out of the tree
        f"{prefix}MIGRATE_ON_START": "true",  # one worker each: it migrates its own fresh database
    }


async def _make_topics(bootstrap: str) -> None:
    from onewindow_chassis.kafka import ensure_topics, topic_specs
    from onewindow_contracts.topics import APPROVAL, CATALOGUE, INTAKE

    await ensure_topics(bootstrap, topic_specs(APPROVAL, INTAKE, CATALOGUE))


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        await consumer._client.force_metadata_update()  # noqa: SLF001 - first look at a fresh topic
        partitions = consumer.partitions_for_topic(topic) or set()
    if not partitions:
        raise RuntimeError(f"topic {topic} has no partitions")
    return [TopicPartition(topic, p) for p in sorted(partitions)]


async def _start_group_at_end(bootstrap: str, group: str, topic: str) -> int:
    """Commit the topic's end offsets for a group that does not exist yet: it starts there, not at 0."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = await _partitions(consumer, topic)
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        if any(ends.values()):
            await consumer.commit({tp: ends[tp] for tp in tps})
        return sum(ends.values())
    finally:
        await consumer.stop()


# --- what Kafka shows ---------------------------------------------------------------------------------

@dataclass
class Seen:
    pc: float            # perf_counter when this process received it
    wall: float          # time.time() then
    sent: float          # Kafka CreateTime (the producer's send), seconds
    recorded: float      # ce_time: when the service appended the event, seconds


def _headers(record: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or ())}


class Listener:
    """A plain consumer assigned every partition of one topic, from its end; remembers the first
    record of each (case id, event type) it receives."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
        self.first: dict[tuple[str, str], Seen] = {}
        self.waiters: dict[tuple[str, str], asyncio.Event] = {}
        self.records = 0
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.consumer.start()
        tps = await _partitions(self.consumer, self.topic)
        self.consumer.assign(tps)
        await self.consumer.seek_to_end(*tps)
        for tp in tps:
            await self.consumer.position(tp)  # resolved now, before the first application
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                batches = await self.consumer.getmany(timeout_ms=100, max_records=1000)
            except KafkaError:  # the broker hiccuped: keep our place, the waiters time out if it stays away
                await asyncio.sleep(0.2)
                continue
            pc, wall = time.perf_counter(), time.time()
            for records in batches.values():
                for record in records:
                    self.records += 1
                    headers = _headers(record)
                    kind = headers.get("ce_type", "")
                    case_id = record.key.decode() if record.key else headers.get("ce_subject", "")
                    key = (case_id, kind.rsplit(".", 1)[-1])
                    if key in self.first:
                        continue  # a duplicate (at-least-once) or a second event of that type
                    try:
                        recorded = datetime.fromisoformat(headers["ce_time"]).timestamp()
                    except (KeyError, ValueError):
                        recorded = float("nan")
                    self.first[key] = Seen(pc, wall, record.timestamp / 1000, recorded)
                    if key in self.waiters:
                        self.waiters[key].set()

    async def wait(self, case_id: str, kind: str, timeout_s: float) -> Seen | None:
        key = (case_id, kind)
        if key not in self.first:
            event = self.waiters.setdefault(key, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout_s)
        return self.first.get(key)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.consumer.stop()


# --- applicants ---------------------------------------------------------------------------------------

def citizen_id(region: str, born: str, sequence: str) -> str:
    """A GB 11643 number with its check digit (as tests/test_window_to_department.py makes them)."""
    body = region + born + sequence
    total = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)))
    return body + "10X98765432"[total % 11]


@dataclass(frozen=True)
class Applicant:
    subject: str
    headers: dict[str, str]
    body: dict[str, Any]


async def make_applicants(client: httpx.AsyncClient, n: int) -> list[Applicant]:
    from onewindow_chassis.web import development_issuer
    from onewindow_intake.config import Settings

    issuer = development_issuer(Settings(environment="test"))
    item = (await client.get(f"/v1/catalogue/items/{ITEM}")).raise_for_status().json()
    if not item.get("fully_online") or not item.get("instant_rule_set"):
        raise RuntimeError(f"{ITEM} is no longer a fully online 秒批 item: {item.get('instant_rule_set')}")
    needed = {m["type_code"] for m in item["materials"]}
    if not needed <= set(MATERIALS):
        raise RuntimeError(f"{ITEM} now needs {sorted(needed)}, the bench uploads {sorted(MATERIALS)}")
    tag = uuid.uuid4().hex[:6]

    async def one(i: int) -> Applicant:
        subject = f"app-bench-{tag}-{i:05d}"
        headers = {"Authorization": "Bearer " + issuer.issue(subject, "applicant")}
        ids = []
        for code in MATERIALS:
            reply = await client.post("/v1/materials", content=b"%PDF-1.7 " + uuid.uuid4().bytes,
                                      params={"type_code": code, "filename": f"{code}.pdf"},
                                      headers=headers | {"Idempotency-Key": uuid.uuid4().hex})
            if reply.status_code != 201:
                raise RuntimeError(f"upload of {code} answered {reply.status_code}: {reply.text[:500]}")
            ids.append(reply.json()["material_id"])
        elder = citizen_id("330106", f"1944{i % 12 + 1:02d}{i % 28 + 1:02d}", f"{i % 1000:03d}")
        given = {"elder_id_number": elder, "relation_to_elder": "子女"}
        answers = {f["code"]: given.get(f["code"], f["choices"][0] if f["type"] == "choice" else PLAIN[f["type"]])
                   for f in item["form"]}
        body = {"item_codes": [ITEM], "applicant_kind": "citizen", "answers": answers, "material_ids": ids}
        return Applicant(subject, headers, body)

    out: list[Applicant] = []
    for start in range(0, n, 16):
        out += await asyncio.gather(*(one(i) for i in range(start, min(n, start + 16))))
    return out


# --- one application, end to end ----------------------------------------------------------------------

@dataclass
class Result:
    case_id: str = ""
    sent_pc: float = 0.0
    sent_wall: float = 0.0
    answered_ms: float = float("nan")        # POST → 201 received
    approved_ms: float | None = None         # POST → ItemApproved received from approval.events
    get_ms: float | None = None              # POST → approval's GET /v1/cases shows it approved (polled)
    phases: dict[str, float] = field(default_factory=dict)
    error: str = ""


PHASES = (
    ("post", "intake POST → 201"),
    ("intake_relay", "201 → MaterialsShared sent by intake's relay"),
    ("intake_kafka", "→ MaterialsShared received from Kafka"),
    ("approval_consumer", "→ approval reads the 申请表 (MaterialAccessed recorded by intake)"),
    ("form_rules_append", "→ ItemApproved appended (read returns, rules, append)"),
    ("approval_relay", "→ ItemApproved sent by approval's relay (commit, NOTIFY, relay)"),
    ("approval_kafka", "→ ItemApproved received from Kafka"),
)


class Run:
    def __init__(self, intake: httpx.AsyncClient, approval: httpx.AsyncClient, approvals: Listener,
                 intake_events: Listener, sizes: InstantSizes, supervisor: dict[str, str]) -> None:
        self.intake, self.approval = intake, approval
        self.approvals, self.intake_events = approvals, intake_events
        self.sizes, self.supervisor = sizes, supervisor

    async def one(self, applicant: Applicant, poll: bool) -> Result:
        r = Result()
        headers = applicant.headers | {"Idempotency-Key": uuid.uuid4().hex}
        r.sent_pc, r.sent_wall = time.perf_counter(), time.time()
        try:
            reply = await self.intake.post("/v1/applications", json=applicant.body, headers=headers)
        except httpx.HTTPError as error:
            r.error = f"POST failed: {type(error).__name__}: {error}"
            return r
        answered_pc, answered_wall = time.perf_counter(), time.time()
        r.answered_ms = (answered_pc - r.sent_pc) * 1e3
        if reply.status_code != 201 or reply.json().get("status") != "accepted":
            r.error = f"POST answered {reply.status_code}: {reply.text[:300]}"
            return r
        r.case_id = reply.json()["case_id"]
        poller = asyncio.create_task(self._poll(r)) if poll else None
        seen = await self.approvals.wait(r.case_id, "ItemApproved", self.sizes.timeout_s)
        if poller is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(poller, self.sizes.timeout_s)
        if seen is None:
            r.error = f"no ItemApproved for {r.case_id} within {self.sizes.timeout_s:.0f} s"
            return r
        r.approved_ms = (seen.pc - r.sent_pc) * 1e3
        shared = self.intake_events.first.get((r.case_id, "MaterialsShared"))
        accessed = self.intake_events.first.get((r.case_id, ACCESSED))
        if accessed is None:  # recorded in the same instant; give its relay a moment to deliver it
            accessed = await self.intake_events.wait(r.case_id, ACCESSED, 2.0)
        if shared is not None and accessed is not None:
            marks = [r.sent_wall, answered_wall, shared.sent, shared.wall, accessed.recorded, seen.recorded,
                     seen.sent, seen.wall]
            r.phases = {name: (b - a) * 1e3 for (name, _), a, b in zip(PHASES, marks, marks[1:])}
        return r

    async def _poll(self, r: Result) -> None:
        while time.perf_counter() - r.sent_pc < self.sizes.timeout_s:
            reply = await self.approval.get(f"/v1/cases/{r.case_id}", headers=self.supervisor)
            if reply.status_code == 200 and any(i["item_code"] == ITEM and i["status"] == "approved"
                                                for i in reply.json()["items"]):
                r.get_ms = (time.perf_counter() - r.sent_pc) * 1e3
                return
            await asyncio.sleep(self.sizes.poll_s)

    async def steady(self, applicants: list[Applicant], rate: float) -> tuple[list[Result], float]:
        """Open loop: application i starts at t0 + i/rate, whatever the others are doing."""
        t0 = time.perf_counter() + 0.05
        tasks = []
        for i, applicant in enumerate(applicants):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.one(applicant, False)))
        sent_s = time.perf_counter() - t0
        return list(await asyncio.gather(*tasks)), (len(applicants) - 1) / sent_s if sent_s > 0 else 0.0

    async def single(self, applicants: list[Applicant]) -> list[Result]:
        """One at a time, each also polled on approval's GET /v1/cases: the path with nothing queued."""
        out = []
        for applicant in applicants:
            out.append(await self.one(applicant, True))
            await asyncio.sleep(0.3)
        return out

    async def burst(self, applicants: list[Applicant]) -> list[Result]:
        return list(await asyncio.gather(*(self.one(a, False) for a in applicants)))


# --- figures ------------------------------------------------------------------------------------------

def stats(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    if not s:
        return {"n": 0}
    return {"n": len(s), "p50": percentile(s, 50), "p95": percentile(s, 95), "p99": percentile(s, 99),
            "max": s[-1], "mean": sum(s) / len(s)}


def _fmt(st: dict[str, float]) -> str:
    if not st.get("n"):
        return "n=0"
    return (f"p50 {st['p50']:.0f} ms  p95 {st['p95']:.0f} ms  p99 {st['p99']:.0f} ms  max {st['max']:.0f} ms  "
            f"(n={st['n']})")


def breakdown(results: list[Result]) -> dict[str, dict[str, float]]:
    with_phases = [r for r in results if r.phases]
    return {name: stats([r.phases[name] for r in with_phases]) for name, _ in PHASES}


def breakdown_lines(results: list[Result], label: str) -> list[str]:
    parts = breakdown(results)
    total = sum(p.get("mean", 0.0) for p in parts.values()) or 1.0
    lines = [f"  where the time goes ({label}; each step from the previous mark, ms):"]
    for name, text in PHASES:
        p = parts[name]
        if not p.get("n"):
            continue
        lines.append(f"    {text:<72} p50 {p['p50']:6.1f}  p99 {p['p99']:6.1f}  max {p['max']:6.1f}  "
                     f"mean {p['mean']:6.1f} ({p['mean'] / total:4.0%})")
    return lines


# --- the measurement ----------------------------------------------------------------------------------

async def measure(infra: Infra, quick: bool, log: Any) -> list[Row]:
    sizes = QUICK if quick else FULL
    work = Path(tempfile.mkdtemp(prefix="bench-instant-"))
    intake_url = await create_database(infra.postgres_url, "bench_intake")
    approval_url = await create_database(infra.postgres_url, "bench_approval")
    group_prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    services: list[Service] = []
    listeners: list[Listener] = []
    try:
        from onewindow_contracts.topics import APPROVAL, INTAKE

        t0 = time.perf_counter()
        await _make_topics(infra.kafka_bootstrap)
        skipped = await _start_group_at_end(infra.kafka_bootstrap, group_prefix + "approval.intake", INTAKE.name)
        await _start_group_at_end(infra.kafka_bootstrap, group_prefix + "intake.approval-events", APPROVAL.name)
        intake_port, approval_port = _free_port(), _free_port()
        intake_base = f"http://127.0.0.1:{intake_port}"
        services.append(_launch("intake", "onewindow_intake.app:create_app", intake_port,
                                _env("ONEWINDOW_INTAKE_", intake_url, infra.kafka_bootstrap, group_prefix, work), work))
        services.append(_launch("approval", "onewindow_approval.app:create_app", approval_port,
                                _env("ONEWINDOW_APPROVAL_", approval_url, infra.kafka_bootstrap, group_prefix, work)
                                | {"ONEWINDOW_APPROVAL_INTAKE_URL": intake_base}, work))
        await asyncio.to_thread(_wait_started, services)
        intake, approval = services
        log(f"  intake and approval up in {time.perf_counter() - t0:.1f} s (uvicorn, 1 worker each, uvloop, "
            f"httptools; {skipped:,} earlier intake.events skipped by approval's group)")

        listeners = [Listener(infra.kafka_bootstrap, APPROVAL.name), Listener(infra.kafka_bootstrap, INTAKE.name)]
        for listener in listeners:
            await listener.start()
        approvals, intake_events = listeners

        from onewindow_approval.config import Settings as ApprovalSettings
        from onewindow_chassis.web import development_issuer

        supervisor = {"Authorization": "Bearer " + development_issuer(ApprovalSettings(environment="test")).issue(
            "supervisor-bench-0001", "supervisor")}
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=intake.base, timeout=60, limits=limits) as ic, \
                httpx.AsyncClient(base_url=approval.base, timeout=60, limits=limits) as ac:
            t0 = time.perf_counter()
            n = sizes.warmup + sizes.steady + sizes.burst + sizes.single
            applicants = await make_applicants(ic, n)
            log(f"  {n} applicants, {len(MATERIALS)} materials each uploaded over HTTP: "
                f"{time.perf_counter() - t0:.1f} s (not timed)")
            warm_apps = applicants[:sizes.warmup]
            steady_apps = applicants[sizes.warmup:sizes.warmup + sizes.steady]
            burst_apps = applicants[sizes.warmup + sizes.steady:sizes.warmup + sizes.steady + sizes.burst]
            single_apps = applicants[sizes.warmup + sizes.steady + sizes.burst:]
            run = Run(ic, ac, approvals, intake_events, sizes, supervisor)

            warm, _ = await run.steady(warm_apps, sizes.warmup_rate)
            _check(warm, "warm-up", services)
            log(f"  warm-up: {len(warm)} at {sizes.warmup_rate:.0f}/s   POST → ItemApproved "
                f"{_fmt(stats([r.approved_ms for r in warm]))}")
            await asyncio.sleep(1.0)

            pg0, cpu0 = _postgres_cpu(infra), {s.name: s.cpu_seconds() for s in services}
            cpu0["bench"], t_cpu = time.process_time(), time.perf_counter()
            steady, actual = await run.steady(steady_apps, sizes.rate)
            pg1, cpu1 = _postgres_cpu(infra), {s.name: s.cpu_seconds() for s in services}
            cpu1["bench"], t_cpu = time.process_time(), time.perf_counter() - t_cpu
            _check(steady, "steady run", services)
            cpu = {k: (cpu1[k] - cpu0[k]) / len(steady) * 1e3 for k in cpu0}
            if pg0 is not None and pg1 is not None:
                cpu["postgres"] = (pg1 - pg0) / len(steady) * 1e3
            s_total = stats([r.approved_ms for r in steady])
            s_post = stats([r.answered_ms for r in steady])
            tenth = max(1, len(steady) // 10)
            first, last = stats([r.approved_ms for r in steady[:tenth]]), stats([r.approved_ms for r in steady[-tenth:]])
            log(f"  steady: {len(steady)} at {sizes.rate:.0f}/s (actual {actual:.1f}/s), open loop")
            log(f"    POST → ItemApproved on Kafka   {_fmt(s_total)}")
            log(f"    POST → 201 from intake          {_fmt(s_post)}")
            log(f"    trend: first {tenth} p50 {first['p50']:.0f} ms, last {tenth} p50 {last['p50']:.0f} ms "
                f"(growing = the path's capacity is below the offered rate)")
            log("    CPU per application: " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items())
                + f"  (bench = this process: HTTP client, two consumers; over {t_cpu:.1f} s, until the last "
                  f"ItemApproved)")
            for line in breakdown_lines(steady, "steady"):
                log(line)
            await asyncio.sleep(2.0)

            burst = await run.burst(burst_apps)
            _check(burst, "burst", services)
            b_total = stats([r.approved_ms for r in burst])
            seen = sorted(approvals.first[(r.case_id, "ItemApproved")].pc for r in burst)
            drain = (len(seen) - 1) / (seen[-1] - seen[0]) if len(seen) > 1 and seen[-1] > seen[0] else float("nan")
            log(f"  burst: {len(burst)} sent at once")
            log(f"    POST → ItemApproved on Kafka   {_fmt(b_total)}")
            log(f"    POST → 201 from intake          {_fmt(stats([r.answered_ms for r in burst]))}")
            log(f"    ItemApproved arrived at {drain:.1f}/s from the first to the last (the path's capacity)")
            for line in breakdown_lines(burst, "burst"):
                log(line)
            await asyncio.sleep(2.0)

            single = await run.single(single_apps)
            _check(single, "one at a time", services)
            one_total, one_get = stats([r.approved_ms for r in single]), stats([r.get_ms for r in single if r.get_ms])
            log(f"  one at a time: {len(single)} applications, each after the previous one's ItemApproved")
            log(f"    POST → ItemApproved on Kafka   {_fmt(one_total)}")
            log(f"    POST → GET /v1/cases approved   {_fmt(one_get)}  (polled every {sizes.poll_s * 1e3:.0f} ms)")
            for line in breakdown_lines(single, "one at a time"):
                log(line)
            dead = [s.name for s in services if "dead-lettered" in s.log_tail(1_000_000)]
            if dead:
                log(f"  WARNING: dead letters in {', '.join(dead)}'s log")
    finally:
        for listener in listeners:
            with contextlib.suppress(Exception):
                await listener.stop()
        for service in services:
            service.stop()
        for url in (intake_url, approval_url):
            with contextlib.suppress(Exception):
                await drop_database(infra.postgres_url, url)
        shutil.rmtree(work, ignore_errors=True)

    steady_parts, burst_parts, single_parts = breakdown(steady), breakdown(burst), breakdown(single)
    dominant = max(PHASES, key=lambda p: steady_parts[p[0]].get("mean", 0.0))
    short = {"post": "intake POST", "intake_relay": "intake's relay", "intake_kafka": "Kafka to a consumer",
             "approval_consumer": "approval's consumer up to the form read", "form_rules_append": "form read + rules",
             "approval_relay": "approval's commit + relay", "approval_kafka": "Kafka to the department"}
    setup = (f"intake + approval as uvicorn processes (1 worker each, uvloop, httptools) on 127.0.0.1, one "
             f"PostgreSQL database each, Kafka; {sizes.steady} 高龄津贴 applications ({ITEM}, rule set RS-GLJT-1) "
             f"at {sizes.rate:.0f}/s open loop after {sizes.warmup} warm-up; latency = ItemApproved received by a "
             f"plain aiokafka consumer of approval.events − POST sent; certificates and notify not in the loop yet")

    def worst(results: list[Result]) -> list[dict[str, Any]]:
        rows = sorted(results, key=lambda r: -(r.approved_ms or 0))[:5]
        return [{"case_id": r.case_id, "ms": round(r.approved_ms or 0, 1),
                 "phases": {k: round(v, 1) for k, v in r.phases.items()}} for r in rows]

    details = {
        "steady": {"total": s_total, "post": s_post, "actual_rate": actual, "first_tenth": first,
                   "last_tenth": last, "phases": steady_parts, "cpu_ms_per_application": cpu,
                   "worst": worst(steady)},
        "burst": {"total": b_total, "drain_per_s": drain, "phases": burst_parts, "worst": worst(burst)},
        "one_at_a_time": {"total": one_total, "get": one_get, "phases": single_parts},
        "warmup": stats([r.approved_ms for r in warm]),
        "phase_names": dict(PHASES),
        "dominant_phase_steady": dominant[1],
    }
    nan = float("nan")
    return [
        Row("instant_p50", "秒批: POST → ItemApproved on Kafka, p50", "ms", s_total["p50"], setup=setup,
            details=details),
        Row("instant_p99", "秒批: POST → ItemApproved on Kafka, p99", "ms", s_total["p99"],
            goal="≤ 1000 ms (no certs/notify yet)", goal_kind="value_max", goal_value=GOAL_MS, setup=setup,
            details={"p95": s_total["p95"], "max": s_total["max"], "n": s_total["n"]}),
        Row("instant_burst_p99", f"秒批: burst of {sizes.burst} at once, p99", "ms", b_total["p99"],
            setup=f"{sizes.burst} applications sent at once after the steady run; p50 {b_total['p50']:.0f} ms, "
                  f"max {b_total['max']:.0f} ms; ItemApproved arrived at {drain:.1f}/s first to last",
            details={"burst": b_total, "drain_per_s": drain}),
        Row("instant_single_p50", "  diag: 秒批 one at a time, POST → ItemApproved p50", "ms", one_total["p50"],
            setup=f"{sizes.single} applications, each sent after the previous one's ItemApproved (+0.3 s): nothing "
                  f"queued; max {one_total['max']:.0f} ms; approval's GET /v1/cases (polled every "
                  f"{sizes.poll_s * 1e3:.0f} ms) showed approved at p50 {one_get.get('p50', nan):.0f} ms, max "
                  f"{one_get.get('max', nan):.0f} ms", details={"get": one_get}, diagnostic=True),
        Row("instant_dominant", "  diag: 秒批 largest step of the path, mean", "ms",
            steady_parts[dominant[0]].get("mean", nan),
            setup=f"{short[dominant[0]]}; steady run, mean of each step: " + "; ".join(
                f"{name} {steady_parts[name].get('mean', nan):.0f}" for name, _ in PHASES) + " ms",
            diagnostic=True),
    ]


def _check(results: list[Result], what: str, services: list[Service]) -> None:
    failed = [r for r in results if r.error or r.approved_ms is None]
    if failed:
        logs = "\n".join(f"--- {s.name} ---\n{s.log_tail(2500)}" for s in services)
        raise RuntimeError(f"秒批 {what}: {len(failed)} of {len(results)} applications failed; first: "
                           f"{failed[0].error}\n{logs}")
