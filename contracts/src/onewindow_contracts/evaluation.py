"""好差评: ratings, the rectification of bad ones, complaints and appeals (topic evaluation.events).

A rating is tied one to one to its case and item (事项—办件—评价一一对应). Complaints and 12345 work
orders need not name a case: events about such a complaint are keyed by the complaint id instead.
The applicant's own words (comments, complaint text) stay in the evaluation service: they may hold
personal data, and no consumer needs them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from onewindow_contracts.base import CaseEvent, Event
from onewindow_contracts.topics import EVALUATION
from onewindow_contracts.values import (
    Actor,
    ActorRole,
    ApplicantRef,
    CaseId,
    DepartmentCode,
    Ident,
    ItemRef,
    OpaqueRef,
    Reason,
    UtcDatetime,
    Value,
)


class RatingLevel(StrEnum):
    """评价等级: five levels (GB/T 39734); the last two are 差评."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意 ★5
    SATISFIED = "satisfied"  # 满意 ★4
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意 ★3
    DISSATISFIED = "dissatisfied"  # 不满意 ★2
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意 ★1

    @property
    def stars(self) -> int:
        return 5 - list(RatingLevel).index(self)

    @property
    def zh(self) -> str:
        return _RATING_ZH[self]

    @property
    def bad(self) -> bool:
        """差评: opens a rectification."""
        return self.stars <= 2


_RATING_ZH = dict(zip(RatingLevel, ("非常满意", "满意", "基本满意", "不满意", "非常不满意"), strict=True))


class EvaluationStage(StrEnum):
    """一事一评: one rating per stage, one overall for a bundle, one follow-up after a rectification."""

    ACCEPTANCE = "acceptance"  # 受理
    APPROVAL = "approval"  # 审批
    DELIVERY = "delivery"  # 出件
    OVERALL = "overall"  # 一件事整体评价
    FOLLOW_UP = "follow_up"  # 整改后追评


class EvaluationChannel(StrEnum):
    ONLINE = "online"  # 网上办事大厅
    MOBILE = "mobile"  # 移动端
    WINDOW = "window"  # 窗口评价器
    KIOSK = "kiosk"  # 自助终端
    SMS = "sms"  # 短信评价
    HOTLINE = "hotline"  # 12345 热线


class ServiceAspect(StrEnum):
    """评价指标 / 差评分类: what a bad rating or a complaint is about."""

    EFFICIENCY = "efficiency"  # 办事效率 / 服务效率
    GUIDE_ACCURACY = "guide_accuracy"  # 办事指南精确度
    CONVENIENCE = "convenience"  # 办事便捷度
    PLATFORM = "platform"  # 平台操作性
    ATTITUDE = "attitude"  # 服务态度
    SERVICE_LEVEL = "service_level"  # 服务水平
    OTHER = "other"


class EvaluationTarget(Value):
    """Whom the rating is about, for the statistics per department, window and staff."""

    department_code: DepartmentCode | None = None
    window_ref: Ident | None = None
    staff_ref: OpaqueRef | None = None


