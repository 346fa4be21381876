"""Settings of the certificates service: environment variables prefixed ONEWINDOW_CERTIFICATES_."""
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_CERTIFICATES_", extra="ignore")

    database_url: str = "sqlite:///var/certificates.db"
