"""登录: on the embedded default, pick any demo role (the development issuer stands in for the identity
provider); anywhere else, paste an access token from the configured identity provider."""
from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from . import labels
from .client import ServiceProblem
from .session import close_session, open_session, session_of
from .web import page, see_other, services

router = APIRouter()
_ROLES = ("applicant", "window_clerk", "department_reviewer", "supervisor")


def _safe_next(target: str | None) -> str | None:
    # Only a path on this site: a login must not be a way to send someone elsewhere.
    return target if target and target.startswith("/") and not target.startswith("//") else None


async def _departments(request: Request) -> list[str]:
    items = await services(request).get("intake", "/v1/catalogue/items")
    return sorted({i["department_code"] for i in items})


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    dev = bool(services(request).settings.dev_tokens_url)
    departments = await _departments(request) if dev else []
    return page(request, "login.html", dev=dev, departments=departments, applicants=labels.DEMO_APPLICANTS,
                next=_safe_next(next) or "")


@router.post("/login")
async def login(request: Request, role: str = Form(default=""), subject: str = Form(default=""),
                department_code: str = Form(default=""), token: str = Form(default=""),
                next: str = Form(default="")) -> Response:
    pages = services(request)
    if token:
        session = session_of(token.strip())
        if session is None:
            raise ServiceProblem(401, "token_invalid", "登录凭证无效或已过期，请重新获取")
        token = session.token
    else:
        if not pages.settings.dev_tokens_url:
            raise ServiceProblem(400, "token_required", "请粘贴身份认证平台签发的访问令牌")
        if role not in _ROLES:
            raise ServiceProblem(422, "role_unknown", "请选择一个演示身份")
        if role == "department_reviewer" and not department_code:
            raise ServiceProblem(422, "department_required", "部门审批人员须选择所属部门")
        if role == "applicant":
            subject = subject or labels.DEMO_APPLICANTS[0][0]
        else:
            subject = {"window_clerk": "clerk-demo-0001", "supervisor": "supervisor-demo-0001"}.get(
                role, f"reviewer-{department_code}")
        token = await pages.dev_token(subject, role, department_code if role == "department_reviewer" else None)
        session = session_of(token)
        assert session is not None
    reply = see_other(_safe_next(next) or session.home)
    open_session(reply, token, secure=pages.settings.secure_cookie)
    return reply


@router.post("/logout")
async def logout() -> Response:
    reply = see_other("/")
    close_session(reply)
    return reply
