"""Tokens a test forges on purpose: signed with the development issuer's own key (so only the claim
under test is wrong), with another key, with no signature at all."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onewindow_chassis.auth import DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER, DevelopmentIssuer
from onewindow_chassis.clock import Clock
from onewindow_chassis.web import development_issuer


def claims(clock: Clock, role: str = "applicant", subject: str | None = None, **extra: Any) -> dict[str, Any]:
    now = int(clock.now().timestamp())
    return {"iss": DEVELOPMENT_ISSUER, "aud": DEVELOPMENT_AUDIENCE, "sub": subject or f"forged-{uuid.uuid4().hex[:8]}",
            "role": role, "iat": now, "nbf": now, "exp": now + 600, "jti": uuid.uuid4().hex} | extra


def signed(settings: Any, clock: Clock, body: dict[str, Any], *, key: Ed25519PrivateKey | None = None) -> str:
    """`body` signed as the development issuer signs, by its key (or by `key`, under its kid)."""
    issuer: DevelopmentIssuer = development_issuer(settings, clock)
    own = issuer._key  # noqa: SLF001 - the very key the services trust, so that only the claims are wrong
    return jwt.encode(body, key or own, algorithm="EdDSA", headers={"kid": issuer.kid, "typ": "at+jwt"})


def unsigned(body: dict[str, Any]) -> str:
    """`alg: none`: a header, the claims, and an empty signature."""
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(body)}."


def expired(settings: Any, clock: Clock) -> str:
    body = claims(clock)
    body["iat"] = body["nbf"] = body["iat"] - 7200
    body["exp"] = body["iat"] + int(timedelta(minutes=30).total_seconds())
    return signed(settings, clock, body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
