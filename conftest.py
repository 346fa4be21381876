"""Session-wide fixtures: one real Kafka broker and one real PostgreSQL for the whole test run."""
from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.infra import Local, cleanup, docker_answers, require, start_local


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that kill processes run last, so a broken instance cannot take others down with it."""
    items.sort(key=lambda item: item.get_closest_marker("kills") is not None)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    if docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    local: Local | None = None
    try:
        local = start_local("kafka.sh", "ow-kafka-")
    except Exception as error:
        require("a Kafka broker", error)
    try:
        yield local.address
    finally:
        cleanup(local)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url()
        return
    local: Local | None = None
    try:
        local = start_local("postgres.sh", "ow-pg-")
    except Exception as error:
        require("a PostgreSQL server", error)
    try:
        yield local.address
    finally:
        cleanup(local)


@pytest.fixture
def unique() -> str:
    """A short unique name for topics, groups and databases of one test."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
async def pg_database_url(postgres_url: str, unique: str) -> AsyncIterator[str]:
    """A fresh, empty database of its own for one test, dropped afterwards."""
    import asyncpg

    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(f'CREATE DATABASE "{unique}"')
    finally:
        await admin.close()
    yield postgres_url.rsplit("/", 1)[0] + f"/{unique}"
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{unique}" WITH (FORCE)')
    finally:
        await admin.close()


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under ./ow test a skipped or xfailed test fails the run: a skip there hides an untested promise."""
    if os.environ.get("ONEWINDOW_FORBID_SKIPS") and _skipped and session.exitstatus == 0:
        print(f"\n{len(_skipped)} test(s) skipped or xfailed, which ./ow test forbids: {_skipped}")
        session.exitstatus = 1
