"""Reading and writing approval's tables over a transaction."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from onewindow_chassis.db import Transaction
from onewindow_contracts.catalogue import CatalogueItemVersionPublished

from .tables import catalogue_items, intake_cases, queue


def _insert(tx: Transaction, table: sa.Table) -> Any:
    return (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(table)


async def keep_item(tx: Transaction, record: CatalogueItemVersionPublished) -> None:
    await tx.conn.execute(_insert(tx, catalogue_items).values(
        code=record.item_code, version=record.item_version, record=record.model_dump(mode="json")
    ).on_conflict_do_nothing())


async def item(tx: Transaction, code: str, version: int) -> CatalogueItemVersionPublished | None:
    row = (await tx.conn.execute(sa.select(catalogue_items.c.record).where(
        catalogue_items.c.code == code, catalogue_items.c.version == version))).first()
    return CatalogueItemVersionPublished.model_validate(row[0]) if row else None


async def intake_case(tx: Transaction, case_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(intake_cases).where(intake_cases.c.case_id == case_id))).mappings().first()
    return dict(row) if row else None


async def save_intake_case(tx: Transaction, row: dict[str, Any]) -> None:
    update = {k: v for k, v in row.items() if k != "case_id"}
    await tx.conn.execute(_insert(tx, intake_cases).values(**row)
                          .on_conflict_do_update(index_elements=["case_id"], set_=update))


async def save_queue_row(tx: Transaction, row: dict[str, Any]) -> None:
    update = {k: v for k, v in row.items() if k not in ("case_id", "item_code")}
    await tx.conn.execute(_insert(tx, queue).values(**row)
                          .on_conflict_do_update(index_elements=["case_id", "item_code"], set_=update))


async def department_queue(tx: Transaction, department: str, status: str | None, limit: int,
                           after: tuple | None) -> list[dict[str, Any]]:
    """部门待办, the nearest deadline first; keyset-paginated on (due_on, case_id, item_code)."""
    query = (sa.select(queue).where(queue.c.department_code == department)
             .order_by(queue.c.due_on, queue.c.case_id, queue.c.item_code).limit(limit))
    if status:
        query = query.where(queue.c.status == status)
    if after:
        query = query.where(sa.tuple_(queue.c.due_on, queue.c.case_id, queue.c.item_code) > sa.tuple_(*after))
    return [dict(r) for r in (await tx.conn.execute(query)).mappings()]
