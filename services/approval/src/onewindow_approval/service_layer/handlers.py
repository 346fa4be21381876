"""Approval's handlers. Events heard from intake open and steer cases; reviewers' commands decide.
Every handler is listed in HEARD (events) or HANDLERS (commands) at the bottom."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from onewindow_chassis.clock import SHANGHAI
from onewindow_chassis.consumer import NotYet
from onewindow_chassis.problems import DomainError
from onewindow_contracts.approval import ApprovalMode, SuspensionReason, TerminationReason
from onewindow_contracts.base import Event
from onewindow_contracts.catalogue import CatalogueItemVersionPublished
from onewindow_contracts.intake import ApplicationAccepted, ApplicationReceived, ApplicationWithdrawn, CommitmentSigned
from onewindow_contracts.materials import (
    MaterialsShared, MaterialsSupplemented, SupplementCause, SupplementDeadlineMissed,
)
from onewindow_contracts.values import Actor, ActorRole
from onewindow_contracts.verification import (
    CommitmentVerified, CreditMark, CreditMarked, PostVerificationOpened, VerificationMethod, VerificationOutcome,
    VerificationSelection,
)

from ..adapters import repository
from ..domain.case import ApprovalCase, ItemStatus
from .unit_of_work import UnitOfWork

PLATFORM = Actor(role=ActorRole.PLATFORM, ref="platform-approval")
FORM_PREFIX = "CL-SQB:"  # intake's 申请表, one per department


def department_system(department_code: str) -> Actor:
    """The department's own system, acting where no person decides (approval on commitment)."""
    return Actor(role=ActorRole.DEPARTMENT_SYSTEM, ref=f"system-{department_code}", department_code=department_code)


# --- what intake tells us ------------------------------------------------------------------------------

async def heard_item_version(event: CatalogueItemVersionPublished, uow: UnitOfWork) -> None:
    await repository.keep_item(uow.tx, event)


async def heard_received(event: ApplicationReceived, uow: UnitOfWork) -> None:
    await repository.save_intake_case(uow.tx, {"case_id": event.case_id, "applicant_ref": event.applicant_ref,
                                               "materials": [], "commitments": {}, "owed": {}})


async def _update_intake_case(uow: UnitOfWork, case_id: str, change: Any) -> None:
    row = await repository.intake_case(uow.tx, case_id)
    if row is None:  # an event of a case received before approval listened: nothing to keep it for
        return
    change(row)
    await repository.save_intake_case(uow.tx, row)


async def heard_commitment(event: CommitmentSigned, uow: UnitOfWork) -> None:
    await _update_intake_case(uow, event.case_id,
                              lambda row: row["commitments"].__setitem__(event.item.item_code, event.commitment_id))


async def heard_shared(event: MaterialsShared, uow: UnitOfWork) -> None:
    """Materials granted to departments; the 申请表 among them lets 秒批 decide (intake shares right
    after accepting, so this is where an instant item first has its inputs)."""
    await _update_intake_case(uow, event.case_id,
                              lambda row: row["materials"].extend(m.model_dump(mode="json") for m in event.materials))
    case = await uow.case(event.case_id, must_exist=False)
    for code, item in list(case.items.items()):
        if item.mode is ApprovalMode.INSTANT and item.status is ItemStatus.IN_REVIEW:
            record = await repository.item(uow.tx, item.ref.item_code, item.ref.item_version)
            if record is not None and record.instant_rule_set:
                await _instant(uow, case, code, record.instant_rule_set)


async def heard_accepted(event: ApplicationAccepted, uow: UnitOfWork) -> None:
    """受理: open the case — every item to its department at once — and decide at once what the
    platform decides: commitments (告知承诺) and machine-checkable items (秒批)."""
    case = await uow.case(event.case_id, must_exist=False)
    if case.items:
        return  # opened already (a redelivery the tracking table did not catch: a replayed topic)
    records = {}
    for accepted in event.items:
        record = await repository.item(uow.tx, accepted.item_code, accepted.item_version)
        if record is None:
            raise NotYet(f"catalogue item {accepted.item_code} v{accepted.item_version} not heard yet")
        records[accepted.item_code] = record
    owed = {i.item_code: list(i.missing_type_codes) for i in event.items if i.missing_type_codes}
    await _update_intake_case(uow, event.case_id, lambda row: row.__setitem__("owed", owed))
    case.owe(owed)
    await uow.save(case, ApprovalCase.open(event, records, uow.services.calendar))
    case.owe(owed)
    for code, item in list(case.items.items()):  # 秒批 waits for the 申请表, shared right after this
        if item.status is ItemStatus.IN_REVIEW and item.mode is ApprovalMode.COMMITMENT:
            await _decide_by_platform(uow, case, code, records[code])


