"""一码亮证: the QR payload a holder shows, verifiable OFFLINE with nothing but the issuer's public keys.

Format: `OW1:` + base45( zlib( COSE_Sign1( CBOR claims ) ) ), the way the EU Digital COVID Certificate
builds its `HC1:` codes. Chosen over a compact JWS because:
- size decides how readable a QR code is from a phone screen or a worn print. CBOR claims are about
  half the size of the same JSON; base45 characters are all in the QR alphanumeric mode (5.5 bits a
  character), where base64url forces byte mode (8 bits) and adds a third. Measured on a food business
  licence: 442 characters, a version 13 QR code (69 modules a side) at level M, where the same claims as
  a compact JWS take 550 bytes and version 18 (89 modules): larger modules read better off a screen;
- COSE_Sign1 puts the algorithm and key id under the signature (protected header), with no `alg`
  negotiation to get wrong (the `alg: none` family of JWS pitfalls);
- it is an existing, deployed profile: any COSE library, and the DCC verifier apps' pipeline, read it.
The price is a CBOR library (cbor2) instead of JSON; zlib gains little on 300 bytes of mostly
identifiers, but it is part of the proven pipeline and costs nothing.

Claims (CWT, RFC 8392, where a registered claim fits): 1 iss = 颁发机构代码, 2 sub = the holder's opaque
ref, 6 iat = when it was signed; and one private claim (-65537) with the licence: identifier, type
code, name, holder id type (111/001), validity dates. No name or identity number of the holder is in
it, in clear or otherwise: the QR is shown to strangers. Validity is carried as calendar dates, not
CWT's exp/nbf instants, because a licence is valid by the day (Asia/Shanghai), both ends included.

Revocation cannot be known offline; `GET /v1/verify` adds it.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import cbor2

from ..domain.licence import HolderIdType, Standing, validity_on
from . import base45
from .cose import Forged, sign1, verify1
from .keys import KeySet, Signer

PREFIX = "OW1:"
MAX_TEXT = 4000  # far above any real payload (about 450 characters); refuse anything bigger unread
_MAX_INFLATED = 8192  # a zip bomb stops here
_ISS, _SUB, _IAT, _LICENCE = 1, 2, 6, -65537


@dataclass(frozen=True)
class LicenceClaims:
    licence_id: str
    licence_type_code: str
    licence_name: str
    holder_ref: str
    holder_id_type: HolderIdType
    issuer_code: str
    valid_from: date
    valid_until: date | None
    issued_at: datetime

    def as_cbor(self) -> dict[int, Any]:
        licence = {"id": self.licence_id, "t": self.licence_type_code, "n": self.licence_name,
                   "h": self.holder_id_type.value, "f": self.valid_from.isoformat()}
        if self.valid_until is not None:
            licence["u"] = self.valid_until.isoformat()
        return {_ISS: self.issuer_code, _SUB: self.holder_ref, _IAT: int(self.issued_at.timestamp()), _LICENCE: licence}

    @classmethod
    def from_cbor(cls, claims: Any) -> LicenceClaims:
        """Raises KeyError, TypeError or ValueError for claims of the wrong shape."""
        licence = claims[_LICENCE]
        until = licence.get("u")
        return cls(licence_id=_text(licence["id"]), licence_type_code=_text(licence["t"]),
                   licence_name=_text(licence["n"]), holder_ref=_text(claims[_SUB]),
                   holder_id_type=HolderIdType(licence["h"]), issuer_code=_text(claims[_ISS]),
                   valid_from=date.fromisoformat(licence["f"]),
                   valid_until=date.fromisoformat(until) if until is not None else None,
                   issued_at=datetime.fromtimestamp(int(claims[_IAT]), UTC))

    def as_json(self) -> dict[str, Any]:
        return {"licence_id": self.licence_id, "licence_type_code": self.licence_type_code,
                "licence_name": self.licence_name, "holder_ref": self.holder_ref,
                "holder_id_type": self.holder_id_type.value, "issuer_code": self.issuer_code,
                "valid_from": self.valid_from.isoformat(),
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "issued_at": self.issued_at.isoformat()}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def encode(claims: LicenceClaims, signer: Signer) -> str:
    signed = sign1(cbor2.dumps(claims.as_cbor()), signer)
    return PREFIX + base45.encode(zlib.compress(signed, 9))


@dataclass(frozen=True)
class Verification:
    standing: Standing
    claims: LicenceClaims | None = None
    kid: str | None = None
    reason: str | None = None  # why forged

    def as_json(self) -> dict[str, Any]:
        return {"status": self.standing.value, "licence": self.claims.as_json() if self.claims else None,
                "kid": self.kid, "reason": self.reason}


def verify(text: str, keys: KeySet, today: date) -> Verification:
    """Offline: is this payload signed by a key of `keys`, and is the licence valid on `today`
    (Asia/Shanghai)? Anything that does not verify is `forged`, with the reason."""
    try:
        claims, kid = _open(text.strip(), keys)
    except Forged as forged:
        return Verification(Standing.FORGED, reason=str(forged))
    return Verification(validity_on(today, claims.valid_from, claims.valid_until), claims, kid)


def _open(text: str, keys: KeySet) -> tuple[LicenceClaims, str]:
    if not text.startswith(PREFIX):
        raise Forged(f"not a licence code (no {PREFIX} prefix)")
    if len(text) > MAX_TEXT:
        raise Forged("too long to be a licence code")
    try:
        inflater = zlib.decompressobj()
        signed = inflater.decompress(base45.decode(text[len(PREFIX):]), _MAX_INFLATED)
    except (ValueError, zlib.error) as error:
        raise Forged(f"not readable: {error}") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise Forged("not readable: truncated or too large")
    payload, kid = verify1(signed, keys)
    try:
        return LicenceClaims.from_cbor(cbor2.loads(payload)), kid
    except Exception:  # signed by a trusted key yet not our claims: not a licence this verifier reads
        raise Forged("signed, but not licence claims") from None
