"""材料库 (submit once, shared everywhere): each document kept once per applicant, by its content;
a later case reuses what is still valid instead of asking again."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from onewindow_contracts.values import MaterialRef, MaterialSource

from .catalogue import MaterialType
from .errors import invalid

MAX_BYTES = 10 * 1024 * 1024
COMMITMENT_TYPE = "CMT"  # 告知承诺书: signed per case, kept in the vault like any other material
# What a scanner or a phone produces, recognised by content, not by the name the sender gave it.
_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/ofd": (b"PK\x03\x04",),  # OFD (GB/T 33190) is a zip container
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


@dataclass(frozen=True)
class StoredMaterial:
    material_id: str
    applicant_ref: str
    type_code: str
    sha256: str
    size: int
    media_type: str
    filename: str
    source: MaterialSource
    licence_id: str | None
    valid_until: date | None
    uploaded_at: datetime

    def valid_on(self, day: date) -> bool:
        return self.valid_until is None or day <= self.valid_until

    def ref(self, source: MaterialSource | None = None) -> MaterialRef:
        return MaterialRef(material_id=self.material_id, type_code=self.type_code, sha256=self.sha256,
                           source=source or self.source, licence_id=self.licence_id)


def media_type_of(content: bytes) -> str:
    for media_type, signatures in _SIGNATURES.items():
        if content.startswith(signatures):
            return media_type
    raise invalid("material_type_unsupported", "仅接受 PDF、JPEG、PNG 或 OFD 文件",
                  "Only PDF, JPEG, PNG or OFD documents are accepted")


def safe_filename(name: str) -> str:
    """The base name only, without path tricks or control characters; a display name, never a path."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base or base in {".", ".."}:
        raise invalid("filename_invalid", "文件名无效", "The file name is not usable")
    return base[:120]


def check_upload(content: bytes, filename: str) -> tuple[str, str, str]:
    """(sha256, media type, safe name) of an upload, or a clear refusal."""
    if not content:
        raise invalid("material_empty", "文件为空", "The file is empty")
    if len(content) > MAX_BYTES:
        raise invalid("material_too_large", "文件超过10MB", "The file is larger than 10 MB", limit_bytes=MAX_BYTES)
    return hashlib.sha256(content).hexdigest(), media_type_of(content), safe_filename(filename)


def valid_until(material_type: MaterialType, uploaded_on: date, stated: date | None) -> date | None:
    """The earlier of what the document says (an expiry on the certificate) and its type's validity."""
    by_type = uploaded_on + timedelta(days=material_type.validity_days) if material_type.validity_days else None
    candidates = [d for d in (stated, by_type) if d is not None]
    return min(candidates) if candidates else None


def assemble(needed: list[MaterialType], chosen: dict[str, StoredMaterial], on_file: list[StoredMaterial],
             today: date) -> list[MaterialRef]:
    """一套材料 for a case: what the applicant handed in for it, and for every other needed type the
    newest valid document already on file (材料复用: not asked again), marked as reused."""
    refs = []
    for material_type in needed:
        material = chosen.get(material_type.code)
        if material is not None:
            if not material.valid_on(today):
                raise invalid("material_expired", f"“{material_type.name}”已过有效期",
                              f"{material_type.code} has expired", material_id=material.material_id)
            refs.append(material.ref())
            continue
        candidates = [m for m in on_file if m.type_code == material_type.code and m.valid_on(today)]
        if newest := max(candidates, key=lambda m: m.uploaded_at, default=None):
            refs.append(newest.ref(MaterialSource.REUSED if newest.source is MaterialSource.UPLOADED else None))
    return refs
