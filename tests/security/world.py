"""The six services served over real HTTP on PostgreSQL and Kafka, and the people who call them: the
ground the security suite stands on. Every case, material, licence and rating here is made through the
services' own APIs, as the people of the journeys would make them."""
from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from fastapi import FastAPI

from onewindow_chassis.clock import ManualClock
from onewindow_chassis.web import development_issuer
from onewindow_launcher.services import SERVICES, app_factory, settings_of
from tests.support.kafka_tools import skip_history
from tests.support.served import served

TUESDAY = datetime(2026, 3, 3, 9, 0, tzinfo=timezone(timedelta(hours=8)))
FOOD, FOOD_DEPT = "330100-SCJGJ-XK-002", "330100-SCJGJ"  # 食品经营许可, reviewed by 市场监管局
ALL_FOOD = ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-CSSY", "CL-PMBZT", "CL-SPGYLC", "CL-SPAQZD", "CL-JKZM")
HYGIENE, HYGIENE_DEPT = "330100-WJW-XK-001", "330100-WJW"  # 公共场所卫生许可 on commitment: a licence at once
HYGIENE_MATERIALS = ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-PMBZT")
KCG = "330100-YJS-KCG"  # 开餐馆
OTHER_DEPT = "330100-SWJ"  # 税务局: never concerned by these cases
T = TypeVar("T")


def citizen_id(region: str, born: str, sequence: str) -> str:
    """A 公民身份号码 with its GB 11643 MOD 11-2 check character."""
    body = region + born + sequence
    total = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)))
    return body + "10X98765432"[total % 11]


def eventually(check: Callable[[], T], timeout: float = 60.0, what: str = "the condition") -> T:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} did not come true in time"
        time.sleep(0.2)
    return result


def _create_database(admin_url: str) -> str:
    name = "sec" + uuid.uuid4().hex[:12]

    async def create() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_databases(admin_url: str, urls: list[str]) -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            for url in urls:
                await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


@dataclass
class World:
    clients: dict[str, httpx.Client]
    apps: dict[str, FastAPI]
    databases: dict[str, str]
    clock: ManualClock
    settings: Any  # any service's settings: they share the development issuer
    sms_outbox: Path
    made: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, service: str) -> httpx.Client:
        if service in SERVICES:
            return self.clients[service]
        raise AttributeError(service)

    # --- who calls ------------------------------------------------------------------------------

    def token(self, role: str, subject: str | None = None, department: str | None = None) -> dict[str, str]:
        subject = subject or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        token = development_issuer(self.settings, self.clock).issue(subject, role, department)
        return {"Authorization": f"Bearer {token}"}

    def post(self, service: str, path: str, headers: dict[str, str], json: Any = None, **kw: Any) -> httpx.Response:
        return self.clients[service].post(path, json=json, headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
                                          **kw)

    # --- what they make -------------------------------------------------------------------------

    def upload(self, headers: dict[str, str], type_code: str) -> str:
        reply = self.post("intake", "/v1/materials", headers, content=b"%PDF-1.7 " + uuid.uuid4().bytes,
                          params={"type_code": type_code, "filename": f"{type_code}.pdf"})
        assert reply.status_code == 201, reply.text
        return reply.json()["material_id"]

    def answers(self, path: str, **given: Any) -> dict[str, Any]:
        form = self.intake.get(path).json()["form"]
        plain = {"text": "杭州味道面馆", "address": "杭州市西湖区文三路100号", "id_number": citizen_id("330106", "19800101", "123"),
                 "phone": "13800138000", "number": 12, "date": "2026-03-01"}
        return {f["code"]: given.get(f["code"], f["choices"][0] if f["type"] == "choice" else plain[f["type"]])
                for f in form}

    def food_case(self, applicant: str) -> str:
        """食品经营许可 applied for online and accepted by the window: an item in review at 市场监管局."""
        holder = self.token("applicant", applicant)
        ids = [self.upload(holder, c) for c in ALL_FOOD]
        reply = self.post("intake", "/v1/applications", holder, {
            "item_codes": [FOOD], "applicant_kind": "enterprise", "material_ids": ids, "use_e_licences": False,
            "answers": self.answers(f"/v1/catalogue/items/{FOOD}")})
        assert reply.status_code == 201, reply.text
        case_id = reply.json()["case_id"]
        if reply.json()["status"] != "accepted":
            accepted = self.post("intake", f"/v1/applications/{case_id}/acceptance", self.token("window_clerk"),
                                 {"allow_missing": False})
            assert accepted.status_code == 200, accepted.text
        self.approval_case(case_id)
        return case_id

    def hygiene_case(self, applicant: str) -> str:
        """公共场所卫生许可 on commitment: approved at once, its licence issued by 卫健委."""
        holder = self.token("applicant", applicant)
        ids = [self.upload(holder, c) for c in HYGIENE_MATERIALS]
        reply = self.post("intake", "/v1/applications", holder, {
            "item_codes": [HYGIENE], "applicant_kind": "enterprise", "commitments": [HYGIENE],
            "answers": self.answers(f"/v1/catalogue/items/{HYGIENE}"), "material_ids": ids})
        assert reply.status_code == 201, reply.text
        case_id = reply.json()["case_id"]
        self.approval_case(case_id, until=lambda c: c["concluded"])
        return case_id

    def approval_case(self, case_id: str, until: Callable[[dict], bool] | None = None) -> dict:
        headers = self.token("supervisor")

        def seen() -> dict | None:
            reply = self.approval.get(f"/v1/cases/{case_id}", headers=headers)
            return reply.json() if reply.status_code == 200 and (until is None or until(reply.json())) else None

        return eventually(seen, what=f"approval's case {case_id}")

    def licence_of(self, applicant: str, case_id: str) -> dict:
        holder = self.token("applicant", applicant)

        def issued() -> dict | None:
            items = self.certificates.get("/v1/wallet", headers=holder).json()["items"]
            return next((i for i in items if i["case_id"] == case_id), None)

        return eventually(issued, what=f"the licence of {case_id}")

    # --- what they stored -----------------------------------------------------------------------

    def query(self, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.databases[service])
            try:
                return await conn.fetch(sql, *args)
            finally:
                await conn.close()

        return asyncio.run(run())

    def count(self, service: str, table: str) -> int:
        return self.query(service, f"SELECT count(*) AS n FROM {table}")[0]["n"]


