"""一码亮证 offline: the signed QR payload round-trips; altered, foreign-signed, expired and unreadable
codes are told apart; a real decoder reads the PNG back; the verify command says what it found."""
from __future__ import annotations

import io
import json
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import cbor2
import pytest
import zxingcpp
from PIL import Image

from onewindow_certificates import verify as verify_command
from onewindow_certificates.adapters import qr
from onewindow_certificates.domain.licence import HolderIdType, Standing
from onewindow_certificates.signing import base45
from onewindow_certificates.signing.cose import sign1
from onewindow_certificates.signing.keys import Ed25519Signer, KeySet, development_signing_key
from onewindow_certificates.signing.showing import PREFIX, LicenceClaims, encode, verify

SIGNER = Ed25519Signer(development_signing_key(b"k" * 32))
KEYS = KeySet([SIGNER.public_jwk()])
TODAY = date(2026, 3, 2)
CLAIMS = LicenceClaims(
    licence_id="1.2.156.3005.2.11100000000013338W002.330100SCJGJ.2026030212345678.001.K",
    licence_type_code="LIC-SPJY", licence_name="食品经营许可证", holder_ref="app-4f1c2b9e0d7a4c3b8e6f5a2d1c0b9a8e",
    holder_id_type=HolderIdType.CREDIT_CODE, issuer_code="330100-SCJGJ", valid_from=date(2026, 3, 2),
    valid_until=date(2031, 3, 1), issued_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC))


class Impostor(Ed25519Signer):
    """Another key that claims the trusted key's id."""

    def __init__(self, kid: str) -> None:
        super().__init__(b"\x07" * 32)
        self.kid = kid


def _reseal(payload: str, change) -> str:  # type: ignore[no-untyped-def]
    """Open the code, let `change` alter the COSE message, and pack it again without re-signing."""
    message = cbor2.loads(zlib.decompress(base45.decode(payload[len(PREFIX):])))
    body = list(message.value)
    change(body)
    return PREFIX + base45.encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, body))))


def test_base45_follows_rfc_9285() -> None:
    assert base45.encode(b"AB") == "BB8"
    assert base45.encode(b"Hello!!") == "%69 VD92EX0"
    assert base45.encode(b"base-45") == "UJCLQE7W581"
    assert base45.decode("QED8WEX0") == b"ietf!"
    for bad in ("GGW", "A", "a!"):  # out of range, dangling, outside the alphabet
        with pytest.raises(ValueError):
            base45.decode(bad)


def test_a_signed_code_round_trips_and_carries_no_personal_data() -> None:
    payload = encode(CLAIMS, SIGNER)
    assert payload.startswith("OW1:") and set(payload[4:]) <= set(base45.ALPHABET)
    verification = verify(payload, KEYS, TODAY)
    assert verification.standing is Standing.VALID and verification.claims == CLAIMS
    assert verification.kid == SIGNER.kid and len(SIGNER.kid) == 64  # the RFC 7638 thumbprint, hex
    claims = cbor2.loads(cbor2.loads(zlib.decompress(base45.decode(payload[4:]))).value[2])
    assert set(claims) == {1, 2, 6, -65537}  # iss, sub (the opaque ref), iat, the licence


def test_a_tampered_code_is_forged() -> None:
    payload = encode(CLAIMS, SIGNER)

    def other_holder(body: list) -> None:
        claims = dict(cbor2.loads(body[2]))
        claims[2] = "app-ffffffffffffffffffffffffffffffff"
        body[2] = cbor2.dumps(claims)

    forged = verify(_reseal(payload, other_holder), KEYS, TODAY)
    assert forged.standing is Standing.FORGED and forged.claims is None
    assert forged.reason == "the signature does not verify"
    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    assert verify(flipped, KEYS, TODAY).standing is Standing.FORGED  # unreadable or not verifying: forged
    for junk in ("", "HC1:NCFOXN", "OW1:" + "A" * 5000, "OW1:" + base45.encode(zlib.compress(b"\x00" * 100000))):
        assert verify(junk, KEYS, TODAY).standing is Standing.FORGED


