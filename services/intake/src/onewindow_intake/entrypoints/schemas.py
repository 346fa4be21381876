"""The shapes of intake's HTTP requests and replies."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from onewindow_contracts.intake import DelegatedAct, EscalationDecision
from onewindow_contracts.values import ApplicantKind, Channel, DeliveryMethod


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityIn(Strict):
    """The applicant as the window knows them (only a clerk or an agent names one)."""

    kind: ApplicantKind
    number: str = Field(min_length=15, max_length=18, pattern=r"^[0-9A-Z]+$",
                        description="公民身份号码 or 统一社会信用代码")
    name: str = Field(min_length=1, max_length=100)


class ApplicationIn(Strict):
    bundle_code: str | None = Field(default=None, max_length=64)
    item_codes: list[str] = Field(default_factory=list, max_length=30)
    answers: dict[str, Any] = Field(default_factory=dict, max_length=200)
    material_ids: list[str] = Field(default_factory=list, max_length=100)
    commitments: list[str] = Field(default_factory=list, max_length=30, description="items whose 告知承诺书 is signed")
    delivery_method: DeliveryMethod = DeliveryMethod.WINDOW_PICKUP
    delivery_address: str | None = Field(default=None, min_length=5, max_length=300,
                                         description="免费邮寄: where the result is posted (kept sealed)")
    channel: Channel | None = Field(default=None, description="online or mobile for applicants; set by role otherwise")
    applicant_kind: ApplicantKind | None = Field(default=None, description="for an applicant applying themself")
    applicant: IdentityIn | None = Field(default=None, description="for a clerk applying at the window")
    applicant_ref: str | None = Field(default=None, max_length=64, description="for an agent: whom they act for")
    region_code: str | None = Field(default=None, pattern=r"^(\d{6}|\d{12})$")
    use_e_licences: bool = True


class DelegationIn(Strict):
    agent_ref: str = Field(min_length=8, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z_.:-]*$")
    acts: list[DelegatedAct] = Field(min_length=1, max_length=4)
    authorisation_material_id: str = Field(max_length=64, description="the signed 授权委托书, uploaded first")
    valid_until: datetime | None = None


class AcceptanceIn(Strict):
    allow_missing: bool = Field(default=False, description="容缺受理")


class EscalationIn(Strict):
    reason: str = Field(min_length=2, max_length=2000)


class DecisionIn(Strict):
    decision: EscalationDecision
    reason: str = Field(min_length=2, max_length=2000)
    legal_basis: str | None = Field(default=None, max_length=2000)


class WithdrawalIn(Strict):
    reason: str | None = Field(default=None, max_length=2000)


class SupplementIn(Strict):
    material_ids: list[str] = Field(min_length=1, max_length=50)


class MaterialOut(BaseModel):
    material_id: str
    type_code: str
    sha256: str
    size: int
    media_type: str
    filename: str
    source: str
    valid_until: date | None
    uploaded_at: datetime


class CaseOut(BaseModel):
    case_id: str
    status: str
    applicant_ref: str
    channel: str
    bundle_code: str | None
    items: list[dict[str, Any]]
    materials: list[dict[str, Any]]
    owed: dict[str, list[str]]
    supplement_due_on: date | None
    on_commitment: list[str]
    commitments: dict[str, dict[str, Any]]
    escalation_id: str | None
