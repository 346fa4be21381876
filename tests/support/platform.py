"""The platform under test: any of the six services, each served over real HTTP on 127.0.0.1 and
calling the others as in production, on the embedded default (SQLite files and one embedded bus) or on
PostgreSQL + Kafka (a fresh database per service and the one broker) — and what every cross-service
test does to it: a person's token, a POST with its Idempotency-Key, a material uploaded, a wait."""
from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from onewindow_chassis.clock import ManualClock
from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.projections import Projection, ProjectionRunner, VerifyReport
from onewindow_chassis.web import development_issuer
from onewindow_launcher.services import app_factory, settings_of
from tests.support.kafka_tools import skip_history
from tests.support.served import served

MODES = ("embedded", "distributed")
# Each service is configured after those it calls, so their addresses are known by then: intake may
# fetch held licences from certificates (免证办), approval reads intake's forms (秒批).
ORDER = ("certificates", "intake", "approval", "evaluation", "notify", "supervision")
T = TypeVar("T")
P = TypeVar("P", bound="Platform")


def eventually(check: Callable[[], T], timeout: float = 30.0, what: str = "the condition") -> T:
    """`check()` once it is truthy: services hear of each other over the bus, never at once."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} did not come true in time"
        time.sleep(0.2)
    return result


def fresh_database(postgres_url: str, name: str = "t") -> str:
    """A new, empty PostgreSQL database on the server of `postgres_url`: a service owns its own."""
    database = name + uuid.uuid4().hex[:12]

    async def create() -> None:
        conn = await asyncpg.connect(postgres_url)
        try:
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return postgres_url.rsplit("/", 1)[0] + f"/{database}"


def drop_databases(postgres_url: str, urls: Iterable[str]) -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(postgres_url)
        try:
            for url in urls:
                await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def infrastructure(request: pytest.FixtureRequest, mode: str) -> dict[str, str]:
    """What `serving` stands on in `mode`: PostgreSQL and Kafka from the session's fixtures for the
    distributed mode, nothing for the embedded default (so its runs never wait for either)."""
    if mode == "embedded":
        return {}
    return {"postgres_url": request.getfixturevalue("postgres_url"),
            "kafka_bootstrap": request.getfixturevalue("kafka_bootstrap")}


@dataclass
class Platform:
    """The served services, by name: each one's client as an attribute (`platform.intake`), its
    address, app, settings and database; and the one clock they all keep time by."""

    clock: ManualClock
    databases: dict[str, str]
    configured: dict[str, Any] = field(default_factory=dict)  # each service's settings
    apps: dict[str, FastAPI] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def __getattr__(self, service: str) -> httpx.Client:
        clients = self.__dict__.get("clients", {})
        if service in clients:
            return clients[service]
        raise AttributeError(service)

    @property
    def settings(self) -> Any:
        """Intake's settings, or any served service's: every one derives the same development issuer
        and master key from them."""
        return self.configured.get("intake") or next(iter(self.configured.values()))

    def token(self, role: str, subject: str | None = None, department: str | None = None) -> dict[str, str]:
        """A person's bearer token from the development issuer, on the platform's clock: the services
        check its times against that clock, not the machine's."""
        subject = subject or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        token = development_issuer(self.settings, self.clock).issue(subject, role, department)
        return {"Authorization": f"Bearer {token}"}

    def post(self, service: str | httpx.Client, path: str, headers: dict[str, str], json: Any = None,
             **kw: Any) -> httpx.Response:
        """A POST to a service (by name, or its client) with a key of its own, as every command needs."""
        client = self.clients[service] if isinstance(service, str) else service
        return client.post(path, json=json, headers=headers | {"Idempotency-Key": uuid.uuid4().hex}, **kw)

    def upload(self, headers: dict[str, str], type_code: str) -> str:
        """A material of `type_code` into the caller's vault at intake; its id."""
        reply = self.post("intake", "/v1/materials", headers, content=b"%PDF-1.7 " + uuid.uuid4().bytes,
                          params={"type_code": type_code, "filename": f"{type_code}.pdf"})
        assert reply.status_code == 201, reply.text
        return reply.json()["material_id"]

    def rebuilt(self, service: str, projection: Projection) -> VerifyReport:
        """Rebuild a service's read models from its archive alone, beside the live ones, and compare."""
        async def rebuild() -> VerifyReport:
            db = Database(self.databases[service])
            runner = ProjectionRunner(db, event_store_for(db.dialect), projection)
            try:
                await runner.rebuild()
                report = await runner.verify()
                await runner.drop_rebuild()
                return report
            finally:
                await db.dispose()

        return asyncio.run(rebuild())


# A service's own settings, as they are or made from the platform served so far
OwnSettings = Mapping[str, Any] | Callable[[Platform], Mapping[str, Any]]


@contextlib.contextmanager
def serving(mode: str, services: Collection[str], directory: Path, *, clock: ManualClock,
            postgres_url: str | None = None, kafka_bootstrap: str | None = None,
            settings: Mapping[str, OwnSettings] | None = None, name: str = "t",
            kind: type[P] = Platform) -> Iterator[P]:  # type: ignore[assignment]
    """`services` served in `mode` while the block runs, as a `kind` of Platform. `settings` are each
    service's own, given as they are or as made from the platform so far (the addresses of those it
    calls); approval is always pointed at the intake served with it. Consumer groups, named after
    `name`, start at the end of the shared topics: earlier tests' cases are not replayed."""
    if mode not in MODES:
        raise ValueError(f"mode is one of {MODES}, not {mode!r}")
    prefix = f"{name}{uuid.uuid4().hex[:8]}-"
    common: dict[str, Any] = {"environment": "test", "consumer_group_prefix": prefix}
    if mode == "embedded":
        common |= {"kafka_bootstrap_servers": None, "bus_path": directory / "bus.db"}
        databases = {service: f"sqlite:///{directory}/{service}.db" for service in services}
    else:
        if not (postgres_url and kafka_bootstrap):
            raise ValueError("the distributed mode stands on PostgreSQL and Kafka: name both")
        asyncio.run(skip_history(kafka_bootstrap, prefix))
        common |= {"kafka_bootstrap_servers": kafka_bootstrap}
        databases = {service: fresh_database(postgres_url, name) for service in services}
    platform = kind(clock, databases)
    try:
        with contextlib.ExitStack() as stack:
            for service in sorted(services, key=ORDER.index):
                own = (settings or {}).get(service, {})
                own = own(platform) if callable(own) else own
                if service == "approval" and "intake" in platform.urls:
                    own = {"intake_url": platform.urls["intake"], **own}
                platform.configured[service] = settings_of(service, database_url=databases[service], **common, **own)
                platform.apps[service] = app_factory(service)(platform.configured[service], clock=clock)
                platform.urls[service] = stack.enter_context(served(platform.apps[service]))
                platform.clients[service] = stack.enter_context(httpx.Client(base_url=platform.urls[service],
                                                                             timeout=30))
            yield platform
    finally:
        if mode == "distributed" and postgres_url:  # named, or it would not have got this far
            drop_databases(postgres_url, databases.values())
