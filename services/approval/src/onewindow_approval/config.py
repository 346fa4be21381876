"""Settings of the approval service: environment variables prefixed ONEWINDOW_APPROVAL_."""
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_APPROVAL_", extra="ignore")

    database_url: str = "sqlite:///var/approval.db"
    intake_url: str = "http://127.0.0.1:8000/intake"  # where 申请表 are read for 秒批
    intake_token: str | None = None  # a client-credentials token; the development issuer mints one otherwise
    verification_rate: float = 0.1  # 先证后核: share of commitments drawn for verification
    verification_seed: str = "onewindow"
    pause_on_correction: bool = True  # local rule: 补正 stops the clock
