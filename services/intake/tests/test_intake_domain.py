"""Intake's rules, without I/O: one form, one set of materials, 容缺, 告知承诺, 窗口无权否决."""
from __future__ import annotations

from datetime import date

import pytest

from onewindow_chassis.problems import DomainError
from onewindow_contracts.intake import ApplicationAccepted, EscalationDecision
from onewindow_contracts.materials import MaterialsShared, SupplementDeadlineMissed
from onewindow_contracts.values import MaterialSource

from onewindow_intake.domain.application import Application, Status
from onewindow_intake.domain.forms import id_number_valid, validate_form
from onewindow_intake.domain.vault import StoredMaterial, assemble, check_upload, safe_filename

from intake_fixtures import AT, APPLICANT, CLERK, SUPERVISOR, catalogue, material, received


def start(items, materials) -> Application:
    app = Application("CASE-1")
    for event in Application.receive(received("CASE-1", items, materials), items, [], credit_barred=False):
        app.apply(event)
    return app


def test_a_bundle_asks_each_question_once_and_each_material_once() -> None:
    c = catalogue()
    items = c.items_for(bundle_code="OPEN", item_codes=())
    assert [f.code for f in c.form_for(items)] == ["name", "address", "phone", "seats"]
    assert [m.code for m in c.materials_for(items)] == ["SFZ", "ZLHT", "JKZ", "PMT"]


def test_the_form_reports_every_bad_field_at_once() -> None:
    fields = catalogue().form_for(catalogue().items_for(bundle_code="OPEN", item_codes=()))
    with pytest.raises(DomainError) as caught:
        validate_form(fields, {"name": "", "address": "西湖区文三路1号", "seats": -2, "phone": "12345", "extra": "x"})
    errors = {e["field"]: e["code"] for e in caught.value.extra["errors"]}
    assert errors == {"form.name": "required", "form.seats": "not_a_number", "form.phone": "phone_invalid",
                      "form.extra": "unknown_field"}


def test_id_numbers_are_checked_by_their_check_digit() -> None:
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")


def test_accepting_shares_each_material_with_exactly_the_departments_that_need_it() -> None:
    c = catalogue()
    items = c.items_for(bundle_code="OPEN", item_codes=())
    app = start(items, [material("SFZ"), material("ZLHT"), material("JKZ"), material("PMT")])
    accepted, shared = app.accept(CLERK, AT, items, notice_no="SL-1", allow_missing=False, supplement_due_on=None)
    assert isinstance(accepted, ApplicationAccepted) and isinstance(shared, MaterialsShared)
    grants = {m.type_code: m.granted_to for m in shared.materials}
    assert grants == {"SFZ": ("SCJG", "WJW"), "ZLHT": ("SCJG",), "JKZ": ("SCJG",), "PMT": ("WJW",)}


def test_a_missing_key_material_cannot_be_accepted_even_with_missing_allowed() -> None:
    c = catalogue()
    items = [c.current("FOOD")]
    app = start(items, [material("SFZ"), material("JKZ")])
    with pytest.raises(DomainError) as caught:
        app.accept(CLERK, AT, items, notice_no="SL-1", allow_missing=True, supplement_due_on=date(2026, 3, 9))
    assert caught.value.code == "key_materials_missing"
    assert caught.value.extra["missing"] == {"FOOD": ["ZLHT"]}


def test_rong_que_accepts_with_a_non_key_material_owed_and_a_deadline() -> None:
    c = catalogue()
    items = [c.current("FOOD")]
    app = start(items, [material("SFZ"), material("ZLHT")])
    with pytest.raises(DomainError) as caught:
        app.accept(CLERK, AT, items, notice_no="SL-1", allow_missing=False, supplement_due_on=None)
    assert caught.value.code == "materials_missing"
    events = app.accept(CLERK, AT, items, notice_no="SL-1", allow_missing=True, supplement_due_on=date(2026, 3, 9))
    for event in events:
        app.apply(event)
    assert app.owed == {"FOOD": {"JKZ"}} and app.supplement_due_on == date(2026, 3, 9)
    assert events[0].items[0].missing_type_codes == ("JKZ",)
    assert app.miss_supplement_deadline(AT)[0] == SupplementDeadlineMissed(
        case_id="CASE-1", due_on=date(2026, 3, 9), missing_type_codes=("JKZ",), detected_at=AT)
    for event in app.supplement(CLERK, AT, [material("JKZ", 2)], items):
        app.apply(event)
    assert app.owed == {} and app.miss_supplement_deadline(AT) == []


