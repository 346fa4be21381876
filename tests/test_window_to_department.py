"""From the window to the departments: intake and approval as two services over the bus, on the
embedded default and on PostgreSQL + Kafka — journeys 2 and 4, and parallel approval (journey 1)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from onewindow_chassis.clock import ManualClock
from onewindow_supervision.projections import SUPERVISION as SUPERVISION_PROJECTION
from tests.support.platform import MODES, Platform, eventually, infrastructure, serving

ELDERLY_ALLOWANCE = "330100-MZJ-JF-001"  # 高龄津贴 (秒批)
HYGIENE = "330100-WJW-XK-001"  # 公共场所卫生许可 (告知承诺)
KCG = "330100-YJS-KCG"  # 开餐馆
TUESDAY = datetime(2026, 3, 3, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def citizen_id(region: str, born: str, sequence: str = "123") -> str:
    body = region + born + sequence
    total = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)))
    return body + "10X98765432"[total % 11]


class Journeys(Platform):
    """The platform as these journeys use it: the forms filled in plainly, the case as approval sees it."""

    def answers(self, path: str, **given: Any) -> dict[str, Any]:
        form = self.intake.get(path).json()["form"]
        plain = {"text": "杭州味道面馆", "address": "杭州市西湖区文三路100号", "id_number": "11010519491231002X",
                 "phone": "13800138000", "number": 12, "date": "2026-03-01"}
        return {f["code"]: given.get(f["code"], f["choices"][0] if f["type"] == "choice" else plain[f["type"]])
                for f in form}

    def case(self, case_id: str, department: str | None = None, *, until: Any = None, timeout: float = 30) -> dict:
        """The case as approval sees it, once it exists (and `until(case)` holds, if given)."""
        headers = self.token("supervisor")
        deadline = time.monotonic() + timeout
        while True:
            reply = self.approval.get(f"/v1/cases/{case_id}", headers=headers)
            if reply.status_code == 200 and (until is None or until(reply.json())):
                return reply.json()
            assert time.monotonic() < deadline, f"approval did not get there in time: {reply.text}"
            time.sleep(0.2)


@pytest.fixture(params=MODES)
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Journeys]:
    with serving(request.param, ("intake", "approval", "supervision", "certificates"), tmp_path,
                 clock=ManualClock(TUESDAY), kind=Journeys, **infrastructure(request, request.param),
                 settings={"approval": {"verification_rate": 1.0}, "supervision": {"alert_scan_seconds": 0.3}}) as platform:
        yield platform


def test_journey_2_the_elderly_allowance_is_decided_by_rules_within_a_second(platform: Journeys) -> None:
    """Li Qiang applies for his 82-year-old mother's allowance: every condition is machine-checkable,
    so the item is approved by the rule set, its checks recorded as the reason."""
    li = platform.token("applicant", "app-liqiang-00001")
    mother = citizen_id("330106", "19440315")
    ids = [platform.upload(li, c) for c in ("CL-LNR-SFZ", "CL-HKB", "CL-SBK", "CL-SFZ")]
    answers = platform.answers(f"/v1/catalogue/items/{ELDERLY_ALLOWANCE}", elder_id_number=mother,
                               relation_to_elder="子女")
    reply = platform.post(platform.intake, "/v1/applications", li, {
        "item_codes": [ELDERLY_ALLOWANCE], "applicant_kind": "citizen", "answers": answers, "material_ids": ids})
    assert reply.status_code == 201 and reply.json()["status"] == "accepted", reply.text
    case = platform.case(reply.json()["case_id"], until=lambda c: c["concluded"])
    item = case["items"][0]
    assert item["mode"] == "instant" and item["status"] == "approved"  # how fast: bench/, not a test


def test_parallel_items_go_to_their_departments_at_once_and_wait_only_where_the_catalogue_says(
    platform: Journeys,
) -> None:
    wang = platform.token("applicant", "app-wangfang-0101")
    bundle = platform.intake.get(f"/v1/bundles/{KCG}").json()
    ids = [platform.upload(wang, m["code"]) for m in bundle["materials"]]
    reply = platform.post(platform.intake, "/v1/applications", wang, {
        "bundle_code": KCG, "applicant_kind": "enterprise", "answers": platform.answers(f"/v1/bundles/{KCG}"),
        "material_ids": ids})
    assert reply.status_code == 201 and reply.json()["status"] == "accepted", reply.text
    case_id = reply.json()["case_id"]
    case = platform.case(case_id, until=lambda c: len(c["items"]) == 7)
    by_code = {i["item_code"]: i for i in case["items"]}
    registration = by_code["330100-SCJGJ-XK-001"]
    assert registration["status"] == "in_review" and registration["waits_for"] == []
    waiting = [code for code, i in by_code.items() if i["status"] == "waiting"]
    assert waiting and all("330100-SCJGJ-XK-001" in by_code[c]["waits_for"] for c in waiting)
    assert len({i["department_code"] for i in case["items"]}) == 5
    committed = platform.intake.get("/v1/catalogue/items/330100-SCJGJ-XK-001").json()["committed_days"]
    assert committed == 1  # 企业开办: one working day in Zhejiang
    assert registration["due_on"] == "2026-03-04" and registration["working_days_left"] == 1

    reviewer = platform.token("department_reviewer", department="330100-SCJGJ")
    queue = platform.approval.get("/v1/queue", headers=reviewer).json()["items"]
    assert case_id in {row["case_id"] for row in queue}
    tax = platform.token("department_reviewer", department="330100-SWJ")
    refused = platform.post(platform.approval, f"/v1/cases/{case_id}/items/330100-SCJGJ-XK-001/decision", tax,
                            {"approve": True})
    assert refused.status_code == 403 and refused.json()["code"] == "not_this_department"
    approved = platform.post(platform.approval, f"/v1/cases/{case_id}/items/330100-SCJGJ-XK-001/decision", reviewer,
                             {"approve": True, "reason": "材料齐全，符合法定形式"})
    assert approved.status_code == 200, approved.text
    after = {i["item_code"]: i for i in approved.json()["items"]}
    assert all(after[c]["status"] == "in_review" for c in waiting)  # freed by the registration


def test_journey_4_a_commitment_is_approved_at_once_then_found_false(platform: Journeys) -> None:
    """Sun Lei's hygiene licence is approved on his commitment; the random draw picks it; the inspection
    finds it false: his credit is marked, and intake refuses his next commitment."""
    sun = platform.token("applicant", f"app-sunlei-{uuid.uuid4().hex[:8]}")  # a mark outlives a test on one broker
    ids = [platform.upload(sun, c) for c in ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-PMBZT")]
    body = {"item_codes": [HYGIENE], "applicant_kind": "enterprise", "commitments": [HYGIENE],
            "answers": platform.answers(f"/v1/catalogue/items/{HYGIENE}"), "material_ids": ids}
    reply = platform.post(platform.intake, "/v1/applications", sun, body)
    assert reply.status_code == 201, reply.text
    case_id = reply.json()["case_id"]
    case = platform.case(case_id, until=lambda c: c["concluded"])
    assert case["items"][0]["mode"] == "commitment" and case["items"][0]["status"] == "approved"

    # the licence comes back signed; its code verifies (电子证照, 一码亮证)
    wallet = eventually(lambda: platform.certificates.get("/v1/wallet", headers=sun).json()["items"] or None)
    payload = wallet[0]["qr_payload"]
    assert payload.startswith("OW1:") and wallet[0]["case_id"] == case_id
    assert platform.certificates.get("/v1/verify", params={"payload": payload}).json()["status"] == "valid"

    inspector = platform.token("department_reviewer", department="330100-WJW")
    verified = platform.post(platform.approval, f"/v1/cases/{case_id}/items/{HYGIENE}/verification", inspector,
                             {"truthful": False, "findings": "现场核查：经营场所无消毒间，与承诺不符"})
    assert verified.status_code == 200, verified.text
    deadline = time.monotonic() + 30
    while True:
        again = platform.post(platform.intake, "/v1/applications", sun, body)
        if again.status_code == 403:
            break
        assert time.monotonic() < deadline, again.text
        time.sleep(0.3)
    assert again.json()["code"] == "commitment_barred_by_credit"
    assert eventually(lambda: platform.certificates.get("/v1/verify", params={"payload": payload})
                      .json()["status"] == "revoked")  # its QR now verifies as revoked online


def _food_case(platform: Journeys, applicant: str, materials: tuple[str, ...], allow_missing: bool = False) -> str:
    """Zhao Min's food business licence, handed in at the window and accepted by the clerk."""
    clerk = platform.token("window_clerk")
    holder = platform.token("applicant", applicant)
    ids = [platform.upload(holder, c) for c in materials]
    reply = platform.post(platform.intake, "/v1/applications", holder, {
        "item_codes": [FOOD], "applicant_kind": "enterprise", "material_ids": ids, "use_e_licences": False,
        "answers": platform.answers(f"/v1/catalogue/items/{FOOD}")})
    assert reply.status_code == 201, reply.text
    case_id = reply.json()["case_id"]
    if reply.json()["status"] != "accepted":
        accepted = platform.post(platform.intake, f"/v1/applications/{case_id}/acceptance", clerk,
                                 {"allow_missing": allow_missing})
        assert accepted.status_code == 200, accepted.text
    return case_id


