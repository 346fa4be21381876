"""Notify's unit of work: notification intents, deliveries and their events commit together."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from onewindow_chassis.clock import Clock
from onewindow_chassis.db import Database, Transaction
from onewindow_chassis.eventstore import PortableEventStore, event_store_for, from_contract
from onewindow_chassis.eventstore.model import NewEvent
from onewindow_contracts.base import Event

from ..adapters.ports import ContactBook, Mailer, SmsGateway


@dataclass(frozen=True)
class SendPolicy:
    max_attempts: int = 5
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 120.0
    poll_seconds: float = 1.0
    sms_signature: str = "【一网通办】"


@dataclass
class Services:
    db: Database
    clock: Clock
    contacts: ContactBook
    sms: SmsGateway
    mailer: Mailer
    policy: SendPolicy

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

    async def record(self, stream_id: str, version: int, events: Sequence[Event]) -> tuple[int, list[NewEvent]]:
        """Append to one of notify's streams (a notification's, a delivery's); the outbox publishes them."""
        new = [from_contract(e) for e in events]
        await self.store.append(self.tx, stream_id, version, new, self.now)
        return version + len(new), new


def notification_stream(notification_id: str) -> str:
    return f"notify:notification:{notification_id}"


def delivery_stream(delivery_id: str) -> str:
    return f"notify:delivery:{delivery_id}"
