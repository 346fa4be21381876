"""The FastAPI app every service starts from: lifespan wiring, health, readiness, problem details."""
from __future__ import annotations

import asyncio
import hashlib
import json
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import metrics, migrations, problems
from .auth import DevelopmentIssuer, TokenVerifier
from .bus import open_bus
from .clock import Clock, SystemClock
from .db import Database
from .kafka import TopicSpec
from .runtime import ServiceRuntime, Subscription
from .schema import outbox
from .settings import ServiceSettings
from .timers import TimerHandler


def development_issuer(settings: ServiceSettings, clock: Clock | None = None) -> DevelopmentIssuer:
    """The embedded default's stand-in identity provider; its key derives from the (development)
    master key, so all services of one platform agree on it. Refused outside embedded and test."""
    seed = hashlib.sha256(b"onewindow development issuer\0" + settings.master_key_bytes()).digest()
    return DevelopmentIssuer(settings.environment, issuer=settings.token_issuer, audience=settings.token_audience,
                             clock=clock, seed=seed)


def token_verifier(settings: ServiceSettings, clock: Clock) -> TokenVerifier:
    if settings.token_jwks:
        return TokenVerifier(json.loads(settings.token_jwks), settings.token_issuer, settings.token_audience, clock)
    return development_issuer(settings, clock).verifier(clock)


@dataclass(frozen=True)
class Wiring:
    """What a service's background work handles: its consumer groups and its timers."""

    subscriptions: Sequence[Subscription] = ()
    timer_handlers: Mapping[str, TimerHandler] = field(default_factory=dict)
    loops: Sequence[Callable[[asyncio.Event], Awaitable[None]]] = ()  # e.g. projection runners: run until stopped


def service_app(
    name: str,
    settings: ServiceSettings,
    versions: Path,
    *,
    routers: tuple = (),
    topics: Sequence[TopicSpec] = (),
    setup: Callable[[FastAPI], Awaitable[Wiring]] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """One service's app. Database, bus and background work are made in the lifespan, never at
    import time. `topics`: what the service publishes or reads (made if missing). `setup` builds the
    service's own state on `app.state` (the database and clock are there already) and returns what
    its background work handles."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(migrations.upgrade, settings.database_url, versions)
        app.state.db = Database(settings.database_url)
        app.state.settings = settings
        app.state.clock = clock or SystemClock()
        app.state.verifier = token_verifier(settings, app.state.clock)
        wiring = await setup(app) if setup is not None else Wiring()
        bus = open_bus(kafka_bootstrap=settings.kafka_bootstrap_servers, embedded_path=settings.bus_path, client_id=name)
        app.state.runtime = ServiceRuntime(
            name, app.state.db, bus, app.state.clock, topics=topics, subscriptions=wiring.subscriptions,
            timer_handlers=wiring.timer_handlers, group_prefix=settings.consumer_group_prefix, loops=wiring.loops,
        )
        await app.state.runtime.start()
        try:
            yield
        finally:
            await app.state.runtime.stop()
            await app.state.db.dispose()

    app = FastAPI(title=f"OneWindow {name}", version="0.1.0", lifespan=lifespan)
    problems.install(app)

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": name}

    @app.get("/ready", tags=["ops"])
    async def ready() -> dict[str, str]:
        """Readiness: the service's database answers."""
        async with app.state.db.transaction() as tx:
            await tx.conn.execute(sa.text("SELECT 1"))
        return {"status": "ready", "service": name}

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics_endpoint() -> Response:
        """Prometheus text format; the outbox backlog is read at scrape time."""
        async with app.state.db.transaction() as tx:
            backlog = (await tx.conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()
        metrics.outbox_backlog.labels(name).set(backlog)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
