"""Settings of the notify service: environment variables prefixed ONEWINDOW_NOTIFY_."""
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_NOTIFY_", extra="ignore")

    database_url: str = "sqlite:///var/notify.db"
