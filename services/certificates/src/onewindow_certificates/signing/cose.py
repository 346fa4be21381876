"""COSE_Sign1 (RFC 9052 §4.2): one signer, the algorithm and key id in the PROTECTED header.

Only protected headers are read: the algorithm and key id are then under the signature, so a forger
can neither swap the key id nor downgrade the algorithm. Unprotected headers are ignored entirely — in
particular a key carried there (COSE_Key, x5chain) is never used: a verifier trusts its own key set.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import cbor2

from .keys import KeySet, Signer

COSE_SIGN1_TAG = 18
_ALG, _KID = 1, 4
_HEX_KID = re.compile(r"^[0-9a-f]{2,128}$")


class Forged(Exception):
    """The signed object is malformed, altered, or not signed by a trusted key."""


def kid_bytes(kid: str) -> bytes:
    """Hex key ids (our thumbprints) travel as their bytes, others as UTF-8."""
    return bytes.fromhex(kid) if _HEX_KID.match(kid) and len(kid) % 2 == 0 else kid.encode()


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])  # no external AAD


def sign1(payload: bytes, signer: Signer) -> bytes:
    protected = cbor2.dumps({_ALG: signer.cose_alg, _KID: kid_bytes(signer.kid)})
    signature = signer.sign(_sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def verify1(data: bytes, keys: KeySet) -> tuple[bytes, str]:
    """The payload and the key id it was signed under, or Forged with the reason."""
    try:
        message: Any = cbor2.loads(data)
    except Exception as error:  # cbor2 raises several kinds for bad input; all mean the same here
        raise Forged(f"not CBOR: {type(error).__name__}") from None
    if not isinstance(message, cbor2.CBORTag) or message.tag != COSE_SIGN1_TAG:
        raise Forged("not a COSE_Sign1 message")
    body = message.value
    if not (isinstance(body, (list, tuple)) and len(body) == 4 and isinstance(body[0], bytes) and isinstance(body[2], bytes)
            and isinstance(body[3], bytes)):
        raise Forged("malformed COSE_Sign1")
    protected_bytes, _unprotected, payload, signature = body
    try:
        protected = cbor2.loads(protected_bytes)
    except Exception:
        raise Forged("malformed protected header") from None
    if not isinstance(protected, Mapping) or not isinstance(protected.get(_KID), bytes):
        raise Forged("no key id in the protected header")
    raw_kid: bytes = protected[_KID]
    key = keys.get(raw_kid.hex()) or keys.get(raw_kid.decode("utf-8", errors="replace"))
    if key is None:
        raise Forged("signed by a key outside the trusted set")
    if protected.get(_ALG) != key.alg:
        raise Forged("the algorithm does not match the trusted key")
    if not key.verify(_sig_structure(protected_bytes, payload), signature):
        raise Forged("the signature does not verify")
    return payload, key.kid
