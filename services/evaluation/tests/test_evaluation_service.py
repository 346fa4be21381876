"""Evaluation over HTTP on both modes: journey 6 (a bad rating answered), default ratings, refusals,
appeals, complaints and the statistics projection (live equals a rebuild)."""
from __future__ import annotations

from datetime import timedelta

from onewindow_contracts.intake import ErasureReason, PersonalDataErased

from evaluation_platform import (
    CENTRE, MARKET, Platform, a_case, accepted, approved, assigned, delivered, eventually, json_of, received,
)


def _open_case(platform: Platform, items: int = 1) -> tuple[str, str, list]:
    case_id, applicant_ref, refs = a_case(items)
    platform.publish([received(case_id, applicant_ref, refs), accepted(case_id, refs)])
    platform.publish([e for r in refs for e in (assigned(case_id, r), approved(case_id, r))])
    platform.publish([delivered(case_id, refs)])
    applicant = platform.token("applicant", applicant_ref)
    platform.ratable(case_id, applicant, "delivery", items)
    platform.ratable(case_id, applicant, "approval", items)
    return case_id, applicant_ref, refs


def _stats(platform: Platform, by: str, key: str) -> dict:
    rows = json_of(platform.client.get(f"/v1/statistics?by={by}&from=2026-03-01&to=2026-12-31",
                                       headers=platform.token("supervisor")))["rows"]
    return next((r for r in rows if r["key"] == key), {})


def test_journey_6_a_bad_rating_is_answered_and_rated_again(platform: Platform) -> None:
    case_id, applicant_ref, (item,) = _open_case(platform)
    applicant = platform.token("applicant", applicant_ref)
    window = f"W{case_id[-8:]}"  # a window of this test's own: the broker's topics are shared

    # Zhou Jie rates the acceptance 不满意: the window sent him away twice.
    rated = json_of(platform.post(f"/v1/cases/{case_id}/evaluations", {
        "stage": "acceptance", "level": "dissatisfied", "channel": "window", "window_ref": window,
        "aspects": ["attitude", "guide_accuracy"], "comment": "窗口让我跑了两次", "scores": {"attitude": 2}}, applicant))
    (rectification,) = rated["rectifications"]
    assert rectification["department_code"] == CENTRE and rectification["window_ref"] == window
    assert rectification["verify_due_on"] == "2026-03-03"  # 1 working day
    assert rectification["rectify_due_on"] == "2026-03-23"  # 15 working days
    assert [e["comment"] for e in rated["evaluations"]] == ["窗口让我跑了两次"]  # his words, kept here

    # The centre's desk sees it; the centre answers him with what was changed.
    centre = platform.token("department_reviewer", department=CENTRE)
    desk = json_of(platform.client.get("/v1/rectifications?status=open", headers=centre))["items"]
    assert rectification["rectification_id"] in [r["rectification_id"] for r in desk]
    other = platform.token("department_reviewer", department=MARKET)
    refused = platform.post(f"/v1/rectifications/{rectification['rectification_id']}/answer",
                            {"disposition": "immediate_fix", "answer": "x"}, other)
    assert refused.status_code == 403, refused.text
    platform.clock.advance(timedelta(days=2))  # tokens are short-lived: sign in again
    centre, applicant = (platform.token("department_reviewer", department=CENTRE),
                         platform.token("applicant", applicant_ref))
    answer = json_of(platform.post(f"/v1/rectifications/{rectification['rectification_id']}/answer", {
        "disposition": "immediate_fix", "answer": "已更新材料清单，并对窗口人员开展一次性告知培训"}, centre))
    assert answer["status"] == "answered" and answer["on_time"] is True

    # He rates once more (追评); a second follow-up is refused.
    follow_up = {"stage": "follow_up", "level": "satisfied", "channel": "mobile",
                 "rectification_id": rectification["rectification_id"]}
    view = json_of(platform.post(f"/v1/cases/{case_id}/evaluations", follow_up, applicant))
    assert [(e["stage"], e["level"]) for e in view["evaluations"]] == [
        ("acceptance", "dissatisfied"), ("follow_up", "satisfied")]
    assert view["rectifications"][0]["followed_up"] is True
    assert platform.post(f"/v1/cases/{case_id}/evaluations", follow_up, applicant).status_code == 409

    # The statistics of that window and item show both ratings and the rectification on time.
    for by, key in (("window", window), ("item", item.item_code)):
        row = _stats(platform, by, key)
        assert (row["ratings"], row["bad"], row["follow_ups"]) == (2, 1, 1), row
        assert (row["rectifications"], row["rectified_on_time"], row["rectified_late"]) == (1, 1, 0), row
        assert row["satisfaction_rate"] == 0.5

    # The projection rebuilt from the events equals the live one.
    runner = platform.client.app.state.evaluation_statistics  # type: ignore[attr-defined]
    platform.client.portal.call(runner.rebuild)
    report = platform.client.portal.call(runner.verify)
    assert report.equal, str(report)

    # Years later his personal data is erased: his words go, his ratings stay in the statistics.
    platform.publish([PersonalDataErased(case_id=case_id, applicant_ref=applicant_ref, key_id=applicant_ref,
                                         reason=ErasureReason.RETENTION_EXPIRED,
                                         erased_at=platform.clock.now())])
    applicant = platform.token("applicant", applicant_ref)  # the only reader ever shown the comments

    def forgotten() -> dict | None:
        view = json_of(platform.client.get(f"/v1/cases/{case_id}/evaluations", headers=applicant))
        return view if [e["comment"] for e in view["evaluations"]] == [None, None] else None

    assert [e["level"] for e in eventually(forgotten)["evaluations"]] == ["dissatisfied", "satisfied"]
    for by, key in (("window", window), ("item", item.item_code)):
        assert (_stats(platform, by, key)["ratings"], _stats(platform, by, key)["bad"]) == (2, 1)