FOOD = "330100-SCJGJ-XK-002"
FOOD_DEPT = "330100-SCJGJ"
ALL_FOOD = ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-CSSY", "CL-PMBZT", "CL-SPGYLC", "CL-SPAQZD", "CL-JKZM")


def test_journey_5_a_correction_stops_the_clock_and_the_deadline_moves_by_the_paused_days(platform: Journeys) -> None:
    case_id = _food_case(platform, "app-zhaomin-00501", ALL_FOOD)
    before = platform.case(case_id)["items"][0]
    reviewer = platform.token("department_reviewer", department=FOOD_DEPT)
    url = f"/v1/cases/{case_id}/items/{FOOD}"
    suspended = platform.post(platform.approval, f"{url}/suspension", reviewer, {
        "reason": "correction", "note": "平面布置图字迹不清，请重新提交", "requested_type_codes": ["CL-PMBZT"]})
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["items"][0]["clock"] == "paused"
    zhao = platform.token("applicant", "app-zhaomin-00501")
    corrections = []
    deadline = time.monotonic() + 30
    while not corrections:  # intake hears of the request over the bus
        corrections = platform.intake.get(f"/v1/applications/{case_id}", headers=zhao).json()["corrections"]
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert corrections[0]["requested"] == ["CL-PMBZT"] and "字迹不清" in corrections[0]["note"]

    platform.clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=timezone(timedelta(hours=8))))  # a week later
    zhao = platform.token("applicant", "app-zhaomin-00501")
    drawing = platform.upload(zhao, "CL-PMBZT")
    answered = platform.post(platform.intake, f"/v1/applications/{case_id}/supplements", zhao, {"material_ids": [drawing]})
    assert answered.status_code == 200, answered.text
    after = platform.case(case_id, until=lambda c: c["items"][0]["status"] == "in_review")["items"][0]
    # accepted and stopped Tuesday 3 March (a day the clock never counts), resumed Tuesday 10 March:
    # the 4th, 5th, 6th, 9th and 10th did not count
    assert after["paused_working_days"] == 5
    assert after["due_on"] == "2026-03-17"  # committed 5 days: Tuesday 10 March + 5 more, not 10 March
    assert date.fromisoformat(after["due_on"]) > date.fromisoformat(before["due_on"])
    assert platform.post(platform.approval, f"{url}/decision", platform.token("department_reviewer", department=FOOD_DEPT),
                         {"approve": True}).status_code == 200


