"""What a consumer has already handled (idempotent consumers)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .db import Transaction
from .schema import processed_messages


async def claim(tx: Transaction, consumer: str, message_id: str, at: datetime) -> bool:
    """Record that `consumer` handles `message_id` in this transaction. False: it was handled before.

    Written in the same transaction as the handler's effects, so either both stand or neither does.
    """
    insert = (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(processed_messages)
    result = await tx.conn.execute(
        insert.values(consumer=consumer, message_id=message_id, processed_at=at)
        .on_conflict_do_nothing()
        .returning(sa.literal(1))
    )
    return result.first() is not None


async def claim_many(tx: Transaction, consumer: str, message_ids: list[str], at: datetime) -> set[str]:
    """`claim` for a run of messages at once: the ids not handled before (one statement on PostgreSQL)."""
    if tx.dialect != "postgresql":
        return {i for i in dict.fromkeys(message_ids) if await claim(tx, consumer, i, at)}
    rows = await (await tx.driver()).fetch(
        "INSERT INTO processed_messages (consumer, message_id, processed_at) SELECT $1, m, $3 "
        "FROM unnest($2::text[]) AS m ON CONFLICT DO NOTHING RETURNING message_id",
        consumer, list(dict.fromkeys(message_ids)), at)
    return {row[0] for row in rows}
