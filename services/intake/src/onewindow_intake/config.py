"""Settings of the intake service: environment variables prefixed ONEWINDOW_INTAKE_."""
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_INTAKE_", extra="ignore")

    database_url: str = "sqlite:///var/intake.db"
    region_code: str = "330100"  # 区划代码 of this service centre; counties inherit their city's catalogue
    catalogue_path: Path | None = None  # None: the demo catalogue shipped with the service
    publish_catalogue_on_start: bool = True  # unchanged items add no version
    supplement_working_days: int = 5  # 容缺: default time to supplement, never beyond an item's committed limit
    certificates_url: str | None = None  # 免证办: where held licences are fetched; None asks for copies
    certificates_token: str | None = None  # a client-credentials token; the development issuer mints one otherwise
    # 保管期限 of a case file, in years from 1 January after it closed; then the applicant's keys are erased.
    # 30: the longer 定期 term of 《机关文件材料归档范围和文书档案保管期限规定》 (docs/erasure.md).
    erasure_retention_years: int = Field(default=30, ge=0, le=100)
    # The province's 保管期限表 where an item's files are kept otherwise: item code -> years, or "permanent"
    # (永久: the applicant's personal data is kept with the file). JSON in the environment variable.
    erasure_retention_by_item: dict[str, Annotated[int, Field(ge=0, le=100)] | Literal["permanent"]] = Field(
        default_factory=dict)
