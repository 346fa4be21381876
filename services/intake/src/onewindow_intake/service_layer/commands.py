"""What people ask intake to do. Entry points turn requests into these; handlers carry them out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from onewindow_contracts.intake import EscalationDecision
from onewindow_contracts.values import Actor, ApplicantKind, Channel, DeliveryMethod


@dataclass(frozen=True)
class Identity:
    """The applicant as a clerk knows them at the window: kind, identity number, name. Kept sealed."""

    kind: ApplicantKind
    number: str  # 公民身份号码 or 统一社会信用代码
    name: str


@dataclass(frozen=True)
class UploadMaterial:
    actor: Actor
    applicant_ref: str
    type_code: str
    content: bytes
    filename: str
    valid_until: date | None = None


@dataclass(frozen=True)
class SubmitApplication:
    """一表申请、一套材料: one form and one set of materials for a bundle or for items."""

    actor: Actor
    applicant_ref: str
    applicant_kind: ApplicantKind
    channel: Channel
    region_code: str
    bundle_code: str | None = None
    item_codes: tuple[str, ...] = ()
    answers: dict[str, Any] = field(default_factory=dict)
    material_ids: tuple[str, ...] = ()
    commitments: tuple[str, ...] = ()  # items whose 告知承诺书 the applicant signs
    delivery_method: DeliveryMethod = DeliveryMethod.WINDOW_PICKUP
    delivery_address: str | None = None
    use_e_licences: bool = True  # 免证办: consent to fetch held licences instead of asking for copies


@dataclass(frozen=True)
class GrantDelegation:
    """帮办代办: the applicant authorises an agent, with a signed 授权委托书 from the vault."""

    actor: Actor
    agent_ref: str
    acts: tuple[str, ...]
    authorisation_material_id: str
    valid_until: datetime | None = None


@dataclass(frozen=True)
class AcceptApplication:
    actor: Actor
    case_id: str
    allow_missing: bool = False  # 容缺受理


@dataclass(frozen=True)
class EscalateApplication:
    actor: Actor
    case_id: str
    reason: str


@dataclass(frozen=True)
class DecideEscalation:
    actor: Actor
    case_id: str
    decision: EscalationDecision
    reason: str
    legal_basis: str | None = None


@dataclass(frozen=True)
class WithdrawApplication:
    actor: Actor
    case_id: str
    reason: str | None = None


@dataclass(frozen=True)
class SupplementMaterials:
    actor: Actor
    case_id: str
    material_ids: tuple[str, ...]


@dataclass(frozen=True)
class ReadMaterial:
    """A department reads a shared material under its grant, for a stated purpose (用途). `read_key`: the
    reader's own name for this read (Idempotency-Key), so a read it repeats after a crash is recorded once."""

    actor: Actor
    case_id: str
    material_id: str
    purpose: str
    read_key: str | None = None
