"""The pages are a backend-for-frontend: every read and every act goes to a service's public HTTP API
with the person's own bearer token, so each service decides what this person may see and do."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from .settings import PagesSettings


@dataclass
class ServiceProblem(Exception):
    """An RFC 9457 problem a service answered, kept for the page to show in Chinese."""

    status: int
    code: str
    title_zh: str
    detail: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, reply: httpx.Response) -> "ServiceProblem":
        try:
            body = reply.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        known = {"type", "title", "status", "code", "title_zh", "instance", "detail", "errors"}
        return cls(reply.status_code, str(body.get("code") or f"http_{reply.status_code}"),
                   str(body.get("title_zh") or "服务暂时无法处理该请求"), body.get("detail"),
                   list(body.get("errors") or []), {k: v for k, v in body.items() if k not in known})

    @classmethod
    def unreachable(cls, service: str) -> "ServiceProblem":
        return cls(503, "service_unreachable", "后台服务暂时无法连接，请稍后再试", service)


class Services:
    """One HTTP client for the pages' whole life, and one call shape for every service."""

    def __init__(self, settings: PagesSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._http = httpx.AsyncClient(timeout=settings.timeout_seconds, transport=transport)

    async def close(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, service: str, path: str, token: str | None = None, *,
                   key: str | None = None, **kwargs: Any) -> httpx.Response:
        """The reply, or a ServiceProblem for anything but 2xx (so a page can show the service's words)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method == "POST":
            # Every state-changing POST carries an Idempotency-Key: a form sent twice acts once.
            headers["Idempotency-Key"] = key or uuid.uuid4().hex
        try:
            reply = await self._http.request(method, self.settings.url_of(service) + path, headers=headers, **kwargs)
        except httpx.TransportError:
            raise ServiceProblem.unreachable(service) from None
        if reply.status_code >= 400:
            raise ServiceProblem.of(reply)
        return reply

    async def get(self, service: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        return (await self.call("GET", service, path, token, **kwargs)).json()

    async def post(self, service: str, path: str, token: str | None, body: Any = None, *, key: str | None = None,
                   **kwargs: Any) -> Any:
        reply = await self.call("POST", service, path, token, key=key, json=body, **kwargs)
        return reply.json() if reply.content else None

    async def dev_token(self, subject: str, role: str, department_code: str | None) -> str:
        url = self.settings.dev_tokens_url
        assert url, "no development issuer configured"
        try:
            reply = await self._http.post(url, json={"subject": subject, "role": role, "department_code": department_code})
        except httpx.TransportError:
            raise ServiceProblem.unreachable("identity") from None
        if reply.status_code >= 400:
            raise ServiceProblem.of(reply)
        return str(reply.json()["access_token"])