def test_another_key_claiming_the_trusted_key_id_is_forged() -> None:
    impostor = encode(CLAIMS, Impostor(SIGNER.kid))
    verification = verify(impostor, KEYS, TODAY)
    assert verification.standing is Standing.FORGED and verification.reason == "the signature does not verify"
    stranger = Ed25519Signer(b"\x09" * 32)
    assert verify(encode(CLAIMS, stranger), KEYS, TODAY).reason == "signed by a key outside the trusted set"


def test_a_key_offered_in_the_unprotected_header_is_never_used() -> None:
    stranger = Ed25519Signer(b"\x09" * 32)
    signed = cbor2.loads(sign1(cbor2.dumps(CLAIMS.as_cbor()), stranger))
    body = list(signed.value)
    body[1] = {4: bytes.fromhex(SIGNER.kid), -1: stranger.public_jwk()}  # claims our kid, brings its own key
    payload = PREFIX + base45.encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, body))))
    assert verify(payload, KEYS, TODAY).standing is Standing.FORGED


def test_validity_is_by_the_day_in_shanghai() -> None:
    payload = encode(CLAIMS, SIGNER)
    assert verify(payload, KEYS, date(2031, 3, 1)).standing is Standing.VALID  # the last day still counts
    expired = verify(payload, KEYS, date(2031, 3, 2))
    assert expired.standing is Standing.EXPIRED and expired.claims == CLAIMS
    assert verify(payload, KEYS, date(2026, 3, 1)).standing is Standing.NOT_YET_VALID
    lifelong = LicenceClaims(**{**CLAIMS.__dict__, "valid_until": None})  # 长期
    assert verify(encode(lifelong, SIGNER), KEYS, date(2090, 1, 1)).standing is Standing.VALID


def test_the_png_read_back_by_a_real_decoder_verifies() -> None:
    payload = encode(CLAIMS, SIGNER)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.png(payload))))
    assert [f.text for f in found] == [payload]
    assert verify(found[0].text, KEYS, TODAY).standing is Standing.VALID
    assert qr.svg(payload).startswith(b"<?xml")
    inline = qr.inline_svg(payload)  # scaled by the page's CSS, so a viewBox and no fixed size
    assert inline.startswith("<svg viewBox=") and "width=" not in inline.split(">")[0]


def test_the_verify_command_reads_a_picture_and_says_what_it_found(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(KEYS.jwks()))
    image = tmp_path / "code.png"
    current = LicenceClaims(**{**CLAIMS.__dict__, "valid_from": date(2020, 1, 1), "valid_until": None})
    image.write_bytes(qr.png(encode(current, SIGNER)))
    assert verify_command.main(["--image", str(image), "--keys", str(keys)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and current.holder_ref in out and "食品经营许可证" in out and "330100-SCJGJ" in out
    expired = LicenceClaims(**{**CLAIMS.__dict__, "valid_from": date(2010, 1, 1), "valid_until": date(2015, 1, 1)})
    assert verify_command.main(["--payload", encode(expired, SIGNER), "--keys", str(keys)]) == 1
    assert "expired" in capsys.readouterr().out
    assert verify_command.main(["--payload", encode(CLAIMS, Impostor(SIGNER.kid)), "--keys", str(keys)]) == 1
    assert "forged" in capsys.readouterr().out


def test_the_verify_command_lets_the_register_add_revocation_but_never_overrule_a_forgery() -> None:
    valid = verify(encode(CLAIMS, SIGNER), KEYS, TODAY)
    revoked = {"status": "revoked", "revoked_at": "2026-03-12T02:00:00+00:00", "revocation_reason": "false_commitment",
               "issuer_name": "杭州市市场监督管理局"}
    status, lines = verify_command.report(valid, revoked)
    assert status == "revoked" and any("false_commitment" in line for line in lines)
    assert any("杭州市市场监督管理局" in line for line in lines)
    forged = verify(encode(CLAIMS, Impostor(SIGNER.kid)), KEYS, TODAY)
    assert verify_command.report(forged, {"status": "valid"})[0] == "forged"
