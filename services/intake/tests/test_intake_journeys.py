"""Journeys 1, 3 and 4 at the window, over HTTP, on both the embedded default and PostgreSQL + Kafka."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

from onewindow_chassis.cloudevents import binary_headers
from onewindow_chassis.outbox import OutgoingMessage
from onewindow_contracts.topics import APPROVAL

from intake_platform import Platform

KCG = "330100-YJS-KCG"  # 开餐馆
REGISTRATION = "330100-SCJGJ-XK-001"  # 有限责任公司设立登记
FOOD = "330100-SCJGJ-XK-002"  # 食品经营许可证核发
HYGIENE = "330100-WJW-XK-001"  # 公共场所卫生许可 (告知承诺)
SIGNBOARD_DEPT, TAX_DEPT = "330100-CGJ", "330100-SWJ"
ENTERPRISE = {"kind": "enterprise", "number": "91330106MA2H0Q1X5R", "name": "杭州味道餐饮有限公司"}


def eventually(check, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_journey_1_a_bundle_with_one_form_reuses_an_earlier_material(platform: Platform) -> None:
    """Wang Fang registered her company last month; now she opens a restaurant with one form, and her
    lease and ID card are not asked for again. Each department gets exactly what its items need."""
    wang = platform.token("applicant", "app-wangfang-0001")
    earlier = {code: platform.upload(wang, code) for code in ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY", "CL-JBR-SQWTS")}
    first = platform.post("/v1/applications", wang, {
        "item_codes": [REGISTRATION], "applicant_kind": "enterprise",
        "answers": platform.answers(f"/v1/catalogue/items/{REGISTRATION}"), "material_ids": list(earlier.values())})
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "accepted"  # fully online, complete: accepted at once by the platform

    bundle = platform.client.get(f"/v1/bundles/{KCG}").json()
    asked = sum(len(platform.client.get(f"/v1/catalogue/items/{i['item_code']}").json()["form"]) for i in bundle["items"])
    assert len(bundle["form"]) < asked  # 一张表单: each question once
    assert "CL-YYZZ" not in {m["code"] for m in bundle["materials"]}  # produced by the registration item itself
    new = [platform.upload(wang, m["code"]) for m in bundle["materials"] if m["code"] not in earlier]
    reply = platform.post("/v1/applications", wang, {"bundle_code": KCG, "applicant_kind": "enterprise",
                                                     "answers": platform.answers(f"/v1/bundles/{KCG}"),
                                                     "material_ids": new, "delivery_method": "post",
                                                     "delivery_address": "杭州市西湖区文三路100号"})
    assert reply.status_code == 201, reply.text
    case = reply.json()
    assert case["status"] == "accepted" and len(case["items"]) == 7
    sources = {m["type_code"]: m["source"] for m in case["materials"]}
    assert sources["CL-CSSY"] == "reused" and sources["CL-FDDBR-SFZ"] == "reused" and sources["CL-ZPXGT"] == "uploaded"
    grants = {m["type_code"]: set(m["granted_to"]) for m in case["materials"]}
    assert grants["CL-ZPXGT"] == {SIGNBOARD_DEPT}  # the signboard drawing goes to 城管 only
    assert TAX_DEPT not in grants["CL-CSSY"] and SIGNBOARD_DEPT in grants["CL-CSSY"]
    # 申请表: each department gets its own items' answers, as a material shared with it alone
    assert grants[f"CL-SQB:{SIGNBOARD_DEPT}"] == {SIGNBOARD_DEPT} and len([t for t in grants if t.startswith("CL-SQB:")]) == 5

    lease = next(m["material_id"] for m in case["materials"] if m["type_code"] == "CL-CSSY")
    signboard = platform.token("department_reviewer", department=SIGNBOARD_DEPT)
    read = platform.client.get(f"/v1/applications/{case['case_id']}/materials/{lease}",
                               params={"purpose": "审查招牌设置场所使用权"}, headers=signboard)
    assert read.status_code == 200 and read.content.startswith(b"%PDF")
    tax = platform.token("department_reviewer", department=TAX_DEPT)
    refused = platform.client.get(f"/v1/applications/{case['case_id']}/materials/{lease}",
                                  params={"purpose": "看看"}, headers=tax)
    assert refused.status_code == 404  # not granted to tax for this case: as if it did not exist


def test_a_read_a_department_system_repeats_under_its_key_is_recorded_once(platform: Platform) -> None:
    """Approval's consumer reads a form, crashes before its own commit, reads again on redelivery: the
    trail records what was read, once; reads without a key are each recorded."""
    applicant = platform.token("applicant", "app-chongdu-0001")
    ids = [platform.upload(applicant, code) for code in ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY", "CL-JBR-SQWTS")]
    case = platform.post("/v1/applications", applicant, {
        "item_codes": [REGISTRATION], "applicant_kind": "enterprise", "material_ids": ids,
        "answers": platform.answers(f"/v1/catalogue/items/{REGISTRATION}")}).json()
    assert case["status"] == "accepted", case  # and the materials shared with the deciding department
    lease = next(m for m in case["materials"] if m["type_code"] == "CL-CSSY")
    department = platform.token("department_reviewer", department=next(iter(lease["granted_to"])))
    url = f"/v1/applications/{case['case_id']}/materials/{lease['material_id']}"

    def read(purpose: str, key: str | None = None):  # type: ignore[no-untyped-def]
        return platform.client.get(url, params={"purpose": purpose},
                                   headers=department | ({"Idempotency-Key": key} if key else {}))

    def recorded() -> int:
        async def load() -> int:
            async with platform.client.app.state.intake.uow() as uow:
                return sum(e.event_type.endswith("MaterialAccessed") for e in await uow.store.load(uow.tx, case["case_id"]))
        return platform.client.portal.call(load)

    first, again = read("审查住所使用证明", "rules:read-0001"), read("审查住所使用证明", "rules:read-0001")
    assert first.status_code == again.status_code == 200 and first.content == again.content != b""
    assert recorded() == 1
    assert read("审查住所使用证明").status_code == 200 and read("审查住所使用证明").status_code == 200
    assert recorded() == 3  # a person reading twice read twice
    reused = read("另一用途", "rules:read-0001")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused", reused.text
    assert recorded() == 3


def _window_application(platform: Platform, clerk: dict, item: str, material_codes: list[str]) -> dict:
    applicant = platform.post("/v1/applications", clerk, {
        "item_codes": [item], "applicant": ENTERPRISE, "answers": platform.answers(f"/v1/catalogue/items/{item}")})
    # the clerk registered the applicant, then scans their papers into the vault and submits again
    assert applicant.status_code == 201, applicant.text
    ref = applicant.json()["applicant_ref"]
    ids = [platform.upload(clerk, code, applicant_ref=ref) for code in material_codes]
    reply = platform.post("/v1/applications", clerk, {"item_codes": [item], "applicant": ENTERPRISE,
                                                      "answers": platform.answers(f"/v1/catalogue/items/{item}"),
                                                      "material_ids": ids})
    assert reply.status_code == 201, reply.text
    assert reply.json()["status"] == "received"  # at the window, acceptance is the clerk's act
    return reply.json()


def test_journey_3_accepted_with_a_material_missing_then_supplemented_or_late(platform: Platform) -> None:
    """Zhao Min's staff health certificates are not ready: accepted with them owed (容缺), supplied on
    day 3. Another applicant, accepted the same morning, never brings them: the case ends at 24:00."""
    clerk = platform.token("window_clerk")
    present = ["CL-YYZZ", "CL-FDDBR-SFZ", "CL-CSSY", "CL-PMBZT", "CL-SPGYLC", "CL-SPAQZD"]  # 健康证明 not ready
    zhao, late = (_window_application(platform, clerk, FOOD, present) for _ in range(2))
    url, late_url = f"/v1/applications/{zhao['case_id']}", f"/v1/applications/{late['case_id']}"
    refused = platform.post(f"{url}/acceptance", clerk, {"allow_missing": False})
    assert refused.status_code == 422 and refused.json()["code"] == "materials_missing"
    assert refused.json()["missing"] == {FOOD: ["CL-JKZM"]} and refused.json()["title_zh"].startswith("材料不全")
    for case_url in (url, late_url):
        accepted = platform.post(f"{case_url}/acceptance", clerk, {"allow_missing": True})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["owed"] == {FOOD: ["CL-JKZM"]}
        # accepted Monday 2 March at 00:30 in Shanghai: 5 working days later is Monday 9 March
        assert accepted.json()["supplement_due_on"] == "2026-03-09"

    platform.clock.advance(timedelta(days=3))
    clerk = platform.token("window_clerk")  # a new day, a new login
    health = platform.upload(clerk, "CL-JKZM", applicant_ref=zhao["applicant_ref"])
    supplied = platform.post(f"{url}/supplements", clerk, {"material_ids": [health]})
    assert supplied.status_code == 200, supplied.text
    assert supplied.json()["owed"] == {} and supplied.json()["status"] == "accepted"

    platform.clock.set(datetime(2026, 3, 9, 23, 59, tzinfo=timezone(timedelta(hours=8))))
    clerk = platform.token("window_clerk")
    time.sleep(1.5)  # the timer runner looks every second: the deadline is 24:00, not yet
    assert platform.client.get(late_url, headers=clerk).json()["status"] == "accepted"
    platform.clock.set(datetime(2026, 3, 10, 0, 1, tzinfo=timezone(timedelta(hours=8))))
    clerk = platform.token("window_clerk")
    assert eventually(lambda: platform.client.get(late_url, headers=clerk).json()["status"] == "ended_incomplete")
    assert platform.client.get(url, headers=clerk).json()["status"] == "accepted"  # Zhao Min's goes on


def _publish_credit_mark(platform: Platform, applicant_ref: str) -> None:
    data = {"case_id": "330100-20260301-ABCDEF01", "applicant_ref": applicant_ref, "mark": "false_commitment",
            "commitment_id": "cmt-1", "bars_commitment_until": None,
            "marked_by": {"role": "department_reviewer", "ref": "reviewer-wjw-01", "department_code": "330100-WJW"},
            "marked_at": "2026-03-01T02:00:00+00:00"}
    headers = binary_headers(event_id=f"evt-credit-{applicant_ref}", event_type="cn.gov.onewindow.approval.CreditMarked",
                             source="/onewindow/approval", subject=data["case_id"],
                             time=datetime(2026, 3, 1, 2, tzinfo=timezone.utc), schema_version=1)
    message = OutgoingMessage(APPROVAL.name, data["case_id"], json.dumps(data).encode(), headers, "evt-credit")
    runtime = platform.client.app.state.runtime
    platform.client.portal.call(runtime.bus.publisher().publish, [message])


def test_journey_4_a_commitment_stands_in_for_proofs_until_a_false_one_bars_it(platform: Platform) -> None:
    sun_ref = f"app-sunlei-{uuid.uuid4().hex[:8]}"  # a credit mark outlives a test on a shared broker
    sun = platform.token("applicant", sun_ref)
    ids = [platform.upload(sun, code) for code in ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-PMBZT")]
    body = {"item_codes": [HYGIENE], "applicant_kind": "enterprise", "commitments": [HYGIENE],
            "answers": platform.answers(f"/v1/catalogue/items/{HYGIENE}"), "material_ids": ids}
    reply = platform.post("/v1/applications", sun, body)
    assert reply.status_code == 201, reply.text
    case = reply.json()
    assert case["on_commitment"] == [HYGIENE] and case["status"] == "accepted"  # no 容缺 needed: the commitment stands in
    assert case["commitments"][HYGIENE]["type_code"] == "CMT"  # the signed 告知承诺书, kept in the vault

    _publish_credit_mark(platform, sun_ref)
    barred = eventually(lambda: (r := platform.post("/v1/applications", sun, body)).status_code == 403 and r, timeout=60)
    assert barred and barred.json()["code"] == "commitment_barred_by_credit"
    full = platform.post("/v1/applications", sun, {**body, "commitments": []})
    assert full.status_code == 201 and full.json()["status"] == "received"  # full materials, reviewed at the window


def test_the_window_escalates_and_only_a_supervisor_refuses(platform: Platform) -> None:
    clerk, supervisor = platform.token("window_clerk"), platform.token("supervisor")
    case = _window_application(platform, clerk, FOOD, ["CL-FDDBR-SFZ", "CL-CSSY"])
    url = f"/v1/applications/{case['case_id']}"
    key_missing = platform.post(f"{url}/acceptance", clerk, {"allow_missing": True})
    assert key_missing.status_code == 422 and key_missing.json()["code"] == "key_materials_missing"
    assert platform.post(f"{url}/escalation-decision", clerk,
                         {"decision": "not_accept", "reason": "材料不符"}).status_code == 403
    assert platform.post(f"{url}/escalation", clerk, {"reason": "缺少营业执照和平面图，申请人坚持提交"}).status_code == 200
    decided = platform.post(f"{url}/escalation-decision", supervisor,
                            {"decision": "not_accept", "reason": "经营场所未取得营业执照，不符合受理条件",
                             "legal_basis": "《中华人民共和国行政许可法》第三十二条"})
    assert decided.status_code == 200 and decided.json()["status"] == "not_accepted"


def test_an_idempotency_key_replays_the_first_reply_and_refuses_another_body(platform: Platform) -> None:
    wang = platform.token("applicant", "app-wangfang-0002")
    ids = [platform.upload(wang, code) for code in ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY")]
    body = {"item_codes": [REGISTRATION], "applicant_kind": "enterprise", "material_ids": ids,
            "answers": platform.answers(f"/v1/catalogue/items/{REGISTRATION}")}
    first = platform.post("/v1/applications", wang, body, key="retry-key-0001")
    again = platform.post("/v1/applications", wang, body, key="retry-key-0001")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = platform.post("/v1/applications", wang, {**body, "material_ids": ids[:2]}, key="retry-key-0001")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    mine = platform.client.get("/v1/applications", headers=wang).json()["items"]
    assert [c["case_id"] for c in mine] == [first.json()["case_id"]]
    missing = platform.client.post("/v1/applications", json=body, headers=wang)
    assert missing.status_code == 422 and missing.json()["code"] == "idempotency_key_required"


def test_bad_input_is_refused_field_by_field_and_nothing_is_stored(platform: Platform) -> None:
    wang = platform.token("applicant", "app-wangfang-0003")
    answers = platform.answers(f"/v1/catalogue/items/{REGISTRATION}") | {
        "legal_rep_id_number": "110105194912310021", "contact_phone": "123", "registered_capital": "很多"}
    reply = platform.post("/v1/applications", wang, {"item_codes": [REGISTRATION], "applicant_kind": "enterprise",
                                                     "answers": answers})
    assert reply.status_code == 422 and reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == "form_invalid" and problem["title_zh"] and problem["title"]
    assert {e["field"] for e in problem["errors"]} == {"form.legal_rep_id_number", "form.contact_phone",
                                                      "form.registered_capital"}
    assert "110105194912310021" not in reply.text  # the answer is not echoed back
    assert platform.client.get("/v1/applications", headers=wang).json()["items"] == []
    exe = platform.client.post("/v1/materials", params={"type_code": "CL-GSZC", "filename": "../../章程.pdf"},
                               content=b"MZ\x90\x00binary", headers=wang | {"Idempotency-Key": "upload-key-01"})
    assert exe.status_code == 422 and exe.json()["code"] == "material_type_unsupported"
    assert platform.client.get("/v1/materials", headers=wang).json() == []


async def _records_of(bus, topic: str, key: str, want: int) -> list:  # type: ignore[no-untyped-def]
    consumer = bus.consumer(topic, group_id=f"check-{uuid.uuid4().hex[:8]}")
    await consumer.start()
    found: list = []
    try:
        for _ in range(150):
            for records in (await consumer.getmany(timeout_ms=200, max_records=500)).values():
                found += [r for r in records if r.key == key.encode()]
            if len(found) >= want:
                break
    finally:
        await consumer.stop()
    return found


def test_the_bus_carries_references_and_sealed_values_never_personal_data(platform: Platform) -> None:
    """Department systems listen on intake.events: they get the case, the items and references to
    materials — the ID number and phone from the form stay in intake, sealed."""
    wang = platform.token("applicant", "app-wangfang-0004")
    ids = [platform.upload(wang, c) for c in ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY", "CL-JBR-SQWTS")]
    case = platform.post("/v1/applications", wang, {
        "item_codes": [REGISTRATION], "applicant_kind": "enterprise", "material_ids": ids,
        "answers": platform.answers(f"/v1/catalogue/items/{REGISTRATION}")}).json()
    bus = platform.client.app.state.runtime.bus
    records = platform.client.portal.call(_records_of, bus, "intake.events", case["case_id"], 3)
    types = [dict(r.headers)["ce_type"].decode().rsplit(".", 1)[-1] for r in records]
    assert types[:3] == ["ApplicationReceived", "ApplicationAccepted", "MaterialsShared"]
    received = json.loads(records[0].value)
    assert received["applicant_ref"] == "app-wangfang-0004" and received["contact"]["ciphertext"]
    for record in records:
        text = record.value.decode() + record.key.decode() + str(record.headers)
        assert "11010519491231002X" not in text and "13800138000" not in text


def test_an_agent_acts_only_under_a_recorded_delegation(platform: Platform) -> None:
    """帮办代办: a helper at the service centre applies for an elderly applicant who authorised them;
    every act names both; without the authorisation the helper can do nothing for anyone."""
    owner, helper, stranger = "app-laoli-000001", "agent-helper-0001", "agent-helper-0002"
    applicant = platform.token("applicant", owner)
    letter = platform.upload(applicant, "CL-JBR-SQWTS")
    agent = platform.token("agent", helper)
    body = {"item_codes": [REGISTRATION], "applicant_ref": owner, "applicant_kind": "enterprise",
            "answers": platform.answers(f"/v1/catalogue/items/{REGISTRATION}")}
    refused = platform.post("/v1/applications", agent, body)
    assert refused.status_code == 403 and refused.json()["code"] == "no_delegation"
    granted = platform.post("/v1/delegations", applicant, {"agent_ref": helper, "acts": ["apply", "supplement"],
                                                           "authorisation_material_id": letter})
    assert granted.status_code == 201, granted.text
    ids = [platform.upload(agent, c, applicant_ref=owner) for c in ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY")]
    applied = platform.post("/v1/applications", agent, {**body, "material_ids": ids})
    assert applied.status_code == 201, applied.text
    case = applied.json()
    assert case["channel"] == "agent" and case["applicant_ref"] == owner
    assert platform.client.get(f"/v1/applications/{case['case_id']}", headers=agent).status_code == 200
    other = platform.token("agent", stranger)
    assert platform.client.get(f"/v1/applications/{case['case_id']}", headers=other).status_code == 404
    mine = platform.client.get("/v1/applications", headers=applicant).json()["items"]
    assert case["case_id"] in [c["case_id"] for c in mine]  # the applicant sees what was done for them


def test_licence_free_a_held_e_licence_stands_in_for_the_copy(platform: Platform, licences) -> None:  # type: ignore[no-untyped-def]
    """免证办: the business licence is not uploaded; intake fetches the e-licence the enterprise holds."""
    zhao = platform.token("applicant", "app-zhaomin-00001")
    ids = [platform.upload(zhao, c) for c in ("CL-FDDBR-SFZ", "CL-CSSY", "CL-PMBZT", "CL-SPGYLC", "CL-SPAQZD", "CL-JKZM")]
    reply = platform.post("/v1/applications", zhao, {"item_codes": [FOOD], "applicant_kind": "enterprise",
                                                     "answers": platform.answers(f"/v1/catalogue/items/{FOOD}"),
                                                     "material_ids": ids})
    assert reply.status_code == 201, reply.text
    licence = next(m for m in reply.json()["materials"] if m["type_code"] == "CL-YYZZ")
    assert licence["source"] == "e_licence" and licence["licence_id"].startswith("1.2.156.3005.2.")
    assert ("app-zhaomin-00001", "LIC-YYZZ") in licences.asked
    assert reply.json()["status"] == "accepted"  # nothing missing: the licence stood in
    qian = platform.token("applicant", "app-qianwei-00001")
    ids = [platform.upload(qian, c) for c in ("CL-FDDBR-SFZ", "CL-CSSY", "CL-PMBZT", "CL-SPGYLC", "CL-SPAQZD", "CL-JKZM")]
    declined = platform.post("/v1/applications", qian, {"item_codes": [FOOD], "applicant_kind": "enterprise",
                                                        "answers": platform.answers(f"/v1/catalogue/items/{FOOD}"),
                                                        "material_ids": ids, "use_e_licences": False})
    assert declined.json()["status"] == "received"  # without consent, the copy is asked for at the window
    assert ("app-qianwei-00001", "LIC-YYZZ") not in licences.asked


def test_licence_free_with_the_certificates_service_down_refuses_cleanly_and_keeps_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """免证办 when the e-licence store does not answer: a 503 problem the applicant can act on, never a
    500, and no half-written case (the port is the real HTTP adapter, aimed at a port nobody serves)."""
    from onewindow_intake.adapters.ports import CertificatesLicences
    from onewindow_intake.config import Settings

    from intake_platform import start

    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path}/intake.db",
                        kafka_bootstrap_servers=None, bus_path=tmp_path / "bus.db")
    client, clock = start(settings, CertificatesLicences("http://127.0.0.1:9", lambda: "no-token-needed"))
    with client:
        platform = Platform(client, clock, settings)
        zhao = platform.token("applicant", "app-zhaomin-00002")
        ids = [platform.upload(zhao, c) for c in ("CL-FDDBR-SFZ", "CL-CSSY", "CL-PMBZT", "CL-SPGYLC", "CL-SPAQZD",
                                                   "CL-JKZM")]
        reply = platform.post("/v1/applications", zhao, {"item_codes": [FOOD], "applicant_kind": "enterprise",
                                                         "answers": platform.answers(f"/v1/catalogue/items/{FOOD}"),
                                                         "material_ids": ids})
        assert reply.status_code == 503, reply.text
        problem = reply.json()
        assert problem["code"] == "certificates_unavailable" and "电子证照" in problem["title_zh"]
        assert client.get("/v1/applications", headers=zhao).json()["items"] == []  # nothing half-written
