"""事项标准化: the service-item catalogue as it reaches the other services (topic catalogue.items).

Intake owns the catalogue and publishes each new item version; every other service keeps the local
copy it needs (approval: time limits, departments, dependencies; evaluation and supervision: names).

Bundles (一件事) are not published: a bundle is intake's way of presenting several items as one
form, and the other services learn all they need of it from the case itself (ApplicationReceived
carries the bundle code and every item).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from onewindow_contracts.base import Event
from onewindow_contracts.topics import CATALOGUE
from onewindow_contracts.values import (
    ApplicantKind,
    Code,
    DepartmentCode,
    ItemCode,
    Reason,
    RegionCode,
    Title,
    UtcDatetime,
    Value,
    WorkingDays,
)


class ItemType(StrEnum):
    """事项类型 (GB/T 39048; the 依申请 kinds a window can receive)."""

    ADMINISTRATIVE_LICENCE = "administrative_licence"  # 行政许可
    ADMINISTRATIVE_CONFIRMATION = "administrative_confirmation"  # 行政确认
    ADMINISTRATIVE_PAYMENT = "administrative_payment"  # 行政给付
    ADMINISTRATIVE_REWARD = "administrative_reward"  # 行政奖励
    ADMINISTRATIVE_ADJUDICATION = "administrative_adjudication"  # 行政裁决
    ADMINISTRATIVE_FILING = "administrative_filing"  # 行政备案
    OTHER_ADMINISTRATIVE_POWER = "other_administrative_power"  # 其他行政权力
    PUBLIC_SERVICE = "public_service"  # 公共服务


class ExerciseLevel(StrEnum):
    """行使层级: the level of government that exercises the item."""

    NATIONAL = "national"  # 国家级
    PROVINCE = "province"  # 省级
    CITY = "city"  # 市级
    COUNTY = "county"  # 县级
    TOWNSHIP = "township"  # 镇（乡、街道）级
    VILLAGE = "village"  # 村（社区）级


class RequiredMaterial(Value):
    """申请材料: a material type the item asks for."""

    type_code: Code
    name: Title
    key: bool = Field(
        description="关键材料: a key material can never be missing at acceptance (容缺 only for non-key)."
    )
    e_licence_type_code: Code | None = Field(
        default=None, description="免证办: an e-licence of this type, when the applicant holds one, stands in."
    )


class Fee(Value):
    """收费项目: amounts in fen (分) as integers, so that no consumer rounds money."""

    name: Title
    amount_fen: int = Field(ge=0)
    basis: Reason


class CatalogueItemVersionPublished(Event):
    """事项发布: a new version of a service item's standard record (三级十同: the same record at province,
    city and county level). Cases keep the version they were accepted under."""

    event_type: ClassVar[str] = "cn.gov.onewindow.intake.CatalogueItemVersionPublished"
    topic: ClassVar[str] = CATALOGUE.name

    item_code: ItemCode
    item_version: int = Field(ge=1)
    name: Title
    item_type: ItemType
    exercise_level: ExerciseLevel
    region_code: RegionCode
    department_code: DepartmentCode = Field(description="实施主体: the department that decides.")
    legal_basis: tuple[Reason, ...] = Field(min_length=1, description="设定依据")
    conditions: tuple[Reason, ...] = Field(default=(), description="受理条件")
    service_objects: tuple[ApplicantKind, ...] = Field(min_length=1, description="服务对象")
    materials: tuple[RequiredMaterial, ...] = ()
    fees: tuple[Fee, ...] = ()
    statutory_days: WorkingDays = Field(description="法定办结时限, working days")
    committed_days: WorkingDays = Field(description="承诺办结时限, working days (never above the statutory limit)")
    fully_online: bool = Field(description="全程网办 / 不见面审批 possible")
    commitment_based: bool = Field(description="告知承诺制: approval on a signed commitment, verified afterwards")
    accept_with_missing: bool = Field(description="容缺受理 allowed for missing non-key materials")
    instant_rule_set: Code | None = Field(
        default=None, description="秒批: the rule set that decides the item; None for human review"
    )
    depends_on: tuple[ItemCode, ...] = Field(
        default=(), description="并联审批: items of the same case this one must wait for; all others run in parallel"
    )
    result_licence_type_code: Code | None = Field(default=None, description="The licence type an approval yields")
    effective_from: date
    published_at: UtcDatetime

    @property
    def subject(self) -> str:
        return self.item_code

    @property
    def instant(self) -> bool:
        """秒批秒办."""
        return self.instant_rule_set is not None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.committed_days > self.statutory_days:
            raise ValueError("the committed time limit cannot exceed the statutory one")
        if self.item_code in self.depends_on:
            raise ValueError("an item cannot depend on itself")
        if self.accept_with_missing and all(material.key for material in self.materials):
            raise ValueError("容缺受理 needs at least one non-key material that may be missing")
        return self
