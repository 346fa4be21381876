"""Intake's ports to the world outside: the working-day calendar and the certificates service."""
from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date

import httpx

from onewindow_chassis.workdays import WorkCalendar


class CalendarWorkingDays:
    """Working days on the official calendar. A date in a year the calendar does not cover is counted
    from weekends only, and the calendar raises its operator alert (never a silent guess)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    def add(self, start: date, days: int) -> date:
        return self.calendar.add_working_days(start, days).day


class CertificatesLicences:
    """免证办 over HTTP: the certificates service's holder endpoint, as intake's own system (a
    client-credentials token), with the purpose recorded on every read."""

    def __init__(self, base_url: str, token: Callable[[], str],
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.token = token
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/"), transport=transport, timeout=10)  # one, kept

    async def close(self) -> None:
        await self.client.aclose()

    async def held(self, holder_ref: str, licence_type_code: str) -> tuple[str, bytes] | None:
        reply = await self.client.get(f"/v1/holders/{holder_ref}/licences",
                                      params={"type_code": licence_type_code, "purpose": "免证办：申请人授权调取电子证照"},
                                      headers={"Authorization": f"Bearer {self.token()}"})
        if reply.status_code == 404:
            return None
        reply.raise_for_status()
        body = reply.json()
        return body["licence"]["licence_id"], base64.b64decode(body["document"])


class NoLicences:
    """免证办 before the certificates service is wired: no licence is held, so copies are asked for."""

    async def held(self, holder_ref: str, licence_type_code: str) -> tuple[str, bytes] | None:
        return None
