"""The FastAPI app every service starts from: lifespan wiring, health, readiness, problem details."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import metrics, migrations, problems
from .db import Database
from .schema import outbox
from .settings import ServiceSettings


def service_app(
    name: str,
    settings: ServiceSettings,
    versions: Path,
    *,
    routers: tuple = (),
    on_start: Callable[[FastAPI], object] | None = None,
) -> FastAPI:
    """One service's app. The database is made in the lifespan, never at import time."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(migrations.upgrade, settings.database_url, versions)
        app.state.db = Database(settings.database_url)
        app.state.settings = settings
        if on_start is not None:
            on_start(app)
        try:
            yield
        finally:
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
