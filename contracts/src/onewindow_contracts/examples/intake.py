"""Examples of intake's events, catalogue and materials included."""

from __future__ import annotations

from datetime import date

from onewindow_contracts import catalogue as cat
from onewindow_contracts import intake as it
from onewindow_contracts import materials as mat
from onewindow_contracts.base import Event
from onewindow_contracts.examples.common import (
    AGENT,
    APPLICANT,
    APPLICANT_ACTOR,
    BUSINESS_LICENCE,
    CASE,
    CLERK,
    FOOD,
    HEALTH_CERTS,
    LEASE,
    MARKET,
    PLATFORM,
    REGION,
    REVIEWER,
    SEALED,
    SIGN,
    SUPERVISOR,
    at,
    sha,
)
from onewindow_contracts.values import ApplicantKind, Channel, DeliveryMethod, MaterialRef

EXAMPLES: list[Event] = [
    cat.CatalogueItemVersionPublished(
        item_code=FOOD.item_code,
        item_version=FOOD.item_version,
        name="食品经营许可（新办）",
        item_type=cat.ItemType.ADMINISTRATIVE_LICENCE,
        exercise_level=cat.ExerciseLevel.COUNTY,
        region_code=REGION,
        department_code=MARKET,
        legal_basis=("《中华人民共和国食品安全法》第三十五条",),
        conditions=("具有与经营的食品品种、数量相适应的经营场所",),
        service_objects=(ApplicantKind.ENTERPRISE,),
        materials=(
            cat.RequiredMaterial(type_code="YYZZ", name="营业执照", key=True, e_licence_type_code="YYZZ"),
            cat.RequiredMaterial(type_code="JKZM", name="从业人员健康证明", key=False),
        ),
        statutory_days=20,
        committed_days=5,
        fully_online=True,
        commitment_based=True,
        accept_with_missing=True,
        depends_on=(),
        result_licence_type_code="SPJYXKZ",
        effective_from=date(2025, 1, 1),
        published_at=at(1),
    ),
    it.ApplicationReceivedV1(
        case_id=CASE,
        applicant_ref=APPLICANT,
        applicant_kind=ApplicantKind.ENTERPRISE,
        region_code=REGION,
        channel=Channel.ONLINE,
        received_by=APPLICANT_ACTOR,
        received_at=at(3),
        item_code=FOOD.item_code,
        item_version=FOOD.item_version,
        materials=(BUSINESS_LICENCE,),
        contact=SEALED,
    ),
    it.ApplicationReceived(
        case_id=CASE,
        applicant_ref=APPLICANT,
        applicant_kind=ApplicantKind.ENTERPRISE,
        region_code=REGION,
        channel=Channel.WINDOW,
        received_by=CLERK,
        received_at=at(3),
        bundle_code="KCG",  # 开餐馆
        items=(FOOD, SIGN),
        materials=(BUSINESS_LICENCE, LEASE),
        delivery_method=DeliveryMethod.POST,
        contact=SEALED,
        delivery_address=SEALED,
    ),
    it.ApplicationAccepted(
        case_id=CASE,
        accepted_by=CLERK,
        accepted_at=at(3, 2),
        notice_no="SL-2025-000123",
        items=(
            it.AcceptedItem(item_code=FOOD.item_code, item_version=3, missing_type_codes=("JKZM",)),
            it.AcceptedItem(item_code=SIGN.item_code, item_version=1, on_commitment=True),
        ),
        supplement_due_on=date(2025, 3, 10),
    ),
    it.ApplicationNotAccepted(
        case_id=CASE,
        decided_by=SUPERVISOR,
        decided_at=at(3, 3),
        reason="申请事项依法不属于本行政机关职权范围",
        legal_basis="《中华人民共和国行政许可法》第三十二条",
        notice_no="BYSL-2025-000007",
        escalation_id="esc_0001",
    ),
    it.ApplicationEscalated(
        case_id=CASE,
        escalation_id="esc_0001",
        escalated_by=CLERK,
        escalated_at=at(3, 2),
        reason="经营场所疑似不符合要求",
    ),
    it.EscalationDecided(
        case_id=CASE,
        escalation_id="esc_0001",
        decision=it.EscalationDecision.ACCEPT_WITH_MISSING,
        decided_by=SUPERVISOR,
        decided_at=at(3, 2, 45),
        reason="场所符合要求，健康证明可容缺",
    ),
    it.ApplicationWithdrawn(case_id=CASE, withdrawn_by=AGENT, withdrawn_at=at(4), reason="申请人决定暂缓开业"),
    it.DelegationRecorded(
        case_id=CASE,
        delegation_id="dl_0001",
        applicant_ref=APPLICANT,
        agent=AGENT,
        acts=(it.DelegatedAct.APPLY, it.DelegatedAct.SUPPLEMENT, it.DelegatedAct.TRACK),
        authorisation=MaterialRef(material_id="m_wts_01", type_code="SQWTS", sha256=sha("authorisation")),
        recorded_at=at(3, 1, 10),
    ),
    it.CommitmentSigned(
        case_id=CASE,
        commitment_id="cm_0001",
        item=SIGN,
        notice_version="GZS-CGJ-2024-2",
        commitment=MaterialRef(material_id="m_cns_01", type_code="CNS", sha256=sha("commitment")),
        signed_by=APPLICANT_ACTOR,
        signed_at=at(3, 1, 50),
    ),
    it.PersonalDataErased(
        case_id=CASE,
        applicant_ref=APPLICANT,
        key_id=SEALED.key_id,
        reason=it.ErasureReason.RETENTION_EXPIRED,
        erased_at=at(31),
    ),
    mat.MaterialsShared(
        case_id=CASE,
        materials=(BUSINESS_LICENCE.model_copy(update={"granted_to": (MARKET, "CGJ-330106")}),),
        shared_by=PLATFORM,
        shared_at=at(3, 2, 1),
    ),
    mat.MaterialsSupplemented(
        case_id=CASE,
        cause=mat.SupplementCause.MISSING_AT_ACCEPTANCE,
        materials=(HEALTH_CERTS,),
        supplemented_by=APPLICANT_ACTOR,
        supplemented_at=at(6),
    ),
    mat.SupplementDeadlineMissed(
        case_id=CASE, due_on=date(2025, 3, 10), missing_type_codes=("JKZM",), detected_at=at(10, 16, 0)
    ),
    mat.MaterialAccessed(
        case_id=CASE,
        material_id=BUSINESS_LICENCE.material_id,
        type_code=BUSINESS_LICENCE.type_code,
        sha256=BUSINESS_LICENCE.sha256,
        accessed_by=REVIEWER,
        purpose="食品经营许可审查：核对经营主体",
        accessed_at=at(4, 2),
    ),
]
