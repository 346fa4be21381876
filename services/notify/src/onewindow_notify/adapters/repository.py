"""Reading and writing notify's tables over a transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from onewindow_chassis.db import Transaction

from .tables import cases, contacts, deliveries, notifications


def _insert(tx: Transaction, table: sa.Table) -> Any:
    return (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(table)


# --- cases ---------------------------------------------------------------------------------------------

async def keep_case(tx: Transaction, row: dict[str, Any]) -> None:
    await tx.conn.execute(_insert(tx, cases).values(**row).on_conflict_do_nothing())


async def case(tx: Transaction, case_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(cases).where(cases.c.case_id == case_id))).mappings().first()
    return dict(row) if row else None


# --- contacts ------------------------------------------------------------------------------------------

async def save_contact(tx: Transaction, row: dict[str, Any]) -> None:
    update = {k: v for k, v in row.items() if k != "applicant_ref"}
    await tx.conn.execute(_insert(tx, contacts).values(**row)
                          .on_conflict_do_update(index_elements=["applicant_ref"], set_=update))


async def forget_contact(tx: Transaction, applicant_ref: str) -> None:
    await tx.conn.execute(contacts.delete().where(contacts.c.applicant_ref == applicant_ref))


async def contact(tx: Transaction, applicant_ref: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(contacts).where(contacts.c.applicant_ref == applicant_ref))).mappings().first()
    return dict(row) if row else None


# --- notifications -------------------------------------------------------------------------------------

async def add_notification(tx: Transaction, row: dict[str, Any]) -> bool:
    """Record the intent once: False when this (event, recipient, channel) was recorded already."""
    result = await tx.conn.execute(
        _insert(tx, notifications).values(**row)
        .on_conflict_do_nothing(index_elements=["caused_by", "recipient_ref", "channel"])
        .returning(sa.literal(1)))
    return result.first() is not None


async def notification(tx: Transaction, notification_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = sa.select(notifications).where(notifications.c.notification_id == notification_id)
    if lock and tx.dialect == "postgresql":
        query = query.with_for_update()
    row = (await tx.conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def due_notifications(tx: Transaction, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Pending notifications whose next attempt is due, locked against other instances (PostgreSQL)."""
    query = (sa.select(notifications)
             .where(notifications.c.status == "pending", notifications.c.next_attempt_at <= now)
             .order_by(notifications.c.next_attempt_at).limit(limit))
    if tx.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [dict(r) for r in (await tx.conn.execute(query)).mappings()]


async def update_notification(tx: Transaction, notification_id: str, **values: Any) -> None:
    await tx.conn.execute(notifications.update()
                          .where(notifications.c.notification_id == notification_id).values(**values))


async def inbox(tx: Transaction, recipient_ref: str, limit: int) -> list[dict[str, Any]]:
    query = (sa.select(notifications)
             .where(notifications.c.recipient_ref == recipient_ref, notifications.c.channel == "in_app")
             .order_by(notifications.c.created_at.desc(), notifications.c.notification_id).limit(limit))
    return [dict(r) for r in (await tx.conn.execute(query)).mappings()]


async def notifications_of_case(tx: Transaction, case_id: str) -> list[dict[str, Any]]:
    query = (sa.select(notifications).where(notifications.c.case_id == case_id)
             .order_by(notifications.c.created_at, notifications.c.notification_id))
    return [dict(r) for r in (await tx.conn.execute(query)).mappings()]


# --- deliveries ----------------------------------------------------------------------------------------

async def add_delivery(tx: Transaction, row: dict[str, Any]) -> None:
    await tx.conn.execute(deliveries.insert().values(**row))


async def delivery(tx: Transaction, delivery_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(deliveries).where(deliveries.c.delivery_id == delivery_id))).mappings().first()
    return dict(row) if row else None


async def update_delivery(tx: Transaction, delivery_id: str, **values: Any) -> None:
    await tx.conn.execute(deliveries.update().where(deliveries.c.delivery_id == delivery_id).values(**values))


async def deliveries_of_case(tx: Transaction, case_id: str) -> list[dict[str, Any]]:
    query = sa.select(deliveries).where(deliveries.c.case_id == case_id).order_by(deliveries.c.delivery_id)
    return [dict(r) for r in (await tx.conn.execute(query)).mappings()]
