"""The problems authentication raises: 401 when the caller is not known, 403 when they may not act."""
from __future__ import annotations

from ..problems import Problem


def token_missing() -> Problem:
    return Problem(401, "token_missing", "未提供登录凭证，请先登录", "No bearer token was given: sign in first")


def token_invalid(detail: str | None = None) -> Problem:
    # The detail names what failed, never the token or its claims.
    return Problem(401, "token_invalid", "登录凭证无效，请重新登录", "The bearer token is not valid", detail)


def token_expired() -> Problem:
    return Problem(401, "token_expired", "登录凭证已过期，请重新登录", "The bearer token has expired: sign in again")


def forbidden(detail: str | None = None) -> Problem:
    return Problem(403, "forbidden", "您的角色无权进行此操作", "Your role may not do this", detail)
