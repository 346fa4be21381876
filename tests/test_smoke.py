"""The smoke tier: the real path works end to end on real Kafka and PostgreSQL, and every service
starts and migrates on both of its databases."""
from __future__ import annotations

import re
import uuid

import pytest
from alembic.script import ScriptDirectory
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError, UnknownTopicOrPartitionError
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import create_async_engine

from onewindow_chassis import kafka, migrations
from onewindow_chassis.db import async_url
from onewindow_launcher.embedded import create_app as embedded_app
from onewindow_launcher.services import SERVICES, app_factory, migrations_of, settings_of

CHASSIS_TABLES = {"events", "outbox", "snapshots", "processed_messages", "read_positions", "timers",
                  "subject_keys", "idempotency_keys", "alembic_version"}


async def test_an_idempotent_producer_publishes_and_a_consumer_group_reads_and_commits(kafka_bootstrap, unique) -> None:
    topic = f"{unique}.smoke"
    await kafka.ensure_topics(kafka_bootstrap, [kafka.TopicSpec(topic, partitions=4)], with_dead_letters=False)
    producer = kafka.producer(kafka_bootstrap, client_id=unique)
    await producer.start()
    for n in range(8):
        await producer.send_and_wait(topic, f"message {n}".encode(), key=f"case-{n}".encode())
    await producer.stop()

    async def read_once() -> list[bytes]:
        consumer = kafka.consumer(kafka_bootstrap, topic, group_id=unique, session_timeout_ms=6000)
        await consumer.start()
        values: list[bytes] = []
        try:
            for _ in range(20):
                batches = await consumer.getmany(timeout_ms=300)
                for partition, records in batches.items():
                    values += [r.value for r in records]
                    await consumer.commit({partition: records[-1].offset + 1})
                if len(values) >= 8:
                    break
        finally:
            await consumer.stop()
        return values

    assert sorted(await read_once()) == sorted(f"message {n}".encode() for n in range(8))
    assert await read_once() == []  # the group's committed offsets hold: nothing is read twice


async def test_topics_are_never_auto_created(kafka_bootstrap, unique) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap)
    await consumer.start()
    try:
        assert f"{unique}.nowhere" not in await consumer.topics()
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, request_timeout_ms=2000)
        await producer.start()
        try:
            with pytest.raises((KafkaTimeoutError, UnknownTopicOrPartitionError)):  # never made for us
                await producer.send_and_wait(f"{unique}.nowhere", b"x")
        finally:
            await producer.stop()
        assert f"{unique}.nowhere" not in await consumer.topics()
    finally:
        await consumer.stop()


async def test_sqlalchemy_async_with_asyncpg_writes_and_reads_back(pg_database_url) -> None:
    engine = create_async_engine(async_url(pg_database_url))
    table = sa.Table("smoke", sa.MetaData(), sa.Column("id", sa.Uuid, primary_key=True), sa.Column("name", sa.Text))
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
        key = uuid.uuid4()
        await conn.execute(table.insert().values(id=key, name="一窗受理"))
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(table.c.name).where(table.c.id == key))).scalar_one() == "一窗受理"
    await engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)  # sqlite:/// with the standard library's driver
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_migrates_postgresql_twice_without_harm(service, pg_database_url) -> None:
    import asyncio

    versions = migrations_of(service)
    await asyncio.to_thread(migrations.upgrade, pg_database_url, versions)
    await asyncio.to_thread(migrations.upgrade, pg_database_url, versions)
    engine = create_async_engine(async_url(pg_database_url))
    async with engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
        heads = set((await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars())
    await engine.dispose()
    assert CHASSIS_TABLES <= tables
    expected = set(ScriptDirectory.from_config(migrations.config(pg_database_url, versions)).get_heads())
    assert heads == expected and "chassis_0003" in heads and any(h.startswith(f"{service}_") for h in heads)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_starts_on_sqlite_and_answers_health_and_readiness(service, tmp_path) -> None:
    settings = settings_of(service, environment="test", database_url=f"sqlite:///{tmp_path}/{service}.db",
                           kafka_bootstrap_servers=None, bus_path=tmp_path / "bus.db")
    with TestClient(app_factory(service)(settings)) as client:
        assert client.get("/health").json() == {"status": "ok", "service": service}
        assert client.get("/ready").json() == {"status": "ready", "service": service}
        assert re.search(rf'onewindow_outbox_backlog{{service="{service}"}} \d+\.0', client.get("/metrics").text)
        missing = client.get("/nowhere")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["code"] == "http_404"
    assert CHASSIS_TABLES <= _tables(f"sqlite:///{tmp_path}/{service}.db")


def test_the_embedded_default_serves_every_service_in_one_process(tmp_path) -> None:
    with TestClient(embedded_app(tmp_path)) as client:
        assert "一窗受理" in client.get("/").text
        for service in SERVICES:
            assert client.get(f"/{service}/ready").json()["status"] == "ready"
    assert sorted(p.name for p in tmp_path.glob("*.db")) == sorted([f"{s}.db" for s in SERVICES] + ["bus.db"])


def test_development_secrets_are_refused_outside_the_embedded_default() -> None:
    with pytest.raises(ValueError, match="development master key"):
        settings_of("intake", environment="production", database_url="postgresql://db/intake")


def test_a_service_in_distributed_mode_migrates_and_makes_its_topics(pg_database_url, kafka_bootstrap) -> None:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    settings = settings_of("intake", environment="test", database_url=pg_database_url,
                           kafka_bootstrap_servers=kafka_bootstrap)
    with TestClient(app_factory("intake")(settings)) as client:
        assert client.get("/ready").json()["status"] == "ready"

    async def described() -> dict[str, dict[str, str]]:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            names = ["intake.events", "catalogue.items", "intake.events.dlq"]
            result = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
            # each resource: (error code, error message, type, name, config entries (name, value, …))
            return {r[3]: {e[0]: e[1] for e in r[4]} for response in result for r in response.resources}
        finally:
            await admin.close()

    configs = asyncio.run(described())
    assert configs["intake.events"]["cleanup.policy"] == "delete"
    assert configs["intake.events"]["retention.ms"] == "-1"
    assert configs["catalogue.items"]["cleanup.policy"] == "compact"
    assert "intake.events.dlq" in configs
