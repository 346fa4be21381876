"""电子证照: licences issued for approved items, and their revocation (topic certificates.events).

A department system that subscribes here (the tax bureau opening a record for a new business
licence) learns who holds the licence only through `holder_code`, sealed; it reads anything more
through the shared-materials endpoint with its grant.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from onewindow_contracts.base import CaseEvent, Sealed
from onewindow_contracts.topics import CERTIFICATES
from onewindow_contracts.values import (
    Actor,
    ApplicantKind,
    ApplicantRef,
    CaseId,
    Code,
    DepartmentCode,
    Ident,
    ItemRef,
    LicenceId,
    Reason,
    RegionCode,
    Sha256Hex,
    Title,
    UtcDatetime,
)


class _CertificatesEvent(CaseEvent):
    topic: ClassVar[str] = CERTIFICATES.name


class LicenceIssued(_CertificatesEvent):
    """电子证照签发: an approved item yielded a licence signed by the issuing authority. Its QR code
    verifies offline with the authority's public key (`signing_key_id`); revocation is learnt online."""

    event_type: ClassVar[str] = "cn.gov.onewindow.certificates.LicenceIssued"

    licence_id: LicenceId = Field(description="证照标识 (GB/T 36904)")
    licence_no: Ident = Field(description="证照编号, as printed")
    licence_type_code: Code = Field(description="证照类型代码")
    licence_name: Title = Field(description="证照名称, e.g. 食品经营许可证")
    item: ItemRef
    holder_ref: ApplicantRef
    holder_kind: ApplicantKind
    holder_code: Sealed = Field(description="持证主体代码 (身份证号 or 统一社会信用代码), sealed")
    issuer_code: DepartmentCode = Field(description="颁发机构代码")
    region_code: RegionCode
    valid_from: date
    valid_until: date | None = Field(default=None, description="None: valid without end (长期)")
    document_sha256: Sha256Hex = Field(description="hash of the signed licence file (OFD/PDF)")
    signing_key_id: Ident
    issued_at: UtcDatetime

    @model_validator(mode="after")
    def _validity(self) -> Self:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("a licence cannot expire before it starts")
        return self


class RevocationReason(StrEnum):
    FALSE_COMMITMENT = "false_commitment"  # 撤销: 虚假承诺 found in 先证后核
    ISSUED_IN_ERROR = "issued_in_error"  # 撤销: 错误颁发
    HOLDER_REQUEST = "holder_request"  # 注销 at the holder's request
    SUPERSEDED = "superseded"  # 换发: replaced by a new licence


class LicenceRevoked(_CertificatesEvent):
    """电子证照撤销/注销: the licence is no longer valid; online verification reports it revoked.
    `case_id` is the case the licence was issued under."""

    event_type: ClassVar[str] = "cn.gov.onewindow.certificates.LicenceRevoked"

    licence_id: LicenceId
    reason: RevocationReason
    detail: Reason | None = None
    cause_case_id: CaseId | None = Field(default=None, description="the case that led to it, if another")
    revoked_by: Actor
    revoked_at: UtcDatetime
