"""Settings of the certificates service: environment variables prefixed ONEWINDOW_CERTIFICATES_."""
from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from onewindow_chassis.settings import DEVELOPMENT_ENVIRONMENTS, ServiceSettings

from .signing.keys import Ed25519Signer, KeySet, Signer, development_signing_key


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ONEWINDOW_CERTIFICATES_", extra="ignore")

    database_url: str = "sqlite:///var/certificates.db"
    # The issuing authority's Ed25519 private key, 32 bytes, base64. Unset only in the embedded default
    # and tests, where a key derived from the development master key stands in.
    signing_key: SecretStr | None = None
    # Public keys no longer used to sign but still published (JWKS JSON): licences signed under them
    # must go on verifying after a key rotation.
    retired_keys_jwks: str | None = None
    register_path: Path | None = None  # licence types and issuers (TOML); None: the demo register

    @model_validator(mode="after")
    def _a_real_signing_key_in_earnest(self) -> Settings:
        if self.signing_key is None and self.environment not in DEVELOPMENT_ENVIRONMENTS:
            raise ValueError(f"SIGNING_KEY (the issuing authority's Ed25519 key) is required in {self.environment!r}")
        if self.signing_key is not None:
            try:
                raw = base64.b64decode(self.signing_key.get_secret_value(), validate=True)
            except binascii.Error as error:
                raise ValueError("SIGNING_KEY must be base64") from error
            if len(raw) != 32:
                raise ValueError("SIGNING_KEY must be 32 bytes (an Ed25519 private key), base64-encoded")
        if self.retired_keys_jwks is not None:
            try:
                json.loads(self.retired_keys_jwks)["keys"]
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError("RETIRED_KEYS_JWKS must be a JWKS document: {\"keys\": [...]}") from error
        return self

    def signer(self) -> Signer:
        if self.signing_key is not None:
            return Ed25519Signer(base64.b64decode(self.signing_key.get_secret_value()))
        return Ed25519Signer(development_signing_key(self.master_key_bytes()))

    def published_keys(self, signer: Signer) -> KeySet:
        """What GET /v1/keys publishes and this service itself verifies with: the signing key first."""
        retired = json.loads(self.retired_keys_jwks)["keys"] if self.retired_keys_jwks else []
        return KeySet([signer.public_jwk(), *retired])
