"""Settings of the intake service: environment variables prefixed ONEWINDOW_INTAKE_."""
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_INTAKE_", extra="ignore")

    database_url: str = "sqlite:///var/intake.db"
