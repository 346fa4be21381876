"""个人信息删除 by crypto-shredding (issue 11, item 5), on PostgreSQL + Kafka: once a case's retention has
run out, the applicant's key is erased; every read model that showed their personal data shows them as
erased — supervision's also after a rebuild from its archive — while the case, its deadlines and the
statistics stay exactly as they were.

intake, approval, certificates, supervision, notify and evaluation each served over real HTTP. Retention
is configured as 0 years so the case closed this year may be erased from 1 January next year."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from onewindow_certificates.domain.licence import stream_id as licence_stream
from onewindow_chassis.clock import ManualClock
from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.personal import ERASED, PersonalDataVault
from onewindow_launcher.services import SERVICES
from onewindow_supervision.projections import SUPERVISION
from tests.support.platform import Platform, eventually, serving

RENEWAL = "330100-JTYSJ-XK-001"  # 从业资格证换证: 秒批, yields a licence, closes at once
ALLOWANCE = "330100-MZJ-JF-001"  # 高龄津贴: 秒批; this test's 保管期限表 keeps its files 永久
SHANGHAI_TZ = timezone(timedelta(hours=8))
DECEMBER = datetime(2026, 12, 30, 9, 0, tzinfo=SHANGHAI_TZ)  # a Wednesday
NEXT_YEAR = datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI_TZ)  # retention (0 years) ended on 1 January


def citizen_id(region: str, born: str, sequence: str) -> str:
    body = region + born + sequence
    total = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)))
    return body + "10X98765432"[total % 11]


@pytest.fixture
def platform(postgres_url: str, kafka_bootstrap: str, tmp_path: Path) -> Iterator[Platform]:
    with serving("distributed", SERVICES, tmp_path, clock=ManualClock(DECEMBER), postgres_url=postgres_url,
                 kafka_bootstrap=kafka_bootstrap, settings={
                     "intake": {"erasure_retention_years": 0, "erasure_retention_by_item": {ALLOWANCE: "permanent"}},
                     # no default ratings while the clock jumps a few days: statistics change only by what is rated
                     "evaluation": {"default_rating_days": 3650}}) as platform:
        yield platform


def _apply(platform: Platform, subject: str, id_number: str, phone: str) -> str:
    """An online application for the 秒批 renewal; returns the case id once it is accepted."""
    headers = platform.token("applicant", subject)
    ids = [platform.upload(headers, type_code) for type_code in ("CL-SFZ", "CL-CYZG", "CL-JSZ", "CL-ZP")]
    reply = platform.post("intake", "/v1/applications", headers, {
        "item_codes": [RENEWAL], "applicant_kind": "citizen", "material_ids": ids,
        "answers": {"applicant_id_number": id_number, "qualification_category": "道路货物运输驾驶员",
                    "contact_phone": phone}})
    assert reply.status_code == 201 and reply.json()["status"] == "accepted", reply.text
    return str(reply.json()["case_id"])


def _apply_for_allowance(platform: Platform, subject: str, elder_id: str) -> str:
    headers = platform.token("applicant", subject)
    ids = [platform.upload(headers, type_code) for type_code in ("CL-LNR-SFZ", "CL-HKB", "CL-SBK", "CL-SFZ")]
    reply = platform.post("intake", "/v1/applications", headers, {
        "item_codes": [ALLOWANCE], "applicant_kind": "citizen", "material_ids": ids,
        "answers": {"elder_id_number": elder_id, "relation_to_elder": "子女", "contact_phone": "13600002222"}})
    assert reply.status_code == 201 and reply.json()["status"] == "accepted", reply.text
    return str(reply.json()["case_id"])


def _read(platform: Platform, service: str, query: Any) -> Any:
    """Run `query(tx, vault)` against a service's own database (what its read models hold)."""
    async def run() -> Any:
        db = Database(platform.databases[service])
        try:
            async with db.transaction() as tx:
                return await query(tx, PersonalDataVault(platform.settings.master_key_bytes()))
        finally:
            await db.dispose()

    return asyncio.run(run())


