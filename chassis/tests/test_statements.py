"""`Statement`: one SQLAlchemy Core statement, the same rows on both dialects, straight on the driver on
PostgreSQL. The chassis's own idempotency table stands in: text, integer, bytes and a UTC timestamp."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from onewindow_chassis.db import Database
from onewindow_chassis.schema import idempotency_keys, subject_keys
from onewindow_chassis.statements import Statement, param

pytestmark = pytest.mark.infra
AT = datetime(2026, 11, 23, 8, 30, tzinfo=timezone(timedelta(hours=8)))

_INSERT = Statement(idempotency_keys.insert().values({c.name: param(c.name) for c in idempotency_keys.c}))
_BY_PRINCIPAL = Statement(
    sa.select(idempotency_keys.c.key, idempotency_keys.c.body, idempotency_keys.c.created_at)
    .where(idempotency_keys.c.principal == param("principal"), idempotency_keys.c.status_code != 500)
    .order_by(idempotency_keys.c.key)
)


def _upsert(insert):  # the dialect's own INSERT … ON CONFLICT
    statement = insert(subject_keys).values(subject_ref=param("ref"), person_ref=param("ref"), wrapped_key=param("key"),
                                            created_at=param("at"))
    return statement.on_conflict_do_update(index_elements=["subject_ref"], set_={"wrapped_key": statement.excluded.wrapped_key})


async def test_rows_written_and_read_back_alike_on_both_dialects(db: Database) -> None:
    async with db.transaction() as tx:
        for key, body in (("k-2", b"\x00second"), ("k-1", b"first")):
            await _INSERT.execute(tx, principal="p-1", key=key, request_hash="h", status_code=201, body=body,
                                  created_at=AT)
        await _INSERT.execute(tx, principal="p-1", key="k-3", request_hash="h", status_code=500, body=b"x",
                              created_at=AT)  # filtered out by the literal in the WHERE clause
        await _INSERT.execute(tx, principal="p-2", key="k-9", request_hash="h", status_code=201, body=b"y",
                              created_at=AT)
    async with db.transaction() as tx:
        rows = await _BY_PRINCIPAL.rows(tx, principal="p-1")
        assert await _BY_PRINCIPAL.first(tx, principal="nobody") is None
    assert [(r["key"], bytes(r["body"])) for r in rows] == [("k-1", b"first"), ("k-2", b"\x00second")]
    assert all(r["created_at"] == AT and r["created_at"].utcoffset() == timedelta(0) for r in rows)  # UTC, aware


async def test_a_statement_built_per_dialect_upserts_on_both(db: Database) -> None:
    upsert = Statement(_upsert)
    read = Statement(sa.select(subject_keys.c.wrapped_key).where(subject_keys.c.subject_ref == param("ref")))
    async with db.transaction() as tx:
        await upsert.execute(tx, ref="s-1", key=b"one", at=AT)
        await upsert.execute(tx, ref="s-1", key=b"two", at=AT)
        assert bytes((await read.first(tx, ref="s-1"))["wrapped_key"]) == b"two"


async def test_a_failed_statement_rolls_its_transaction_back(db: Database) -> None:
    with pytest.raises(Exception):
        async with db.transaction() as tx:
            await _INSERT.execute(tx, principal="p-3", key="k", request_hash="h", status_code=201, body=b"a",
                                  created_at=AT)
            await _INSERT.execute(tx, principal="p-3", key="k", request_hash="h", status_code=201, body=b"b",
                                  created_at=AT)  # the same key again
    async with db.transaction() as tx:
        assert await _BY_PRINCIPAL.rows(tx, principal="p-3") == []


def test_an_expanding_in_list_is_refused_when_compiled() -> None:
    statement = Statement(sa.select(idempotency_keys.c.key).where(
        idempotency_keys.c.principal.in_(sa.bindparam("principals", expanding=True))))
    with pytest.raises(TypeError, match="expanding IN"):
        statement._for_driver()


async def test_queued_writes_land_together_at_the_commit(db: Database) -> None:
    async with db.transaction() as tx:
        for n in range(3):
            _INSERT.later(tx, principal="p-4", key=f"k-{n}", request_hash="h", status_code=201, body=b"z", created_at=AT)
        queued = _INSERT.later(tx, principal="p-4", key="k-x", request_hash="h", status_code=201, body=b"z",
                               created_at=AT)
        queued["key"] = "k-3"  # a queued row may still change until the flush
        assert await _BY_PRINCIPAL.rows(tx, principal="p-4") == []  # not sent yet: the documented price
    async with db.transaction() as tx:
        assert [r["key"] for r in await _BY_PRINCIPAL.rows(tx, principal="p-4")] == ["k-0", "k-1", "k-2", "k-3"]


async def test_a_failing_queued_write_takes_the_whole_transaction_with_it(db: Database) -> None:
    with pytest.raises(Exception):
        async with db.transaction() as tx:
            await _INSERT.execute(tx, principal="p-5", key="first", request_hash="h", status_code=201, body=b"a",
                                  created_at=AT)
            _INSERT.later(tx, principal="p-5", key="second", request_hash="h", status_code=201, body=b"a",
                          created_at=AT)
            _INSERT.later(tx, principal="p-5", key="first", request_hash="h", status_code=201, body=b"a",
                          created_at=AT)  # a duplicate key: fails at the flush
    async with db.transaction() as tx:
        assert await _BY_PRINCIPAL.rows(tx, principal="p-5") == []


def test_only_plain_writes_may_wait_for_the_commit() -> None:
    with pytest.raises(TypeError, match="without RETURNING"):
        _BY_PRINCIPAL.later(None)  # type: ignore[arg-type]
