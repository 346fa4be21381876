"""Settings of the evaluation service: environment variables prefixed ONEWINDOW_EVALUATION_."""
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_EVALUATION_", extra="ignore")

    database_url: str = "sqlite:///var/evaluation.db"
