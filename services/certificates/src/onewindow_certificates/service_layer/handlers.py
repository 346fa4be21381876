"""Certificates' handlers. Events heard from intake and approval issue and revoke licences; the one
command (a department revoking its own licence) comes over HTTP. Every handler is listed in HEARD
(events) or HANDLERS (commands) at the bottom."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onewindow_chassis.consumer import NotYet
from onewindow_chassis.problems import DomainError
from onewindow_contracts.approval import ItemApproved, ItemResultReleased
from onewindow_contracts.base import Event
from onewindow_contracts.catalogue import CatalogueItemVersionPublished
from onewindow_contracts.certificates import RevocationReason
from onewindow_contracts.intake import ApplicationReceived, PersonalDataErased
from onewindow_contracts.values import Actor, ActorRole, ItemRef
from onewindow_contracts.verification import CommitmentVerified, VerificationOutcome

from ..adapters import repository
from ..domain.licence import Licence
from .issuing import issue, revoke
from .unit_of_work import UnitOfWork

# --- what intake tells us --------------------------------------------------------------------------------


async def heard_item_version(event: CatalogueItemVersionPublished, uow: UnitOfWork) -> None:
    await repository.keep_item(uow.tx, event)


async def heard_received(event: ApplicationReceived, uow: UnitOfWork) -> None:
    """持证主体: the applicant of the case, by ref, is who will hold its licences."""
    await repository.keep_holder(uow.tx, event.case_id, event.applicant_ref, event.applicant_kind.value,
                                 event.received_at)


async def heard_erased(event: PersonalDataErased, uow: UnitOfWork) -> None:
    """个人信息删除: shred our own sealed copies of the holder's code as intake shredded its own."""
    await uow.services.vault.erase(uow.tx, event.applicant_ref, event.erased_at)


# --- what approval tells us ------------------------------------------------------------------------------

async def _licensed_item(uow: UnitOfWork, item: ItemRef) -> dict[str, Any] | None:
    """The catalogue version's record if an approval of it yields a licence, else None."""
    record = await repository.item(uow.tx, item.item_code, item.item_version)
    if record is None:  # catalogue.items and approval.events are not ordered with each other
        raise NotYet(f"catalogue item {item.item_code} v{item.item_version} not heard yet")
    return record if record["licence_type_code"] else None


async def heard_approved(event: ItemApproved, uow: UnitOfWork) -> None:
    """准予许可 → 签发, at once; after 容缺受理 (`result_held`) only once the result is released."""
    record = await _licensed_item(uow, event.item)
    if record is None:
        return
    known = await repository.approval(uow.tx, event.case_id, event.item.item_code)
    if known is not None and known["state"] in ("issued", "void"):
        return
    await repository.save_approval(uow.tx, {
        "case_id": event.case_id, "item_code": event.item.item_code, "item_version": event.item.item_version,
        "department_code": event.department_code, "state": "held" if event.result_held else "approved",
        "approved_at": event.decided_at})
    if not event.result_held:
        await issue(uow, event.case_id, event.item, event.department_code, record)


async def heard_released(event: ItemResultReleased, uow: UnitOfWork) -> None:
    """出件放行: the owed materials arrived; the held licence is issued now."""
    approved = await repository.approval(uow.tx, event.case_id, event.item.item_code)
    if approved is None or approved["state"] != "held":
        return  # not a licensed item, issued already, or void
    record = await _licensed_item(uow, event.item)
    if record is not None:
        await issue(uow, event.case_id, event.item, approved["department_code"], record)


async def heard_verified(event: CommitmentVerified, uow: UnitOfWork) -> None:
    """先证后核: a false commitment revokes the licence it won (撤销); one not issued yet never will be."""
    if event.outcome is not VerificationOutcome.FALSE:
        return
    revoked = await revoke(uow, event.case_id, event.item.item_code, RevocationReason.FALSE_COMMITMENT,
                           event.verified_by, detail=event.findings)
    if revoked is None:
        await repository.set_approval_state(uow.tx, event.case_id, event.item.item_code, "void")


HEARD: dict[type[Event], Any] = {
    CatalogueItemVersionPublished: heard_item_version,
    ApplicationReceived: heard_received,
    PersonalDataErased: heard_erased,
    ItemApproved: heard_approved,
    ItemResultReleased: heard_released,
    CommitmentVerified: heard_verified,
}


# --- what people decide -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Revoke:
    actor: Actor
    licence_id: str
    reason: RevocationReason
    detail: str | None = None


_DEPARTMENT = {ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM}


async def revoke_licence(cmd: Revoke, uow: UnitOfWork) -> Licence:
    """撤销/注销 by the issuing department (or a supervisor): issued in error, at the holder's request,
    superseded. A false commitment is approval's finding and arrives as an event, not by hand."""
    row = await repository.licence(uow.tx, cmd.licence_id)
    own = row is not None and (cmd.actor.role is ActorRole.SUPERVISOR or
                               (cmd.actor.role in _DEPARTMENT and cmd.actor.department_code == row["issuer_code"]))
    if row is None or not own:
        raise DomainError("not_found", "not_found", "证照不存在", "No such licence")
    if cmd.reason is RevocationReason.FALSE_COMMITMENT:
        raise DomainError("invalid", "false_commitment_by_verification", "虚假承诺须经核查认定后自动撤销",
                          "A false commitment is found by post-verification, which revokes the licence itself")
    revoked = await revoke(uow, row["case_id"], row["item_code"], cmd.reason, cmd.actor, detail=cmd.detail)
    assert revoked is not None
    return revoked


HANDLERS = {Revoke: revoke_licence}
