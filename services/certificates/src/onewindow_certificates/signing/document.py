"""The licence file (证照文件): the GB/T 36903 metadata, sealed, with the 亮证 code beside it.

GB/T 36905 files are OFD with a GB/T 38540 电子签章; until an OFD writer and a seal service are wired,
the file is this JSON document, and its seal an Ed25519 signature (the `Signer`'s) over the canonical
JSON of the metadata: sorted keys, no whitespace, UTF-8. It is what 免证办 hands to intake in place of
a scanned copy, and what `document_sha256` in LicenceIssued names.
"""
from __future__ import annotations

import json
from typing import Any

from ..domain.licence import Licence
from .keys import KeySet, Signer, b64url, unb64url

FORMAT = "onewindow-licence/1"


def metadata(licence: Licence) -> dict[str, Any]:
    return {
        "licence_name": licence.name,  # 证照名称
        "licence_type_code": licence.type_code,  # 证照类型代码 (local)
        "licence_no": licence.licence_no,  # 证照编号
        "licence_id": licence.licence_id,  # 证照标识
        "issuer_name": licence.issuer_name,  # 颁发机构
        "issuer_code": licence.issuer_code,  # 颁发机构代码
        "issued_on": licence.issued_on.isoformat(),  # 颁发日期
        "holder_ref": licence.holder_ref,  # 持证主体 (opaque ref)
        "holder_id_type": licence.holder_id_type.value,  # 持证主体代码类型
        "region_code": licence.region_code,  # 所属区划
        "valid_from": licence.valid_from.isoformat(),  # 有效期起始
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,  # 有效期截止 (None: 长期)
        "case_id": licence.case_id,
        "item_code": licence.item.item_code,
        "item_version": licence.item.item_version,
    }


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sealed_document(licence: Licence, qr_payload: str, signer: Signer) -> bytes:
    meta = metadata(licence)
    seal = {"alg": "EdDSA", "kid": signer.kid, "signature": b64url(signer.sign(_canonical(meta)))}
    return _canonical({"format": FORMAT, "metadata": meta, "seal": seal, "qr_payload": qr_payload})


def seal_holds(document: bytes, keys: KeySet) -> bool:
    """Whether the file's seal verifies under a trusted key (and the metadata is as sealed)."""
    try:
        parsed = json.loads(document)
        key = keys.get(parsed["seal"]["kid"])
        return key is not None and key.verify(_canonical(parsed["metadata"]), unb64url(parsed["seal"]["signature"]))
    except (ValueError, KeyError, TypeError):
        return False