async def _decide_by_platform(uow: UnitOfWork, case: ApprovalCase, code: str,
                              record: CatalogueItemVersionPublished) -> None:
    item = case.items[code]
    if item.mode is ApprovalMode.COMMITMENT:
        actor = department_system(item.department_code)
        await uow.save(case, case.approve(code, actor, uow.now, reason="告知承诺：申请人书面承诺符合许可条件，先证后核"))
        await _maybe_draw_for_verification(uow, case, code)
    elif item.mode is ApprovalMode.INSTANT and record.instant_rule_set:
        await _instant(uow, case, code, record.instant_rule_set)


async def _instant(uow: UnitOfWork, case: ApprovalCase, code: str, rule_set: str) -> None:
    """秒批: the item's rule set over the department's form; every condition must hold, else a person reviews."""
    item = case.items[code]
    intake = await repository.intake_case(uow.tx, case.case_id) or {"materials": []}
    form = next((m for m in intake["materials"] if m["type_code"] == FORM_PREFIX + item.department_code), None)
    answers = await uow.services.forms.answers(
        case.case_id, form["material_id"], item.department_code,
        read_key=f"rules:{case.case_id}:{code}:{form['material_id']}") if form else None
    if answers is None:
        return  # no form to check: a person reviews it
    today = uow.now.astimezone(SHANGHAI).date()
    facts = await uow.services.registries.facts(rule_set, answers)
    evaluation = uow.services.rules.evaluate(rule_set, answers, facts, today)
    if evaluation.approved:
        await uow.save(case, case.approve(code, PLATFORM, uow.now, rule_decision=evaluation.as_contract()))


async def _maybe_draw_for_verification(uow: UnitOfWork, case: ApprovalCase, code: str) -> None:
    """先证后核: a reproducible random draw (the same case is always drawn or not, on every replay)."""
    services = uow.services
    digest = hashlib.sha256(f"{services.verification_seed}:{case.case_id}:{code}".encode()).digest()
    if int.from_bytes(digest[:8], "big") / 2**64 >= services.verification_rate:
        return
    intake = await repository.intake_case(uow.tx, case.case_id)
    commitment_id = (intake or {}).get("commitments", {}).get(code)
    if commitment_id is None:
        return
    due = services.calendar.add_working_days(uow.now.astimezone(SHANGHAI).date(), 20).day
    await uow.save(case, [PostVerificationOpened(
        case_id=case.case_id, commitment_id=commitment_id, item=case.items[code].ref,
        selection=VerificationSelection.RANDOM_SAMPLE, method=VerificationMethod.ON_SITE_INSPECTION,
        due_on=due, opened_at=uow.now)])


async def heard_supplemented(event: MaterialsSupplemented, uow: UnitOfWork) -> None:
    """补齐补正: release held results when nothing is owed; resume an item whose correction arrived."""
    outstanding = set(event.outstanding_type_codes)
    case = await uow.case(event.case_id, must_exist=False)  # with what was owed until now
    await _update_intake_case(uow, event.case_id, lambda row: row.__setitem__(
        "owed", {code: [t for t in types if t in outstanding] for code, types in row["owed"].items()
                 if set(types) & outstanding}))
    if not case.items:
        return
    await uow.save(case, case.supplemented(outstanding, uow.now))
    if event.cause is SupplementCause.CORRECTION_REQUESTED:
        for code, item in case.items.items():
            if item.suspension_id == event.suspension_id:
                await uow.save(case, case.resume(code, PLATFORM, uow.now, uow.services.calendar))


async def _terminate(uow: UnitOfWork, case_id: str, reason: TerminationReason, detail: str) -> None:
    case = await uow.case(case_id, must_exist=False)
    if case.items and not case.concluded:
        await uow.save(case, case.terminate(reason, PLATFORM, uow.now, detail))


async def heard_deadline_missed(event: SupplementDeadlineMissed, uow: UnitOfWork) -> None:
    await _terminate(uow, event.case_id, TerminationReason.SUPPLEMENT_DEADLINE_MISSED,
                     f"容缺材料未在{event.due_on.isoformat()}前补齐")


async def heard_withdrawn(event: ApplicationWithdrawn, uow: UnitOfWork) -> None:
    await _terminate(uow, event.case_id, TerminationReason.WITHDRAWN, "申请人撤回申请")


