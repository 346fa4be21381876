"""Settings of the evaluation service: environment variables prefixed ONEWINDOW_EVALUATION_."""
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings
from onewindow_contracts.evaluation import RatingLevel


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_EVALUATION_", extra="ignore")

    database_url: str = "sqlite:///var/evaluation.db"
    default_rating_days: int = 7  # natural days after a stage becomes ratable before the default rating
    default_rating_level: RatingLevel = RatingLevel.VERY_SATISFIED  # Guangxi: 7 days → 非常满意
    verify_working_days: int = 1  # 核实 within
    rectify_working_days: int = 15  # 整改并反馈 within
    # Per jurisdiction (区划代码 → [verify, rectify] working days), e.g. {"140100": [1, 10]} for Taiyuan.
    jurisdiction_deadlines: dict[str, tuple[int, int]] = {}
    # The service centre answering for acceptance and bundles: region code → department code; else
    # "<region>-ZWFWZX" (政务服务中心).
    centre_departments: dict[str, str] = {}
