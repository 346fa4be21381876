"""Real Kafka and PostgreSQL for the tests: from the environment, else testcontainers, else deploy/.

Under CI (`CI` or `ONEWINDOW_REQUIRE_INFRA` set) a fixture that gets neither FAILS; it never skips.
One broker and one PostgreSQL serve the whole session; tests isolate by unique names.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@dataclass
class Local:
    """A broker or cluster started from deploy/ in a directory of its own."""

    script: Path
    directory: Path
    address: str
    stopped: bool = field(default=False)

    def run(self, verb: str) -> str:
        done = subprocess.run(
            ["bash", str(self.script), verb, str(self.directory)], capture_output=True, text=True, timeout=240
        )
        if done.returncode != 0:
            raise RuntimeError(f"{self.script.name} {verb} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def stop(self) -> None:
        self.run("stop")

    def kill(self) -> None:
        self.run("kill")

    def restart(self) -> None:
        self.run("restart")


def start_local(script: str, prefix: str) -> Local:
    # Outside pytest's 0700 base temp: PostgreSQL runs as its own user and must reach its directory.
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    os.chmod(directory, 0o755)
    done = subprocess.run(
        ["bash", str(DEPLOY / script), "start", str(directory)], capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"deploy/{script} start failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return Local(DEPLOY / script, directory, done.stdout.strip().splitlines()[-1])


def docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def require(what: str, error: BaseException) -> None:
    """Fail, never skip: a suite that cannot reach real infrastructure has proven nothing."""
    pytest.fail(f"could not get {what}: {error}", pytrace=False)


def cleanup(local: Local | None) -> None:
    if local is None:
        return
    try:
        local.stop()
    finally:
        if not os.environ.get("ONEWINDOW_KEEP_INFRA"):
            shutil.rmtree(local.directory, ignore_errors=True)
