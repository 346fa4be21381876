"""Personal data that can be erased from an append-only log (crypto-shredding).

Each person (an applicant's random reference) gets a data key; personal fields in events are sealed
with it (AES-256-GCM). The data keys themselves are stored wrapped by the service's master key, so a
copy of the database alone opens nothing. Erasing the data key makes every sealed field of that person
unreadable, in every event and every backup, while the events themselves — cases, deadlines,
statistics — stand untouched.
"""
from __future__ import annotations

import base64
import os
from datetime import datetime
import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.dialects import postgresql, sqlite

from .db import Transaction
from .schema import subject_keys
from .statements import Statement, param

_KEY_OF = Statement(sa.select(subject_keys.c.wrapped_key, subject_keys.c.erased_at)
                    .where(subject_keys.c.subject_ref == param("subject_ref")))

ERASED = "〔已删除 erased〕"


class PersonalDataVault:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes (AES-256)")
        self._kek = AESGCM(master_key)

    async def seal(self, tx: Transaction, subject_ref: str, value: str, at: datetime) -> dict[str, str]:
        """Encrypt `value` under the person's data key (made on first use). The result goes into events."""
        cipher = await self._cipher(tx, subject_ref, create_at=at)
        if cipher is None:
            raise PersonErased(subject_ref)
        nonce = os.urandom(12)
        ciphertext = cipher.encrypt(nonce, value.encode(), subject_ref.encode())
        return {"key_id": subject_ref, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}

    async def open(self, tx: Transaction, sealed: dict[str, str]) -> str:
        """The clear value, or ERASED once the person's key is gone."""
        cipher = await self._cipher(tx, sealed["key_id"], create_at=None)
        if cipher is None:
            return ERASED
        return cipher.decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), sealed["key_id"].encode()).decode()

    async def erase(self, tx: Transaction, subject_ref: str, at: datetime) -> None:
        """Destroy the person's data key, and leave a tombstone even where this service never held
        one, so no later event can make a fresh key and seal that person's data again."""
        tx.cache.pop(("subject_key", subject_ref), None)
        insert = (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(subject_keys)
        await tx.conn.execute(
            insert.values(subject_ref=subject_ref, wrapped_key=None, created_at=at, erased_at=at)
            .on_conflict_do_update(index_elements=["subject_ref"], set_={"wrapped_key": None, "erased_at": at})
        )

    async def _cipher(self, tx: Transaction, subject_ref: str, *, create_at: datetime | None) -> AESGCM | None:
        """The person's data key, ready to use; kept for the rest of the transaction (an application
        seals several fields of one person)."""
        cached = tx.cache.get(("subject_key", subject_ref))
        if cached is not None:
            return cached
        key = await self._load_key(tx, subject_ref, create_at=create_at)
        if key is None:
            return None
        tx.cache[("subject_key", subject_ref)] = cipher = AESGCM(key)
        return cipher

    async def _load_key(self, tx: Transaction, subject_ref: str, *, create_at: datetime | None) -> bytes | None:
        row = await _KEY_OF.first(tx, subject_ref=subject_ref)  # on every sealing request: the driver's path
        if row is not None:
            return None if row["erased_at"] is not None else self._unwrap(subject_ref, row["wrapped_key"])
        if create_at is None:
            return None  # never had a key: nothing sealed for this person can exist
        key = AESGCM.generate_key(bit_length=256)
        insert = (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(subject_keys)
        await tx.conn.execute(
            insert.values(subject_ref=subject_ref, wrapped_key=self._wrap(subject_ref, key), created_at=create_at)
            .on_conflict_do_nothing()
        )
        # A concurrent first use may have won the insert: read back whichever key stands.
        return await self._load_key(tx, subject_ref, create_at=None)

    def _wrap(self, subject_ref: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._kek.encrypt(nonce, key, subject_ref.encode())

    def _unwrap(self, subject_ref: str, wrapped: bytes) -> bytes:
        return self._kek.decrypt(wrapped[:12], wrapped[12:], subject_ref.encode())


class PersonErased(Exception):
    code = "person_erased"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


