"""后台审批: a case's items in their departments, decided in parallel (并联审批) against their clocks.

One event-sourced aggregate per case: the items of a case are few, decisions on them are rare, and
keeping them together makes dependencies (`waits_for`), held results (容缺) and the case's conclusion
(办结) simple and consistent. Reviewers of different departments deciding at the same moment meet an
optimistic-concurrency conflict, which the handler answers by reloading and deciding again.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from onewindow_chassis.problems import DomainError
from onewindow_chassis.workdays import WorkCalendar
from onewindow_contracts.approval import (
    ApprovalMode, CaseConcluded, ItemApproved, ItemAssigned, ItemExtended, ItemOutcome, ItemRejected, ItemResult,
    ItemResultReleased, ItemResumed, ItemSuspended, ItemTerminated, RuleDecision, SuspensionReason, TerminationReason,
    case_outcome,
)
from onewindow_contracts.base import Event
from onewindow_contracts.catalogue import CatalogueItemVersionPublished
from onewindow_contracts.intake import ApplicationAccepted
from onewindow_contracts.values import Actor, ActorRole, ItemRef

from .deadlines import ItemClock

_DECIDERS = {ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM}


class ItemStatus(StrEnum):
    WAITING = "waiting"  # for an item it depends on (并联 except where the catalogue says otherwise)
    IN_REVIEW = "in_review"
    SUSPENDED = "suspended"  # 补正 or 特别程序
    APPROVED = "approved"
    REJECTED = "rejected"
    TERMINATED = "terminated"


_ENDED = {ItemStatus.APPROVED: ItemResult.APPROVED, ItemStatus.REJECTED: ItemResult.REJECTED,
          ItemStatus.TERMINATED: ItemResult.TERMINATED}


def _error(kind: str, code: str, zh: str, en: str) -> DomainError:
    return DomainError(kind, code, zh, en)


@dataclass
class WorkItem:
    ref: ItemRef
    department_code: str
    mode: ApprovalMode
    waits_for: tuple[str, ...]
    clock: ItemClock
    status: ItemStatus = ItemStatus.IN_REVIEW
    result_held: bool = False
    suspension_id: str | None = None
    owed: frozenset[str] = frozenset()  # 容缺 materials this item's result waits for

    @property
    def ended(self) -> bool:
        return self.status in _ENDED


@dataclass
class ApprovalCase:
    case_id: str
    version: int = 0
    items: dict[str, WorkItem] = field(default_factory=dict)
    concluded: bool = False

    # --- opening ---------------------------------------------------------------------------------

    @staticmethod
    def open(accepted: ApplicationAccepted, records: dict[str, CatalogueItemVersionPublished],
             calendar: WorkCalendar) -> list[Event]:
        """并联审批: every item to its department at once; an item waits only for the items of this case
        the catalogue says it depends on."""
        codes = {i.item_code for i in accepted.items}
        events: list[Event] = []
        for item in accepted.items:
            record = records[item.item_code]
            mode = (ApprovalMode.COMMITMENT if item.on_commitment
                    else ApprovalMode.INSTANT if record.instant_rule_set else ApprovalMode.REVIEW)
            clock = ItemClock(accepted.accepted_at, record.statutory_days, record.committed_days)
            due = clock.due(calendar)
            events.append(ItemAssigned(
                case_id=accepted.case_id, item=ItemRef(item_code=item.item_code, item_version=item.item_version),
                department_code=record.department_code, mode=mode, statutory_days=record.statutory_days,
                committed_days=record.committed_days, due_on=due.day, deadline_provisional=due.provisional,
                # assigned at acceptance: that is when the clock starts, however late this service hears of it
                waits_for=tuple(code for code in record.depends_on if code in codes), assigned_at=accepted.accepted_at,
            ))
        return events

    # --- decisions ---------------------------------------------------------------------------------

    def _open_item(self, code: str, by: Actor | None) -> WorkItem:
        item = self.items.get(code)
        if item is None:
            raise _error("not_found", "not_found", "办件中无此事项", "No such item in this case")
        if by is not None and (by.role not in _DECIDERS or by.department_code != item.department_code):
            raise _error("forbidden", "not_this_department", "仅该事项的承办部门可作出决定",
                         "Only the item's own department decides it")
        if item.ended:
            raise _error("conflict", "item_decided", "该事项已办结", "The item has already ended")
        if item.status is ItemStatus.WAITING:
            raise _error("conflict", "item_waiting", "该事项须待前置事项办结后办理",
                         "The item waits for an item it depends on")
        return item

    def approve(self, code: str, by: Actor, at: datetime, *, reason: str | None = None,
                rule_decision: RuleDecision | None = None) -> list[Event]:
        item = self._open_item(code, None if rule_decision else by)
        if item.status is ItemStatus.SUSPENDED:
            raise _error("conflict", "item_suspended", "事项暂停中，恢复后方可决定", "Resume the item before deciding")
        approved = ItemApproved(case_id=self.case_id, item=item.ref, department_code=item.department_code,
                                mode=item.mode, decided_by=by, decided_at=at, reason=reason,
                                rule_decision=rule_decision, result_held=bool(item.owed))
        return self._then(approved, at)

    def reject(self, code: str, by: Actor, at: datetime, reason: str, legal_basis: str) -> list[Event]:
        item = self._open_item(code, by)
        return self._then(ItemRejected(case_id=self.case_id, item=item.ref, department_code=item.department_code,
                                       decided_by=by, decided_at=at, reason=reason, legal_basis=legal_basis), at)

    def suspend(self, code: str, by: Actor, at: datetime, reason: SuspensionReason, note: str,
                requested: Sequence[str], *, pause_on_correction: bool) -> list[Event]:
        item = self._open_item(code, by)
        if item.status is ItemStatus.SUSPENDED:
            raise _error("conflict", "item_suspended", "事项已在暂停中", "The item is already suspended")
        stopped = reason.special_procedure or pause_on_correction
        suspension_id = "sus-" + hashlib.sha256(f"{self.case_id}:{code}:{self.version}".encode()).hexdigest()[:16]
        return [ItemSuspended(case_id=self.case_id, item=item.ref, suspension_id=suspension_id, reason=reason,
                              requested_type_codes=tuple(requested), note=note, clock_stopped=stopped,
                              suspended_by=by, suspended_at=at)]

    def resume(self, code: str, by: Actor, at: datetime, calendar: WorkCalendar, outcome: str | None = None) -> list[Event]:
        item = self.items.get(code)
        # who first, then the item's state: another department learns nothing of an item not its own
        if item is not None and by.role is not ActorRole.PLATFORM and by.department_code != item.department_code:
            raise _error("forbidden", "not_this_department", "仅承办部门可恢复计时", "Only the item's department resumes it")
        if item is None or item.status is not ItemStatus.SUSPENDED or item.suspension_id is None:
            raise _error("conflict", "item_not_suspended", "事项未暂停", "The item is not suspended")
        clock = item.clock.resume(at)
        # this suspension's own working days: the total now, less what earlier (closed) pauses had
        paused = clock.paused_working_days(calendar) - replace(item.clock, suspension=None).paused_working_days(calendar)
        return [ItemResumed(case_id=self.case_id, item=item.ref, suspension_id=item.suspension_id,
                            paused_working_days=paused, due_on=clock.due(calendar).day,
                            outcome=outcome, resumed_by=by, resumed_at=at)]

    def extend(self, code: str, by: Actor, at: datetime, days: int, reason: str, calendar: WorkCalendar,
               legal_basis: str | None = None) -> list[Event]:
        item = self._open_item(code, by)
        clock = item.clock.extend(days, reason)
        return [ItemExtended(case_id=self.case_id, item=item.ref, extension_days=days, reason=reason,
                             legal_basis=legal_basis, due_on=clock.due(calendar).day, approved_by=by, extended_at=at)]

    def supplemented(self, outstanding: set[str], at: datetime) -> list[Event]:
        """容缺 materials arrived: results held for them are released once nothing is owed."""
        events: list[Event] = []
        for item in self.items.values():
            if item.owed and not (item.owed & outstanding) and item.status is ItemStatus.APPROVED and item.result_held:
                events.append(ItemResultReleased(case_id=self.case_id, item=item.ref, released_at=at))
        return events

    def terminate(self, reason: TerminationReason, by: Actor, at: datetime, detail: str | None = None) -> list[Event]:
        """终止办理 of every item still open (withdrawal, a missed supplement deadline)."""
        events: list[Event] = [ItemTerminated(case_id=self.case_id, item=i.ref, reason=reason, detail=detail,
                                              terminated_by=by, terminated_at=at)
                               for i in self.items.values() if not i.ended]
        return events + self._conclusion(events, at)

    def _then(self, decision: Event, at: datetime) -> list[Event]:
        """A decision, and what follows from it: dependants freed or ended, and maybe 办结."""
        events = [decision]
        preview = self._preview(events)
        for code, item in preview.items.items():
            if item.status is not ItemStatus.WAITING:
                continue
            blockers = [preview.items[c] for c in item.waits_for]
            if any(b.status in (ItemStatus.REJECTED, ItemStatus.TERMINATED) for b in blockers):
                events.append(ItemTerminated(case_id=self.case_id, item=item.ref, reason=TerminationReason.OTHER,
                                             detail="所依赖的前置事项未获批准", terminated_at=at,
                                             terminated_by=Actor(role=ActorRole.PLATFORM, ref="platform-approval")))
        return events + self._conclusion(events, at)

    def _conclusion(self, events: list[Event], at: datetime) -> list[Event]:
        preview = self._preview(events)
        if preview.concluded or not preview.items or not all(i.ended for i in preview.items.values()):
            return []
        outcomes = tuple(ItemOutcome(item_code=i.ref.item_code, item_version=i.ref.item_version,
                                     result=_ENDED[i.status]) for i in preview.items.values())
        return [CaseConcluded(case_id=self.case_id, outcome=case_outcome({o.result for o in outcomes}),
                              items=outcomes, concluded_at=at)]

    def _preview(self, events: list[Event]) -> "ApprovalCase":
        copy = ApprovalCase(self.case_id, self.version, {c: replace(i) for c, i in self.items.items()}, self.concluded)
        for event in events:
            copy.apply(event)
        return copy

    # --- the fold -------------------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        self.version += 1
        match event:
            case ItemAssigned():
                clock = ItemClock(event.assigned_at, event.statutory_days, event.committed_days)
                status = ItemStatus.WAITING if event.waits_for else ItemStatus.IN_REVIEW
                self.items[event.item.item_code] = WorkItem(event.item, event.department_code, event.mode,
                                                            event.waits_for, clock, status)
            case ItemApproved():
                item = self.items[event.item.item_code]
                item.status, item.result_held = ItemStatus.APPROVED, event.result_held
                for other in self.items.values():
                    if other.status is ItemStatus.WAITING and all(
                            self.items[c].status is ItemStatus.APPROVED for c in other.waits_for):
                        other.status = ItemStatus.IN_REVIEW
            case ItemRejected():
                self.items[event.item.item_code].status = ItemStatus.REJECTED
            case ItemTerminated():
                self.items[event.item.item_code].status = ItemStatus.TERMINATED
            case ItemSuspended():
                item = self.items[event.item.item_code]
                item.status, item.suspension_id = ItemStatus.SUSPENDED, event.suspension_id
                item.clock = item.clock.suspend(event.suspended_at, event.reason, clock_stopped=event.clock_stopped)
            case ItemResumed():
                item = self.items[event.item.item_code]
                item.status, item.suspension_id = ItemStatus.IN_REVIEW, None
                item.clock = item.clock.resume(event.resumed_at)
            case ItemExtended():
                item = self.items[event.item.item_code]
                item.clock = item.clock.extend(event.extension_days, event.reason)
            case ItemResultReleased():
                self.items[event.item.item_code].result_held = False
            case CaseConcluded():
                self.concluded = True

    def owe(self, owed: dict[str, list[str]]) -> None:
        """Which items' results wait for 容缺 materials: intake's fact, kept in approval's local copy."""
        for code, types in owed.items():
            if code in self.items:
                self.items[code].owed = frozenset(types)
