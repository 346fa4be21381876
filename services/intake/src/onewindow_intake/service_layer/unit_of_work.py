"""The unit of work: one transaction in which a command's events, outbox rows, read rows and timers
commit together. Handlers never commit; the entry point's `uow()` block does, or rolls back."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from onewindow_chassis.clock import SHANGHAI, Clock
from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.eventstore import PortableEventStore, event_store_for, from_contract
from onewindow_chassis.personal import PersonalDataVault
from onewindow_contracts.base import Event, decode

from ..adapters import repository
from ..domain.application import Application
from ..domain.catalogue import Catalogue
from ..domain.errors import not_found


class WorkingDays(Protocol):
    def add(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (the start day itself not counted)."""


class Licences(Protocol):
    """免证办: licences the certificates service holds for a holder (a port; wired when it lands)."""

    async def held(self, holder_ref: str, licence_type_code: str) -> tuple[str, bytes] | None:
        """(licence id, licence document) of a valid licence of that type, or None."""


@dataclass
class Services:
    """What every handler may use besides the transaction: long-lived, built once in the lifespan."""

    db: Database
    clock: Clock
    catalogue: Catalogue
    vault: PersonalDataVault
    working_days: WorkingDays
    licences: Licences
    blind_index_key: bytes
    default_region: str
    supplement_working_days: int = 5

    def today(self) -> date:
        return self.clock.now().astimezone(SHANGHAI).date()

    @contextlib.asynccontextmanager
    async def uow(self) -> AsyncIterator["UnitOfWork"]:
        async with self.db.transaction() as tx:
            yield UnitOfWork(self, tx, event_store_for(tx.dialect))


@dataclass
class UnitOfWork:
    services: Services
    tx: Transaction
    store: PortableEventStore

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    async def application(self, case_id: str) -> Application:
        recorded = await self.store.load(self.tx, case_id)
        if not recorded:
            raise not_found("办件", "case")
        return Application.fold(case_id, [decode(e.event_type, e.schema_version, e.data) for e in recorded])

    async def save(self, application: Application, events: Sequence[Event]) -> None:
        """Append after the version the application was loaded at (optimistic concurrency), then keep
        the case list in step, in this same transaction (its row queued: written once, at the commit)."""
        if not events:
            return
        expected = application.version
        await self.store.append(self.tx, application.case_id, expected, [from_contract(e) for e in events], self.now)
        for event in events:
            application.apply(event)
        self._index(application)

    def _index(self, application: Application) -> None:
        received = application.received
        assert received is not None
        catalogue = self.services.catalogue
        departments = sorted({catalogue.at(i.item_code, i.item_version).record.department_code for i in received.items})
        row = {
            "case_id": application.case_id, "applicant_ref": application.applicant_ref,
            "agent_ref": received.received_by.ref if received.received_by.on_behalf_of else None,
            "status": application.status.value, "channel": received.channel.value,
            "bundle_code": received.bundle_code, "region_code": received.region_code,
            "departments": departments, "received_at": received.received_at, "updated_at": self.now,
        }
        # Queued once per case and transaction (a consumer may run several events of a case in one),
        # then brought up to date in place: PostgreSQL cannot upsert one row twice in one statement.
        if (queued := self.tx.cache.get(("case_row", application.case_id))) is not None:
            queued.update(row)
        else:
            self.tx.cache[("case_row", application.case_id)] = repository.upsert_case(self.tx, row)


