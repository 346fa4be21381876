"""亮证核验 from the command line, offline with a public key set, or online for revocation too.

    python -m onewindow_certificates.verify (--payload TEXT | --image FILE.png) --keys JWKS.json [--online URL]

Prints the holder (by ref), the licence, the issuer and one of: valid, not_yet_valid, expired,
revoked (only online), forged. Exits 0 only for a valid licence. Only keys from --keys are trusted;
--online asks the certificates service at URL (its base, e.g. http://127.0.0.1:8000/certificates)
about revocation, but never lets it overrule a forged or expired verdict reached here.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from onewindow_chassis.clock import SHANGHAI

from .signing.keys import KeySet
from .signing.showing import Verification, verify

_LABELS = {"valid": "有效 valid", "not_yet_valid": "未生效 not yet valid", "expired": "已过期 expired",
           "revoked": "已撤销 revoked", "forged": "验签失败 forged"}


def read_image(path: Path) -> str:
    """The text of the first QR code in the picture (zxing-cpp: a real decoder, no system library)."""
    import zxingcpp
    from PIL import Image

    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    if not found:
        raise SystemExit(f"no QR code found in {path}")
    return str(found[0].text)


def online_status(base_url: str, payload: str) -> dict[str, Any]:
    import httpx

    reply = httpx.get(base_url.rstrip("/") + "/v1/verify", params={"payload": payload}, timeout=10)
    reply.raise_for_status()
    return dict(reply.json())


def report(verification: Verification, online: dict[str, Any] | None) -> tuple[str, list[str]]:
    status = verification.standing.value
    if online is not None and status == "valid" and online.get("status") == "revoked":
        status = "revoked"
    lines = [f"状态 status:      {_LABELS[status]}"]
    if verification.claims is None:
        lines.append(f"原因 reason:      {verification.reason}")
        return status, lines
    claims = verification.claims
    issuer = claims.issuer_code + (f" {online['issuer_name']}" if online and online.get("issuer_name") else "")
    lines += [
        f"持证主体 holder:  {claims.holder_ref} (代码类型 {claims.holder_id_type.value})",
        f"证照 licence:     {claims.licence_name} [{claims.licence_type_code}]",
        f"证照标识 id:      {claims.licence_id}",
        f"颁发机构 issuer:  {issuer}",
        f"有效期 validity:  {claims.valid_from} – {claims.valid_until or '长期'}",
        f"签发 signed:      {claims.issued_at.isoformat()} (key {verification.kid})",
    ]
    if online is not None and online.get("revoked_at"):
        lines.append(f"撤销 revoked:     {online['revoked_at']} ({online.get('revocation_reason')})")
    return status, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_certificates.verify", description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--payload", help="the code's text (OW1:…)")
    source.add_argument("--image", type=Path, help="a picture of the QR code (PNG, JPEG …)")
    parser.add_argument("--keys", type=Path, required=True, help="the trusted public key set (JWKS JSON)")
    parser.add_argument("--online", metavar="URL", help="the certificates service, to learn of revocation")
    args = parser.parse_args(argv)
    keys = KeySet.from_jwks(json.loads(args.keys.read_text(encoding="utf-8")))
    payload = args.payload if args.payload is not None else read_image(args.image)
    verification = verify(payload, keys, datetime.now(SHANGHAI).date())
    online = online_status(args.online, payload) if args.online and verification.claims else None
    status, lines = report(verification, online)
    print("\n".join(lines))
    return 0 if status == "valid" else 1


if __name__ == "__main__":
    sys.exit(main())