def test_default_rating_after_the_set_time_and_refusals(platform: Platform) -> None:
    case_id, applicant_ref, (item,) = _open_case(platform)
    applicant = platform.token("applicant", applicant_ref)
    rate = {"stage": "approval", "level": "very_satisfied", "channel": "online"}
    assert json_of(platform.post(f"/v1/cases/{case_id}/evaluations", rate, applicant))

    # One rating per stage; someone else's case does not exist for another applicant.
    again = platform.post(f"/v1/cases/{case_id}/evaluations", {**rate, "level": "dissatisfied"}, applicant)
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    stranger = platform.token("applicant")
    assert platform.post(f"/v1/cases/{case_id}/evaluations", rate, stranger).status_code == 404
    assert platform.client.get(f"/v1/cases/{case_id}/evaluations", headers=stranger).status_code == 404
    assert platform.post(f"/v1/cases/{case_id}/evaluations", {**rate, "stage": "overall"},
                         applicant).status_code == 409  # a single item has no overall rating

    # Nothing more within 7 natural days: the acceptance and delivery default to 非常满意, marked so.
    platform.clock.advance(timedelta(days=6, hours=23))
    platform.clock.advance(timedelta(hours=4))
    applicant = platform.token("applicant", applicant_ref)

    def defaulted() -> list:
        view = json_of(platform.client.get(f"/v1/cases/{case_id}/evaluations", headers=applicant))
        found = sorted((e["stage"], e["level"], e["channel"]) for e in view["evaluations"] if e["defaulted"])
        return found if len(found) == 2 else []

    assert eventually(defaulted) == [("acceptance", "very_satisfied", None), ("delivery", "very_satisfied", None)]
    view = json_of(platform.client.get(f"/v1/cases/{case_id}/evaluations", headers=applicant))
    assert [e["level"] for e in view["evaluations"] if e["stage"] == "approval"] == ["very_satisfied"]
    assert platform.post(f"/v1/cases/{case_id}/evaluations", {**rate, "stage": "acceptance"},
                         applicant).status_code == 409
    row = _stats(platform, "item", item.item_code)
    assert (row["ratings"], row["defaulted"], row["bad"]) == (3, 2, 0), row


