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


async def test_a_person_who_comes_back_after_their_erasure_gets_a_new_key(db: Database) -> None:
    vault, erased_at = PersonalDataVault(b"k" * 32), START + timedelta(days=1)
    async with db.transaction() as tx:
        before = await vault.seal(tx, "applicant-7f3a", "13800138000", START)
        await vault.erase(tx, "applicant-7f3a", erased_at)
        assert not await vault.holds(tx, "applicant-7f3a")
    async with db.transaction() as tx:
        with pytest.raises(PersonErased):  # an event from before the erasure, handled late: stays erased
            await vault.seal(tx, "applicant-7f3a", "13800138000", START)
        with pytest.raises(PersonErased):  # nor at the very moment of the erasure
            await vault.seal(tx, "applicant-7f3a", "13800138000", erased_at)
        after = await vault.seal(tx, "applicant-7f3a", "13911112222", erased_at + timedelta(days=30))
        again = await vault.seal(tx, "applicant-7f3a", "王芳", erased_at + timedelta(days=31))  # the same new key
    assert (before["key_id"], after["key_id"], again["key_id"]) == ("applicant-7f3a", "applicant-7f3a:k2",
                                                                    "applicant-7f3a:k2")
    async with db.transaction() as tx:
        assert await vault.holds(tx, "applicant-7f3a")
        assert (await vault.open(tx, before), await vault.open(tx, after)) == (ERASED, "13911112222")
        # an erasure heard late (from before the new key was made) leaves the new key alone
        await vault.erase(tx, "applicant-7f3a", erased_at)
        assert await vault.open(tx, after) == "13911112222"
        await vault.erase(tx, "applicant-7f3a", erased_at + timedelta(days=400))  # erased a second time
    async with db.transaction() as tx:
        assert (await vault.open(tx, after), await vault.open(tx, again)) == (ERASED, ERASED)
        later = await vault.seal(tx, "applicant-7f3a", "13800001111", erased_at + timedelta(days=500))
    assert later["key_id"] == "applicant-7f3a:k3"


async def test_keys_made_before_generations_upgrade_to_the_first_generation(db: Database) -> None:
    """chassis_0003 on a database whose subject_keys has the first shape: each key becomes its person's
    first, still opens what it sealed, and the person can be erased and come back."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from onewindow_chassis.migrations.versions import chassis_0003_key_generations as migration

    vault = PersonalDataVault(b"k" * 32)
    async with db.transaction() as tx:
        sealed = await vault.seal(tx, "applicant-old", "13800138000", START)
        row = (await tx.conn.execute(sa.select(subject_keys.c.wrapped_key))).scalar_one()
        await tx.conn.execute(sa.text("DROP TABLE subject_keys"))
        await tx.conn.execute(sa.text(
            "CREATE TABLE subject_keys (subject_ref TEXT PRIMARY KEY, wrapped_key "
            f"{'BYTEA' if db.dialect == 'postgresql' else 'BLOB'}, created_at TIMESTAMP WITH TIME ZONE NOT NULL, "
            "erased_at TIMESTAMP WITH TIME ZONE)"))
        await tx.conn.execute(sa.text("INSERT INTO subject_keys VALUES ('applicant-old', :key, :at, NULL)"),
                              {"key": row, "at": START if db.dialect == "postgresql" else "2026-03-01 16:30:00.000000"})

        def upgrade(connection: sa.Connection) -> None:
            context = MigrationContext.configure(connection, opts={"render_as_batch": db.dialect == "sqlite"})
            with Operations.context(context):
                migration.upgrade()

        await tx.conn.run_sync(upgrade)
    async with db.transaction() as tx:
        upgraded = (await tx.conn.execute(sa.select(subject_keys.c.person_ref, subject_keys.c.generation))).one()
        assert tuple(upgraded) == ("applicant-old", 1)
        assert await vault.open(tx, sealed) == "13800138000"
        await vault.erase(tx, "applicant-old", START + timedelta(days=1))
        assert (await vault.seal(tx, "applicant-old", "x", START + timedelta(days=2)))["key_id"] == "applicant-old:k2"
        assert await vault.open(tx, sealed) == ERASED


async def test_a_database_copy_without_the_master_key_opens_nothing(db: Database) -> None:
    async with db.transaction() as tx:
        sealed = await PersonalDataVault(b"k" * 32).seal(tx, "applicant-1", "13800138000", START)
    with pytest.raises(Exception):
        async with db.transaction() as tx:
            await PersonalDataVault(b"x" * 32).open(tx, sealed)
