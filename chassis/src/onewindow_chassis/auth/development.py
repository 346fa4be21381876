"""A token issuer for the embedded default and for tests ONLY: an Ed25519 key pair made at start, in
memory, and a route that hands a token to whoever asks. It stands in for the identity provider so the
demo runs with no server to install; it is refused anywhere real people's data is."""
from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from ..clock import Clock, SystemClock
from ..problems import Problem
from ..settings import DEVELOPMENT_ENVIRONMENTS
from .principal import (
    CLIENT_ID_PATTERN, CODE_PATTERN, MACHINE_ROLES, ROLE_PATTERN, SUBJECT_PATTERN, Principal, joined_scopes,
)
from .verifier import TokenVerifier

DEVELOPMENT_ISSUER = "urn:onewindow:development-issuer"
DEVELOPMENT_AUDIENCE = "onewindow"
DEFAULT_TTL = timedelta(minutes=30)
MAX_TTL = timedelta(hours=12)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class DevelopmentIssuer:
    """Issues tokens for demo principals, signed with a key that lives and dies with the process."""

    def __init__(
        self,
        environment: str,
        *,
        issuer: str = DEVELOPMENT_ISSUER,
        audience: str = DEVELOPMENT_AUDIENCE,
        clock: Clock | None = None,
        seed: bytes | None = None,
    ) -> None:
        """`seed` (32 bytes) makes the key reproducible, so every service of one embedded platform,
        seeded from its one development master key, issues and accepts the same tokens."""
        if environment not in DEVELOPMENT_ENVIRONMENTS:
            raise ValueError(
                f"the development token issuer is refused in {environment!r}: use the identity provider"
            )
        self.environment, self.issuer, self.audience = environment, issuer, audience
        self._clock = clock or SystemClock()
        self._key = Ed25519PrivateKey.from_private_bytes(seed) if seed else Ed25519PrivateKey.generate()
        x = _b64url(self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        # RFC 7638 thumbprint as the kid: the required members, sorted, no whitespace.
        thumbprint = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
        self.kid = _b64url(hashlib.sha256(thumbprint.encode()).digest())
        self._public_jwk = {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        """The public key set, for a `TokenVerifier` here or in another process of the demo."""
        return {"keys": [dict(self._public_jwk)]}

    def verifier(self, clock: Clock | None = None) -> TokenVerifier:
        return TokenVerifier(self.jwks(), self.issuer, self.audience, clock or self._clock)

    def issue(
        self,
        subject: str,
        role: str,
        department_code: str | None = None,
        *,
        client_id: str | None = None,
        scopes: Iterable[str] = (),
        ttl: timedelta = DEFAULT_TTL,
    ) -> str:
        """A signed access token. A machine role without a client id gets its subject as client id,
        as client-credentials tokens do. Raises ValueError for what a verifier would refuse."""
        if not timedelta(0) < ttl <= MAX_TTL:
            raise ValueError(f"ttl must be positive and at most {MAX_TTL}")
        if role in MACHINE_ROLES and client_id is None:
            client_id = subject
        principal = Principal(subject, role, department_code, client_id, frozenset(scopes), uuid.uuid4().hex)
        issued = int(self._clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.audience, "sub": principal.subject, "role": principal.role,
            "iat": issued, "nbf": issued, "exp": issued + int(ttl.total_seconds()), "jti": principal.token_id,
        }
        if principal.department_code is not None:
            claims["department_code"] = principal.department_code
        if principal.client_id is not None:
            claims["client_id"] = principal.client_id
        if principal.scopes:
            claims["scope"] = joined_scopes(principal.scopes)
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid, "typ": "at+jwt"})


class DevTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(pattern=SUBJECT_PATTERN, description="An opaque demo reference, never an ID number.")
    role: str = Field(pattern=ROLE_PATTERN)
    department_code: str | None = Field(default=None, pattern=CODE_PATTERN)
    client_id: str | None = Field(default=None, pattern=CLIENT_ID_PATTERN)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


def dev_token_router(issuer: DevelopmentIssuer, *, ttl: timedelta = DEFAULT_TTL) -> APIRouter:
    """`POST /v1/dev/tokens` and `GET /v1/dev/jwks`: mount in the embedded default only."""
    router = APIRouter(prefix="/v1/dev", tags=["development"])

    @router.post("/tokens", response_model=TokenResponse)
    async def issue_token(body: DevTokenRequest, response: Response) -> TokenResponse:
        """A demo token for any principal you name (development only)."""
        try:
            token = issuer.issue(body.subject, body.role, body.department_code, client_id=body.client_id, ttl=ttl)
        except ValueError as error:
            raise Problem(422, "invalid_request", "请求内容不符合要求", "The request is not valid", str(error)) from None
        response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
        return TokenResponse(access_token=token, expires_in=int(ttl.total_seconds()))

    @router.get("/jwks")
    async def jwks() -> dict[str, Any]:
        """The development issuer's public keys."""
        return issuer.jwks()

    return router
