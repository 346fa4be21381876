"""电子证照: a licence as GB/T 36903 describes it (its metadata), issued once and perhaps revoked.

Its history is one event stream per approved item, `licence:<case>:<item>`: LicenceIssued at version
1, LicenceRevoked at version 2. Appending the issue at expected version 0 is what makes issuing at
most once per case and item, however often the approval is heard.

The holder appears only as the applicant's opaque ref and the kind of number that identifies them
(持证主体代码类型: 111 公民身份号码, 001 统一社会信用代码); the number itself is never in clear here.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from onewindow_contracts.base import Event, Sealed
from onewindow_contracts.certificates import LicenceIssued, LicenceRevoked, RevocationReason
from onewindow_contracts.values import Actor, ApplicantKind, ItemRef

from .identifier import LicenceIdentifier
from .register import Issuer, LicenceType


class HolderIdType(StrEnum):
    """持证主体代码类型 (as cited to GB/T 36903)."""

    CITIZEN_ID = "111"  # 公民身份号码
    CREDIT_CODE = "001"  # 统一社会信用代码

    @classmethod
    def of(cls, kind: ApplicantKind) -> HolderIdType:
        return cls.CITIZEN_ID if kind is ApplicantKind.CITIZEN else cls.CREDIT_CODE


class LicenceStatus(StrEnum):
    ISSUED = "issued"  # 已签发
    REVOKED = "revoked"  # 已撤销/注销


class Standing(StrEnum):
    """What a verifier learns of a licence shown to them (亮证核验)."""

    VALID = "valid"  # 有效
    NOT_YET_VALID = "not_yet_valid"  # 未到有效期
    EXPIRED = "expired"  # 已过期
    REVOKED = "revoked"  # 已撤销 (learnt online only)
    FORGED = "forged"  # 验签失败: altered, or not signed by a trusted key


def stream_id(case_id: str, item_code: str) -> str:
    return f"licence:{case_id}:{item_code}"


def serial_for(stream: str, issued_on: date) -> str:
    """流水号: the issue date and 8 digits drawn from the case and item, so that the same approval
    always yields the same identifier and no counter has to be shared between instances."""
    draw = int.from_bytes(hashlib.sha256(stream.encode()).digest()[:8], "big") % 10**8
    return f"{issued_on:%Y%m%d}{draw:08d}"


def valid_until(valid_from: date, years: int | None) -> date | None:
    """The last valid day: the day before the `years`-th anniversary. A licence from 29 February ends on
    28 February of a common year (the last day of the month, as 民法典 art. 202 ends periods)."""
    if years is None:
        return None
    try:
        anniversary = valid_from.replace(year=valid_from.year + years)
    except ValueError:  # 29 February in a common year: its anniversary is 1 March
        anniversary = date(valid_from.year + years, 3, 1)
    return date.fromordinal(anniversary.toordinal() - 1)


@dataclass(frozen=True)
class Licence:
    """GB/T 36903 metadata, and where the licence stands."""

    case_id: str
    item: ItemRef
    licence_id: str  # 证照标识 (GB/T 36904)
    licence_no: str  # 证照编号, as printed
    name: str  # 证照名称 (also the licence type's name)
    type_code: str  # 证照类型代码, as the catalogue names it
    issuer_code: str  # 颁发机构代码 (the department)
    issuer_name: str  # 颁发机构
    issued_on: date  # 颁发日期 (Asia/Shanghai)
    holder_ref: str  # 持证主体, by opaque ref
    holder_kind: ApplicantKind
    region_code: str  # 所属区划
    valid_from: date
    valid_until: date | None  # None: 长期
    status: LicenceStatus = LicenceStatus.ISSUED
    revoked_at: datetime | None = None
    revocation_reason: RevocationReason | None = None

    @property
    def holder_id_type(self) -> HolderIdType:
        return HolderIdType.of(self.holder_kind)

    @property
    def stream_id(self) -> str:
        return stream_id(self.case_id, self.item.item_code)

    @classmethod
    def draft(cls, *, case_id: str, item: ItemRef, licence_type: LicenceType, issuer: Issuer, issued_on: date,
              holder_ref: str, holder_kind: ApplicantKind, region_code: str) -> Licence:
        """The licence an approved item yields, before it is signed."""
        serial = serial_for(stream_id(case_id, item.item_code), issued_on)
        identifier = LicenceIdentifier(licence_type.national_code, issuer.identifier_code, serial)
        return cls(case_id=case_id, item=item, licence_id=str(identifier),
                   licence_no=f"{licence_type.number_prefix}{serial}", name=licence_type.name,
                   type_code=licence_type.code, issuer_code=issuer.department_code, issuer_name=issuer.name,
                   issued_on=issued_on, holder_ref=holder_ref, holder_kind=holder_kind, region_code=region_code,
                   valid_from=issued_on, valid_until=valid_until(issued_on, licence_type.valid_years))

    def issued(self, *, holder_code: Sealed, document_sha256: str, signing_key_id: str, at: datetime) -> LicenceIssued:
        return LicenceIssued(
            case_id=self.case_id, licence_id=self.licence_id, licence_no=self.licence_no,
            licence_type_code=self.type_code, licence_name=self.name, item=self.item, holder_ref=self.holder_ref,
            holder_kind=self.holder_kind, holder_code=holder_code, issuer_code=self.issuer_code,
            region_code=self.region_code, valid_from=self.valid_from, valid_until=self.valid_until,
            document_sha256=document_sha256, signing_key_id=signing_key_id, issued_at=at)

    def revoke(self, reason: RevocationReason, by: Actor, at: datetime, *, detail: str | None = None,
               cause_case_id: str | None = None) -> list[Event]:
        """撤销: nothing more to say of a licence already revoked (a repeated finding changes nothing)."""
        if self.status is LicenceStatus.REVOKED:
            return []
        return [LicenceRevoked(case_id=self.case_id, licence_id=self.licence_id, reason=reason, detail=detail,
                               cause_case_id=cause_case_id, revoked_by=by, revoked_at=at)]

    def standing_on(self, day: date) -> Standing:
        if self.status is LicenceStatus.REVOKED:
            return Standing.REVOKED
        return validity_on(day, self.valid_from, self.valid_until)

    @classmethod
    def fold(cls, events: Sequence[Event], issuer_name: str) -> Licence:
        """The licence from its stream (issuer names are the register's, not the events')."""
        issued = events[0]
        if not isinstance(issued, LicenceIssued):
            raise ValueError("a licence stream starts with LicenceIssued")
        licence = cls(case_id=issued.case_id, item=issued.item, licence_id=issued.licence_id,
                      licence_no=issued.licence_no, name=issued.licence_name, type_code=issued.licence_type_code,
                      issuer_code=issued.issuer_code, issuer_name=issuer_name, issued_on=issued.valid_from,
                      holder_ref=issued.holder_ref, holder_kind=issued.holder_kind, region_code=issued.region_code,
                      valid_from=issued.valid_from, valid_until=issued.valid_until)
        for event in events[1:]:
            licence = licence.applied(event)
        return licence

    def applied(self, event: Event) -> Licence:
        """The licence after one more event of its stream."""
        if isinstance(event, LicenceRevoked):
            return replace(self, status=LicenceStatus.REVOKED, revoked_at=event.revoked_at,
                           revocation_reason=event.reason)
        return self


def validity_on(day: date, valid_from: date, until: date | None) -> Standing:
    """Validity is by calendar day in Asia/Shanghai, both ends included."""
    if day < valid_from:
        return Standing.NOT_YET_VALID
    if until is not None and day > until:
        return Standing.EXPIRED
    return Standing.VALID
