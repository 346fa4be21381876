"""Where each reader of the event log has got to, in `read_positions`.

A page is applied in the transaction that moves its reader's cursor, so a crash leaves both or neither.
`lock` takes the reader's row first: a second instance running the same projection waits for the page
in flight and then reads the moved cursor, so no page is ever applied twice.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..db import Transaction
from ..eventstore import Cursor
from ..schema import events, read_positions
from .model import insert


async def lock(tx: Transaction, reader: str, at: datetime) -> Cursor:
    """The reader's cursor, its row created at the start if new and held until the transaction ends."""
    statement = insert(tx, read_positions).values(reader=reader, tx_id=0, position=0, updated_at=at)
    # DO UPDATE (not DO NOTHING) so the row is locked and returned on PostgreSQL even when it exists.
    statement = statement.on_conflict_do_update(
        index_elements=[read_positions.c.reader], set_={"updated_at": statement.excluded.updated_at}
    ).returning(read_positions.c.tx_id, read_positions.c.position)
    row = (await tx.conn.execute(statement)).one()
    return Cursor(row[0], row[1])


async def save(tx: Transaction, reader: str, cursor: Cursor, at: datetime) -> None:
    await tx.conn.execute(
        read_positions.update()
        .where(read_positions.c.reader == reader)
        .values(tx_id=cursor.tx_id, position=cursor.position, updated_at=at)
    )


async def read(tx: Transaction, reader: str) -> Cursor | None:
    row = (
        await tx.conn.execute(
            sa.select(read_positions.c.tx_id, read_positions.c.position).where(read_positions.c.reader == reader)
        )
    ).first()
    return Cursor(row[0], row[1]) if row else None


async def forget(tx: Transaction, reader: str) -> None:
    await tx.conn.execute(read_positions.delete().where(read_positions.c.reader == reader))


async def count_until(tx: Transaction, until: Cursor) -> int:
    """How many events lie at or before `until` in the global order (for a progress total)."""
    if tx.dialect == "postgresql":  # events.tx_id is xid8 there; compare in its own type
        bound = sa.tuple_(sa.literal_column(f"'{int(until.tx_id)}'::xid8"), sa.literal(until.position))
    else:
        bound = sa.tuple_(sa.literal(until.tx_id), sa.literal(until.position))
    at_or_before = sa.tuple_(events.c.tx_id, events.c.position) <= bound
    query = sa.select(sa.func.count()).select_from(events).where(at_or_before)
    return (await tx.conn.execute(query)).scalar_one()
