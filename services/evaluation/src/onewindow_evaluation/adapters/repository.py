"""Reading and writing evaluation's tables over a transaction."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from onewindow_chassis.db import Transaction

from .tables import appeals, cases, rectifications, remarks, stages


def _insert(tx: Transaction, table: sa.Table) -> Any:
    return (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(table)


async def case(tx: Transaction, case_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(cases).where(cases.c.case_id == case_id))).mappings().first()
    return dict(row) if row else None


async def save_case(tx: Transaction, row: dict[str, Any]) -> None:
    update = {k: v for k, v in row.items() if k != "case_id"}
    await tx.conn.execute(_insert(tx, cases).values(**row).on_conflict_do_update(index_elements=["case_id"],
                                                                                 set_=update))


async def open_stage(tx: Transaction, row: dict[str, Any]) -> bool:
    """Make a stage ratable once; False when it was already (a redelivery: its first opening stands)."""
    result = await tx.conn.execute(_insert(tx, stages).values(**row).on_conflict_do_nothing()
                                   .returning(sa.literal(1)))
    return result.first() is not None


async def stage(tx: Transaction, case_id: str, stage_name: str, item_code: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(stages).where(
        stages.c.case_id == case_id, stages.c.stage == stage_name, stages.c.item_code == item_code))).mappings().first()
    return dict(row) if row else None


async def stages_of(tx: Transaction, case_id: str) -> list[dict[str, Any]]:
    query = sa.select(stages).where(stages.c.case_id == case_id).order_by(stages.c.ratable_at, stages.c.stage,
                                                                          stages.c.item_code)
    return [dict(r) for r in (await tx.conn.execute(query)).mappings()]


async def keep_remark(tx: Transaction, subject_id: str, case_id: str | None, author_ref: str | None,
                      text: str | None, scores: dict[str, int], at: datetime) -> None:
    await tx.conn.execute(_insert(tx, remarks).values(subject_id=subject_id, case_id=case_id, author_ref=author_ref,
                                                      text=text, scores=scores, filed_at=at).on_conflict_do_nothing())


async def forget_remarks(tx: Transaction, *, case_id: str | None = None, author_ref: str | None = None) -> None:
    """The applicant's own words go with their personal data; the stars stay for the statistics."""
    where = remarks.c.case_id == case_id if case_id is not None else remarks.c.author_ref == author_ref
    await tx.conn.execute(remarks.update().where(where).values(text=None))


async def remarks_of(tx: Transaction, case_id: str) -> dict[str, dict[str, Any]]:
    rows = (await tx.conn.execute(sa.select(remarks).where(remarks.c.case_id == case_id))).mappings()
    return {r["subject_id"]: dict(r) for r in rows}


async def add_rectification(tx: Transaction, row: dict[str, Any]) -> None:
    await tx.conn.execute(_insert(tx, rectifications).values(**row).on_conflict_do_nothing())


async def rectification(tx: Transaction, rectification_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(rectifications).where(
        rectifications.c.rectification_id == rectification_id))).mappings().first()
    return dict(row) if row else None


async def answered(tx: Transaction, rectification_id: str, on_time: bool, at: datetime) -> None:
    await tx.conn.execute(rectifications.update().where(rectifications.c.rectification_id == rectification_id)
                          .values(status="answered", on_time=on_time, answered_at=at))


async def overdue(tx: Transaction, rectification_id: str) -> None:
    await tx.conn.execute(rectifications.update().where(rectifications.c.rectification_id == rectification_id,
                                                        rectifications.c.status == "open").values(status="overdue"))


async def desk(tx: Transaction, department: str | None, status: str | None, limit: int) -> list[dict[str, Any]]:
    """整改台账: the nearest deadline first."""
    query = sa.select(rectifications).order_by(rectifications.c.rectify_due_on,
                                               rectifications.c.rectification_id).limit(limit)
    if department:
        query = query.where(rectifications.c.department_code == department)
    if status:
        query = query.where(rectifications.c.status == status)
    return [dict(r) for r in (await tx.conn.execute(query)).mappings()]


async def file_appeal(tx: Transaction, row: dict[str, Any]) -> bool:
    result = await tx.conn.execute(_insert(tx, appeals).values(**row).on_conflict_do_nothing()
                                   .returning(sa.literal(1)))
    return result.first() is not None


async def appeal(tx: Transaction, appeal_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(appeals).where(appeals.c.appeal_id == appeal_id))).mappings().first()
    return dict(row) if row else None


async def appeal_decided(tx: Transaction, appeal_id: str, outcome: str) -> None:
    await tx.conn.execute(appeals.update().where(appeals.c.appeal_id == appeal_id).values(outcome=outcome))


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {str(k): (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in row.items()}
