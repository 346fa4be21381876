"""后台审批: items in their departments, their clocks, and their decisions (topic approval.events).

Deadlines are dates: the Nth working day after acceptance on the official calendar, ending at 24:00
Asia/Shanghai. Every event that moves a deadline carries the new one, so supervision never has to
redo approval's calendar arithmetic. Post-verification of commitments is in `verification`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from onewindow_contracts.base import CaseEvent
from onewindow_contracts.topics import APPROVAL
from onewindow_contracts.values import (
    Actor,
    ActorRole,
    Code,
    DepartmentCode,
    Ident,
    ItemCode,
    ItemRef,
    Reason,
    Sha256Hex,
    UtcDatetime,
    Value,
    WorkingDays,
)

_DECIDERS = {ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM}


class _ApprovalEvent(CaseEvent):
    topic: ClassVar[str] = APPROVAL.name


class ApprovalMode(StrEnum):
    REVIEW = "review"  # 人工审查
    INSTANT = "instant"  # 秒批: decided by rules
    COMMITMENT = "commitment"  # 告知承诺: approved on the signed commitment


class ItemAssigned(_ApprovalEvent):
    """并联审批: an item of the case went to its department, at the same time as the case's other items;
    it waits only for the items the catalogue says it depends on (`waits_for`)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.ItemAssigned"

    item: ItemRef
    department_code: DepartmentCode
    mode: ApprovalMode
    statutory_days: WorkingDays
    committed_days: WorkingDays
    due_on: date = Field(description="承诺办结 deadline: the last working day (24:00 Asia/Shanghai)")
    deadline_provisional: bool = Field(
        default=False, description="the calendar does not cover the year yet: counted on weekends only"
    )
    waits_for: tuple[ItemCode, ...] = ()
    assigned_at: UtcDatetime


class SuspensionReason(StrEnum):
    """Why an item's clock stops. All but correction are 特别程序 (行政许可法 art. 45)."""

    CORRECTION = "correction"  # 补正: the applicant must correct or supplement (a local rule)
    HEARING = "hearing"  # 听证
    TESTING = "testing"  # 检验、检测、检疫
    INSPECTION = "inspection"  # 鉴定、现场勘验
    EXPERT_REVIEW = "expert_review"  # 专家评审
    OTHER_SPECIAL_PROCEDURE = "other_special_procedure"  # 其他特别程序

    @property
    def special_procedure(self) -> bool:
        return self is not SuspensionReason.CORRECTION


class ItemSuspended(_ApprovalEvent):
    """暂停计时: the item waits for the applicant (补正) or for a 特别程序 (hearing, testing, inspection,
    expert review). A special procedure never counts against the time limit; a correction stops the
    clock where the local rule says so (on by default), hence `clock_stopped`."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.ItemSuspended"

    item: ItemRef
    suspension_id: Ident
    reason: SuspensionReason
    requested_type_codes: tuple[Code, ...] = Field(default=(), description="补正: the materials to correct")
    note: Reason = Field(description="what is needed and why; shown to the applicant for a correction")
    legal_basis: Reason | None = None
    clock_stopped: bool = True
    suspended_by: Actor
    suspended_at: UtcDatetime

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.reason.special_procedure and not self.clock_stopped:
            raise ValueError("特别程序 time never counts: the clock stops")
        if (self.reason is SuspensionReason.CORRECTION) != bool(self.requested_type_codes):
            raise ValueError("a correction names the materials to correct, and only a correction does")
        return self


class ItemResumed(_ApprovalEvent):
    """恢复计时: the suspension ended; the deadline moved by exactly the paused working days."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.ItemResumed"

    item: ItemRef
    suspension_id: Ident
    paused_working_days: WorkingDays
    due_on: date
    outcome: Reason | None = Field(default=None, description="特别程序结果, for a special procedure")
    resumed_by: Actor
    resumed_at: UtcDatetime