def test_rong_que_is_refused_for_an_item_that_does_not_allow_it() -> None:
    c = catalogue()
    items = [c.current("HYG")]
    app = start(items, [material("SFZ")])
    with pytest.raises(DomainError) as caught:
        app.accept(CLERK, AT, items, notice_no="SL-1", allow_missing=True, supplement_due_on=date(2026, 3, 9))
    assert caught.value.extra["not_tolerated"] == ["HYG"]


def test_the_window_cannot_refuse_it_escalates_and_a_supervisor_decides() -> None:
    c = catalogue()
    items = [c.current("HYG")]
    app = start(items, [material("SFZ")])
    with pytest.raises(DomainError):
        app.decide_escalation(CLERK, AT, EscalationDecision.NOT_ACCEPT, "不符合条件", items, notice_no="N",
                              supplement_due_on=None)
    for event in app.escalate(CLERK, AT, "平面图缺失，申请人称无法提供", "esc-1"):
        app.apply(event)
    assert app.status is Status.ESCALATED
    with pytest.raises(DomainError) as caught:
        app.accept(CLERK, AT, items, notice_no="SL-1", allow_missing=False, supplement_due_on=None)
    assert caught.value.code == "escalated"
    for event in app.decide_escalation(SUPERVISOR, AT, EscalationDecision.NOT_ACCEPT, "场所不符合卫生条件", items,
                                       notice_no="BYSL-1", supplement_due_on=None, legal_basis="《公共场所卫生管理条例》第八条"):
        app.apply(event)
    assert app.status is Status.NOT_ACCEPTED


def test_a_false_commitment_on_record_bars_commitment_based_approval() -> None:
    from onewindow_contracts.intake import CommitmentSigned
    from onewindow_contracts.values import Actor, ActorRole, ItemRef

    c = catalogue()
    items = [c.current("FOOD")]
    signed = CommitmentSigned(case_id="CASE-1", commitment_id="cmt-1", item=ItemRef(item_code="FOOD", item_version=1),
                              notice_version="N1", commitment=material("CMT"), signed_at=AT,
                              signed_by=Actor(role=ActorRole.APPLICANT, ref=APPLICANT))
    rec = received("CASE-1", items, [material("SFZ"), material("ZLHT")])
    with pytest.raises(DomainError) as caught:
        Application.receive(rec, items, [signed], credit_barred=True)
    assert caught.value.code == "commitment_barred_by_credit"
    app = Application("CASE-1")
    for event in Application.receive(rec, items, [signed], credit_barred=False):
        app.apply(event)
    # on commitment, the non-key proof (健康证明) is not asked for: accepted without 容缺
    accepted = app.accept(CLERK, AT, items, notice_no="SL-1", allow_missing=False, supplement_due_on=None)[0]
    assert accepted.items[0].on_commitment and accepted.items[0].missing_type_codes == ()


def test_the_vault_reuses_valid_materials_and_refuses_expired_ones() -> None:
    c = catalogue()
    needed = c.materials_for([c.current("FOOD")])

    def stored(mid, type_code, until, uploaded_day):
        from datetime import datetime, timezone
        return StoredMaterial(mid, APPLICANT, type_code, "a" * 64, 10, "application/pdf", "x.pdf",
                              MaterialSource.UPLOADED, None, until, datetime(2025, 1, uploaded_day, tzinfo=timezone.utc))

    lease_old = stored("m1", "ZLHT", date(2026, 1, 1), 1)
    lease_new = stored("m2", "ZLHT", date(2027, 1, 1), 2)
    ident = stored("m3", "SFZ", None, 3)
    refs = assemble(needed, {"SFZ": ident}, [lease_old, lease_new, ident], date(2026, 3, 2))
    assert [(r.material_id, r.source) for r in refs] == [("m3", MaterialSource.UPLOADED), ("m2", MaterialSource.REUSED)]
    with pytest.raises(DomainError):
        assemble(needed, {"ZLHT": lease_old}, [], date(2026, 3, 2))


def test_uploads_are_recognised_by_content_and_names_lose_their_path_tricks() -> None:
    sha, media, name = check_upload(b"%PDF-1.7 ...", "../../etc/passwd.pdf")
    assert media == "application/pdf" and name == "passwd.pdf" and len(sha) == 64
    assert safe_filename("C:\\Users\\王芳\\身份证.jpg") == "身份证.jpg"
    with pytest.raises(DomainError):
        check_upload(b"MZ\x90\x00 an executable", "scan.pdf")
    with pytest.raises(DomainError):
        safe_filename("..")
