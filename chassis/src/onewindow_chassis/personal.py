"""Personal data that can be erased from an append-only log (crypto-shredding).

Each person (an applicant's random reference) gets a data key; personal fields in events are sealed
with it (AES-256-GCM). The data keys themselves are stored wrapped by the service's master key, so a
copy of the database alone opens nothing. Erasing the data key makes every sealed field of that person
unreadable, in every event and every backup, while the events themselves — cases, deadlines,
statistics — stand untouched. A person who comes back after their erasure gets a key of a new
generation for what they give from then on.
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
                    .where(subject_keys.c.subject_ref == param("key_id")))
_NEWEST_KEY = Statement(sa.select(subject_keys.c.subject_ref, subject_keys.c.generation, subject_keys.c.wrapped_key,
                                  subject_keys.c.erased_at)
                        .where(subject_keys.c.person_ref == param("person_ref"))
                        .order_by(subject_keys.c.generation.desc()).limit(1))

ERASED = "〔已删除 erased〕"


class PersonalDataVault:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes (AES-256)")
        self._kek = AESGCM(master_key)

    async def seal(self, tx: Transaction, subject_ref: str, value: str, at: datetime) -> dict[str, str]:
        """Encrypt `value`, which the person gave at `at`, under their data key (made on first use). The
        result goes into events.

        Data given before the person was erased stays erased: an event from then, handled late or again,
        cannot seal it anew (PersonErased). Data given after it — the person came back — goes under a key
        of a new generation, and the erased keys stay erased."""
        key_id, cipher = await self._sealing_key(tx, subject_ref, at)
        nonce = os.urandom(12)
        ciphertext = cipher.encrypt(nonce, value.encode(), key_id.encode())
        return {"key_id": key_id, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}

    async def open(self, tx: Transaction, sealed: dict[str, str]) -> str:
        """The clear value, or ERASED once the key it was sealed with is gone."""
        key_id = sealed["key_id"]
        cipher = tx.cache.get(("data_key", key_id))
        if cipher is None:
            row = await _KEY_OF.first(tx, key_id=key_id)
            if row is None or row["erased_at"] is not None:
                return ERASED  # erased, or never made here: nothing sealed with it can be read
            tx.cache[("data_key", key_id)] = cipher = AESGCM(self._unwrap(key_id, row["wrapped_key"]))
        return cipher.decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), key_id.encode()).decode()

    async def erase(self, tx: Transaction, subject_ref: str, at: datetime) -> None:
        """Destroy the person's data keys made before `at` (an erasure heard late leaves a key the person
        was given after it alone), and leave a tombstone even where this service never held one, so no
        event from before the erasure can make a fresh key and seal that person's data again."""
        for cached in [k for k in tx.cache if isinstance(k, tuple) and k[0] in ("person_key", "data_key")]:
            del tx.cache[cached]  # erasure is rare: forget every key this transaction opened
        erased = await tx.conn.execute(
            subject_keys.update()
            .where(subject_keys.c.person_ref == subject_ref, subject_keys.c.erased_at.is_(None),
                   subject_keys.c.created_at <= at)
            .values(wrapped_key=None, erased_at=at))
        if erased.rowcount == 0:
            insert = (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(subject_keys)
            await tx.conn.execute(insert.values(subject_ref=subject_ref, person_ref=subject_ref, generation=1,
                                                wrapped_key=None, created_at=at, erased_at=at)
                                  .on_conflict_do_nothing())

    async def holds(self, tx: Transaction, subject_ref: str) -> bool:
        """Whether a key of this person is still whole here: something of theirs may still be read."""
        row = await _NEWEST_KEY.first(tx, person_ref=subject_ref)
        return row is not None and row["erased_at"] is None

    async def _sealing_key(self, tx: Transaction, person_ref: str, given_at: datetime) -> tuple[str, AESGCM]:
        """The person's newest key, ready to use; kept for the rest of the transaction (an application
        seals several fields of one person)."""
        cached = tx.cache.get(("person_key", person_ref))
        if cached is not None:
            return cached
        for _ in range(2):  # a concurrent first use may win the insert: then use whichever key stands
            row = await _NEWEST_KEY.first(tx, person_ref=person_ref)  # on every sealing request: the driver's path
            if row is not None and row["erased_at"] is None:
                key_id = row["subject_ref"]
                found = (key_id, AESGCM(self._unwrap(key_id, row["wrapped_key"])))
                tx.cache[("person_key", person_ref)] = found
                return found
            if row is not None and row["erased_at"] >= given_at:
                raise PersonErased(person_ref)
            generation = 1 if row is None else row["generation"] + 1  # after an erasure: the person came back
            key_id = person_ref if generation == 1 else f"{person_ref}:k{generation}"
            insert = (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(subject_keys)
            await tx.conn.execute(
                insert.values(subject_ref=key_id, person_ref=person_ref, generation=generation, created_at=given_at,
                              wrapped_key=self._wrap(key_id, AESGCM.generate_key(bit_length=256)))
                .on_conflict_do_nothing())
        raise RuntimeError(f"no data key could be made for {person_ref!r}: key id {key_id!r} is taken")

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


