"""Approval's unit of work: a case's events, its queue rows and local copies commit together."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from onewindow_chassis.clock import Clock
from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.eventstore import PortableEventStore, event_store_for, from_contract
from onewindow_chassis.problems import DomainError
from onewindow_chassis.workdays import WorkCalendar
from onewindow_contracts.base import Event, decode

from ..adapters import repository
from ..domain.case import ApprovalCase


class Forms(Protocol):
    """The applicant's answers a department may read (intake's 申请表 material, read under its grant)."""

    async def answers(self, case_id: str, material_id: str, department_code: str,
                      read_key: str) -> dict[str, Any] | None: ...


class Registries(Protocol):
    async def facts(self, rule_set: str, answers: dict[str, Any]) -> dict[str, Any]: ...


class Rules(Protocol):
    def evaluate(self, rule_set: str, inputs: Any, facts: Any, decision_date: Any, version: int | None = None) -> Any: ...


@dataclass
class Services:
    db: Database
    clock: Clock
    calendar: WorkCalendar
    forms: Forms
    rules: Rules
    registries: Registries
    verification_rate: float = 0.1  # 先证后核: the share of commitments drawn for verification
    verification_seed: str = "onewindow"  # the draw is reproducible: the same case is always drawn or not
    pause_on_correction: bool = True  # the local rule: 补正 stops the clock

    @contextlib.asynccontextmanager
    async def uow(self) -> AsyncIterator["UnitOfWork"]:
        async with self.db.transaction() as tx:
            yield UnitOfWork(self, tx, event_store_for(tx.dialect))


def stream(case_id: str) -> str:
    return f"approval:{case_id}"


@dataclass
class UnitOfWork:
    services: Services
    tx: Transaction
    store: PortableEventStore

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    async def case(self, case_id: str, *, must_exist: bool = True) -> ApprovalCase:
        recorded = await self.store.load(self.tx, stream(case_id))
        if not recorded and must_exist:
            raise DomainError("not_found", "not_found", "办件不存在", "No such case")
        case = ApprovalCase(case_id)
        for event in recorded:
            case.apply(decode(event.event_type, event.schema_version, event.data))
        intake = await repository.intake_case(self.tx, case_id)
        if intake:
            case.owe(intake["owed"])
        return case

    async def save(self, case: ApprovalCase, events: Sequence[Event]) -> None:
        if not events:
            return
        await self.store.append(self.tx, stream(case.case_id), case.version, [from_contract(e) for e in events],
                                self.now)
        for event in events:
            case.apply(event)
        for code, item in case.items.items():
            due = item.clock.due(self.services.calendar, self.now)
            await repository.save_queue_row(self.tx, {
                "case_id": case.case_id, "item_code": code, "item_version": item.ref.item_version,
                "department_code": item.department_code, "mode": item.mode.value, "status": item.status.value,
                "due_on": due.day, "provisional": due.provisional, "updated_at": self.now})
