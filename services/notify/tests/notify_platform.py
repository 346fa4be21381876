"""Notify running for real, over HTTP, in either mode — embedded (SQLite and the embedded bus) or
distributed (PostgreSQL and Kafka) — a real SMTP server (aiosmtpd) on 127.0.0.1, and the events other
services would publish, put on its bus."""
from __future__ import annotations

import json
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import Message
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from onewindow_chassis.clock import ManualClock
from onewindow_chassis.schema import events as event_table
from onewindow_contracts.intake import AcceptedItem, ApplicationAccepted, ApplicationReceived
from onewindow_contracts.materials import MaterialsSupplemented, SupplementCause
from onewindow_contracts.values import Actor, ActorRole, ApplicantKind, Channel, ItemRef, MaterialRef
from onewindow_notify.app import create_app
from onewindow_notify.config import Settings

from tests.support.one_service import ServiceUnderTest, eventually  # noqa: F401 (the tests import eventually from here)

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))


# --- a real SMTP server --------------------------------------------------------------------------------

@dataclass
class MailServer:
    """aiosmtpd on 127.0.0.1: keeps what it accepted, or refuses every message with 451 (try later)."""

    refuse: bool = False
    received: list[Message] = field(default_factory=list)
    attempts: int = 0
    controller: Controller | None = None
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.refuse:
            return "451 4.3.0 Mail server temporarily unavailable"
        message = message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.received.append(message)
        return "250 2.0.0 OK"

    def start(self) -> "MailServer":
        with socket.socket() as probe:  # a free port (aiosmtpd checks readiness by connecting to it)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def subjects(self) -> list[str]:
        from email.header import decode_header, make_header
        return [str(make_header(decode_header(m["Subject"]))) for m in self.received]


# --- the platform --------------------------------------------------------------------------------------

class Platform(ServiceUnderTest):
    def restart(self) -> None:
        """Stop the service (lifespan shutdown) and start a new process-like app on the same database and bus."""
        self.client.__exit__(None, None, None)
        self.client = TestClient(create_app(self.settings, clock=self.clock))
        self.client.__enter__()

    def events(self, event_type: str, case_id: str | None = None) -> list[dict[str, Any]]:
        """Notify's own recorded events of one type (what its outbox publishes)."""
        async def read() -> list[dict[str, Any]]:
            async with self.client.app.state.db.transaction() as tx:  # type: ignore[attr-defined]
                query = sa.select(event_table.c.data).where(event_table.c.event_type.like(f"%.{event_type}"))
                if case_id:
                    query = query.where(event_table.c.subject == case_id)
                rows = (await tx.conn.execute(query.order_by(event_table.c.position))).scalars().all()
            return [dict(r) for r in rows]

        return self.client.portal.call(read)

    def inbox(self, applicant_ref: str) -> list[dict[str, Any]]:
        reply = self.client.get("/v1/inbox", headers=self.token("applicant", applicant_ref))
        assert reply.status_code == 200, reply.text
        return list(reply.json()["items"])


def start(settings: Settings) -> Platform:
    clock = ManualClock(MONDAY)
    client = TestClient(create_app(settings, clock=clock))
    client.__enter__()
    return Platform(client, clock, settings)


# --- the events of intake that make a case -------------------------------------------------------------

def a_case() -> tuple[str, str, ItemRef]:
    tag = uuid.uuid4().hex[:8].upper()
    return (f"330100-20260302-{tag}", f"app-{uuid.uuid4().hex}",
            ItemRef(item_code=f"330100-SCJGJ-XK-T{tag}", item_version=1))


def received(case_id: str, applicant_ref: str, item: ItemRef) -> ApplicationReceived:
    return ApplicationReceived(
        case_id=case_id, applicant_ref=applicant_ref, applicant_kind=ApplicantKind.CITIZEN, region_code="330100",
        channel=Channel.ONLINE, received_by=Actor(role=ActorRole.APPLICANT, ref=applicant_ref),
        received_at=MONDAY, items=(item,))


def accepted(case_id: str, item: ItemRef) -> ApplicationAccepted:
    clerk = Actor(role=ActorRole.WINDOW_CLERK, ref="clerk-hz-0001")
    return ApplicationAccepted(case_id=case_id, accepted_by=clerk, accepted_at=MONDAY + timedelta(minutes=3),
                               notice_no=f"SL-{case_id}", items=(AcceptedItem(**item.model_dump()),))


def supplemented(case_id: str, applicant_ref: str) -> MaterialsSupplemented:
    material = MaterialRef(material_id=f"mat-{uuid.uuid4().hex[:12]}", type_code="CL-JKZ",
                           sha256="0" * 64, granted_to=())
    return MaterialsSupplemented(
        case_id=case_id, cause=SupplementCause.MISSING_AT_ACCEPTANCE, materials=(material,),
        outstanding_type_codes=("CL-XFYS",), supplemented_by=Actor(role=ActorRole.APPLICANT, ref=applicant_ref),
        supplemented_at=MONDAY + timedelta(days=1))


def sms_lines(settings: Settings) -> list[dict[str, Any]]:
    path = settings.sms_outbox_path
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