def test_journey_7_the_supervisor_sees_the_timeline_the_pause_and_each_alert_once(platform: Journeys) -> None:
    case_id = _food_case(platform, "app-zhaomin-00701", ALL_FOOD)
    platform.case(case_id)
    reviewer = platform.token("department_reviewer", department=FOOD_DEPT)
    lease = next(m for m in platform.intake.get(f"/v1/applications/{case_id}", headers=platform.token("supervisor"))
                 .json()["materials"] if m["type_code"] == "CL-CSSY")
    assert platform.intake.get(f"/v1/applications/{case_id}/materials/{lease['material_id']}", headers=reviewer,
                               params={"purpose": "核对经营场所"}).status_code == 200
    platform.post(platform.approval, f"/v1/cases/{case_id}/items/{FOOD}/suspension", reviewer, {
        "reason": "expert_review", "note": "组织专家对加工流程进行评审"})
    supervisor = platform.token("supervisor")

    def timeline() -> dict | None:
        reply = platform.supervision.get(f"/v1/cases/{case_id}/timeline", headers=supervisor)
        body = reply.json() if reply.status_code == 200 else None
        kinds = [e["event_type"] for e in body["events"]] if body else []
        # topics arrive in any order, and the item's clock and the event list are two read models
        heard = body and body["items"] and body["items"][0]["status"] == "suspended" and \
            {"MaterialAccessed", "ItemSuspended"} <= set(kinds)
        return body if heard else None

    seen = eventually(timeline)
    kinds = [e["event_type"] for e in seen["events"]]
    intake_kinds = [k for k in kinds if k in ("ApplicationReceived", "ApplicationAccepted", "MaterialsShared")]
    assert intake_kinds[:3] == ["ApplicationReceived", "ApplicationAccepted", "MaterialsShared"]  # one topic: in order
    assert "ItemAssigned" in kinds and "MaterialAccessed" in kinds and "ItemSuspended" in kinds
    assert seen["items"][0]["light"] == "paused" and seen["items"][0]["pauses"][0][2] == "expert_review"
    assert all(e["actor"] is None or e["actor"].startswith("ref:") for e in seen["events"])  # masked
    audit = platform.supervision.get("/v1/audit/materials", params={"case_id": case_id}, headers=supervisor).json()
    assert [(a["type_code"], a["department_code"], a["purpose"]) for a in audit] == [("CL-CSSY", FOOD_DEPT, "核对经营场所")]

    resumed = platform.post(platform.approval, f"/v1/cases/{case_id}/items/{FOOD}/resumption", reviewer,
                            {"outcome": "专家评审通过"})
    due = date.fromisoformat(resumed.json()["items"][0]["due_on"])
    platform.clock.set(datetime.combine(due, datetime.min.time(), timezone(timedelta(hours=8))) + timedelta(hours=9))
    alerts = eventually(lambda: [a for a in platform.supervision.get(
        "/v1/alerts", headers=platform.token("supervisor")).json() if a["case_id"] == case_id] or None)
    assert [a["level"] for a in alerts] == ["yellow"]
    platform.clock.set(datetime.combine(due + timedelta(days=1), datetime.min.time(), timezone(timedelta(hours=8)))
                       + timedelta(hours=9))
    eventually(lambda: len([a for a in platform.supervision.get("/v1/alerts", headers=platform.token("supervisor"))
                            .json() if a["case_id"] == case_id]) == 2)
    time.sleep(1.0)  # more scans: still one of each
    alerts = [a for a in platform.supervision.get("/v1/alerts", headers=platform.token("supervisor")).json()
              if a["case_id"] == case_id]
    assert sorted(a["level"] for a in alerts) == ["red", "yellow"]
    overdue = platform.supervision.get("/v1/overdue", headers=platform.token("supervisor")).json()
    assert case_id in {o["case_id"] for o in overdue}

    report = platform.rebuilt("supervision", SUPERVISION_PROJECTION)  # rebuilt from the archive alone == live
    assert report.equal, str(report)