HEARD: dict[type[Event], Any] = {
    CatalogueItemVersionPublished: heard_item_version,
    ApplicationReceived: heard_received,
    CommitmentSigned: heard_commitment,
    MaterialsShared: heard_shared,
    ApplicationAccepted: heard_accepted,
    MaterialsSupplemented: heard_supplemented,
    SupplementDeadlineMissed: heard_deadline_missed,
    ApplicationWithdrawn: heard_withdrawn,
}


# --- what reviewers decide -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Decide:
    actor: Actor
    case_id: str
    item_code: str
    approve: bool
    reason: str | None = None
    legal_basis: str | None = None


@dataclass(frozen=True)
class Suspend:
    actor: Actor
    case_id: str
    item_code: str
    reason: SuspensionReason
    note: str
    requested_type_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resume:
    actor: Actor
    case_id: str
    item_code: str
    outcome: str | None = None


@dataclass(frozen=True)
class Extend:
    actor: Actor
    case_id: str
    item_code: str
    days: int
    reason: str
    legal_basis: str | None = None


@dataclass(frozen=True)
class VerifyCommitment:
    actor: Actor
    case_id: str
    item_code: str
    truthful: bool
    findings: str | None = None


async def decide(cmd: Decide, uow: UnitOfWork) -> ApprovalCase:
    case = await uow.case(cmd.case_id)
    if cmd.approve:
        events = case.approve(cmd.item_code, cmd.actor, uow.now, reason=cmd.reason)
    else:
        if not cmd.reason or not cmd.legal_basis:
            raise DomainError("invalid", "reason_required", "不予许可须说明理由和法律依据",
                              "A refusal states its reason and legal basis")
        events = case.reject(cmd.item_code, cmd.actor, uow.now, cmd.reason, cmd.legal_basis)
    await uow.save(case, events)
    return case


async def suspend(cmd: Suspend, uow: UnitOfWork) -> ApprovalCase:
    case = await uow.case(cmd.case_id)
    await uow.save(case, case.suspend(cmd.item_code, cmd.actor, uow.now, cmd.reason, cmd.note,
                                      cmd.requested_type_codes, pause_on_correction=uow.services.pause_on_correction))
    return case


async def resume(cmd: Resume, uow: UnitOfWork) -> ApprovalCase:
    case = await uow.case(cmd.case_id)
    await uow.save(case, case.resume(cmd.item_code, cmd.actor, uow.now, uow.services.calendar, cmd.outcome))
    return case


async def extend(cmd: Extend, uow: UnitOfWork) -> ApprovalCase:
    case = await uow.case(cmd.case_id)
    await uow.save(case, case.extend(cmd.item_code, cmd.actor, uow.now, cmd.days, cmd.reason,
                                     uow.services.calendar, cmd.legal_basis))
    return case


async def verify_commitment(cmd: VerifyCommitment, uow: UnitOfWork) -> ApprovalCase:
    """核查结果: a false commitment marks the applicant's credit (and certificates revokes the licence)."""
    case = await uow.case(cmd.case_id)
    item = case.items.get(cmd.item_code)
    intake = await repository.intake_case(uow.tx, cmd.case_id)
    commitment_id = (intake or {}).get("commitments", {}).get(cmd.item_code)
    if item is None or commitment_id is None:
        raise DomainError("not_found", "not_found", "该事项无告知承诺", "No commitment for this item")
    if cmd.actor.department_code != item.department_code:
        raise DomainError("forbidden", "not_this_department", "仅承办部门可核查", "Only the item's department verifies")
    outcome = VerificationOutcome.CONFIRMED if cmd.truthful else VerificationOutcome.FALSE
    events: list[Event] = [CommitmentVerified(
        case_id=cmd.case_id, commitment_id=commitment_id, item=item.ref, outcome=outcome,
        method=VerificationMethod.ON_SITE_INSPECTION, findings=cmd.findings, verified_by=cmd.actor,
        verified_at=uow.now)]
    if not cmd.truthful:
        events.append(CreditMarked(case_id=cmd.case_id, applicant_ref=intake["applicant_ref"],
                                   mark=CreditMark.FALSE_COMMITMENT, commitment_id=commitment_id,
                                   marked_by=cmd.actor, marked_at=uow.now))
    await uow.save(case, events)
    return case


HANDLERS = {Decide: decide, Suspend: suspend, Resume: resume, Extend: extend, VerifyCommitment: verify_commitment}
