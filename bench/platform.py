"""The whole platform as real processes, for the province-day load and the fault suite.

Distributed mode: a PostgreSQL and a Kafka broker of its own (deploy/postgres.sh, deploy/kafka.sh in
fresh directories, free ports), one database per service on that PostgreSQL, each service migrated
with `onewindow migrate SERVICE` and run as `onewindow serve SERVICE` in its own process. Embedded
mode: `onewindow embedded` (every service in one process on SQLite and the embedded bus).

Every process can be killed (SIGKILL), restarted on the same port and data, paused (SIGSTOP) and
resumed; so can the broker and PostgreSQL, through the deploy scripts' own kill/restart. The services
run with `environment=test`: the one setting that lets them verify the development issuer's tokens
and use the development master and signing keys (chassis/settings.py refuses those elsewhere).
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SERVICES = ("intake", "approval", "certificates", "evaluation", "notify", "supervision")
# Started in this order: approval reads intake's forms, intake reads certificates' licences (免证办).
START_ORDER = ("certificates", "intake", "approval", "evaluation", "notify", "supervision")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def onewindow() -> list[str]:
    """The launcher's console script of this environment (the same interpreter as ours)."""
    script = Path(sys.executable).parent / "onewindow"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from onewindow_launcher.cli import main; main()"]


