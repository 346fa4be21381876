"""一窗受理: what intake tells the other services about applications (topic intake.events).

Materials events are in `materials`, the catalogue in `catalogue`; both are intake's too.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import Field, model_validator

from onewindow_contracts.base import CaseEvent, Event, Sealed, upcaster
from onewindow_contracts.topics import INTAKE
from onewindow_contracts.values import (
    Actor,
    ActorRole,
    ApplicantKind,
    ApplicantRef,
    Channel,
    Code,
    DeliveryMethod,
    Ident,
    ItemCode,
    ItemRef,
    MaterialRef,
    Reason,
    RegionCode,
    UtcDatetime,
)

APPLICATION_RECEIVED = "cn.gov.onewindow.intake.ApplicationReceived"

_APPLICANT_SIDE = {ActorRole.APPLICANT, ActorRole.AGENT}
# 窗口无权否决 (seed 004): refusing an application is never a window clerk's decision alone.
_MAY_REFUSE = {ActorRole.SUPERVISOR, ActorRole.DEPARTMENT_REVIEWER}


class _IntakeEvent(CaseEvent):
    topic: ClassVar[str] = INTAKE.name


def _check_receiver(applicant_ref: str, channel: Channel, received_by: Actor) -> None:
    if received_by.applicant_ref not in (None, applicant_ref):
        raise ValueError("received_by acts for another applicant")
    if (channel is Channel.AGENT) != (received_by.role is ActorRole.AGENT):
        raise ValueError("the agent channel is exactly the applications an agent hands in")
    if channel is Channel.WINDOW and received_by.role is not ActorRole.WINDOW_CLERK:
        raise ValueError("an application at the window is received by a window clerk")


class ApplicationReceivedV1(_IntakeEvent):
    """申请收件 (version 1, superseded): an application for ONE item, from before bundles (一件事)
    and before the applicant could choose how the result comes back. Decoded as version 2."""

    event_type: ClassVar[str] = APPLICATION_RECEIVED

    applicant_ref: ApplicantRef
    applicant_kind: ApplicantKind
    region_code: RegionCode
    channel: Channel
    received_by: Actor
    received_at: UtcDatetime
    item_code: ItemCode
    item_version: int = Field(ge=1)
    materials: tuple[MaterialRef, ...] = ()
    contact: Sealed | None = None


class ApplicationReceived(_IntakeEvent):
    """申请收件: an application arrived through one window (一窗受理) with one form and one set of
    materials (一表申请、一套材料) for one item or a whole bundle (一件事一次办). Not yet accepted:
    the clock starts at ApplicationAccepted."""

    event_type: ClassVar[str] = APPLICATION_RECEIVED
    version: ClassVar[int] = 2

    applicant_ref: ApplicantRef
    applicant_kind: ApplicantKind
    region_code: RegionCode = Field(description="区划代码 of the service centre or portal that received it")
    channel: Channel
    received_by: Actor
    received_at: UtcDatetime
    bundle_code: Code | None = Field(default=None, description="一件事 applied for; None for a single item")
    items: tuple[ItemRef, ...] = Field(min_length=1)
    materials: tuple[MaterialRef, ...] = Field(default=(), description="materials in the vault, not yet shared")
    delivery_method: DeliveryMethod = DeliveryMethod.WINDOW_PICKUP
    contact: Sealed | None = Field(default=None, description="phone or e-mail for notify, sealed")
    delivery_address: Sealed | None = Field(default=None, description="postal address for 免费邮寄, sealed")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_receiver(self.applicant_ref, self.channel, self.received_by)
        if len({item.item_code for item in self.items}) != len(self.items):
            raise ValueError("an item appears twice in one application")
        if (self.delivery_method is DeliveryMethod.POST) != (self.delivery_address is not None):
            raise ValueError("a postal address is given exactly when the result is posted")
        return self


@upcaster(APPLICATION_RECEIVED, from_version=1)
def _application_received_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 application named one item and had no bundle; its result was always picked up at the
    window (统一窗口出件), the only way there was then."""
    upcast = {key: value for key, value in data.items() if key not in ("item_code", "item_version")}
    upcast["items"] = [{"item_code": data["item_code"], "item_version": data["item_version"]}]
    upcast["bundle_code"] = None
    upcast["delivery_method"] = DeliveryMethod.WINDOW_PICKUP.value
    upcast["delivery_address"] = None
    return upcast


class AcceptedItem(ItemRef):
    """An item of an accepted case, with how it was accepted."""

    missing_type_codes: tuple[Code, ...] = Field(default=(), description="容缺: non-key materials still owed")
    on_commitment: bool = Field(default=False, description="告知承诺: approve on the signed commitment")


