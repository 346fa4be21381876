"""Evaluation's unit of work: a case's (or complaint's) events, its rectification desk rows and its timers
commit together."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from onewindow_chassis import timers
from onewindow_chassis.clock import Clock
from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.eventstore import PortableEventStore, event_store_for, from_contract
from onewindow_chassis.problems import DomainError
from onewindow_chassis.workdays import WorkCalendar
from onewindow_chassis.workdays.model import deadline_instant
from onewindow_contracts.base import Event, decode
from onewindow_contracts.evaluation import (
    EvaluationFiled, EvaluationStage, RatingLevel, RectificationAnswered, RectificationOpened,
)

from ..adapters import repository
from ..domain.ratings import CaseRatings, Complaint, Deadlines

DEFAULT_RATING = "evaluation.default_rating"  # timer kinds
RECTIFICATION_DUE = "evaluation.rectification_due"


@dataclass
class Services:
    db: Database
    clock: Clock
    calendar: WorkCalendar
    default_after: timedelta = timedelta(days=7)
    default_level: RatingLevel = RatingLevel.VERY_SATISFIED
    deadlines: Deadlines = Deadlines()
    jurisdiction_deadlines: dict[str, Deadlines] = field(default_factory=dict)
    centre_departments: dict[str, str] = field(default_factory=dict)

    def deadlines_for(self, region_code: str | None) -> Deadlines:
        return self.jurisdiction_deadlines.get(region_code or "", self.deadlines)

    def centre_of(self, region_code: str) -> str:
        """The service centre (政务服务中心) that answers for acceptance and bundles in a region."""
        return self.centre_departments.get(region_code, f"{region_code}-ZWFWZX")

    @contextlib.asynccontextmanager
    async def uow(self) -> AsyncIterator["UnitOfWork"]:
        async with self.db.transaction() as tx:
            yield UnitOfWork(self, tx, event_store_for(tx.dialect))


def case_stream(case_id: str) -> str:
    return f"evaluation:case:{case_id}"


def complaint_stream(complaint_id: str) -> str:
    return f"evaluation:complaint:{complaint_id}"


def default_timer_id(case_id: str, stage: EvaluationStage | str, item_code: str) -> str:
    return f"evaluation:default:{case_id}:{EvaluationStage(stage).value}:{item_code}"


@dataclass
class UnitOfWork:
    services: Services
    tx: Transaction
    store: PortableEventStore

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    async def _load(self, stream_id: str, aggregate: CaseRatings | Complaint) -> None:
        for recorded in await self.store.load(self.tx, stream_id):
            aggregate.apply(decode(recorded.event_type, recorded.schema_version, recorded.data))

    async def ratings(self, case_id: str) -> CaseRatings:
        ratings = CaseRatings(case_id)
        await self._load(case_stream(case_id), ratings)
        return ratings

    async def complaint(self, complaint_id: str, *, must_exist: bool = True) -> Complaint:
        complaint = Complaint(complaint_id)
        await self._load(complaint_stream(complaint_id), complaint)
        if must_exist and complaint.filed is None:
            raise DomainError("not_found", "not_found", "投诉不存在", "No such complaint")
        return complaint

    async def save(self, aggregate: CaseRatings | Complaint, events: Sequence[Event]) -> None:
        """Append with optimistic concurrency on the aggregate's stream, then keep the desk and timers."""
        if not events:
            return
        stream_id = (case_stream(aggregate.case_id) if isinstance(aggregate, CaseRatings)  # type: ignore[arg-type]
                     else complaint_stream(aggregate.complaint_id))  # type: ignore[arg-type]
        await self.store.append(self.tx, stream_id, aggregate.version, [from_contract(e) for e in events], self.now)
        for event in events:
            aggregate.apply(event)
            await self._side_effects(stream_id, event)

    async def _side_effects(self, stream_id: str, event: Event) -> None:
        if isinstance(event, EvaluationFiled) and not event.defaulted and event.stage is not EvaluationStage.FOLLOW_UP:
            item_code = event.item.item_code if event.item else ""
            await timers.cancel(self.tx, default_timer_id(event.case_id, event.stage, item_code), self.now)
        elif isinstance(event, RectificationOpened):
            await repository.add_rectification(self.tx, {
                "rectification_id": event.rectification_id, "stream_id": stream_id, "case_id": event.case_id,
                "complaint_id": event.complaint_id, "cause": event.cause.value,
                "department_code": event.department_code, "window_ref": event.window_ref,
                "verify_due_on": event.verify_due_on, "rectify_due_on": event.rectify_due_on, "status": "open",
                "on_time": None, "opened_at": event.opened_at, "answered_at": None})
            await timers.schedule(self.tx, f"evaluation:rectification:{event.rectification_id}", RECTIFICATION_DUE,
                                  deadline_instant(event.rectify_due_on),
                                  {"rectification_id": event.rectification_id})
        elif isinstance(event, RectificationAnswered):
            await repository.answered(self.tx, event.rectification_id, event.on_time, event.answered_at)
            await timers.cancel(self.tx, f"evaluation:rectification:{event.rectification_id}", self.now)