class ItemExtended(_ApprovalEvent):
    """延期: the time limit was extended with a recorded reason (行政许可法 art. 42)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.ItemExtended"

    item: ItemRef
    extension_days: WorkingDays = Field(ge=1)
    reason: Reason
    legal_basis: Reason | None = None
    due_on: date
    approved_by: Actor
    extended_at: UtcDatetime


class RuleCheck(Value):
    """One machine-checked condition and whether it held; the inputs stay with approval."""

    condition: Code
    passed: bool


class RuleDecision(Value):
    """秒批: the rule set and the checks that decided, recorded as the decision's reason. The inputs are
    identified by their hash, not carried: they may be personal (an age, a residence)."""

    rule_set: Code
    rule_version: int = Field(ge=1)
    checks: tuple[RuleCheck, ...] = Field(min_length=1)
    inputs_sha256: Sha256Hex


class ItemApproved(_ApprovalEvent):
    """准予许可: the item is approved. After 容缺受理 the result stays held (`result_held`) until the
    owed materials arrive (ItemResultReleased); only then is a licence issued."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.ItemApproved"

    item: ItemRef
    department_code: DepartmentCode
    mode: ApprovalMode
    decided_by: Actor
    decided_at: UtcDatetime
    reason: Reason | None = None
    rule_decision: RuleDecision | None = None
    result_held: bool = False

    @model_validator(mode="after")
    def _decided_fittingly(self) -> Self:
        if (self.mode is ApprovalMode.INSTANT) != (self.rule_decision is not None):
            raise ValueError("a rule decision is recorded exactly for 秒批")
        if self.rule_decision is not None:
            if self.decided_by.role is not ActorRole.PLATFORM:
                raise ValueError("秒批 is decided by the platform's rules, not a person")
            if not all(check.passed for check in self.rule_decision.checks):
                raise ValueError("秒批 approves only when every condition held")
        elif self.decided_by.role not in _DECIDERS:
            raise ValueError("an item is decided by its department")
        return self


class ItemResultReleased(_ApprovalEvent):
    """出件放行: the owed materials of a 容缺 case arrived; the held result of an approved item is released
    and its licence may be issued."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.ItemResultReleased"

    item: ItemRef
    released_at: UtcDatetime


class ItemRejected(_ApprovalEvent):
    """不予许可: the department refused the item, with the reason and legal basis the written decision
    gives (and with it the applicant's right to 行政复议 or 行政诉讼)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.ItemRejected"

    item: ItemRef
    department_code: DepartmentCode
    decided_by: Actor
    decided_at: UtcDatetime
    reason: Reason
    legal_basis: Reason

    @model_validator(mode="after")
    def _by_the_department(self) -> Self:
        if self.decided_by.role not in _DECIDERS:
            raise ValueError("an item is refused by its department, never by the window or a rule")
        return self


class TerminationReason(StrEnum):
    SUPPLEMENT_DEADLINE_MISSED = "supplement_deadline_missed"  # 容缺 materials not supplied in time
    WITHDRAWN = "withdrawn"  # 申请人撤回
    FALSE_COMMITMENT = "false_commitment"  # 虚假承诺 found before the decision
    OTHER = "other"


class ItemTerminated(_ApprovalEvent):
    """终止办理: the item ended without a decision on its merits (not completed), with the reason."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.ItemTerminated"

    item: ItemRef
    reason: TerminationReason
    detail: Reason | None = None
    terminated_by: Actor
    terminated_at: UtcDatetime


class ItemResult(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    TERMINATED = "terminated"


class ItemOutcome(ItemRef):
    result: ItemResult


class CaseOutcome(StrEnum):
    """办结结果 of the whole case."""

    APPROVED = "approved"  # 办结（通过）: every item approved
    PARTLY_APPROVED = "partly_approved"  # some items approved, others not
    REJECTED = "rejected"  # 办结（不通过）: nothing approved, at least one item refused
    NOT_COMPLETED = "not_completed"  # every item terminated (withdrawn, deadline missed …)


def case_outcome(results: set[ItemResult]) -> CaseOutcome:
    if results == {ItemResult.APPROVED}:
        return CaseOutcome.APPROVED
    if ItemResult.APPROVED in results:
        return CaseOutcome.PARTLY_APPROVED
    if ItemResult.REJECTED in results:
        return CaseOutcome.REJECTED
    return CaseOutcome.NOT_COMPLETED


class CaseConcluded(_ApprovalEvent):
    """办结: every item of the case has ended; the case's outcome follows from its items'."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.CaseConcluded"

    outcome: CaseOutcome
    items: tuple[ItemOutcome, ...] = Field(min_length=1)
    concluded_at: UtcDatetime

    @model_validator(mode="after")
    def _outcome_follows_items(self) -> Self:
        if self.outcome is not case_outcome({item.result for item in self.items}):
            raise ValueError("the case outcome must follow from its items' results")
        return self