@contextlib.contextmanager
def six_services(postgres_url: str, bootstrap: str, directory: Path, *, clock: ManualClock | None = None
                 ) -> Iterator[World]:
    """Every service on its own PostgreSQL database and the one Kafka broker, each served by uvicorn
    on 127.0.0.1 and calling the others over HTTP as in production. Consumer groups start at the
    end of the shared topics: earlier tests' cases are not replayed."""
    clock = clock or ManualClock(TUESDAY)
    prefix = f"sec{uuid.uuid4().hex[:8]}-"
    asyncio.run(skip_history(bootstrap, prefix))
    databases = {service: _create_database(postgres_url) for service in SERVICES}
    common: dict[str, Any] = {"environment": "test", "kafka_bootstrap_servers": bootstrap,
                              "consumer_group_prefix": prefix}
    sms_outbox = directory / "sms-outbox.jsonl"
    settings: dict[str, Any] = {}

    def app(service: str, **extra: Any) -> FastAPI:
        settings[service] = settings_of(service, database_url=databases[service], **common, **extra)
        return app_factory(service)(settings[service], clock=clock)

    apps: dict[str, FastAPI] = {}
    clients: dict[str, httpx.Client] = {}
    try:
        with contextlib.ExitStack() as stack:
            def serve(service: str, **extra: Any) -> str:
                apps[service] = app(service, **extra)
                url = stack.enter_context(served(apps[service]))
                clients[service] = stack.enter_context(httpx.Client(base_url=url, timeout=30))
                return url

            certificates = serve("certificates")
            # intake would mint its 免证办 token on the system clock; certificates checks it on the test's
            # clock (2026-03-03), to which it would be issued in the future: hand it one minted on that clock.
            licences_token = development_issuer(settings["certificates"], clock).issue(
                "intake-service", "service", ttl=timedelta(hours=12))
            intake = serve("intake", certificates_url=certificates, certificates_token=licences_token)
            serve("approval", intake_url=intake, verification_rate=1.0)
            serve("evaluation")
            serve("notify", sms_outbox_path=sms_outbox)
            serve("supervision", alert_scan_seconds=0.5)
            yield World(clients, apps, databases, clock, settings["intake"], sms_outbox)
    finally:
        _drop_databases(postgres_url, list(databases.values()))
