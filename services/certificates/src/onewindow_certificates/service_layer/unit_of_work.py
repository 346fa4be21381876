"""Certificates' unit of work: a licence's events, its register row and the local copies it reads
commit together, in one transaction. Handlers never commit; the `uow()` block (or the consumer's
transaction) does, or rolls back."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from onewindow_chassis.clock import SHANGHAI, Clock
from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.eventstore import PortableEventStore, event_store_for, from_contract
from onewindow_chassis.personal import PersonalDataVault
from onewindow_contracts.base import Event, decode

from ..domain.licence import Licence, stream_id
from ..domain.register import Register
from ..signing.keys import KeySet, Signer


@dataclass
class Services:
    """What every handler may use besides the transaction: built once, in the app's lifespan."""

    db: Database
    clock: Clock
    register: Register
    signer: Signer
    keys: KeySet  # the published set: the signing key and retired ones still trusted
    vault: PersonalDataVault

    @contextlib.asynccontextmanager
    async def uow(self) -> AsyncIterator[UnitOfWork]:
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

    @property
    def today(self) -> date:
        """Licences are dated and valid by the day in Asia/Shanghai."""
        return self.now.astimezone(SHANGHAI).date()

    async def licence(self, case_id: str, item_code: str) -> tuple[Licence, int] | None:
        """The licence issued for this case and item, and its stream's version; None if none was."""
        recorded = await self.store.load(self.tx, stream_id(case_id, item_code))
        if not recorded:
            return None
        events = [decode(e.event_type, e.schema_version, e.data) for e in recorded]
        issuer_code = getattr(events[0], "issuer_code", "")
        return Licence.fold(events, self.services.register.issuer(issuer_code).name), len(recorded)

    async def append(self, stream: str, expected_version: int, events: Sequence[Event]) -> None:
        """Optimistic concurrency: version 0 for a new licence, so no case and item is issued twice."""
        if events:
            await self.store.append(self.tx, stream, expected_version, [from_contract(e) for e in events], self.now)
