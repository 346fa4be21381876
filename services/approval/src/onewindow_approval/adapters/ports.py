"""Approval's ports: intake's forms (read over HTTP under the department's grant, and so audited),
and the registries 秒批 rules consult (population, civil affairs, social security)."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx


class IntakeForms:
    """Reads the department's 申请表 through intake's audited materials endpoint, as that department's
    system (a client-credentials token for the department)."""

    def __init__(self, base_url: str, token_for: Callable[[str], str],
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.token_for = token_for
        # One client for the service's life: a client per read costs ~30 ms of CPU (TLS context, a new
        # connection) — half of 秒批's cost in bench/README.md.
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/"), transport=transport, timeout=10)

    async def close(self) -> None:
        await self.client.aclose()

    async def answers(self, case_id: str, material_id: str, department_code: str, read_key: str) -> dict[str, Any] | None:
        """The form's answers. `read_key` names this read: the same read again (the consumer redelivered
        after a crash, or a failed batch handled anew one by one) is recorded once in intake's trail."""
        try:
            reply = await self.client.get(
                f"/v1/applications/{case_id}/materials/{material_id}", params={"purpose": "秒批：按规则核验申请条件"},
                headers={"Authorization": f"Bearer {self.token_for(department_code)}", "Idempotency-Key": read_key})
        except httpx.TransportError as error:
            raise IntakeUnavailable(f"intake unreachable: {type(error).__name__}") from error
        if reply.status_code == 404:
            return None
        if reply.status_code >= 500 or reply.status_code == 429:
            raise IntakeUnavailable(f"intake answered {reply.status_code}")
        reply.raise_for_status()  # any other refusal: our request is wrong, retried a few times, then dead-lettered
        return dict(json.loads(reply.content)["answers"])


class IntakeUnavailable(ConnectionError):
    """Intake is down or restarting. A ConnectionError, so the consumer waits it out like a database
    outage instead of counting attempts: a few seconds of intake's restart once dead-lettered the
    MaterialsShared of a 秒批 case, which then waited for a person (found by the fault suite at 1,500
    cases, docs/load.md)."""


class DemoRegistries:
    """Stand-in for the registries the rules consult (人口库, 民政, 人社, 道路运输从业人员信息系统, 公安交管):
    everyone found in good standing, living where their ID number was issued, holding the qualification
    they say they hold. A province wires its real systems behind `facts`."""

    async def facts(self, rule_set: str, answers: dict[str, Any]) -> dict[str, Any]:
        id_number = next((str(v) for k, v in answers.items() if k.endswith("id_number")), "")
        return {"household_region": id_number[:6], "household_status": "normal", "already_receiving": False,
                "sscard_account_active": True, "relation_verified": True,
                "qualification_category_on_record": answers.get("qualification_category"),
                "qualification_status": "valid", "driving_licence_valid": True,
                "major_accident_within_3_years": False, "unsettled_violations": False}