class ApplicationAccepted(_IntakeEvent):
    """受理: the application is accepted and each item's clock starts (the day of acceptance itself is
    not counted). With missing non-key materials this is 容缺受理: review proceeds, the result is held
    until the materials arrive by `supplement_due_on`."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.ApplicationAccepted"

    accepted_by: Actor
    accepted_at: UtcDatetime
    notice_no: Ident = Field(description="受理通知书编号")
    items: tuple[AcceptedItem, ...] = Field(min_length=1)
    supplement_due_on: date | None = Field(default=None, description="补齐期限, the last day (Asia/Shanghai)")

    @property
    def with_missing_materials(self) -> bool:
        return any(item.missing_type_codes for item in self.items)

    @model_validator(mode="after")
    def _deadline_iff_missing(self) -> Self:
        if self.with_missing_materials != (self.supplement_due_on is not None):
            raise ValueError("a supplement deadline is set exactly when materials are missing")
        return self


class ApplicationNotAccepted(_IntakeEvent):
    """不予受理: the application is refused, with the reason and its legal basis. Never a window clerk's
    decision alone (窗口无权否决): a clerk escalates, and a supervisor or the department decides."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.ApplicationNotAccepted"

    decided_by: Actor
    decided_at: UtcDatetime
    reason: Reason
    legal_basis: Reason | None = None
    notice_no: Ident = Field(description="不予受理通知书编号")
    escalation_id: Ident | None = None

    @model_validator(mode="after")
    def _not_by_the_window(self) -> Self:
        if self.decided_by.role not in _MAY_REFUSE:
            raise ValueError("only a supervisor or a department reviewer may refuse an application")
        return self


class ApplicationEscalated(_IntakeEvent):
    """提请审核: a window clerk who cannot accept an application passes it to a supervisor."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.ApplicationEscalated"

    escalation_id: Ident
    escalated_by: Actor
    escalated_at: UtcDatetime
    reason: Reason


class EscalationDecision(StrEnum):
    ACCEPT = "accept"  # 受理
    ACCEPT_WITH_MISSING = "accept_with_missing"  # 容缺受理
    NOT_ACCEPT = "not_accept"  # 不予受理


class EscalationDecided(_IntakeEvent):
    """审核决定: a supervisor or the department decided an escalated application. ApplicationAccepted or
    ApplicationNotAccepted follows."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.EscalationDecided"

    escalation_id: Ident
    decision: EscalationDecision
    decided_by: Actor
    decided_at: UtcDatetime
    reason: Reason

    @model_validator(mode="after")
    def _not_by_the_window(self) -> Self:
        if self.decided_by.role not in _MAY_REFUSE:
            raise ValueError("escalations are decided by a supervisor or a department reviewer")
        return self


class ApplicationWithdrawn(_IntakeEvent):
    """撤件: the applicant (or their agent) withdrew the application; open items end."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.ApplicationWithdrawn"

    withdrawn_by: Actor
    withdrawn_at: UtcDatetime
    reason: Reason | None = None

    @model_validator(mode="after")
    def _by_the_applicant(self) -> Self:
        if self.withdrawn_by.role not in _APPLICANT_SIDE:
            raise ValueError("only the applicant or their agent withdraws an application")
        return self


class DelegatedAct(StrEnum):
    APPLY = "apply"
    SUPPLEMENT = "supplement"
    TRACK = "track"
    EVALUATE = "evaluate"


class DelegationRecorded(_IntakeEvent):
    """帮办代办: an applicant delegated acts on this case to a service-centre helper, under a signed
    authorisation (授权委托书). Every later act of the agent names both identities."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.DelegationRecorded"

    delegation_id: Ident
    applicant_ref: ApplicantRef
    agent: Actor
    acts: tuple[DelegatedAct, ...] = Field(min_length=1)
    authorisation: MaterialRef
    recorded_at: UtcDatetime
    valid_until: UtcDatetime | None = None

    @model_validator(mode="after")
    def _agent_for_this_applicant(self) -> Self:
        if self.agent.role is not ActorRole.AGENT or self.agent.on_behalf_of != self.applicant_ref:
            raise ValueError("the delegate is an agent acting on behalf of this applicant")
        return self


class CommitmentSigned(_IntakeEvent):
    """告知承诺: the applicant signed a commitment that the item's conditions are met, after being told
    once, in writing, what must be true and what a false commitment costs. Approval follows at once;
    the claim is verified afterwards (先证后核)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.CommitmentSigned"

    commitment_id: Ident
    item: ItemRef
    notice_version: Code = Field(description="告知书 version the applicant was shown")
    commitment: MaterialRef = Field(description="the signed 承诺书, in the vault")
    signed_by: Actor
    signed_at: UtcDatetime

    @model_validator(mode="after")
    def _by_the_applicant(self) -> Self:
        if self.signed_by.role not in _APPLICANT_SIDE:
            raise ValueError("a commitment is signed by the applicant or their agent")
        return self


class ErasureReason(StrEnum):
    APPLICANT_REQUEST = "applicant_request"  # 个人信息删除 on request
    RETENTION_EXPIRED = "retention_expired"  # 保存期满


class PersonalDataErased(_IntakeEvent):
    """个人信息删除: the applicant's data key was destroyed, so every Sealed value under `key_id` is now
    unreadable everywhere (crypto-shredding). Published once per case of the applicant so that each
    case's stream records it; consumers drop any clear copies they derived."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.PersonalDataErased"

    applicant_ref: ApplicantRef
    key_id: Ident
    reason: ErasureReason
    erased_at: UtcDatetime


class ApplicantErased(Event):
    """个人信息删除, once per applicant: what PersonalDataErased says on each case stream, said for the
    person, so that what a service holds of them outside any case (a complaint filed without a case
    number, an applicant who never applied) is dropped too. Its subject and Kafka key are the applicant
    ref, an opaque id, never an identity number."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.ApplicantErased"
    topic: ClassVar[str] = INTAKE.name

    applicant_ref: ApplicantRef
    key_id: Ident
    reason: ErasureReason
    cases: int = Field(ge=0, description="how many of the applicant's cases recorded PersonalDataErased")
    erased_at: UtcDatetime

    @property
    def subject(self) -> str:
        return self.applicant_ref
