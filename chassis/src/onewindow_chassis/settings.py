"""Settings of a service, validated at start-up. Each service subclasses with its own env prefix;
nothing else in a service reads the environment."""
from __future__ import annotations

import base64
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Known to everyone, so only ever acceptable where no real person's data is: the embedded demo and tests.
DEVELOPMENT_MASTER_KEY = base64.b64encode(b"onewindow-development-key-32byte").decode()
DEVELOPMENT_ENVIRONMENTS = frozenset({"embedded", "test"})


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_", extra="ignore")

    environment: Literal["embedded", "test", "staging", "production"] = "embedded"
    database_url: str = "sqlite:///var/onewindow.db"
    kafka_bootstrap_servers: str | None = None  # unset: the embedded bus file below
    bus_path: Path = Path("var/bus.db")
    master_key: SecretStr = SecretStr(DEVELOPMENT_MASTER_KEY)
    migrate_on_start: bool = True
    consumer_group_prefix: str = ""  # e.g. a test run's own prefix, so its groups start from the beginning
    # Who issues the tokens people and machines present (an OIDC provider; an OAuth2 server for
    # client credentials), and its public key set (JWKS, JSON). Unset only in the embedded default and
    # tests, where a development issuer derived from the master key stands in.
    token_issuer: str = "urn:onewindow:development-issuer"
    token_audience: str = "onewindow"
    token_jwks: str | None = None

    @model_validator(mode="after")
    def _no_development_secrets_in_earnest(self) -> "ServiceSettings":
        if self.environment not in DEVELOPMENT_ENVIRONMENTS:
            if self.master_key.get_secret_value() == DEVELOPMENT_MASTER_KEY:
                raise ValueError(f"the development master key is refused in {self.environment!r}: set MASTER_KEY")
            if not self.token_jwks:
                raise ValueError(f"TOKEN_JWKS (the identity provider's public keys) is required in {self.environment!r}")
            if self.database_url.startswith("sqlite"):
                raise ValueError(f"SQLite is for the embedded default, not {self.environment!r}")
        if len(self.master_key_bytes()) != 32:
            raise ValueError("MASTER_KEY must be 32 bytes, base64-encoded")
        return self

    def master_key_bytes(self) -> bytes:
        return base64.b64decode(self.master_key.get_secret_value())
