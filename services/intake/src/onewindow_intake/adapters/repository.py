"""Reading and writing intake's tables. Plain functions over a transaction: no hidden sessions.

What an application does on every submission is a `Statement` (chassis/statements.py): written here with
SQLAlchemy for both dialects, sent straight to the driver on PostgreSQL, where it costs a third of a
Core execution (bench/README.md, "Intake over HTTP")."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from onewindow_chassis.db import Transaction
from onewindow_chassis.statements import Statement, param
from onewindow_contracts.catalogue import CatalogueItemVersionPublished
from onewindow_contracts.values import MaterialSource

from ..domain.catalogue import FORM_TYPE, Catalogue, Item
from ..domain.vault import COMMITMENT_TYPE, StoredMaterial
from .tables import (
    applicants, application_forms, cases, catalogue_items, corrections, credit_marks, delegations, material_blobs,
    materials,
)


def _insert(tx: Transaction, table: sa.Table) -> Any:
    return (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(table)


# --- catalogue -------------------------------------------------------------------------------------

async def load_items(tx: Transaction, catalogue: Catalogue) -> None:
    for row in (await tx.conn.execute(sa.select(catalogue_items))).mappings():
        record = CatalogueItemVersionPublished.model_validate(row["record"])
        catalogue.add(Item(record, tuple(row["form_fields"])))


async def save_item(tx: Transaction, item: Item) -> None:
    await tx.conn.execute(catalogue_items.insert().values(
        code=item.code, version=item.version, record=item.record.model_dump(mode="json"),
        form_fields=list(item.form_fields)))


# --- the materials vault ---------------------------------------------------------------------------

def _stored(row: Any) -> StoredMaterial:
    return StoredMaterial(row.material_id, row.applicant_ref, row.type_code, row.sha256, row.size, row.media_type,
                          row.filename, MaterialSource(row.source), row.licence_id, row.valid_until, row.uploaded_at)


def _stored_from(row: dict[str, Any]) -> StoredMaterial:
    return StoredMaterial(row["material_id"], row["applicant_ref"], row["type_code"], row["sha256"], row["size"],
                          row["media_type"], row["filename"], MaterialSource(row["source"]), row["licence_id"],
                          row["valid_until"], row["uploaded_at"])


_REUSABLE = Statement(
    sa.select(materials).where(
        materials.c.applicant_ref == param("applicant_ref"),
        # made for one case, never reused: the generated 申请表 and the signed 承诺书 (and they grow by
        # one with every case, which would make each application read more than the last)
        materials.c.type_code.not_like(FORM_TYPE + ":%"), materials.c.type_code != COMMITMENT_TYPE,
    ).order_by(materials.c.uploaded_at)
)


async def reusable_materials(tx: Transaction, applicant_ref: str) -> list[StoredMaterial]:
    """The documents of an applicant's a new application may use, oldest first, in one read."""
    return [_stored_from(row) for row in await _REUSABLE.rows(tx, applicant_ref=applicant_ref)]


async def find_material(tx: Transaction, applicant_ref: str, type_code: str, sha256: str) -> StoredMaterial | None:
    row = (await tx.conn.execute(sa.select(materials).where(
        materials.c.applicant_ref == applicant_ref, materials.c.type_code == type_code, materials.c.sha256 == sha256
    ))).first()
    return _stored(row) if row else None


async def material(tx: Transaction, material_id: str) -> StoredMaterial | None:
    row = (await tx.conn.execute(sa.select(materials).where(materials.c.material_id == material_id))).first()
    return _stored(row) if row else None


async def materials_of(tx: Transaction, applicant_ref: str, type_codes: Sequence[str] | None = None,
                       ids: Sequence[str] | None = None) -> list[StoredMaterial]:
    """An applicant's documents: of the given types, or with the given ids (one query either way)."""
    query = sa.select(materials).where(materials.c.applicant_ref == applicant_ref).order_by(materials.c.uploaded_at)
    if type_codes is not None:
        query = query.where(materials.c.type_code.in_(list(type_codes)))
    if ids is not None:
        query = query.where(materials.c.material_id.in_(list(ids)))
    return [_stored(row) for row in await tx.conn.execute(query)]


_STORE_BLOB = Statement(lambda insert: insert(material_blobs).values(sha256=param("sha256"), content=param("content"))
                        .on_conflict_do_nothing())
_STORE_MATERIAL = Statement(materials.insert().values({c.name: param(c.name) for c in materials.c}))


async def store_material(tx: Transaction, stored: StoredMaterial, content: bytes) -> None:
    """Queued to go with the transaction's other writes (nothing reads a document in the transaction
    that stores it)."""
    _STORE_BLOB.later(tx, sha256=stored.sha256, content=content)
    _STORE_MATERIAL.later(
        tx, material_id=stored.material_id, applicant_ref=stored.applicant_ref, type_code=stored.type_code,
        sha256=stored.sha256, size=stored.size, media_type=stored.media_type, filename=stored.filename,
        source=stored.source.value, licence_id=stored.licence_id, valid_until=stored.valid_until,
        uploaded_at=stored.uploaded_at)


async def content(tx: Transaction, sha256: str) -> bytes:
    return (await tx.conn.execute(sa.select(material_blobs.c.content).where(material_blobs.c.sha256 == sha256))).scalar_one()


def new_material_id() -> str:
    return "mat-" + uuid.uuid4().hex


