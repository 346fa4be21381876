"""Intake's ports to the world outside: the working-day calendar and the certificates service."""
from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date

import logging

import httpx

from onewindow_chassis.problems import Problem
from onewindow_chassis.workdays import WorkCalendar

log = logging.getLogger(__name__)


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
        try:
            reply = await self.client.get(f"/v1/holders/{holder_ref}/licences",
                                          params={"type_code": licence_type_code,
                                                  "purpose": "免证办：申请人授权调取电子证照"},
                                          headers={"Authorization": f"Bearer {self.token()}"})
        except httpx.HTTPError as error:
            reply, failure = None, type(error).__name__
        else:
            failure = None if reply.is_success or reply.status_code == 404 else f"HTTP {reply.status_code}"
        if failure is not None:  # the applicant is told, and nothing is half-written: the command rolls back
            log.warning("免证办: the certificates service did not answer (%s)", failure)
            raise Problem(503, "certificates_unavailable", "电子证照库暂时无法调取，请稍后再试或上传材料",
                          "The e-licence store cannot be reached now: try again later or upload the material")
        if reply.status_code == 404:
            return None
        body = reply.json()
        return body["licence"]["licence_id"], base64.b64decode(body["document"])


class NoLicences:
    """免证办 before the certificates service is wired: no licence is held, so copies are asked for."""

    async def held(self, holder_ref: str, licence_type_code: str) -> tuple[str, bytes] | None:
        return None
