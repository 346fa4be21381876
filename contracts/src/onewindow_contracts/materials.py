"""数据共享、材料互认: materials as intake shares them with departments (topic intake.events).

Only references travel: id, type, content hash and the departments granted. A department reads the
document itself through intake's audited materials endpoint with its grant, and every read is
published (MaterialAccessed) so the supervisor's timeline shows who looked, when and why.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from onewindow_contracts.base import CaseEvent
from onewindow_contracts.topics import INTAKE
from onewindow_contracts.values import Actor, Code, Ident, MaterialRef, Reason, Sha256Hex, UtcDatetime


class _MaterialsEvent(CaseEvent):
    topic: ClassVar[str] = INTAKE.name


class MaterialsShared(_MaterialsEvent):
    """材料共享: materials of this case were granted to the departments that need them (an explicit
    grant per department and case). Each reference lists the departments it was granted to."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.MaterialsShared"

    materials: tuple[MaterialRef, ...] = Field(min_length=1)
    shared_by: Actor
    shared_at: UtcDatetime

    @model_validator(mode="after")
    def _every_material_granted(self) -> Self:
        if any(not material.granted_to for material in self.materials):
            raise ValueError("a shared material names the departments it is granted to")
        return self


class SupplementCause(StrEnum):
    MISSING_AT_ACCEPTANCE = "missing_at_acceptance"  # 容缺补齐: owed since 容缺受理
    CORRECTION_REQUESTED = "correction_requested"  # 补正: a reviewer asked (ItemSuspended)


class MaterialsSupplemented(_MaterialsEvent):
    """补齐补正: the applicant handed in materials that were owed (容缺) or asked to be corrected (补正).
    When nothing is outstanding any more, held results are released and suspended clocks resume."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.MaterialsSupplemented"

    cause: SupplementCause
    suspension_id: Ident | None = Field(default=None, description="the 补正 request answered, if any")
    materials: tuple[MaterialRef, ...] = Field(min_length=1)
    outstanding_type_codes: tuple[Code, ...] = Field(default=(), description="still owed; empty when complete")
    supplemented_by: Actor
    supplemented_at: UtcDatetime

    @property
    def complete(self) -> bool:
        return not self.outstanding_type_codes

    @model_validator(mode="after")
    def _correction_names_its_request(self) -> Self:
        if (self.cause is SupplementCause.CORRECTION_REQUESTED) != (self.suspension_id is not None):
            raise ValueError("a correction answers exactly one suspension; a 容缺 supplement none")
        return self


class SupplementDeadlineMissed(_MaterialsEvent):
    """补齐逾期: materials owed since 容缺受理 did not arrive by the promised day. The case ends as not
    completed, with this as its reason."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.SupplementDeadlineMissed"

    due_on: date
    missing_type_codes: tuple[Code, ...] = Field(min_length=1)
    detected_at: UtcDatetime


class MaterialAccessed(_MaterialsEvent):
    """材料调阅: someone read a shared material of this case under a grant, for a stated purpose
    (用途/事由, mandatory). The audit trail of 一处填报、全网通用."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.MaterialAccessed"

    material_id: Ident
    type_code: Code
    sha256: Sha256Hex
    accessed_by: Actor
    purpose: Reason
    accessed_at: UtcDatetime
