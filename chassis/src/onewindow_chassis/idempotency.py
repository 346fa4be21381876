"""Idempotency-Key on state-changing POSTs: a retried request returns the first reply and changes
nothing; the same key with a different body is refused.

The reply is stored in the SAME transaction as the command's effects, so either both stand or
neither does, and a crash between them cannot leave an effect without its remembered reply.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .db import Transaction
from .problems import DomainError
from .schema import idempotency_keys
from .statements import Statement, param

# Both run on every keyed POST: on the driver (chassis/statements.py).
_RECALL = Statement(sa.select(idempotency_keys.c.request_hash, idempotency_keys.c.status_code, idempotency_keys.c.body)
                    .where(idempotency_keys.c.principal == param("principal"), idempotency_keys.c.key == param("key")))
_REMEMBER = Statement(idempotency_keys.insert().values({c.name: param(c.name) for c in idempotency_keys.c}))


@dataclass(frozen=True)
class Reply:
    status_code: int
    body: bytes


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _check_key(key: str) -> None:
    if not 8 <= len(key) <= 200 or not key.isprintable():
        raise DomainError("invalid", "idempotency_key_invalid", "Idempotency-Key 格式不正确",
                          "The Idempotency-Key must be 8 to 200 printable characters")


async def recall(tx: Transaction, principal: str, key: str, fingerprint: str) -> Reply | None:
    """The reply to an earlier request with this key, or None. A concurrent duplicate that finds none
    runs too, but loses at `remember` (the key is unique) and is rolled back: see `respond_once`."""
    _check_key(key)
    row = await _RECALL.first(tx, principal=principal, key=key)
    if row is None:
        return None
    if row["request_hash"] != fingerprint:
        raise DomainError("invalid", "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求",
                          "This Idempotency-Key was already used for a different request")
    return Reply(row["status_code"], bytes(row["body"]))


async def remember(tx: Transaction, principal: str, key: str, fingerprint: str, reply: Reply, at: datetime) -> None:
    _REMEMBER.later(tx, principal=principal, key=key, request_hash=fingerprint, status_code=reply.status_code,
                    body=reply.body, created_at=at)
    await tx.flush()  # with the command's own queued writes: one statement, and a raced key fails here


class _Raced(Exception):
    pass


async def respond_once(
    method: str, path: str, owner: str, key: str | None, body: Any, status: int,
    open_uow: Callable[[], AbstractAsyncContextManager[Any]], work: Callable[[Any], Awaitable[Any]],
) -> Reply:
    """Run `work(uow)` once per (owner, Idempotency-Key), inside the unit of work that also stores the
    reply: a retry gets the first reply; a concurrent duplicate loses the race and gets it too.
    `open_uow()` yields an object with `.tx` and `.now`; the reply body is `work`'s result as JSON."""
    if not key:
        raise DomainError("invalid", "idempotency_key_required", "缺少 Idempotency-Key 请求头",
                          "The Idempotency-Key header is required")
    fingerprint = request_hash(method, path, body)
    try:
        async with open_uow() as uow:
            if (earlier := await recall(uow.tx, owner, key, fingerprint)) is not None:
                return earlier
            reply = Reply(status, orjson.dumps(await work(uow), default=str))
            try:
                await remember(uow.tx, owner, key, fingerprint, reply, uow.now)
            except (IntegrityError, asyncpg.UniqueViolationError) as error:  # SQLite's path, PostgreSQL's
                raise _Raced() from error  # rolls this attempt back whole
    except _Raced:
        async with open_uow() as uow:
            earlier = await recall(uow.tx, owner, key, fingerprint)
        assert earlier is not None
        return earlier
    return reply