# --- applicants, forms, credit ---------------------------------------------------------------------

async def applicant_by_index(tx: Transaction, blind_index: str) -> tuple[str, str] | None:
    row = (await tx.conn.execute(sa.select(applicants.c.applicant_ref, applicants.c.kind)
                                 .where(applicants.c.blind_index == blind_index))).first()
    return (row[0], row[1]) if row else None


async def add_applicant(tx: Transaction, ref: str, kind: str, blind_index: str, identity: dict, at: datetime) -> None:
    await tx.conn.execute(applicants.insert().values(applicant_ref=ref, kind=kind, blind_index=blind_index,
                                                     identity=identity, created_at=at))


_SAVE_FORM = Statement(application_forms.insert().values(case_id=param("case_id"), answers=param("answers")))


async def save_form(tx: Transaction, case_id: str, answers: dict[str, Any]) -> None:
    _SAVE_FORM.later(tx, case_id=case_id, answers=answers)


async def form(tx: Transaction, case_id: str) -> dict[str, Any]:
    row = (await tx.conn.execute(sa.select(application_forms.c.answers).where(application_forms.c.case_id == case_id))).first()
    return row[0] if row else {}


_CREDIT_MARK = Statement(sa.select(credit_marks.c.until).where(credit_marks.c.applicant_ref == param("applicant_ref")))


async def credit_barred(tx: Transaction, applicant_ref: str, today: date) -> bool:
    row = await _CREDIT_MARK.first(tx, applicant_ref=applicant_ref)
    return row is not None and (row["until"] is None or today <= row["until"])


async def mark_credit(tx: Transaction, applicant_ref: str, case_id: str, until: date | None, at: datetime) -> None:
    await tx.conn.execute(_insert(tx, credit_marks).values(applicant_ref=applicant_ref, case_id=case_id, until=until,
                                                           marked_at=at)
                          .on_conflict_do_update(index_elements=["applicant_ref"],
                                                 set_={"case_id": case_id, "until": until, "marked_at": at}))


# --- the case list -----------------------------------------------------------------------------------

_UPDATED = [c.name for c in cases.c if c.name not in ("case_id", "received_at", "applicant_ref", "channel")]


def _upsert_case(insert: Any) -> Any:
    statement = insert(cases).values({c.name: param(c.name) for c in cases.c})
    return statement.on_conflict_do_update(index_elements=["case_id"],
                                           set_={name: statement.excluded[name] for name in _UPDATED})


_UPSERT_CASE = Statement(_upsert_case)


def upsert_case(tx: Transaction, row: dict[str, Any]) -> dict[str, Any]:
    """Queued until the commit; returns the queued row, to be updated in place by later saves of the
    same case in this transaction (one row written, however many times the case changed)."""
    return _UPSERT_CASE.later(tx, **row)


async def case_row(tx: Transaction, case_id: str) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(cases).where(cases.c.case_id == case_id))).mappings().first()
    return dict(row) if row else None


async def list_cases(tx: Transaction, *, applicant_ref: str | None, department: str | None, status: str | None,
                     before: tuple[datetime, str] | None, limit: int) -> list[dict[str, Any]]:
    """Newest first, keyset-paginated on (received_at, case_id)."""
    query = sa.select(cases).order_by(cases.c.received_at.desc(), cases.c.case_id.desc()).limit(limit)
    if applicant_ref is not None:
        query = query.where(cases.c.applicant_ref == applicant_ref)
    if status is not None:
        query = query.where(cases.c.status == status)
    if before is not None:
        query = query.where(sa.tuple_(cases.c.received_at, cases.c.case_id) < sa.tuple_(*before))
    rows = [dict(r) for r in (await tx.conn.execute(query)).mappings()]
    if department is not None:  # departments is a small JSON list: filtered here, portable across dialects
        rows = [r for r in rows if department in r["departments"]]
    return rows




# --- delegations (帮办代办) ----------------------------------------------------------------------------

async def add_delegation(tx: Transaction, row: dict[str, Any]) -> None:
    await tx.conn.execute(delegations.insert().values(**row))


async def delegation(tx: Transaction, applicant_ref: str, agent_ref: str, act: str, at: datetime) -> dict[str, Any] | None:
    """The newest delegation from the applicant to the agent that covers `act` and is still valid."""
    rows = (await tx.conn.execute(
        sa.select(delegations).where(delegations.c.applicant_ref == applicant_ref, delegations.c.agent_ref == agent_ref)
        .order_by(delegations.c.created_at.desc())
    )).mappings().all()
    for row in rows:
        if act in row["acts"] and (row["valid_until"] is None or at <= row["valid_until"]):
            return dict(row)
    return None


# --- corrections (补正) ---------------------------------------------------------------------------------

async def add_correction(tx: Transaction, row: dict[str, Any]) -> None:
    await tx.conn.execute(_insert(tx, corrections).values(**row).on_conflict_do_nothing())


async def open_corrections(tx: Transaction, case_id: str) -> list[dict[str, Any]]:
    rows = await tx.conn.execute(sa.select(corrections).where(corrections.c.case_id == case_id,
                                                              corrections.c.answered_at.is_(None)))
    return [dict(r) for r in rows.mappings()]


async def answer_correction(tx: Transaction, suspension_id: str, at: datetime) -> None:
    await tx.conn.execute(corrections.update().where(corrections.c.suspension_id == suspension_id).values(answered_at=at))