class EvaluationFiled(CaseEvent):
    """好差评: the applicant rated one stage of the case (or the platform filed the locality's default
    rating when none came in time). A 差评 opens a rectification (评必反馈)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.evaluation.EvaluationFiled"
    topic: ClassVar[str] = EVALUATION.name

    evaluation_id: Ident
    item: ItemRef | None = Field(default=None, description="None only for a bundle's overall rating")
    stage: EvaluationStage
    level: RatingLevel
    aspects: tuple[ServiceAspect, ...] = Field(default=(), description="差评分类, for a bad rating")
    channel: EvaluationChannel | None = Field(default=None, description="None for a default rating")
    defaulted: bool = Field(default=False, description="默认评价: no rating within the set time")
    target: EvaluationTarget
    rectification_id: Ident | None = Field(default=None, description="the rectification a follow-up rates")
    evaluator: Actor
    filed_at: UtcDatetime

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        by_platform = self.evaluator.role is ActorRole.PLATFORM
        if not (self.defaulted == by_platform == (self.channel is None)):
            raise ValueError("a default rating is filed by the platform, with no channel; others by a person")
        if not by_platform and self.evaluator.applicant_ref is None:
            raise ValueError("a case is rated by its applicant or their agent")
        if (self.stage is EvaluationStage.OVERALL) != (self.item is None):
            raise ValueError("an overall rating is of the bundle; every other rating is of one item")
        if (self.stage is EvaluationStage.FOLLOW_UP) != (self.rectification_id is not None):
            raise ValueError("a follow-up rating names its rectification, and only a follow-up does")
        if self.aspects and not self.level.bad:
            raise ValueError("aspects classify a bad rating")
        return self


class _CaseOrComplaintEvent(Event):
    """About a case, or about a complaint that names no case: keyed by the case id when there is one."""

    topic: ClassVar[str] = EVALUATION.name

    case_id: CaseId | None = None
    complaint_id: Ident | None = None

    @property
    def subject(self) -> str:
        subject = self.case_id or self.complaint_id
        assert subject is not None  # guaranteed by _keyed
        return subject

    @model_validator(mode="after")
    def _keyed(self) -> Self:
        if self.case_id is None and self.complaint_id is None:
            raise ValueError("a case id or a complaint id is required")
        return self


class ComplaintSource(StrEnum):
    HOTLINE_12345 = "hotline_12345"  # 12345 政务服务便民热线 work order
    ONLINE = "online"  # 吐槽找茬 on the portal
    MOBILE = "mobile"
    WINDOW = "window"


class ComplaintFiled(_CaseOrComplaintEvent):
    """投诉 / 吐槽找茬 / 12345 工单: a complaint, linked to a case when it concerns one, that follows the
    same rectification path as a bad rating."""

    event_type: ClassVar[str] = "cn.gov.onewindow.evaluation.ComplaintFiled"

    complaint_id: Ident
    source: ComplaintSource
    work_order_no: Ident | None = Field(default=None, description="12345 工单编号")
    complainant_ref: ApplicantRef | None = Field(default=None, description="None when anonymous")
    item: ItemRef | None = None
    department_code: DepartmentCode | None = None
    aspects: tuple[ServiceAspect, ...] = Field(min_length=1)
    filed_at: UtcDatetime

    @model_validator(mode="after")
    def _work_order_for_hotline(self) -> Self:
        if (self.source is ComplaintSource.HOTLINE_12345) != (self.work_order_no is not None):
            raise ValueError("a 12345 complaint carries its work-order number, and only it does")
        return self


class RectificationCause(StrEnum):
    BAD_RATING = "bad_rating"  # 差评
    COMPLAINT = "complaint"  # 投诉


class RectificationOpened(_CaseOrComplaintEvent):
    """差评整改: a bad rating or a complaint must be verified, acted on and answered by set working days
    (defaults: verify within 1, rectify within 15; configurable per jurisdiction)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.evaluation.RectificationOpened"

    rectification_id: Ident
    cause: RectificationCause
    evaluation_id: Ident | None = None
    department_code: DepartmentCode = Field(description="the department that must rectify")
    window_ref: Ident | None = None
    verify_due_on: date = Field(description="核实 by this day")
    rectify_due_on: date = Field(description="整改并反馈 by this day")
    opened_by: Actor
    opened_at: UtcDatetime

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.cause is RectificationCause.BAD_RATING and (self.evaluation_id is None or self.case_id is None):
            raise ValueError("a rectification of a bad rating names the rating and its case")
        if self.cause is RectificationCause.COMPLAINT and self.complaint_id is None:
            raise ValueError("a rectification of a complaint names the complaint")
        if self.rectify_due_on < self.verify_due_on:
            raise ValueError("verification comes before rectification")
        return self


class Disposition(StrEnum):
    """差评处置."""

    IMMEDIATE_FIX = "immediate_fix"  # 立行立改
    SCHEDULED_FIX = "scheduled_fix"  # 建立台账限期整改
    EXPLAINED = "explained"  # 解释说明
    APPEALED = "appealed"  # 申诉复核 (the rating is disputed; see AppealDecided)


class RectificationAnswered(_CaseOrComplaintEvent):
    """评必反馈: the applicant was answered with what was done. They may then rate once more (follow-up)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.evaluation.RectificationAnswered"

    rectification_id: Ident
    disposition: Disposition
    answer: Reason = Field(description="what was changed or explained, as told to the applicant")
    on_time: bool
    answered_by: Actor
    answered_at: UtcDatetime


class AppealOutcome(StrEnum):
    UPHELD = "upheld"  # 误评/恶意差评 confirmed: the rating leaves the statistics
    DISMISSED = "dismissed"  # the rating stands


class AppealDecided(CaseEvent):
    """申诉复核: a department disputed a bad rating as mistaken or malicious; the supervisor decided."""

    event_type: ClassVar[str] = "cn.gov.onewindow.evaluation.AppealDecided"
    topic: ClassVar[str] = EVALUATION.name

    appeal_id: Ident
    evaluation_id: Ident
    outcome: AppealOutcome
    reason: Reason
    decided_by: Actor
    decided_at: UtcDatetime

    @model_validator(mode="after")
    def _by_a_supervisor(self) -> Self:
        if self.decided_by.role is not ActorRole.SUPERVISOR:
            raise ValueError("appeals are decided by a supervisor (电子监察)")
        return self
