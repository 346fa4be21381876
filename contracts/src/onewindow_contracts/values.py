"""Values shared by the events of every service: identifiers, actors, references to items and materials.

The identifier types are deliberately loose about *what* an id looks like (the national 办件编号
format is not settled) but strict about the characters allowed, so that an id is always safe as a
Kafka key, a CloudEvents subject and a URL segment.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator


class Value(BaseModel):
    """A value object inside an event: immutable, and unknown fields are an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# Aware datetimes only; any offset is accepted and normalised to UTC so that equal instants compare
# and serialise equal. Date rules (deadlines, working days) are computed in Asia/Shanghai by the services.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]

_ID_CHARS = r"^[0-9A-Za-z][0-9A-Za-z_.:-]*$"
# Identifiers and codes: safe as a Kafka key, a CloudEvents subject and a URL segment.
_ID = StringConstraints(min_length=1, max_length=64, pattern=_ID_CHARS)

Ident = Annotated[
    str, _ID, Field(description="An opaque id minted by the service that owns the thing (escalation, rectification …).")
]
CaseId = Annotated[
    str, _ID, Field(description="办件编号: the case id; the CloudEvents subject and Kafka key of every case event.")
]
ItemCode = Annotated[
    str,
    _ID,
    Field(description="事项编码: a catalogue item's code (基本编码 or 实施编码); the key of catalogue events."),
]
Code = Annotated[
    str, _ID, Field(description="A code from a code table: material type, licence type, bundle, template, rule set.")
]
DepartmentCode = Annotated[
    str, _ID, Field(description="实施主体编码: a department's code (its unified social credit code, or a local code).")
]
RegionCode = Annotated[
    str,
    StringConstraints(pattern=r"^(\d{6}|\d{12})$"),
    Field(description="行政区划代码: 6 digits (county and above) or 12 digits (down to village level)."),
]
Sha256Hex = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="SHA-256 of a document's bytes, lowercase hex: names the document without carrying it."),
]
LicenceId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[0-9A-Za-z][0-9A-Za-z.-]*$"),
    # Loose on purpose: the segments of a GB/T 36904 identifier have no fixed lengths.
    Field(description="电子证照标识 (GB/T 36904 style, e.g. 1.2.156.3005.2.…)."),
]
WorkingDays = Annotated[int, Field(ge=0, le=3650)]

Title = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    Field(description="The name of a thing (an item, a material type, a fee, a licence): never of a person."),
]
Reason = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000),
    Field(
        description="Free text written by staff about the case (a reason, a finding). Never the applicant's own"
        " words, which may hold personal data: those stay in the owning service."
    ),
]

# Identity numbers that must never serve as an opaque reference. An id that looks like one is rejected
# so a careless producer cannot leak a 身份证号, 统一社会信用代码 or mobile number through a "ref".
_IDENTITY_LOOKALIKES = (
    re.compile(r"^\d{17}[\dXx]$"),  # 公民身份号码 (GB 11643)
    re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"),  # 统一社会信用代码 (GB 32100)
    re.compile(r"^(\+?86)?1\d{10}$"),  # mainland mobile number
)


def _opaque(ref: str) -> str:
    if any(pattern.match(ref) for pattern in _IDENTITY_LOOKALIKES):
        raise ValueError("a ref must be an opaque random id, not an identity or phone number")
    return ref


OpaqueRef = Annotated[
    str,
    StringConstraints(min_length=8, max_length=64, pattern=_ID_CHARS),
    AfterValidator(_opaque),
    Field(
        description="A random opaque reference to a person (applicant, staff member). Only the owning service"
        " can map it back to the person; events carry nothing else that identifies them in clear."
    ),
]

ApplicantRef = OpaqueRef


class ApplicantKind(StrEnum):
    """服务对象: who applies."""

    CITIZEN = "citizen"  # 自然人, identified by 公民身份号码
    ENTERPRISE = "enterprise"  # 法人及其他组织, identified by 统一社会信用代码


