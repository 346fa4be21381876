"""Settings of the approval service: environment variables prefixed ONEWINDOW_APPROVAL_."""
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_APPROVAL_", extra="ignore")

    database_url: str = "sqlite:///var/approval.db"
