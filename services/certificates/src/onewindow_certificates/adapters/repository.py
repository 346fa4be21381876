"""Reading and writing certificates' tables over a transaction. Plain functions: no hidden sessions."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from onewindow_chassis.db import Transaction
from onewindow_contracts.catalogue import CatalogueItemVersionPublished

from .tables import approvals, catalogue_items, holders, licence_reads, licences


def _insert(tx: Transaction, table: sa.Table) -> Any:
    return (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(table)


# --- what certificates hears -----------------------------------------------------------------------

async def keep_item(tx: Transaction, record: CatalogueItemVersionPublished) -> None:
    await tx.conn.execute(_insert(tx, catalogue_items).values(
        code=record.item_code, version=record.item_version, name=record.name,
        department_code=record.department_code, region_code=record.region_code,
        licence_type_code=record.result_licence_type_code,
    ).on_conflict_do_nothing())


async def item(tx: Transaction, code: str, version: int) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(catalogue_items).where(
        catalogue_items.c.code == code, catalogue_items.c.version == version))).mappings().first()
    return dict(row) if row else None


async def keep_holder(tx: Transaction, case_id: str, applicant_ref: str, kind: str, at: datetime) -> None:
    await tx.conn.execute(_insert(tx, holders).values(
        case_id=case_id, applicant_ref=applicant_ref, applicant_kind=kind, received_at=at).on_conflict_do_nothing())


async def holder(tx: Transaction, case_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(holders).where(holders.c.case_id == case_id))).mappings().first()
    return dict(row) if row else None


async def save_approval(tx: Transaction, row: dict[str, Any]) -> None:
    update = {k: v for k, v in row.items() if k not in ("case_id", "item_code")}
    await tx.conn.execute(_insert(tx, approvals).values(**row)
                          .on_conflict_do_update(index_elements=["case_id", "item_code"], set_=update))


async def approval(tx: Transaction, case_id: str, item_code: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(approvals).where(
        approvals.c.case_id == case_id, approvals.c.item_code == item_code))).mappings().first()
    return dict(row) if row else None


async def set_approval_state(tx: Transaction, case_id: str, item_code: str, state: str) -> None:
    await tx.conn.execute(approvals.update().where(
        approvals.c.case_id == case_id, approvals.c.item_code == item_code).values(state=state))


# --- the licence register ---------------------------------------------------------------------------

async def add_licence(tx: Transaction, row: dict[str, Any]) -> None:
    await tx.conn.execute(licences.insert().values(**row))


async def licence(tx: Transaction, licence_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(licences).where(licences.c.licence_id == licence_id))).mappings().first()
    return dict(row) if row else None


async def mark_revoked(tx: Transaction, licence_id: str, at: datetime, reason: str) -> None:
    await tx.conn.execute(licences.update().where(licences.c.licence_id == licence_id).values(
        status="revoked", revoked_at=at, revocation_reason=reason))


async def licences_of(tx: Transaction, holder_ref: str) -> list[dict[str, Any]]:
    """我的证照: the holder's licences, the newest first."""
    rows = await tx.conn.execute(sa.select(licences).where(licences.c.holder_ref == holder_ref)
                                 .order_by(licences.c.issued_at.desc(), licences.c.licence_id))
    return [dict(r) for r in rows.mappings()]


async def newest_valid(tx: Transaction, holder_ref: str, type_code: str, today: date) -> dict[str, Any] | None:
    """免证办: the holder's newest licence of the type that stands today (issued, within its dates)."""
    row = (await tx.conn.execute(
        sa.select(licences).where(
            licences.c.holder_ref == holder_ref, licences.c.type_code == type_code, licences.c.status == "issued",
            licences.c.valid_from <= today,
            sa.or_(licences.c.valid_until.is_(None), licences.c.valid_until >= today),
        ).order_by(licences.c.issued_at.desc()).limit(1)
    )).mappings().first()
    return dict(row) if row else None


async def record_read(tx: Transaction, row: dict[str, Any]) -> None:
    await tx.conn.execute(licence_reads.insert().values(**row))
