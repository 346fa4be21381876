"""Settings of the supervision service: environment variables prefixed ONEWINDOW_SUPERVISION_."""
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_SUPERVISION_", extra="ignore")

    database_url: str = "sqlite:///var/supervision.db"
    warn_within_working_days: int = 2  # yellow when this many working days or fewer are left
    alert_scan_seconds: float = 15.0  # how often clocks are looked at besides on events
