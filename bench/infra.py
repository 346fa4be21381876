"""PostgreSQL and Kafka for the bench: from DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS if set, else started
with deploy/postgres.sh and deploy/kafka.sh (both at once) and stopped again at the end."""
from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


@dataclass
class Started:
    script: str
    directory: Path
    address: str


@dataclass
class Infra:
    postgres_url: str = ""
    kafka_bootstrap: str = ""
    started: list[Started] = field(default_factory=list)

    def start(self, log: Any) -> None:
        wanted: list[tuple[str, str]] = []
        self.postgres_url = os.environ.get("DATABASE_URL", "")
        self.kafka_bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
        if not self.postgres_url:
            wanted.append(("postgres.sh", "bench-pg-"))
        if not self.kafka_bootstrap:
            wanted.append(("kafka.sh", "bench-kafka-"))
        t0 = time.monotonic()
        running = []
        for script, prefix in wanted:
            # Outside any 0700 directory: PostgreSQL runs as its own user and must reach it.
            directory = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
            os.chmod(directory, 0o755)
            log(f"starting deploy/{script} in {directory}")
            proc = subprocess.Popen(
                ["bash", str(DEPLOY / script), "start", str(directory)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            running.append((script, directory, proc))
        failures = []
        for script, directory, proc in running:
            out, err = proc.communicate(timeout=900)
            if proc.returncode != 0 or not out.strip():
                failures.append(f"deploy/{script} start failed:\n{out[-2000:]}\n{err[-3000:]}")
                shutil.rmtree(directory, ignore_errors=True)
                continue
            address = out.strip().splitlines()[-1]
            self.started.append(Started(script, directory, address))
            if script == "postgres.sh":
                self.postgres_url = address
            else:
                self.kafka_bootstrap = address
        if failures:
            self.stop(log)
            raise RuntimeError("\n".join(failures))
        if wanted:
            log(f"infrastructure ready in {time.monotonic() - t0:.1f} s")

    def stop(self, log: Any) -> None:
        for item in reversed(self.started):
            done = subprocess.run(
                ["bash", str(DEPLOY / item.script), "stop", str(item.directory)],
                capture_output=True, text=True, timeout=120,
            )
            if done.returncode != 0:
                log(f"deploy/{item.script} stop failed: {done.stderr[-500:]}")
            else:
                shutil.rmtree(item.directory, ignore_errors=True)
        self.started.clear()

    def kafka_version(self) -> str:
        pom = (DEPLOY / "kafka" / "pom.xml").read_text()
        version = re.search(r"<kafka.version>(.*?)</kafka.version>", pom)
        if any(s.script == "kafka.sh" for s in self.started) and version:
            return f"{version.group(1)} (deploy/kafka.sh, KRaft, single node)"
        return "external broker (KAFKA_BOOTSTRAP_SERVERS), version not probed"


def with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{name}"


async def create_database(url: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return with_database(url, name)


async def drop_database(server_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def code_version() -> str:
    """The commit measured, and whether the chassis had uncommitted changes (others edit it too)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "chassis"], cwd=ROOT, capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return head + (" + uncommitted chassis changes" if dirty else "")


async def machine(infra: Infra, loop_name: str) -> dict[str, Any]:
    conn = await asyncpg.connect(infra.postgres_url)
    try:
        pg_version = await conn.fetchval("SHOW server_version")
        settings = {
            name: await conn.fetchval(f"SHOW {name}")
            for name in ("synchronous_commit", "fsync", "shared_buffers", "max_connections", "wal_level")
        }
    finally:
        await conn.close()
    try:
        import psycopg

        psycopg_impl = psycopg.pq.__impl__
    except Exception:  # noqa: BLE001
        psycopg_impl = "?"
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": _cpu_model(),
        "memory": _memory_gib(),
        "kernel": platform.release(),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "event_loop": loop_name,
        "postgresql": pg_version,
        "postgresql_settings": settings,
        "postgresql_source": "deploy/postgres.sh" if any(s.script == "postgres.sh" for s in infra.started) else "DATABASE_URL",
        "kafka": infra.kafka_version(),
        "libraries": {
            p: _version(p) for p in ("asyncpg", "sqlalchemy", "aiokafka", "eventsourcing", "psycopg", "uvloop")
        } | {"psycopg_impl": psycopg_impl},
        "code": code_version(),
        "note": "PostgreSQL, Kafka and this Python process share the same cores",
    }
