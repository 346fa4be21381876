"""RFC 9457 problem details: every error a person or a system reads has a stable code and says what
went wrong in Chinese and in English."""
from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from .eventstore import ConcurrencyError
from .personal import PersonErased


MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://onewindow.dev/problems/"


class Problem(Exception):
    """A domain or API error with its HTTP status. Raise it anywhere; one handler renders it."""

    def __init__(
        self, status: int, code: str, title_zh: str, title_en: str, detail: str | None = None, **extra: Any
    ) -> None:
        super().__init__(f"{code}: {title_en}")
        self.status, self.code, self.title_zh, self.title_en = status, code, title_zh, title_en
        self.detail = detail
        self.extra = extra

    def body(self, instance: str) -> dict[str, Any]:
        body = {
            "type": TYPE_BASE + self.code,
            "title": self.title_en,
            "status": self.status,
            "code": self.code,
            "title_zh": self.title_zh,
            "instance": instance,
        }
        if self.detail:
            body["detail"] = self.detail
        return body | self.extra


class DomainError(Exception):
    """An error the domain raises: a stable code, what went wrong in Chinese and English, and a kind
    that the HTTP edge maps to a status (the domain knows nothing of HTTP)."""

    STATUS = {"invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403}

    def __init__(self, kind: str, code: str, title_zh: str, title_en: str, detail: str | None = None, **extra: Any) -> None:
        if kind not in self.STATUS:
            raise ValueError(f"unknown error kind {kind!r}")
        super().__init__(f"{code}: {title_en}")
        self.kind, self.code, self.title_zh, self.title_en, self.detail, self.extra = (
            kind, code, title_zh, title_en, detail, extra,
        )

    def problem(self) -> Problem:
        return Problem(self.STATUS[self.kind], self.code, self.title_zh, self.title_en, self.detail, **self.extra)


def _respond(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(problem.body(request.url.path), status_code=problem.status, media_type=MEDIA_TYPE)


def _data_exception(error: DBAPIError) -> bool:
    """A database error of SQLSTATE class 22, as asyncpg raises it through SQLAlchemy's adapter."""
    cause = error.orig.__cause__ if error.orig is not None else None
    return isinstance(cause, asyncpg.exceptions.DataError) or str(getattr(error.orig, "sqlstate", "")).startswith("22")


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, problem: Problem) -> JSONResponse:
        return _respond(problem, request)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, error: DomainError) -> JSONResponse:
        return _respond(error.problem(), request)

    @app.exception_handler(ConcurrencyError)
    async def _conflict(request: Request, error: ConcurrencyError) -> JSONResponse:
        problem = Problem(409, error.code, "办件已被他人更新，请刷新后重试", "The case changed meanwhile: reload and retry")
        return _respond(problem, request)

    @app.exception_handler(PersonErased)
    async def _erased(request: Request, error: PersonErased) -> JSONResponse:
        # Data dated no later than the person's erasure: sealing it would bring back what was erased.
        problem = Problem(409, error.code, "该申请人的个人信息已删除，请稍后重新提交",
                          "This person's data was erased as of this moment; submit again")
        return _respond(problem, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # Field-level errors, without echoing the submitted values (they may be personal data).
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "code": e["type"], "message": e["msg"]}
            for e in error.errors()
        ]
        problem = Problem(422, "invalid_request", "请求内容不符合要求", "The request is not valid", errors=errors)
        return _respond(problem, request)

    @app.exception_handler(ValidationError)
    async def _model(request: Request, error: ValidationError) -> JSONResponse:
        # A rule of a contract event that the request broke (e.g. a clerk signing for an applicant).
        errors = [{"field": ".".join(str(p) for p in e["loc"]) or None, "code": e["type"], "message": e["msg"]}
                  for e in error.errors(include_input=False)]
        problem = Problem(422, "rule_violated", "该操作不符合办理规则", "The request breaks a rule of the case",
                          errors=errors)
        return _respond(problem, request)

    @app.exception_handler(asyncpg.exceptions.DataError)
    async def _unstorable(request: Request, error: Exception) -> JSONResponse:
        # SQLSTATE class 22 (data exception): a value the database cannot take — a NUL character in
        # text, a number out of range. The request's fault, and its transaction is rolled back whole.
        problem = Problem(422, "value_not_storable", "请求中含有无法保存的字符或数值",
                          "The request holds a character or value that cannot be stored")
        return _respond(problem, request)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, error: DBAPIError) -> JSONResponse:
        if _data_exception(error):
            return await _unstorable(request, error)
        raise error  # anything else is ours: a 500, logged

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        zh = {404: "未找到", 405: "不支持该方法", 401: "未登录或凭证无效", 403: "无权操作"}.get(error.status_code, "请求失败")
        problem = Problem(error.status_code, f"http_{error.status_code}", zh, str(error.detail))
        return _respond(problem, request)
