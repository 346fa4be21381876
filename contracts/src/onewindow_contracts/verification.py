"""先证后核: after a commitment-based approval (告知承诺制) the claim is verified, and a false commitment
marks the applicant's credit (信用监管). Produced by approval (topic approval.events).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from onewindow_contracts.base import CaseEvent
from onewindow_contracts.topics import APPROVAL
from onewindow_contracts.values import Actor, ApplicantRef, Ident, ItemRef, Reason, UtcDatetime


class _VerificationEvent(CaseEvent):
    topic: ClassVar[str] = APPROVAL.name


class VerificationSelection(StrEnum):
    """Why this commitment is verified."""

    RANDOM_SAMPLE = "random_sample"  # 双随机抽查
    RISK_BASED = "risk_based"  # 重点核查
    COMPLAINT = "complaint"  # 投诉举报
    FULL = "full"  # 全覆盖核查 (the item's rule: every commitment)


class VerificationMethod(StrEnum):
    DOCUMENT_CHECK = "document_check"  # 书面核查
    DATA_COMPARISON = "data_comparison"  # 数据比对
    ON_SITE_INSPECTION = "on_site_inspection"  # 现场核查


class PostVerificationOpened(_VerificationEvent):
    """核查启动: a commitment-based approval is to be verified, by a method and a deadline."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.PostVerificationOpened"

    commitment_id: Ident
    item: ItemRef
    selection: VerificationSelection
    method: VerificationMethod
    due_on: date
    opened_at: UtcDatetime


class VerificationOutcome(StrEnum):
    CONFIRMED = "confirmed"  # 承诺属实
    FALSE = "false"  # 虚假承诺: licence revoked, credit marked


class CommitmentVerified(_VerificationEvent):
    """核查结果: the commitment was checked and found true, or false (then the licence is revoked and
    the applicant's credit is marked)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.CommitmentVerified"

    commitment_id: Ident
    item: ItemRef
    outcome: VerificationOutcome
    method: VerificationMethod
    findings: Reason | None = None
    verified_by: Actor
    verified_at: UtcDatetime

    @model_validator(mode="after")
    def _false_needs_findings(self) -> Self:
        if self.outcome is VerificationOutcome.FALSE and self.findings is None:
            raise ValueError("a false commitment is recorded with the findings")
        return self


class CreditMark(StrEnum):
    FALSE_COMMITMENT = "false_commitment"  # 虚假承诺


class CreditMarked(_VerificationEvent):
    """失信记录: the applicant's credit record is marked (失信者寸步难行); while it stands they may not use
    commitment-based approval and must hand in full materials. `case_id` is the case that caused it."""

    event_type: ClassVar[str] = "cn.gov.onewindow.approval.CreditMarked"

    applicant_ref: ApplicantRef
    mark: CreditMark
    commitment_id: Ident | None = None
    bars_commitment_until: date | None = Field(
        default=None, description="None: until the credit is repaired (信用修复)"
    )
    marked_by: Actor
    marked_at: UtcDatetime
