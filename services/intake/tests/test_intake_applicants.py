"""窗口登记申请人 (POST /v1/applicants): the clerk gets the applicant's reference before any case exists,
scans the papers into that applicant's vault, then submits the case with them — on both the embedded
default and PostgreSQL + Kafka. Who may call it is in test_intake_access.py's matrix."""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from onewindow_contracts.values import ActorRole, Channel, MaterialSource

from intake_platform import Platform

FOOD = "330100-SCJGJ-XK-002"  # 食品经营许可证核发
ENTERPRISE = {"kind": "enterprise", "number": "91330106MA2H0Q1X5R", "name": "杭州味道餐饮有限公司"}
CITIZEN = {"kind": "citizen", "number": "11010519491231002X", "name": "王芳"}


def _text(value: Any) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


async def _everything_stored(db: Any) -> str:
    """Every row of every table of intake's database, as text: where a number in the clear would show."""
    async with db.transaction() as tx:
        names = await tx.conn.run_sync(lambda conn: sa.inspect(conn).get_table_names())
        found = []
        for name in names:
            for row in await tx.conn.execute(sa.text(f'SELECT * FROM "{name}"')):
                found += [_text(value) for value in row]
    return "\n".join(found)


def _received(platform: Platform, case_id: str) -> Any:
    async def read() -> Any:
        async with platform.client.app.state.intake.uow() as uow:
            return (await uow.application(case_id)).received

    return platform.client.portal.call(read)


def test_a_clerk_registers_the_applicant_scans_their_papers_then_submits(platform: Platform) -> None:
    clerk_ref = "clerk-window-0007"
    clerk = platform.token("window_clerk", clerk_ref)
    registered = platform.post("/v1/applicants", clerk, ENTERPRISE)
    assert registered.status_code == 201, registered.text
    ref = registered.json()["applicant_ref"]
    assert registered.json() == {"applicant_ref": ref, "kind": "enterprise"}  # nothing of who they are echoed
    supervisor = platform.token("supervisor")
    assert platform.client.get("/v1/applications", headers=supervisor).json()["items"] == []  # no case needed

    # the papers at the counter, scanned into this applicant's vault by the clerk
    scanned = [platform.upload(clerk, code, applicant_ref=ref) for code in ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-CSSY")]
    case = platform.post("/v1/applications", clerk, {"item_codes": [FOOD], "applicant": ENTERPRISE,
                                                     "answers": platform.answers(f"/v1/catalogue/items/{FOOD}"),
                                                     "material_ids": scanned})
    assert case.status_code == 201, case.text
    assert case.json()["applicant_ref"] == ref and case.json()["status"] == "received"
    on_case = {m["material_id"]: m for m in case.json()["materials"]}
    assert set(scanned) <= set(on_case) and {on_case[i]["source"] for i in scanned} == {"uploaded"}

    # handed in at the window by this clerk: the case's first event says so
    received = _received(platform, case.json()["case_id"])
    assert received.channel is Channel.WINDOW and received.received_by.role is ActorRole.WINDOW_CLERK
    assert received.received_by.ref == clerk_ref
    assert {m.material_id for m in received.materials if m.source is MaterialSource.UPLOADED} >= set(scanned)
    cases = platform.client.get("/v1/applications", headers=supervisor).json()["items"]
    assert [c["applicant_ref"] for c in cases] == [ref]  # one case: registering made none


def test_registering_is_idempotent_by_number_and_by_key(platform: Platform) -> None:
    clerk = platform.token("window_clerk")
    first = platform.post("/v1/applicants", clerk, CITIZEN, key="register-key-0001")
    replay = platform.post("/v1/applicants", clerk, CITIZEN, key="register-key-0001")
    assert first.status_code == replay.status_code == 201 and first.json() == replay.json()
    # the same person at another counter, another day: the same reference
    again = platform.post("/v1/applicants", platform.token("window_clerk"), CITIZEN)
    assert again.status_code == 201 and again.json()["applicant_ref"] == first.json()["applicant_ref"]
    other = platform.post("/v1/applicants", clerk, ENTERPRISE)
    assert other.status_code == 201 and other.json()["applicant_ref"] != first.json()["applicant_ref"]

    reused = platform.post("/v1/applicants", clerk, ENTERPRISE, key="register-key-0001")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    unkeyed = platform.client.post("/v1/applicants", json=CITIZEN, headers=clerk)
    assert unkeyed.status_code == 422 and unkeyed.json()["code"] == "idempotency_key_required"


def test_the_number_and_name_are_kept_only_sealed(platform: Platform) -> None:
    clerk = platform.token("window_clerk")
    reply = platform.post("/v1/applicants", clerk, CITIZEN, key="register-key-0002")
    assert reply.status_code == 201 and CITIZEN["number"] not in reply.text and CITIZEN["name"] not in reply.text
    stored = platform.client.portal.call(_everything_stored, platform.client.app.state.db)
    assert reply.json()["applicant_ref"] in stored  # the dump does show what intake keeps
    for secret in (CITIZEN["number"], CITIZEN["name"], json.dumps(CITIZEN["name"])[1:-1]):
        assert secret not in stored


def test_bad_identities_are_refused_field_by_field_without_echo(platform: Platform) -> None:
    clerk = platform.token("window_clerk")
    bad = platform.post("/v1/applicants", clerk, {"kind": "martian", "number": "1101-0519", "name": ""})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    problem = bad.json()
    assert problem["code"] == "invalid_request" and problem["title_zh"] and problem["title"]
    assert {e["field"] for e in problem["errors"]} == {"body.kind", "body.number", "body.name"}
    assert "1101-0519" not in bad.text
    extra = platform.post("/v1/applicants", clerk, {**CITIZEN, "phone": "13800138000"})
    assert extra.status_code == 422 and "13800138000" not in extra.text