def test_an_appeal_is_decided_by_a_supervisor(platform: Platform) -> None:
    case_id, applicant_ref, (item,) = _open_case(platform)
    applicant = platform.token("applicant", applicant_ref)
    rated = json_of(platform.post(f"/v1/cases/{case_id}/evaluations", {
        "stage": "approval", "level": "very_dissatisfied", "channel": "online", "aspects": ["efficiency"]}, applicant))
    evaluation_id = rated["evaluation_id"]
    assert rated["rectifications"][0]["department_code"] == MARKET
    assert _stats(platform, "item", item.item_code)["bad"] == 1

    market = platform.token("department_reviewer", department=MARKET)
    appeal = json_of(platform.post(f"/v1/cases/{case_id}/appeals",
                                   {"evaluation_id": evaluation_id, "grounds": "当日已按承诺时限办结，系误评"}, market))
    decision = {"outcome": "upheld", "reason": "经核实，办件在承诺时限内办结，属误评"}
    assert platform.post(f"/v1/appeals/{appeal['appeal_id']}/decision", decision, market).status_code == 403
    decided = json_of(platform.post(f"/v1/appeals/{appeal['appeal_id']}/decision", decision,
                                    platform.token("supervisor")))
    assert decided["outcome"] == "upheld"
    again = platform.post(f"/v1/appeals/{appeal['appeal_id']}/decision", decision, platform.token("supervisor"))
    assert again.status_code == 409

    view = json_of(platform.client.get(f"/v1/cases/{case_id}/evaluations", headers=applicant))
    assert view["evaluations"][0]["appeal"] == "upheld"
    assert _stats(platform, "item", item.item_code).get("ratings", 0) == 0  # the rating left the statistics


def test_a_12345_work_order_follows_the_rectification_path(platform: Platform) -> None:
    case_id, applicant_ref, (item,) = _open_case(platform)
    operator = platform.token("window_clerk")
    missing_number = platform.post("/v1/complaints", {"source": "hotline_12345", "aspects": ["attitude"],
                                                       "case_id": case_id}, operator)
    assert missing_number.status_code == 422, missing_number.text
    filed = json_of(platform.post("/v1/complaints", {
        "source": "hotline_12345", "work_order_no": f"12345-{case_id[-8:]}", "aspects": ["efficiency"],
        "case_id": case_id, "item_code": item.item_code, "text": "审批太慢，打了三次电话"}, operator))
    rectification = filed["rectification"]
    assert rectification["department_code"] == MARKET and rectification["cause"] == "complaint"

    # Answered after the 15 working days: recorded as late.
    platform.clock.advance(timedelta(days=30))
    market = platform.token("department_reviewer", department=MARKET)

    def overdue() -> bool:  # the deadline timer marks it on the department's desk
        desk = json_of(platform.client.get("/v1/rectifications?status=overdue", headers=market))["items"]
        return rectification["rectification_id"] in [r["rectification_id"] for r in desk]

    assert eventually(overdue)
    answer = json_of(platform.post(f"/v1/rectifications/{rectification['rectification_id']}/answer", {
        "disposition": "explained", "answer": "已向来电人解释审批时限并致歉"}, market))
    assert answer["on_time"] is False
    row = _stats(platform, "item", item.item_code)
    assert (row["complaints"], row["rectifications"], row["rectified_late"]) == (1, 1, 1), row
    stranger = platform.token("applicant")
    assert platform.post("/v1/complaints", {"source": "online", "aspects": ["attitude"], "case_id": case_id},
                         stranger).status_code == 404
