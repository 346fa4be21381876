"""Intake running for real, over HTTP, in either mode: embedded (SQLite and the embedded bus) or
distributed (PostgreSQL and Kafka). Tokens come from the development issuer; time from a clock the
test moves."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient

from onewindow_chassis.clock import ManualClock
from onewindow_chassis.web import development_issuer
from onewindow_intake.app import create_app
from onewindow_intake.config import Settings

# Monday 2 March 2026, 00:30 in Shanghai: still Sunday in UTC — the edge where date rules go wrong.
MONDAY_0030 = datetime(2026, 3, 2, 0, 30, tzinfo=timezone(timedelta(hours=8)))
_counter = itertools.count()


@dataclass
class Platform:
    client: TestClient
    clock: ManualClock
    settings: Settings

    def token(self, role: str, subject: str | None = None, department: str | None = None) -> dict[str, str]:
        subject = subject or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        token = development_issuer(self.settings, self.clock).issue(subject, role, department)
        return {"Authorization": f"Bearer {token}"}

    def post(self, path: str, headers: dict[str, str], json: Any = None, key: str | None = None, **kw: Any) -> Any:
        return self.client.post(path, json=json, headers=headers | {"Idempotency-Key": key or uuid.uuid4().hex}, **kw)

    def upload(self, headers: dict[str, str], type_code: str, applicant_ref: str | None = None) -> str:
        body = b"%PDF-1.7\n" + f"{type_code} #{next(_counter)} {uuid.uuid4()}".encode()
        params = {"type_code": type_code, "filename": f"{type_code}.pdf"}
        if applicant_ref:
            params["applicant_ref"] = applicant_ref
        reply = self.post("/v1/materials", headers, content=body, params=params)
        assert reply.status_code == 201, reply.text
        return reply.json()["material_id"]

    def answers(self, path: str) -> dict[str, Any]:
        """A plausible answer to every question of a bundle's or item's form."""
        form = self.client.get(path).json()["form"]
        by_type = {"text": "杭州味道面馆", "address": "杭州市西湖区文三路100号", "id_number": "11010519491231002X",
                   "phone": "13800138000", "number": 12, "date": "2026-03-01"}
        return {f["code"]: (f["choices"][0] if f["type"] == "choice" else by_type[f["type"]]) for f in form}


def start(settings: Settings, licences: Any = None) -> tuple[TestClient, ManualClock]:
    clock = ManualClock(MONDAY_0030)
    return TestClient(create_app(settings, clock=clock, licences=licences)), clock
