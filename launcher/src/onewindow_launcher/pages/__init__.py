"""Web pages (zh-CN) for citizens, window clerks, department reviewers and supervisors: server-rendered,
no JavaScript, plain forms with POST-redirect-GET. A backend-for-frontend: the person's token in an
HttpOnly cookie, and every read and act through the services' public HTTP APIs, never their insides."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import cases, department, login, portal, supervisor, wallet, window
from .client import ServiceProblem, Services
from .settings import PagesSettings
from .web import LoginRequired, login_page, problem_page

__all__ = ["PagesSettings", "create_app", "install"]


def install(app: FastAPI, settings: PagesSettings, transport: httpx.AsyncBaseTransport | None = None) -> Services:
    """Add the pages to `app` (at /, beside whatever else it serves); the caller closes the returned
    client when the app stops."""
    pages = Services(settings, transport)
    app.state.pages = pages
    for module in (login, portal, cases, wallet, window, department, supervisor):
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="pages-static")
    app.add_exception_handler(ServiceProblem, problem_page)  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, login_page)  # type: ignore[arg-type]
    return pages


def create_app(settings: PagesSettings | None = None) -> FastAPI:
    """The pages alone (`onewindow serve pages`), in front of services that run elsewhere."""
    settings = settings or PagesSettings()
    holder: dict[str, Services] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await holder["pages"].close()

    app = FastAPI(title="OneWindow pages", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    holder["pages"] = install(app, settings)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