class ActorRole(StrEnum):
    """The roles of domain.md's actors table, plus the platform itself acting by rule or timer."""

    APPLICANT = "applicant"  # 申请人
    AGENT = "agent"  # 帮办代办
    WINDOW_CLERK = "window_clerk"  # 窗口人员
    DEPARTMENT_REVIEWER = "department_reviewer"  # 部门审批人员
    SUPERVISOR = "supervisor"  # 电子监察
    DEPARTMENT_SYSTEM = "department_system"  # 部门业务系统
    PLATFORM = "platform"  # 秒批 rules, deadline timers, default ratings: no person decided


_DEPARTMENT_ROLES = {ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM}


class Actor(Value):
    """Who did it. An agent (帮办代办) records both identities: `ref` is the agent, `on_behalf_of` the
    applicant, because every act under a delegation must be traceable to both."""

    role: ActorRole
    ref: OpaqueRef
    department_code: DepartmentCode | None = None
    on_behalf_of: ApplicantRef | None = None

    @model_validator(mode="after")
    def _identities_fit_the_role(self) -> Self:
        if (self.role is ActorRole.AGENT) != (self.on_behalf_of is not None):
            raise ValueError("on_behalf_of is required for an agent and only for an agent")
        if self.role in _DEPARTMENT_ROLES and self.department_code is None:
            raise ValueError(f"a {self.role} acts for a department: department_code is required")
        if self.role is ActorRole.APPLICANT and self.department_code is not None:
            raise ValueError("an applicant has no department")
        return self

    @property
    def applicant_ref(self) -> str | None:
        """The applicant this act is attributable to, when it was an applicant's act."""
        if self.role is ActorRole.APPLICANT:
            return self.ref
        return self.on_behalf_of


class ItemRef(Value):
    """A catalogue item at the version the case was accepted under (事项版本: later edits don't apply)."""

    item_code: ItemCode
    item_version: int = Field(ge=1)


class MaterialSource(StrEnum):
    """How a material came to be in the applicant's vault."""

    UPLOADED = "uploaded"  # handed in for this case (online upload or scanned at the window)
    REUSED = "reused"  # 材料复用: still-valid material from an earlier case of the same applicant
    E_LICENCE = "e_licence"  # 免证办: fetched from the certificates service with the applicant's consent
    SHARED_DATA = "shared_data"  # 数据共享: obtained from another department's system


class MaterialRef(Value):
    """申请材料 by reference: which document (id and content hash), of what type, and which departments
    may read it for this case. The document itself stays in the materials vault."""

    material_id: Ident
    type_code: Code
    sha256: Sha256Hex
    source: MaterialSource = MaterialSource.UPLOADED
    licence_id: LicenceId | None = None  # when source is e_licence: the licence that stands in
    granted_to: tuple[DepartmentCode, ...] = ()

    @model_validator(mode="after")
    def _licence_only_for_e_licences(self) -> Self:
        if (self.source is MaterialSource.E_LICENCE) != (self.licence_id is not None):
            raise ValueError("licence_id is given exactly when the material is an e-licence")
        return self


class Channel(StrEnum):
    """受理渠道: how an application reached the window."""

    ONLINE = "online"  # 网上办事大厅 (PC portal)
    MOBILE = "mobile"  # 移动端 (app, mini-program)
    WINDOW = "window"  # 窗口, a clerk at a service centre
    KIOSK = "kiosk"  # 自助终端
    AGENT = "agent"  # 帮办代办, a helper acting for the applicant


class DeliveryMethod(StrEnum):
    """统一出件: how the result goes back to the applicant."""

    WINDOW_PICKUP = "window_pickup"  # 窗口领取
    POST = "post"  # 免费邮寄
    ELECTRONIC = "electronic"  # 电子证照 only, nothing on paper
