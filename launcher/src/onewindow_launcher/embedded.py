"""The embedded default: every service in one process, each under /<service>, each with its own
SQLite file in the data directory, all sharing one embedded bus file there, and the web pages at /.
No server to install."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from onewindow_chassis.auth import dev_token_router
from onewindow_chassis.web import development_issuer

from . import pages
from .services import SERVICES, app_factory, settings_of


def create_app(data_dir: Path, base_url: str = "http://127.0.0.1:8000") -> FastAPI:
    """`base_url`: where this process serves, for the one synchronous call between services
    (approval reads intake's 申请表 over HTTP, as it would across machines)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    extra = {"approval": {"intake_url": f"{base_url}/intake"},
             "intake": {"certificates_url": f"{base_url}/certificates"}}
    children = {
        name: app_factory(name)(
            settings_of(
                name, environment="embedded", database_url=f"sqlite:///{data_dir / name}.db",
                kafka_bootstrap_servers=None, bus_path=data_dir / "bus.db", **extra.get(name, {}),
            )
        )
        for name in SERVICES
    }

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Starlette does not run a mounted app's lifespan: enter each child's here.
        async with contextlib.AsyncExitStack() as stack:
            for child in children.values():
                await stack.enter_async_context(child.router.lifespan_context(child))
            stack.push_async_callback(portal.close)
            yield

    app = FastAPI(title="OneWindow (embedded)", lifespan=lifespan)
    # The stand-in identity provider: log in as any demo role (POST /v1/dev/tokens).
    app.include_router(dev_token_router(development_issuer(settings_of("intake", environment="embedded"))))
    # The pages at /, calling the services over HTTP as a browser's backend would across machines.
    portal = pages.install(app, pages.PagesSettings(
        **{f"{name}_url": f"{base_url}/{name}" for name in SERVICES}, dev_tokens_url=f"{base_url}/v1/dev/tokens"))

    for name, child in children.items():
        app.mount(f"/{name}", child)
    return app
