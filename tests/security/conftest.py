"""One platform of six services on PostgreSQL + Kafka for the whole security suite, with an owner's
cases, licence, rating, rectification, appeal and delivery made through the APIs."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.world import HYGIENE, HYGIENE_DEPT, World, eventually, six_services


@pytest.fixture(scope="session")
def world(postgres_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory: Path = tmp_path_factory.mktemp("security")
    with six_services(postgres_url, kafka_bootstrap, directory) as w:
        owner = f"app-owner-{uuid.uuid4().hex[:8]}"
        w.made["owner"] = owner
        hygiene = w.hygiene_case(owner)
        w.made["hygiene_case"] = hygiene
        w.made["licence"] = w.licence_of(owner, hygiene)
        yield w


@pytest.fixture(scope="session")
def rated(world: World) -> dict[str, str]:
    """The owner's 非常不满意 on 卫健委's approval: a bad rating, a rectification for 卫健委, an appeal of it."""
    owner, case_id = world.made["owner"], world.made["hygiene_case"]
    headers = world.token("applicant", owner)

    def ratable() -> bool:
        reply = world.evaluation.get(f"/v1/cases/{case_id}/evaluations", headers=headers)
        return reply.status_code == 200 and any(s["stage"] == "approval" for s in reply.json()["stages"])

    eventually(ratable, what="the approval stage to be ratable")
    reply = world.post("evaluation", f"/v1/cases/{case_id}/evaluations", headers, {
        "stage": "approval", "level": "very_dissatisfied", "channel": "online", "aspects": ["efficiency"],
        "comment": "审批太慢"})
    assert reply.status_code == 200, reply.text
    view = world.evaluation.get(f"/v1/cases/{case_id}/evaluations", headers=headers).json()
    evaluation = next(e for e in view["evaluations"] if e["level"] == "very_dissatisfied")
    rectification = next(r for r in view["rectifications"] if r["department_code"] == HYGIENE_DEPT)
    appeal = world.post("evaluation", f"/v1/cases/{case_id}/appeals",
                        world.token("department_reviewer", department=HYGIENE_DEPT),
                        {"evaluation_id": evaluation["evaluation_id"], "grounds": "申请人对审批时限有误解"})
    assert appeal.status_code == 200, appeal.text
    return {"evaluation_id": evaluation["evaluation_id"], "rectification_id": rectification["rectification_id"],
            "appeal_id": appeal.json()["appeal_id"]}


@pytest.fixture(scope="session")
def posted(world: World) -> str:
    """The owner's licence posted for free by the window: a delivery with a waybill, awaiting receipt."""
    case_id = world.made["hygiene_case"]
    clerk = world.token("window_clerk")

    def known() -> bool:  # notify hears of the case over the bus
        return world.notify.get(f"/v1/cases/{case_id}/notifications", headers=clerk).json()["items"] != []

    eventually(known, what="notify to know the case")
    reply = world.post("notify", f"/v1/cases/{case_id}/delivery", clerk, {
        "method": "post", "items": [{"item_code": HYGIENE, "item_version": 1}], "carrier": "EMS",
        "waybill_no": "EMS1234567890"})
    assert reply.status_code == 201, reply.text
    return reply.json()["delivery_id"]
