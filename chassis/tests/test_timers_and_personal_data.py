"""Durable timers and erasable personal data, on both adapters."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from onewindow_chassis import timers
from onewindow_chassis.clock import ManualClock
from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.personal import ERASED, PersonalDataVault, PersonErased
from onewindow_chassis.schema import subject_keys

# 00:30 in Shanghai is still the previous day in UTC: the edge where date rules go wrong.
START = datetime(2026, 3, 2, 0, 30, tzinfo=timezone(timedelta(hours=8)))


class Fired:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def __call__(self, timer: timers.Timer, tx: Transaction) -> None:
        self.ids.append(timer.timer_id)


async def test_a_timer_fires_once_when_due_and_survives_a_restart(db: Database) -> None:
    clock = ManualClock(START)
    async with db.transaction() as tx:
        assert await timers.schedule(tx, "supplement:case-1", "supplement_deadline", START + timedelta(days=5), {"case": "case-1"})
        assert not await timers.schedule(tx, "supplement:case-1", "supplement_deadline", START + timedelta(days=9))
    fired = Fired()
    runner = timers.TimerRunner(db, clock, {"supplement_deadline": fired})
    assert await runner.fire_due() == 0
    clock.advance(timedelta(days=5))
    # A new runner stands for a restarted process: the timer lives in the database, not in memory.
    restarted = timers.TimerRunner(db, clock, {"supplement_deadline": fired})
    assert await restarted.fire_due() == 1
    assert await restarted.fire_due() == 0
    assert await runner.fire_due() == 0
    assert fired.ids == ["supplement:case-1"]


async def test_a_cancelled_timer_never_fires(db: Database) -> None:
    clock = ManualClock(START)
    async with db.transaction() as tx:
        await timers.schedule(tx, "rating:case-2", "default_rating", START + timedelta(days=7))
        await timers.cancel(tx, "rating:case-2", START)
    clock.advance(timedelta(days=8))
    fired = Fired()
    assert await timers.TimerRunner(db, clock, {"default_rating": fired}).fire_due() == 0


async def test_a_failing_timer_rolls_back_its_effects_and_is_retried(db: Database) -> None:
    clock = ManualClock(START)
    async with db.transaction() as tx:
        await timers.schedule(tx, "alert:1", "alert", START)
    calls = 0

    async def flaky(timer: timers.Timer, tx: Transaction) -> None:
        nonlocal calls
        calls += 1
        await tx.conn.execute(sa.text("CREATE TABLE IF NOT EXISTS flaky_effect (n int)"))
        await tx.conn.execute(sa.text("INSERT INTO flaky_effect VALUES (1)"))
        if calls == 1:
            raise RuntimeError("first try fails")

    runner = timers.TimerRunner(db, clock, {"alert": flaky}, retry_after=timedelta(minutes=1))
    assert await runner.fire_due() == 0
    assert await runner.fire_due() == 0  # not due again until retry_after has passed
    clock.advance(timedelta(minutes=2))
    assert await runner.fire_due() == 1
    async with db.transaction() as tx:
        assert (await tx.conn.execute(sa.text("SELECT count(*) FROM flaky_effect"))).scalar_one() == 1


async def test_sealed_personal_data_opens_until_the_person_is_erased(db: Database) -> None:
    vault = PersonalDataVault(b"k" * 32)
    async with db.transaction() as tx:
        sealed = await vault.seal(tx, "applicant-7f3a", "110101199003071234", START)
        other = await vault.seal(tx, "applicant-0b1c", "王芳", START)
    assert "110101199003071234" not in str(sealed)
    async with db.transaction() as tx:
        assert await vault.open(tx, sealed) == "110101199003071234"
        await vault.erase(tx, "applicant-7f3a", START)
    async with db.transaction() as tx:
        assert await vault.open(tx, sealed) == ERASED
        assert await vault.open(tx, other) == "王芳"  # nobody else is touched
        with pytest.raises(PersonErased):
            await vault.seal(tx, "applicant-7f3a", "again", START)
        wrapped = (await tx.conn.execute(sa.select(subject_keys.c.wrapped_key))).scalars().all()
    assert None in wrapped and all(w is None or b"\x00" * 32 not in w for w in wrapped)


async def test_erasing_a_person_never_seen_leaves_a_tombstone(db: Database) -> None:
    vault = PersonalDataVault(b"k" * 32)
    async with db.transaction() as tx:  # e.g. a service that hears PersonalDataErased before any of their data
        await vault.erase(tx, "applicant-never-seen", START)
        await vault.erase(tx, "applicant-never-seen", START)  # heard twice: still fine
    async with db.transaction() as tx:
        with pytest.raises(PersonErased):  # a later event cannot make that person a fresh key
            await vault.seal(tx, "applicant-never-seen", "13800138000", START)


async def test_a_database_copy_without_the_master_key_opens_nothing(db: Database) -> None:
    async with db.transaction() as tx:
        sealed = await PersonalDataVault(b"k" * 32).seal(tx, "applicant-1", "13800138000", START)
    with pytest.raises(Exception):
        async with db.transaction() as tx:
            await PersonalDataVault(b"x" * 32).open(tx, sealed)
