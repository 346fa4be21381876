"""Settings of the notify service: environment variables prefixed ONEWINDOW_NOTIFY_."""
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_NOTIFY_", extra="ignore")

    database_url: str = "sqlite:///var/notify.db"
    # SMS: the gateway port's default sink appends one JSON line per message (numbers masked) to this file.
    sms_outbox_path: Path = Path("var/sms-outbox.jsonl")
    sms_signature: str = "【一网通办】"
    # E-mail over SMTP.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_timeout_seconds: float = 10.0
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "noreply@onewindow.gov.cn"
    # The sender: attempts per notification, backoff doubling from the first delay, and its poll interval.
    send_max_attempts: int = 5
    send_backoff_seconds: float = 30.0
    send_backoff_max_seconds: float = 3600.0
    send_lease_seconds: float = 120.0  # a claimed notification is retried after this if its sender died
    sender_poll_seconds: float = 1.0