@dataclass
class Process:
    """One OS process of the platform, restartable with the same command, port and environment."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    port: int
    proc: subprocess.Popen | None = None
    restarts: int = 0

    def start(self) -> None:
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=os.environ | self.env, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """kill -9: no shutdown hook runs, whatever was in flight is cut off."""
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGCONT)  # a paused process must die too
            self.proc.kill()
            self.proc.wait(30)

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGCONT)
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


@dataclass
class Infrastructure:
    """A broker or a PostgreSQL cluster of deploy/, in a directory of its own."""

    script: str
    directory: Path
    address: str = ""

    def run(self, verb: str) -> str:
        done = subprocess.run(["bash", str(DEPLOY / self.script), verb, str(self.directory)],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"deploy/{self.script} {verb} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def pid(self) -> int | None:
        name = "kafka.pid" if self.script == "kafka.sh" else "data/postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.directory / name).read_text().split()[0])
        return None


@dataclass
class Platform:
    """Start with `start()`, end with `stop()` (also on failure). `urls[service]` is where each answers."""

    mode: str = "distributed"                        # distributed | embedded
    settings: dict[str, dict[str, str]] = field(default_factory=dict)  # extra ONEWINDOW_<SERVICE>_* per service
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ow-platform-", dir="/tmp")))
    keep: bool = False                               # leave the work directory behind (logs) when stopping
    processes: dict[str, Process] = field(default_factory=dict)
    postgres: Infrastructure | None = None
    kafka: Infrastructure | None = None
    databases: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    log: Any = print

    # --- start and stop ------------------------------------------------------------------------------

    def start(self) -> None:
        os.chmod(self.work, 0o755)  # PostgreSQL runs as its own user and must reach its directory
        try:
            if self.mode == "embedded":
                self._start_embedded()
            else:
                self._start_infrastructure()
                self._create_databases()
                self._migrate()
                self._start_services()
        except BaseException:
            self.stop()
            raise

    def _start_infrastructure(self) -> None:
        t0 = time.monotonic()
        self.postgres = Infrastructure("postgres.sh", self.work / "pg")
        self.kafka = Infrastructure("kafka.sh", self.work / "kafka")
        running = []
        for infra in (self.postgres, self.kafka):
            infra.directory.mkdir(mode=0o755)
            running.append((infra, subprocess.Popen(["bash", str(DEPLOY / infra.script), "start", str(infra.directory)],
                                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        for infra, proc in running:
            out, err = proc.communicate(timeout=900)
            if proc.returncode != 0 or not out.strip():
                raise RuntimeError(f"deploy/{infra.script} start failed:\n{out[-2000:]}\n{err[-3000:]}")
            infra.address = out.strip().splitlines()[-1]
        self.log(f"PostgreSQL {self.postgres.address} and Kafka {self.kafka.address} up in "
                 f"{time.monotonic() - t0:.1f} s ({self.work})")

    def _create_databases(self) -> None:
        assert self.postgres is not None
        server = self.postgres.address
        for service in SERVICES:
            subprocess.run(["psql", server, "-q", "-c", f'CREATE DATABASE "{service}"'], check=True,
                           capture_output=True, timeout=60)
            self.databases[service] = server.rsplit("/", 1)[0] + f"/{service}"

    def _env(self, service: str) -> dict[str, str]:
        assert self.kafka is not None
        prefix = f"ONEWINDOW_{service.upper()}_"
        env = {"ENVIRONMENT": "test", "DATABASE_URL": self.databases[service],
               "KAFKA_BOOTSTRAP_SERVERS": self.kafka.address, "MIGRATE_ON_START": "false",
               "BUS_PATH": str(self.work / f"{service}-bus.db")}  # unused with Kafka; kept out of the tree
        if service == "notify":
            env["SMS_OUTBOX_PATH"] = str(self.work / "sms-outbox.jsonl")
        env |= self.settings.get(service, {})
        return {prefix + k: v for k, v in env.items()}

    def _migrate(self) -> None:
        t0 = time.monotonic()
        running = {service: subprocess.Popen([*onewindow(), "migrate", service], cwd=ROOT,
                                             env=os.environ | self._env(service), stdout=subprocess.PIPE,
                                             stderr=subprocess.STDOUT, text=True)
                   for service in SERVICES}  # six databases: at once
        for service, proc in running.items():
            out, _ = proc.communicate(timeout=300)
            if proc.returncode != 0:
                raise RuntimeError(f"onewindow migrate {service} failed:\n{out[-3000:]}")
        self.log(f"six databases migrated in {time.monotonic() - t0:.1f} s")

    def _start_services(self) -> None:
        t0 = time.monotonic()
        ports = {service: free_port() for service in SERVICES}
        self.urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
        links = {"approval": {"INTAKE_URL": self.urls["intake"]},
                 "intake": {"CERTIFICATES_URL": self.urls["certificates"]}}
        for service in START_ORDER:
            env = self._env(service) | {f"ONEWINDOW_{service.upper()}_{k}": v for k, v in links.get(service, {}).items()}
            process = Process(service, [*onewindow(), "serve", service, "--port", str(ports[service])], env,
                              self.work / f"{service}.log", ports[service])
            process.start()
            self.processes[service] = process
        for service in START_ORDER:
            self.wait_ready(service)
        self.log(f"six services up in {time.monotonic() - t0:.1f} s")

    def _start_embedded(self) -> None:
        port = free_port()
        data = self.work / "var"
        env = {f"ONEWINDOW_{service.upper()}_{k}": v for service, extra in self.settings.items() for k, v in extra.items()}
        env["ONEWINDOW_NOTIFY_SMS_OUTBOX_PATH"] = str(self.work / "sms-outbox.jsonl")
        process = Process("embedded", [*onewindow(), "embedded", "--data", str(data), "--port", str(port)], env,
                          self.work / "embedded.log", port)
        process.start()
        self.processes["embedded"] = process
        self.urls = {service: f"http://127.0.0.1:{port}/{service}" for service in SERVICES}
        self.wait_ready("embedded")

    def wait_ready(self, name: str, timeout_s: float = 180.0) -> None:
        process = self.processes[name]
        url = self.urls[name if name in self.urls else "intake"] + "/ready"
        deadline = time.monotonic() + timeout_s
        while True:
            if not process.alive():
                raise RuntimeError(f"{name} exited with {process.proc.returncode if process.proc else '?'}:\n"
                                   f"{process.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not ready in {timeout_s:.0f} s:\n{process.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            with contextlib.suppress(Exception):
                process.stop()
        for infra in (self.kafka, self.postgres):
            if infra is not None and infra.address:
                with contextlib.suppress(Exception):
                    infra.run("stop")
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    # --- faults --------------------------------------------------------------------------------------

    def kill(self, name: str) -> None:
        self.processes[name].kill()

    def restart(self, name: str) -> None:
        """Start a killed or stopped service again: same port, same database, same consumer groups."""
        process = self.processes[name]
        process.kill()
        process.restarts += 1
        process.start()
        self.wait_ready(name)

    def pause(self, name: str) -> None:
        self.processes[name].pause()

    def resume(self, name: str) -> None:
        self.processes[name].resume()

    def kill_broker(self) -> None:
        assert self.kafka is not None
        self.kafka.run("kill")

    def restart_broker(self) -> None:
        assert self.kafka is not None
        self.kafka.run("restart")

    def kill_postgres(self) -> None:
        assert self.postgres is not None
        self.postgres.run("kill")

    def restart_postgres(self) -> None:
        assert self.postgres is not None
        self.postgres.run("restart")

    # --- what the platform is doing --------------------------------------------------------------------

    def pids(self) -> dict[str, list[int]]:
        """Each measured process and its pids: the services, and the broker and PostgreSQL with children."""
        import psutil

        found: dict[str, list[int]] = {name: [p.pid] for name, p in self.processes.items() if p.alive()}
        for label, infra in (("kafka", self.kafka), ("postgres", self.postgres)):
            pid = infra.pid() if infra is not None else None
            if pid is None:
                continue
            with contextlib.suppress(psutil.Error):
                found[label] = [pid] + [c.pid for c in psutil.Process(pid).children(recursive=True)]
        return found

    async def consumer_lag(self) -> dict[str, int]:
        """Records not yet committed per consumer group: the topics' end offsets − the group's committed ones."""
        if self.kafka is None:
            return {}
        return await consumer_lag(self.kafka.address)


async def consumer_lag(bootstrap: str) -> dict[str, int]:
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        await probe.start()
        try:
            groups = sorted(g[0] for g in await admin.list_consumer_groups())
            committed = {g: await admin.list_consumer_group_offsets(g) for g in groups}
            partitions = {tp for offsets in committed.values() for tp in offsets}
            ends = await probe.end_offsets(list(partitions)) if partitions else {}
        finally:
            await probe.stop()
    finally:
        await admin.close()
    lag: dict[str, int] = {}
    for group, offsets in committed.items():
        lag[group] = sum(max(0, ends.get(tp, 0) - (meta.offset if meta.offset >= 0 else 0))
                         for tp, meta in offsets.items())
    return lag


async def in_thread(fn: Any, *args: Any) -> Any:
    """Platform calls block on subprocesses; from async code run them off the event loop."""
    return await asyncio.to_thread(fn, *args)