def _snapshot(platform: Platform, case_id: str) -> dict[str, Any]:
    """What must survive an erasure: the case, its items' deadlines and outcomes, and the statistics."""
    supervisor = platform.token("supervisor")
    timeline = platform.supervision.get(f"/v1/cases/{case_id}/timeline", headers=supervisor).json()
    return {
        "case": platform.approval.get(f"/v1/cases/{case_id}", headers=supervisor).json(),
        "clocks": timeline["items"],
        # the item's rows only: the broker is shared, other tests' cases of other items come and go
        "supervision_stats": [row for row in platform.supervision.get("/v1/stats/items", headers=supervisor).json()
                              if row["item_code"] == RENEWAL],
        "evaluation_stats": [row for row in platform.evaluation.get("/v1/statistics", headers=supervisor)
                             .json()["rows"] if RENEWAL in str(row)],
    }


def _supervision_timeline(platform: Platform, case_id: str) -> list[dict[str, Any]]:
    reply = platform.supervision.get(f"/v1/cases/{case_id}/timeline", headers=platform.token("supervisor"))
    return reply.json()["events"] if reply.status_code == 200 else []


def test_after_retention_the_applicant_is_erased_everywhere_and_the_case_stays(platform: Platform) -> None:
    chen_ref, wang_ref = f"app-chenjun-{uuid.uuid4().hex[:8]}", f"app-wangli-{uuid.uuid4().hex[:8]}"
    chen_id, wang_id = citizen_id("330102", "19750601", "031"), citizen_id("330105", "19800203", "022")
    chen = platform.token("applicant", chen_ref)
    assert platform.notify.put("/v1/contacts/me", headers=chen, json={"phone": "13912345678"}).status_code == 200
    case_id = _apply(platform, chen_ref, chen_id, "13912345678")
    other_case = _apply(platform, wang_ref, wang_id, "13700001111")  # someone else, erased only by the retention run
    kept_ref = f"app-zhaoli-{uuid.uuid4().hex[:8]}"  # whose file is kept 永久: never erased
    kept_case = _apply_for_allowance(platform, kept_ref, citizen_id("330106", "19440315", "017"))
    supervisor = platform.token("supervisor")
    for case in (case_id, other_case, kept_case):
        eventually(lambda case=case: platform.approval.get(f"/v1/cases/{case}", headers=supervisor).json()
                   .get("concluded"))
    licence = eventually(lambda: platform.certificates.get("/v1/wallet", headers=chen).json()["items"] or None)[0]
    rated = eventually(lambda: (r := platform.post(platform.evaluation, f"/v1/cases/{case_id}/evaluations", chen, {
        "stage": "approval", "level": "very_satisfied", "channel": "online",
        "comment": "一分钟就换好了证"})).status_code in (200, 201) and r)  # once evaluation heard of the decision
    assert rated.json()
    # 吐槽找茬 without a case number: the person's own words, tied to no case stream
    complained = platform.post(platform.evaluation, "/v1/complaints", chen, {
        "source": "online", "aspects": ["convenience"], "department_code": "330100-SCJGJ",
        "text": "陈军：窗口电话13912345678总是占线"})
    assert complained.status_code in (200, 201), complained.text
    complaint_id = complained.json()["complaint_id"]

    async def remarks(tx: Any, _vault: PersonalDataVault) -> dict[str, Any]:
        from onewindow_evaluation.adapters.tables import remarks
        rows = (await tx.conn.execute(remarks.select().where(remarks.c.author_ref == chen_ref))).mappings()
        return {r["subject_id"]: r["text"] for r in rows}

    assert _read(platform, "evaluation", remarks) == {rated.json()["evaluation_id"]: "一分钟就换好了证",
                                                      complaint_id: "陈军：窗口电话13912345678总是占线"}

    # before: intake shows (masked) what it holds; the supervision timeline tells the applicant by a pseudonym
    before_view = platform.intake.get(f"/v1/applicants/{chen_ref}", headers=supervisor).json()
    assert before_view["erased"] is None and before_view["identity"] is None  # online: the IdP knows who, not intake
    assert before_view["cases"][0]["contact"] not in (None, ERASED) and "13912345678" != before_view["cases"][0]["contact"]
    assert eventually(lambda: "ref:" in str([e["actor"] for e in _supervision_timeline(platform, case_id)]))

    # the retention is running (files closed this year are kept until 1 January next year): refused
    refused = platform.post(platform.intake, f"/v1/applicants/{chen_ref}/erasure", supervisor,
                            {"reason": "applicant_request"})
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "retention_period_running" and problem["retained_until"] == "2027-01-01"
    assert refused.headers["content-type"].startswith("application/problem+json")
    clerk = platform.post(platform.intake, f"/v1/applicants/{chen_ref}/erasure", platform.token("window_clerk"),
                          {"reason": "applicant_request"})
    assert clerk.status_code == 403 and clerk.json()["code"] == "forbidden"
    bad = platform.post(platform.intake, f"/v1/applicants/{chen_ref}/erasure", supervisor, {"reason": "bored"})
    assert bad.status_code == 422
    # someone who only complained (no case, no upload: intake never met them) is erased at once, at intake,
    # and evaluation drops their words on intake's ApplicantErased
    liu_ref = f"app-liuyang-{uuid.uuid4().hex[:8]}"
    liu_complaint = platform.post(platform.evaluation, "/v1/complaints", platform.token("applicant", liu_ref), {
        "source": "online", "aspects": ["attitude"], "department_code": "330100-SCJGJ",
        "text": "刘洋：18867001234，柜台说不清楚"})
    assert liu_complaint.status_code in (200, 201), liu_complaint.text
    liu_erased = platform.post(platform.intake, f"/v1/applicants/{liu_ref}/erasure", supervisor,
                               {"reason": "applicant_request"})
    assert liu_erased.status_code == 200 and liu_erased.json()["cases"] == 0, liu_erased.text

    async def liu_remarks(tx: Any, _vault: PersonalDataVault) -> list[Any]:
        from onewindow_evaluation.adapters.tables import remarks
        return [r["text"] for r in (await tx.conn.execute(remarks.select().where(remarks.c.author_ref == liu_ref))
                                    ).mappings()]

    assert eventually(lambda: _read(platform, "evaluation", liu_remarks) == [None])  # the row stays, the words go
    assert platform.intake.get("/v1/applicants/app-nobody", headers=supervisor).status_code == 404

    platform.clock.set(NEXT_YEAR)
    supervisor, chen = platform.token("supervisor"), platform.token("applicant", chen_ref)  # new year, new tokens
    eventually(lambda: _supervision_timeline(platform, case_id) and
               any(e["event_type"] == "EvaluationFiled" for e in _supervision_timeline(platform, case_id)))
    survives = _snapshot(platform, case_id)
    assert survives["supervision_stats"][0]["decided"] == 2 and survives["evaluation_stats"], survives

    erased = platform.post(platform.intake, f"/v1/applicants/{chen_ref}/erasure", supervisor,
                           {"reason": "applicant_request"})
    assert erased.status_code == 200, erased.text
    assert (erased.json()["reason"], erased.json()["cases"]) == ("applicant_request", 1)
    assert erased.json()["materials"] >= 5  # four uploads and the department's form
    again = platform.post(platform.intake, f"/v1/applicants/{chen_ref}/erasure", supervisor,
                          {"reason": "retention_expired"})
    assert again.status_code == 200 and again.json() == erased.json()  # idempotent: the first erasure stands

    # intake: the identity, the contact and the personal answers open as erased; the documents are gone
    view = platform.intake.get(f"/v1/applicants/{chen_ref}", headers=supervisor).json()
    assert view["cases"][0]["contact"] == ERASED
    assert view["cases"][0]["answers"]["applicant_id_number"] == ERASED
    assert view["cases"][0]["answers"]["qualification_category"] == ERASED
    assert view["erased"]["reason"] == "applicant_request"
    assert platform.intake.get("/v1/materials", headers=chen).json() in ([], {"items": []})
    case = platform.intake.get(f"/v1/applications/{case_id}", headers=supervisor)
    assert case.status_code == 200 and case.json()["status"] == "accepted"  # the case file stays

    # certificates: the holder's code in LicenceIssued is shredded; the licence record itself stands
    async def holder_code(tx: Any, vault: PersonalDataVault) -> str:
        stream = licence_stream(case_id, RENEWAL)
        issued = [e for e in await event_store_for(tx.dialect).load(tx, stream) if e.event_type.endswith("LicenceIssued")]
        return await vault.open(tx, issued[0].data["holder_code"])

    assert eventually(lambda: _read(platform, "certificates", holder_code) == ERASED)
    assert platform.certificates.get(f"/v1/licences/{licence['licence_id']}", headers=supervisor).status_code == 200

    # notify: the contact is gone, so no message can reach the erased person
    async def contact(tx: Any, vault: PersonalDataVault) -> Any:
        from onewindow_notify.adapters.tables import contacts
        return (await tx.conn.execute(contacts.select().where(contacts.c.applicant_ref == chen_ref))).first()

    eventually(lambda: _read(platform, "notify", contact) is None)

    # evaluation: the comment on the case and the complaint filed without one are dropped (ApplicantErased)
    assert eventually(lambda: set((r := _read(platform, "evaluation", remarks)).values()) == {None} and r) == {
        rated.json()["evaluation_id"]: None, complaint_id: None}

    # supervision: the erasure is on the timeline, and the applicant's pseudonym is replaced, live …
    def erased_on_timeline() -> list[dict[str, Any]] | None:
        events = _supervision_timeline(platform, case_id)
        return events if any(e["event_type"] == "PersonalDataErased" for e in events) else None

    events = eventually(erased_on_timeline)
    actors = {e["actor"] for e in events}
    assert "erased" in actors and not [a for a in actors if a and a.startswith("ref:") and
                                       any(e["actor"] == a and e["actor_role"] == "applicant" for e in events)]
    assert any("申请人个人信息已删除" in e["summary"] for e in events)
    other_actors = {e["actor_role"]: e["actor"] for e in _supervision_timeline(platform, other_case)}
    assert other_actors["applicant"].startswith("ref:")  # nobody else was erased

    # … and after a rebuild from the archive alone: the rebuilt read model equals the live one
    report = platform.rebuilt("supervision", SUPERVISION)
    assert report.equal, str(report)
    # events may still arrive after the erasure (notify tells of its failed sends to the erased contact), so
    # what was seen before the rebuild must open the timeline unchanged, pseudonyms replaced as they were
    rebuilt_timeline = _supervision_timeline(platform, case_id)
    assert rebuilt_timeline[:len(events)] == events, rebuilt_timeline

    # the case, its deadlines and the statistics are exactly as before
    after = _snapshot(platform, case_id)
    assert after == survives

    # the retention run erases the other applicant (retention over) and nobody twice — nor the one whose
    # file is kept 永久, who cannot be erased by hand either
    run = platform.post(platform.intake, "/v1/erasure/retention-runs", supervisor)
    assert run.status_code == 200, run.text
    assert run.json()["applicant_refs"] == [wang_ref]
    permanent = platform.post(platform.intake, f"/v1/applicants/{kept_ref}/erasure", supervisor,
                              {"reason": "applicant_request"})
    assert permanent.status_code == 409 and permanent.json()["code"] == "retention_permanent", permanent.text
    assert platform.intake.get(f"/v1/applicants/{kept_ref}", headers=supervisor).json()["erased"] is None
    assert platform.post(platform.intake, "/v1/erasure/retention-runs", supervisor).json()["erased"] == 0
    wang = platform.intake.get(f"/v1/applicants/{wang_ref}", headers=supervisor).json()
    assert wang["cases"][0]["contact"] == ERASED and wang["erased"]["reason"] == "retention_expired"

    # a week later Chen comes back, under the same ref: served again, what she gives now under a new key in
    # every service, while what was erased stays erased
    platform.clock.set(NEXT_YEAR + timedelta(days=7))
    supervisor, chen = platform.token("supervisor"), platform.token("applicant", chen_ref)
    assert platform.notify.put("/v1/contacts/me", headers=chen, json={"phone": "13912349999"}).status_code == 200
    new_case = _apply(platform, chen_ref, chen_id, "13912349999")
    eventually(lambda: platform.approval.get(f"/v1/cases/{new_case}", headers=supervisor).json().get("concluded"))

    async def holder_codes(tx: Any, vault: PersonalDataVault) -> dict[str, str]:
        opened = {}
        for case in (case_id, new_case):
            events = await event_store_for(tx.dialect).load(tx, licence_stream(case, RENEWAL))
            for issued in (e for e in events if e.event_type.endswith("LicenceIssued")):
                opened[case] = await vault.open(tx, issued.data["holder_code"])
        return opened

    codes = eventually(lambda: found if len(found := _read(platform, "certificates", holder_codes)) == 2 else None)
    assert codes[case_id] == ERASED and chen_ref in codes[new_case], codes

    async def phone(tx: Any, vault: PersonalDataVault) -> str:
        found = await contact(tx, vault)
        return await vault.open(tx, found.phone)

    assert _read(platform, "notify", phone) == "13912349999"
    view = {case["case_id"]: case for case in
            platform.intake.get(f"/v1/applicants/{chen_ref}", headers=supervisor).json()["cases"]}
    assert view[case_id]["contact"] == ERASED and view[new_case]["contact"] not in (None, ERASED), view
