"""Settings of the pages: where each service answers. Environment variables prefixed ONEWINDOW_PAGES_;
the embedded default fills them in with its own mounts."""
from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PagesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_PAGES_", extra="ignore")

    intake_url: str = "http://127.0.0.1:8001"
    approval_url: str = "http://127.0.0.1:8002"
    certificates_url: str = "http://127.0.0.1:8003"
    evaluation_url: str = "http://127.0.0.1:8004"
    notify_url: str = "http://127.0.0.1:8005"
    supervision_url: str = "http://127.0.0.1:8006"
    # The development issuer's token route (embedded default only). Unset, the login page asks for a
    # token from the identity provider instead: the pages never mint tokens themselves.
    dev_tokens_url: str | None = None
    # Behind TLS (anything but localhost), the session cookie must be Secure.
    secure_cookie: bool = False
    timeout_seconds: float = 30.0

    def url_of(self, service: str) -> str:
        return str(getattr(self, f"{service}_url")).rstrip("/")
