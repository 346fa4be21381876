"""个人信息删除 by crypto-shredding, within the archive-retention duty (docs/erasure.md).

An applicant's personal fields are sealed under their own data key wherever they are kept (the identity
behind the ref, the contact in ApplicationReceived, the personal answers of the form). Erasing destroys
that key, so every sealed copy — in the event log, the read rows, every backup — becomes unreadable at
once; the documents the applicant handed in (plain files in the vault, not sealed) are destroyed with
it. What stays is what the archive and the statistics need: the cases, their items, deadlines and
outcomes, under an opaque ref that no longer leads to anyone.

The archive comes first: a case's file is kept for its retention period (保管期限, counted from 1 January
of the year after the case closed, as archives count it), and only then are the keys erased — by the
retention run, or by hand for an applicant with no case still in retention.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from onewindow_chassis.clock import SHANGHAI
from onewindow_chassis.eventstore import from_contract
from onewindow_chassis.personal import ERASED
from onewindow_contracts.intake import ApplicantErased, ErasureReason, PersonalDataErased
from onewindow_contracts.values import Actor

from ..adapters.erasure_tables import case_closures, erasures
from ..adapters.tables import applicants, application_forms, cases, material_blobs, materials
from ..domain.errors import conflict, not_found
from .unit_of_work import UnitOfWork

# Cases intake itself ended: they close at their last change, with no word from approval.
_ENDED_HERE = ("not_accepted", "withdrawn", "ended_incomplete")


class Kept(StrEnum):
    """Why an applicant's data cannot be erased whatever the date."""

    OPEN = "open"  # a case is still being handled
    PERMANENT = "permanent"  # a case's file is kept 永久


@dataclass(frozen=True)
class Retention:
    """The 保管期限表: `years` for every item, unless `by_item` says otherwise (None: 永久). A case's file
    holds the documents of all its items, so it is kept as long as the longest of them."""

    years: int
    by_item: Mapping[str, int | None] = field(default_factory=dict)

    def of_case(self, item_codes: Iterable[str]) -> int | None:
        terms = [self.by_item.get(code, self.years) for code in item_codes]
        if None in terms:
            return None
        return max((t for t in terms if t is not None), default=self.years)

    @staticmethod
    def ends_on(closed_on: date, years: int) -> date:
        """Archives count from 1 January of the year after the file closed."""
        return date(closed_on.year + 1 + years, 1, 1)

    def closed_before(self, today: date) -> datetime:
        """No file that closed at or after this moment can have left retention by `today`, whatever its
        items: even the shortest term, counted from 1 January after closing, is still running."""
        shortest = min([self.years, *(t for t in self.by_item.values() if t is not None)])
        return datetime(today.year - shortest, 1, 1, tzinfo=SHANGHAI)


async def record_closure(tx: Any, case_id: str, concluded_at: datetime) -> None:
    """办结 heard from approval: the case's retention period starts counting."""
    exists = (await tx.conn.execute(sa.select(case_closures.c.case_id)
                                    .where(case_closures.c.case_id == case_id))).first()
    if exists is None:
        await tx.conn.execute(case_closures.insert().values(case_id=case_id, concluded_at=concluded_at))


async def _cases_of(uow: UnitOfWork, applicant_ref: str) -> list[dict[str, Any]]:
    """The applicant's cases: status, when each closed, and its items (whose 保管期限 applies)."""
    query = (sa.select(cases.c.case_id, cases.c.status, cases.c.received_at, cases.c.updated_at,
                       case_closures.c.concluded_at)
             .select_from(cases.outerjoin(case_closures, case_closures.c.case_id == cases.c.case_id))
             .where(cases.c.applicant_ref == applicant_ref).order_by(cases.c.received_at))
    found = [{str(k): v for k, v in row.items()} for row in (await uow.tx.conn.execute(query)).mappings()]
    for case in found:
        case["item_codes"] = [i.item_code for i in (await uow.application(case["case_id"])).item_refs]
    return found


def _closed_on(case: dict[str, Any]) -> date | None:
    if case["concluded_at"] is not None:
        return case["concluded_at"].astimezone(SHANGHAI).date()
    if case["status"] in _ENDED_HERE:
        return case["updated_at"].astimezone(SHANGHAI).date()
    return None  # still being handled


def retained_until(applicant_cases: list[dict[str, Any]], retention: Retention) -> date | Kept | None:
    """The day the last of the applicant's case files leaves retention; Kept.PERMANENT if one is kept
    永久, else Kept.OPEN while one is being handled; None for an applicant with no case at all (no
    archive duty holds their data)."""
    if not applicant_cases:
        return None
    terms = [retention.of_case(case["item_codes"]) for case in applicant_cases]
    if None in terms:
        return Kept.PERMANENT
    closed = [_closed_on(case) for case in applicant_cases]
    if None in closed:
        return Kept.OPEN
    return max(retention.ends_on(day, years) for day, years in zip(closed, terms)
               if day is not None and years is not None)


