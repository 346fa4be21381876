"""What every page shares: the templates, the session check, and turning a service's problem into a
page that says, in Chinese, what went wrong."""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from . import labels
from .client import ServiceProblem, Services
from .session import Session, current

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals.update(labels=labels, new_key=lambda: uuid.uuid4().hex)
templates.env.filters.update(labels.FILTERS)


class LoginRequired(Exception):
    """The page needs a session (of one of `roles`): the person is sent to log in."""

    def __init__(self, roles: tuple[str, ...] = ()) -> None:
        self.roles = roles


def services(request: Request) -> Services:
    return request.app.state.pages


def need(request: Request, *roles: str) -> Session:
    """The session, if it is one of `roles`; a visitor is sent to log in, a wrong role sees 403."""
    session = current(request)
    if session is None:
        raise LoginRequired(roles)
    if roles and session.role not in roles:
        raise ServiceProblem(403, "wrong_desk", "您当前的身份无权使用此页面，请以相应身份登录",
                             f"needs: {', '.join(roles)}")
    return session


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("session", current(request))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """POST-redirect-GET: a reload never sends the form again."""
    return RedirectResponse(url, status_code=303)


async def act(work: Awaitable[Any], done: str, again: Callable[[ServiceProblem], Awaitable[Response]]) -> Response:
    """What every form's POST does: the service call, then POST-redirect-GET to `done`. A refusal the
    person can mend is shown on the page the form came from (`again`); a lapsed login, a case that is
    not theirs or a service that is down go to their own pages."""
    try:
        await work
    except ServiceProblem as problem:
        if problem.status in (401, 404) or problem.status >= 500:
            raise
        return await again(problem)
    return see_other(done)


async def problem_page(request: Request, problem: ServiceProblem) -> HTMLResponse:
    status = problem.status if 400 <= problem.status < 600 else 502
    return page(request, "problem.html", status, problem=problem)


async def login_page(request: Request, error: LoginRequired) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
