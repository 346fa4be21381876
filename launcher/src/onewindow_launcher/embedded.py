"""The embedded default: every service in one process, each under /<service>, each with its own
SQLite file in the data directory, all sharing one embedded bus file there. No server to install."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from onewindow_chassis.auth import dev_token_router
from onewindow_chassis.web import development_issuer

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
            yield

    app = FastAPI(title="OneWindow (embedded)", lifespan=lifespan)
    # The stand-in identity provider: log in as any demo role (POST /v1/dev/tokens).
    app.include_router(dev_token_router(development_issuer(settings_of("intake", environment="embedded"))))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home() -> str:
        links = "".join(f'<li><a href="/{n}/docs">{n}</a> · <a href="/{n}/health">health</a></li>' for n in SERVICES)
        return (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>一窗通办 OneWindow</title>'
            f"<h1>一窗受理·一次办好 — OneWindow</h1><p>内嵌模式 · embedded default</p><ul>{links}</ul></html>"
        )

    for name, child in children.items():
        app.mount(f"/{name}", child)
    return app
