"""Who is using the pages: the bearer token lives in an HttpOnly, SameSite=Strict cookie (script
cannot read it; another site's form cannot send it). The pages read the token's claims only to choose
which desk to show; every service verifies the token itself on every call."""
from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

COOKIE = "ow_session"

ROLE_NAMES = {"applicant": "申请人", "window_clerk": "窗口人员", "department_reviewer": "部门审批人员",
              "supervisor": "电子监察人员", "agent": "帮办代办人员", "department_system": "部门业务系统"}
HOME = {"applicant": "/cases", "window_clerk": "/window", "department_reviewer": "/department",
        "supervisor": "/supervisor"}


@dataclass(frozen=True)
class Session:
    token: str
    subject: str
    role: str
    department_code: str | None
    expires_at: int

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    @property
    def home(self) -> str:
        return HOME.get(self.role, "/")


def _claims(token: str) -> dict[str, Any] | None:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def session_of(token: str | None) -> Session | None:
    """The session a token stands for, or None for no token, a malformed one or an expired one."""
    claims = _claims(token) if token else None
    if not claims or not isinstance(claims.get("sub"), str) or not isinstance(claims.get("role"), str):
        return None
    expires = int(claims.get("exp") or 0)
    if expires and expires <= time.time():
        return None
    assert token is not None
    return Session(token, claims["sub"], claims["role"], claims.get("department_code"), expires)


def current(request: Request) -> Session | None:
    return session_of(request.cookies.get(COOKIE))


def open_session(response: Response, token: str, *, secure: bool) -> None:
    session = session_of(token)
    max_age = max(60, session.expires_at - int(time.time())) if session and session.expires_at else None
    response.set_cookie(COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/")


def close_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
