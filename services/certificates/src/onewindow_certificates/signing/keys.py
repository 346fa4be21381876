"""The signer port (the issuing authority's seal) and the public key set verifiers trust.

Ed25519 is the default: small keys and signatures (64 bytes, which matters inside a QR code),
deterministic signing, in `cryptography`. China's own SM2 (GB/T 32918, the algorithm of 电子印章 under
GB/T 38540) fits the same port: a `Signer` whose `cose_alg` is SM2's and a verifier registered in
`_VERIFIERS` for its JWK shape; nothing above this module changes.

A key's id is its RFC 7638 thumbprint (SHA-256 over the required JWK members), written in hex: events
carry it in a field whose values must begin with a letter or digit, which a base64url thumbprint fails
one time in 32. The QR payload carries the 32 digest bytes themselves.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

EDDSA = -8  # COSE algorithm id of EdDSA (RFC 9053); JOSE name "EdDSA"
_DEVELOPMENT_SEED_LABEL = b"onewindow certificates signer\0"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638: SHA-256 of the key's required members, sorted, without whitespace; in hex."""
    required = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}.get(jwk.get("kty", ""))
    if required is None:
        raise ValueError(f"no thumbprint rule for key type {jwk.get('kty')!r}")
    members = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(members.encode()).hexdigest()


class Signer(Protocol):
    """The issuing authority's signing key. Only this object ever holds the private half."""

    kid: str
    cose_alg: int

    def sign(self, message: bytes) -> bytes: ...

    def public_jwk(self) -> dict[str, Any]: ...


class Ed25519Signer:
    cose_alg = EDDSA

    def __init__(self, private_key: bytes) -> None:
        if len(private_key) != 32:
            raise ValueError("an Ed25519 private key is 32 bytes")
        self._key = Ed25519PrivateKey.from_private_bytes(private_key)
        raw = self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self._jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
        self.kid = thumbprint(self._jwk)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def public_jwk(self) -> dict[str, Any]:
        return {**self._jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}


def development_signing_key(master_key: bytes) -> bytes:
    """The embedded default's and tests' signing key, derived from the (development) master key so
    that every process of one platform, and a verifier started beside it, agree on it."""
    return hashlib.sha256(_DEVELOPMENT_SEED_LABEL + master_key).digest()


# --- verifying: only keys from the configured set, never one a payload brings --------------------------

Verify = Callable[[bytes, bytes], bool]


def _ed25519(jwk: Mapping[str, Any]) -> tuple[int, Verify]:
    public = Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))

    def verify(message: bytes, signature: bytes) -> bool:
        try:
            public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    return EDDSA, verify


_VERIFIERS: dict[tuple[str, str], Callable[[Mapping[str, Any]], tuple[int, Verify]]] = {
    ("OKP", "Ed25519"): _ed25519,
}


@dataclass(frozen=True)
class TrustedKey:
    kid: str
    alg: int
    verify: Verify
    jwk: Mapping[str, Any]


class KeySet:
    """The public keys a verifier trusts, by key id: the issuing platform's JWKS, configured."""

    def __init__(self, jwks: Iterable[Mapping[str, Any]]) -> None:
        self._keys: dict[str, TrustedKey] = {}
        for jwk in jwks:
            make = _VERIFIERS.get((jwk.get("kty", ""), jwk.get("crv", "")))
            if make is None:
                continue  # a key type this verifier cannot use: it can vouch for nothing here
            kid = str(jwk.get("kid") or thumbprint(jwk))
            alg, verify = make(jwk)
            self._keys[kid] = TrustedKey(kid, alg, verify, dict(jwk))

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any] | str) -> KeySet:
        parsed = json.loads(document) if isinstance(document, str) else document
        return cls(parsed.get("keys", []))

    def get(self, kid: str) -> TrustedKey | None:
        return self._keys.get(kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(key.jwk) for key in self._keys.values()]}

    def __len__(self) -> int:
        return len(self._keys)