async def _register(uow: UnitOfWork, applicant_ref: str) -> dict[str, Any] | None:
    """The applicant's latest erasure (each is an ApplicantErased on their stream too)."""
    row = (await uow.tx.conn.execute(sa.select(erasures).where(erasures.c.applicant_ref == applicant_ref))).mappings().first()
    return {str(k): v for k, v in row.items()} if row else None  # plain str keys: the reply is JSON


async def _holds_documents(uow: UnitOfWork, applicant_ref: str) -> bool:
    return (await uow.tx.conn.execute(sa.select(materials.c.material_id)
                                      .where(materials.c.applicant_ref == applicant_ref).limit(1))).first() is not None


async def erase(uow: UnitOfWork, applicant_ref: str, reason: ErasureReason, by: Actor,
                retention: Retention) -> dict[str, Any]:
    """Erase one applicant's personal data. Once: a repeat answers with that erasure — unless the person
    came back since (a new case, an upload, data sealed under a new key), which is erased in its turn.

    A person intake never met (who only complained, say) is erased too: intake holds nothing of theirs,
    but its ApplicantErased is how the other services hear to drop what they hold (evaluation, their
    words), and the tombstone keeps anything dated before now from being sealed for them here."""
    applicant_cases = await _cases_of(uow, applicant_ref)
    holds_documents = await _holds_documents(uow, applicant_ref)
    done = await _register(uow, applicant_ref)
    since = done["erased_at"] if done else None
    new_cases = [case for case in applicant_cases if since is None or case["received_at"] > since]
    came_back = new_cases or holds_documents or await uow.services.vault.holds(uow.tx, applicant_ref)
    if done and not came_back:
        return done
    until = retained_until(applicant_cases, retention)
    today = uow.now.astimezone(SHANGHAI).date()
    if until is Kept.PERMANENT:
        raise conflict("retention_permanent", "申请人有办件档案永久保管，个人信息随档案保存，不予删除",
                       "A case file of this applicant is kept permanently; the personal data is kept with it")
    if until is Kept.OPEN:
        raise conflict("case_still_open", "申请人尚有在办办件，办结并保管期满后方可删除个人信息",
                       "A case of this applicant is still being handled; erase after it closes and its retention ends")
    if until is not None and until > today:
        raise conflict("retention_period_running", f"办件档案保管期限未满，{until.isoformat()}起方可删除个人信息",
                       f"The case files are retained until {until.isoformat()}; erase from then on",
                       retained_until=until.isoformat())
    await uow.services.vault.erase(uow.tx, applicant_ref, uow.now)
    # The blind index lets anyone holding the key confirm an ID number: it goes too. The sealed identity
    # stays as it is, unreadable; a later application by the same person starts a new ref.
    await uow.tx.conn.execute(applicants.update().where(applicants.c.applicant_ref == applicant_ref)
                              .values(blind_index="erased:" + applicant_ref))
    destroyed = await _destroy_documents(uow, applicant_ref)
    for case in new_cases:  # each case's history records its erasure once
        application = await uow.application(case["case_id"])
        await uow.save(application, [PersonalDataErased(
            case_id=case["case_id"], applicant_ref=applicant_ref, key_id=applicant_ref, reason=reason,
            erased_at=uow.now)])
    # Once for the person too, on a stream of their own (a complaint filed without a case has no other).
    person = f"applicant:{applicant_ref}"
    erased = ApplicantErased(applicant_ref=applicant_ref, key_id=applicant_ref, reason=reason, cases=len(new_cases),
                             erased_at=uow.now)
    await uow.store.append(uow.tx, person, len(await uow.store.load(uow.tx, person)), [from_contract(erased)], uow.now)
    row = {"applicant_ref": applicant_ref, "reason": reason.value, "erased_by_role": by.role.value,
           "erased_by": by.ref, "erased_at": uow.now, "cases": len(new_cases), "materials": destroyed}
    if done:
        await uow.tx.conn.execute(erasures.update().where(erasures.c.applicant_ref == applicant_ref).values(**row))
    else:
        await uow.tx.conn.execute(erasures.insert().values(**row))
    return row


async def _destroy_documents(uow: UnitOfWork, applicant_ref: str) -> int:
    """The applicant's stored documents (uploads, e-licence copies, the department forms): the rows, and
    each file no other applicant's material points at (files are kept once per content hash)."""
    tx = uow.tx
    own = (await tx.conn.execute(sa.select(materials.c.material_id, materials.c.sha256)
                                 .where(materials.c.applicant_ref == applicant_ref))).all()
    if not own:
        return 0
    await tx.conn.execute(materials.delete().where(materials.c.applicant_ref == applicant_ref))
    hashes = {row.sha256 for row in own}
    shared = {row.sha256 for row in (await tx.conn.execute(
        sa.select(materials.c.sha256).where(materials.c.sha256.in_(hashes)))).all()}
    if hashes - shared:
        await tx.conn.execute(material_blobs.delete().where(material_blobs.c.sha256.in_(hashes - shared)))
    return len(own)


