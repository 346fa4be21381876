"""Examples of approval's events: a 容缺 food licence and a commitment-based signboard approval."""

from __future__ import annotations

from datetime import date

from onewindow_contracts import approval as ap
from onewindow_contracts import verification as vf
from onewindow_contracts.base import Event
from onewindow_contracts.examples.common import APPLICANT, CASE, FOOD, MARKET, PLATFORM, REVIEWER, SIGN, URBAN, at, sha
from onewindow_contracts.values import Actor, ActorRole, ItemRef

ELDERLY_ALLOWANCE = ItemRef(item_code="MZJ-GLJT-001", item_version=2)  # 高龄津贴 (秒批)
URBAN_REVIEWER = Actor(role=ActorRole.DEPARTMENT_REVIEWER, ref="st_review_0522", department_code=URBAN)

EXAMPLES: list[Event] = [
    ap.ItemAssigned(
        case_id=CASE,
        item=FOOD,
        department_code=MARKET,
        mode=ap.ApprovalMode.REVIEW,
        statutory_days=20,
        committed_days=5,
        due_on=date(2025, 3, 10),
        assigned_at=at(3, 2, 1),
    ),
    ap.ItemSuspended(
        case_id=CASE,
        item=FOOD,
        suspension_id="sp_0001",
        reason=ap.SuspensionReason.CORRECTION,
        requested_type_codes=("PMT",),
        note="平面布局图不清晰，请重新上传",
        suspended_by=REVIEWER,
        suspended_at=at(6),
    ),
    ap.ItemResumed(
        case_id=CASE,
        item=FOOD,
        suspension_id="sp_0001",
        paused_working_days=3,
        due_on=date(2025, 3, 13),
        resumed_by=PLATFORM,
        resumed_at=at(11),
    ),
    ap.ItemExtended(
        case_id=CASE,
        item=FOOD,
        extension_days=10,
        reason="需现场核查多处经营场所",
        legal_basis="《中华人民共和国行政许可法》第四十二条",
        due_on=date(2025, 3, 27),
        approved_by=REVIEWER,
        extended_at=at(12),
    ),
    ap.ItemApproved(
        case_id=CASE,
        item=FOOD,
        department_code=MARKET,
        mode=ap.ApprovalMode.REVIEW,
        decided_by=REVIEWER,
        decided_at=at(5),
        reason="符合《食品经营许可管理办法》规定条件",
        result_held=True,
    ),
    ap.ItemApproved(
        case_id="C330106202503030002",
        item=ELDERLY_ALLOWANCE,
        department_code="MZJ-330106",
        mode=ap.ApprovalMode.INSTANT,
        decided_by=PLATFORM,
        decided_at=at(3, 1, 30),
        rule_decision=ap.RuleDecision(
            rule_set="GLJT",
            rule_version=4,
            checks=(
                ap.RuleCheck(condition="age_80_or_over", passed=True),
                ap.RuleCheck(condition="resident_in_city", passed=True),
                ap.RuleCheck(condition="not_already_receiving", passed=True),
            ),
            inputs_sha256=sha("rule inputs"),
        ),
    ),
    ap.ItemResultReleased(case_id=CASE, item=FOOD, released_at=at(6, 2)),
    ap.ItemRejected(
        case_id=CASE,
        item=SIGN,
        department_code=URBAN,
        decided_by=URBAN_REVIEWER,
        decided_at=at(7),
        reason="招牌设置位置位于禁设区域",
        legal_basis="《城市市容和环境卫生管理条例》第十一条",
    ),
    ap.ItemTerminated(
        case_id=CASE,
        item=FOOD,
        reason=ap.TerminationReason.SUPPLEMENT_DEADLINE_MISSED,
        detail="从业人员健康证明未在承诺期限内补齐",
        terminated_by=PLATFORM,
        terminated_at=at(10, 16, 1),
    ),
    ap.CaseConcluded(
        case_id=CASE,
        outcome=ap.CaseOutcome.PARTLY_APPROVED,
        items=(
            ap.ItemOutcome(item_code=FOOD.item_code, item_version=FOOD.item_version, result=ap.ItemResult.APPROVED),
            ap.ItemOutcome(item_code=SIGN.item_code, item_version=SIGN.item_version, result=ap.ItemResult.REJECTED),
        ),
        concluded_at=at(7, 2),
    ),
    vf.PostVerificationOpened(
        case_id=CASE,
        commitment_id="cm_0001",
        item=SIGN,
        selection=vf.VerificationSelection.RANDOM_SAMPLE,
        method=vf.VerificationMethod.ON_SITE_INSPECTION,
        due_on=date(2025, 4, 3),
        opened_at=at(5),
    ),
    vf.CommitmentVerified(
        case_id=CASE,
        commitment_id="cm_0001",
        item=SIGN,
        outcome=vf.VerificationOutcome.FALSE,
        method=vf.VerificationMethod.ON_SITE_INSPECTION,
        findings="现场招牌尺寸与承诺不符",
        verified_by=URBAN_REVIEWER,
        verified_at=at(20),
    ),
    vf.CreditMarked(
        case_id=CASE,
        applicant_ref=APPLICANT,
        mark=vf.CreditMark.FALSE_COMMITMENT,
        commitment_id="cm_0001",
        bars_commitment_until=date(2026, 3, 20),
        marked_by=URBAN_REVIEWER,
        marked_at=at(20, 2),
    ),
]