def test_a_rong_que_result_is_held_until_the_owed_material_arrives(platform: Journeys) -> None:
    case_id = _food_case(platform, "app-zhaomin-00502", ALL_FOOD[:-1], allow_missing=True)
    reviewer = platform.token("department_reviewer", department=FOOD_DEPT)
    platform.case(case_id)
    approved = platform.post(platform.approval, f"/v1/cases/{case_id}/items/{FOOD}/decision", reviewer,
                             {"approve": True, "reason": "审查通过"})
    assert approved.status_code == 200 and approved.json()["items"][0]["result_held"] is True
    zhao = platform.token("applicant", "app-zhaomin-00502")
    health = platform.upload(zhao, "CL-JKZM")
    assert platform.post(platform.intake, f"/v1/applications/{case_id}/supplements", zhao,
                         {"material_ids": [health]}).status_code == 200
    released = platform.case(case_id, until=lambda c: not c["items"][0]["result_held"])
    assert released["concluded"]


def test_a_withdrawn_application_ends_its_items_as_not_completed(platform: Journeys) -> None:
    case_id = _food_case(platform, "app-zhaomin-00503", ALL_FOOD)
    platform.case(case_id)
    zhao = platform.token("applicant", "app-zhaomin-00503")
    assert platform.post(platform.intake, f"/v1/applications/{case_id}/withdrawal", zhao,
                         {"reason": "不再开店"}).status_code == 200
    ended = platform.case(case_id, until=lambda c: c["concluded"])
    assert ended["items"][0]["status"] == "terminated"


def test_the_supervision_rebuild_command_reports_live_equals_rebuilt(platform: Journeys) -> None:
    case_id = _food_case(platform, "app-zhaomin-00801", ALL_FOOD)
    eventually(lambda: platform.supervision.get(f"/v1/cases/{case_id}/timeline",
                                                headers=platform.token("supervisor")).status_code == 200)
    done = subprocess.run([sys.executable, "-m", "onewindow_supervision", "verify", "supervision"],
                          env={**os.environ, "ONEWINDOW_SUPERVISION_DATABASE_URL": platform.databases["supervision"],
                               "ONEWINDOW_SUPERVISION_ENVIRONMENT": "test"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rebuild supervision" in done.stderr  # the progress line