async def may_be_due(conn: Any, retention: Retention, today: date) -> list[str]:
    """Applicants with a case since their last erasure (if any) whose every case closed long enough ago
    to have left even the shortest term, in one query: the daily run then opens the case streams of the
    few who may be due (each is checked against their items' own terms), not of every applicant the
    province ever had."""
    closed_at = sa.func.coalesce(case_closures.c.concluded_at,
                                 sa.case((cases.c.status.in_(_ENDED_HERE), cases.c.updated_at)))
    query = (sa.select(cases.c.applicant_ref)
             .select_from(cases.outerjoin(case_closures, case_closures.c.case_id == cases.c.case_id)
                          .outerjoin(erasures, erasures.c.applicant_ref == cases.c.applicant_ref))
             .group_by(cases.c.applicant_ref, erasures.c.erased_at)
             .having(sa.or_(erasures.c.erased_at.is_(None), sa.func.max(cases.c.received_at) > erasures.c.erased_at))
             .having(sa.func.count() == sa.func.count(closed_at))  # none still being handled
             .having(sa.func.max(closed_at) < retention.closed_before(today))
             .order_by(cases.c.applicant_ref))
    return [ref for (ref,) in (await conn.execute(query)).all()]


async def erase_expired(uow: UnitOfWork, by: Actor, retention: Retention, limit: int = 500) -> list[str]:
    """保管期满: erase every applicant whose last case left retention before today (at most `limit`
    per run, so one transaction stays short; run again until it erases none)."""
    today = uow.now.astimezone(SHANGHAI).date()
    erased: list[str] = []
    for applicant_ref in await may_be_due(uow.tx.conn, retention, today):
        if len(erased) >= limit:
            break
        until = retained_until(await _cases_of(uow, applicant_ref), retention)
        if until is None or isinstance(until, Kept) or until > today:
            continue
        await erase(uow, applicant_ref, ErasureReason.RETENTION_EXPIRED, by, retention)
        erased.append(applicant_ref)
    return erased


async def applicant_view(uow: UnitOfWork, applicant_ref: str) -> dict[str, Any]:
    """What intake holds of an applicant, opened: identity and each case's contact and personal answers
    — or 〔已删除 erased〕 once the key is gone. The identity number is shown masked."""
    row = (await uow.tx.conn.execute(sa.select(applicants).where(applicants.c.applicant_ref == applicant_ref))
           ).mappings().first()
    applicant_cases = await _cases_of(uow, applicant_ref)
    register = await _register(uow, applicant_ref)
    if row is None and not applicant_cases and register is None:
        raise not_found("申请人", "applicant")
    vault = uow.services.vault
    identity: dict[str, Any] | str | None = None
    if row is not None:
        opened = await vault.open(uow.tx, row["identity"])
        identity = ERASED if opened == ERASED else _masked_identity(opened)
    shown = []
    for case in applicant_cases:
        application = await uow.application(case["case_id"])
        contact = application.received.contact if application.received else None
        form = (await uow.tx.conn.execute(sa.select(application_forms.c.answers)
                                          .where(application_forms.c.case_id == case["case_id"]))).scalar()
        answers = {code: _masked(await vault.open(uow.tx, value)) if _is_sealed(value) else value
                   for code, value in (form or {}).items()}
        shown.append({"case_id": case["case_id"], "status": case["status"],
                      "closed_on": (day := _closed_on(case)) and day.isoformat(),
                      "contact": _masked(await vault.open(uow.tx, contact.model_dump())) if contact else None,
                      "answers": answers})
    return {"applicant_ref": applicant_ref, "identity": identity, "cases": shown,
            "erased": None if register is None else {k: (v.isoformat() if isinstance(v, datetime) else v)
                                                    for k, v in register.items() if k != "applicant_ref"}}


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and {"key_id", "nonce", "ciphertext"} <= set(value)


def _masked_identity(opened: str) -> dict[str, str]:
    identity = json.loads(opened)
    return {"number": _masked(str(identity.get("number", ""))), "name": _masked(str(identity.get("name") or ""))}


def _masked(text: str) -> str:
    """Enough for a records officer to see the value is still there, not to read it (脱敏)."""
    if text == ERASED:
        return text
    if len(text) >= 8:
        return text[:3] + "*" * (len(text) - 5) + text[-2:]
    return text[:1] + "*" * (len(text) - 1)
