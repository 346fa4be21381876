"""Bearer-token verification against a configured JSON Web Key Set.

People come with OIDC-style access tokens, machines (department systems, our own services) with
OAuth2 client-credentials tokens (RFC 9068 shape); one verifier checks both. What it refuses, and why:
- any algorithm outside the allow-list: never `none`, never HS* (an HMAC keyed with a public key
  is the classic algorithm-confusion forgery); each key verifies only with the one algorithm of its
  type, so a token cannot choose how its own signature is checked;
- any key not in the configured set: the key is found by `kid` only, and the `jwk`, `jku`, `x5u`,
  `x5c` headers are never read (a token cannot bring the key that signs it);
- `crit` headers (no extension is understood, RFC 7515 §4.1.11) and unknown `typ`s (an ID token or a
  logout token is not an access token);
- tokens without exp, iat, iss, aud, sub or role; time is read from the injected clock, with 30 s of
  leeway for clock skew.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from ..clock import Clock, SystemClock
from .errors import token_expired, token_invalid
from .principal import Principal, scopes_of

SUPPORTED_ALGORITHMS = frozenset({"EdDSA", "ES256", "RS256"})
DEFAULT_LEEWAY = timedelta(seconds=30)
MAX_TOKEN_LENGTH = 8192
VERIFIED_CACHE_SIZE = 10_000  # tokens remembered per verifier, oldest dropped first (~10 MB at most)
MIN_RSA_BITS = 2048
ACCEPTED_TYPES = frozenset({"jwt", "at+jwt", "application/at+jwt"})
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "role")

_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True)
class _Key:
    algorithm: str
    key: Any  # a cryptography public key


def _algorithm_for(jwk: Mapping[str, Any]) -> str | None:
    """The one algorithm a key verifies with, by its type and curve; None if it is not for us."""
    kty, crv = jwk.get("kty"), jwk.get("crv")
    derived = {("OKP", "Ed25519"): "EdDSA", ("EC", "P-256"): "ES256"}.get((kty, crv))
    if kty == "RSA":
        derived = "RS256"
    declared = jwk.get("alg")
    if derived is None or (declared is not None and declared != derived):
        return None
    return derived


def _load_keys(jwks: Mapping[str, Any], algorithms: frozenset[str]) -> dict[str, _Key]:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise ValueError("a JWKS is an object with a list of keys")
    loaded: dict[str, _Key] = {}
    for jwk in keys:
        if not isinstance(jwk, Mapping):
            raise ValueError("every key of a JWKS is an object")
        if jwk.get("kty") == "oct" or _PRIVATE_MEMBERS & jwk.keys():
            raise ValueError("a verifier's JWKS holds public keys only: no symmetric or private key material")
        if jwk.get("use", "sig") != "sig":
            continue  # an encryption key, published alongside
        algorithm = _algorithm_for(jwk)
        if algorithm is None or algorithm not in algorithms:
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise ValueError("every signing key needs a kid")
        if kid in loaded:
            raise ValueError(f"kid {kid!r} appears twice")
        key = jwt.PyJWK(dict(jwk), algorithm).key
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            raise ValueError(f"RSA key {kid!r} is shorter than {MIN_RSA_BITS} bits")
        loaded[kid] = _Key(algorithm, key)
    if not loaded:
        raise ValueError("the JWKS has no signing key for the allowed algorithms")
    return loaded


class TokenVerifier:
    """Turns a bearer token into a `Principal`, or raises a 401 `Problem`. Rotating keys means
    building a new verifier from the new key set and putting it on `app.state.verifier`."""

    def __init__(
        self,
        jwks: Mapping[str, Any],
        issuer: str,
        audience: str,
        clock: Clock | None = None,
        *,
        algorithms: Iterable[str] = SUPPORTED_ALGORITHMS,
        leeway: timedelta = DEFAULT_LEEWAY,
    ) -> None:
        allowed = frozenset(algorithms)
        if not allowed or not allowed <= SUPPORTED_ALGORITHMS:
            raise ValueError(f"algorithms must be some of {sorted(SUPPORTED_ALGORITHMS)}")
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        if not timedelta(0) <= leeway <= timedelta(minutes=5):
            raise ValueError("leeway must be between 0 and 5 minutes")
        self._keys = _load_keys(jwks, allowed)
        self.issuer, self.audience = issuer, audience
        self._clock = clock or SystemClock()
        self._leeway = leeway.total_seconds()
        # Tokens whose signature, issuer and audience already checked out, with their claims. A client
        # sends the same token for many requests and the Ed25519 check is most of a request's auth cost;
        # the times are still checked on every use, so an expired token is refused all the same.
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def verify(self, token: str) -> Principal:
        claims = self._verified.get(token) if isinstance(token, str) else None
        if claims is None:
            claims = self._verify_signature(token)
            self._verified[token] = claims
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        self._check_times(claims)
        return self._principal(claims)

    def _verify_signature(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not _COMPACT_JWS.match(token):
            raise token_invalid("not a compact JWS")
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise token_invalid("the header is not readable") from None
        key = self._key_for(header)
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm],  # the key's own algorithm, and only that
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    # Time is checked below against the injected clock.
                    "verify_exp": False, "verify_iat": False, "verify_nbf": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise token_invalid("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise token_invalid("the token is from another issuer") from None
        except jwt.MissingRequiredClaimError as error:
            raise token_invalid(f"the token has no {error.claim} claim") from None
        except jwt.InvalidSignatureError:
            raise token_invalid("the signature does not verify") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise token_invalid("the token cannot be decoded") from None
        self._principal(claims)  # claims a principal cannot be made of are never remembered
        return claims

    def _key_for(self, header: dict[str, Any]) -> _Key:
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in SUPPORTED_ALGORITHMS:
            raise token_invalid("the signing algorithm is not allowed")
        if "crit" in header or "b64" in header:
            raise token_invalid("critical header extensions are not supported")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYPES):
            raise token_invalid("not an access token")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise token_invalid("the signing key is not known")
        if key.algorithm != algorithm:
            raise token_invalid("the algorithm does not match the key")
        return key

    def _check_times(self, claims: dict[str, Any]) -> None:
        times = {name: claims.get(name) for name in ("exp", "iat", "nbf")}
        for name, value in times.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise token_invalid(f"{name} is not a number")
        now = self._clock.now().timestamp()
        if times["exp"] <= now - self._leeway:
            raise token_expired()
        if times["iat"] > now + self._leeway:
            raise token_invalid("the token was issued in the future")
        if times["nbf"] is not None and times["nbf"] > now + self._leeway:
            raise token_invalid("the token is not valid yet")

    @staticmethod
    def _principal(claims: dict[str, Any]) -> Principal:
        try:
            return Principal(
                subject=claims["sub"],
                role=claims["role"],
                department_code=claims.get("department_code"),
                client_id=claims.get("client_id"),
                scopes=scopes_of(claims.get("scope")),
                token_id=claims.get("jti"),
            )
        except ValueError as error:
            raise token_invalid(f"the claims are not acceptable: {error}") from None
