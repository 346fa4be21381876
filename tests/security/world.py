"""The six services served over real HTTP on PostgreSQL and Kafka, and the people who call them: the
ground the security suite stands on. Every case, material, licence and rating here is made through the
services' own APIs, as the people of the journeys would make them."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from onewindow_chassis.clock import ManualClock
from onewindow_chassis.web import development_issuer
from onewindow_launcher.services import SERVICES
from tests.support.platform import Platform, serving
from tests.support.platform import eventually as _eventually

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
    """The platform's wait, with the security suite's own patience: a minute."""
    return _eventually(check, timeout, what)


@dataclass
class World(Platform):
    made: dict[str, Any] = field(default_factory=dict)

    @property
    def sms_outbox(self) -> Path:
        return Path(self.configured["notify"].sms_outbox_path)

    # --- what they make -------------------------------------------------------------------------

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


def _licences_from_certificates(world: Platform) -> dict[str, Any]:
    """免证办: intake fetches held licences from the certificates served before it, with a
    client-credentials token of its own as a deployment configures one, minted on the test's clock
    (2026-03-03): the clock certificates checks it against."""
    token = development_issuer(world.configured["certificates"], world.clock).issue(
        "intake-service", "service", ttl=timedelta(hours=12))
    return {"certificates_url": world.urls["certificates"], "certificates_token": token}


def six_services(postgres_url: str, bootstrap: str, directory: Path, *, clock: ManualClock | None = None
                 ) -> contextlib.AbstractContextManager[World]:
    """Every service on its own PostgreSQL database and the one Kafka broker, each served by uvicorn
    on 127.0.0.1 and calling the others over HTTP as in production. Consumer groups start at the
    end of the shared topics: earlier tests' cases are not replayed."""
    return serving("distributed", SERVICES, directory, clock=clock or ManualClock(TUESDAY), postgres_url=postgres_url,
                   kafka_bootstrap=bootstrap, name="sec", kind=World, settings={
                       "intake": _licences_from_certificates,
                       "approval": {"verification_rate": 1.0},
                       "notify": {"sms_outbox_path": directory / "sms-outbox.jsonl"},
                       "supervision": {"alert_scan_seconds": 0.5}})
