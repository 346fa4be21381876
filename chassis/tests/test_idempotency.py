"""Idempotency-Key: two requests with one key at the same moment run the command once and answer alike."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.idempotency import respond_once
from onewindow_chassis.schema import subject_keys

pytestmark = pytest.mark.infra
AT = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


@dataclass
class _Uow:
    tx: Transaction
    now: datetime = AT


async def test_a_concurrent_duplicate_runs_the_command_once_and_gets_the_first_reply(db: Database) -> None:
    both_in = asyncio.Barrier(2) if db.dialect == "postgresql" else None  # SQLite serialises writers at BEGIN
    runs = 0

    @contextlib.asynccontextmanager
    async def open_uow() -> AsyncIterator[_Uow]:
        async with db.transaction() as tx:
            yield _Uow(tx)

    async def work(uow: _Uow) -> dict[str, str]:
        nonlocal runs
        runs += 1
        ref = f"subject-{runs}"
        await uow.tx.conn.execute(subject_keys.insert().values(subject_ref=ref, person_ref=ref, wrapped_key=b"k", created_at=AT))
        if both_in is not None and runs <= 2:
            await both_in.wait()  # both past their recall before either remembers: a true race
        return {"made": ref}

    replies = await asyncio.gather(*(
        respond_once("POST", "/v1/things", "owner-1", "same-key-0001", {"a": 1}, 201, open_uow, work)
        for _ in range(2)))

    assert replies[0] == replies[1] and replies[0].status_code == 201
    assert runs == (2 if both_in else 1)  # on PostgreSQL the race was real: both ran, one lost at remembering
    async with db.transaction() as tx:
        made = (await tx.conn.execute(sa.select(subject_keys.c.subject_ref))).scalars().all()
    assert made == [replies[0].body.decode().split('"')[3]]  # the loser's effects were rolled back whole
