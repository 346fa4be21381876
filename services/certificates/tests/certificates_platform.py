"""Certificates running for real, over HTTP, in either mode — embedded (SQLite and the embedded bus) or
distributed (PostgreSQL and Kafka) — and the events other services would publish, put on its bus."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from fastapi.testclient import TestClient

from onewindow_certificates.app import create_app
from onewindow_certificates.config import Settings
from onewindow_chassis.clock import ManualClock
from onewindow_chassis.cloudevents import binary_headers
from onewindow_chassis.outbox import OutgoingMessage
from onewindow_chassis.web import development_issuer
from onewindow_contracts.approval import ApprovalMode, ItemApproved, ItemResultReleased
from onewindow_contracts.base import Event, encode
from onewindow_contracts.catalogue import CatalogueItemVersionPublished
from onewindow_contracts.intake import ApplicationReceived
from onewindow_contracts.values import Actor, ActorRole, ApplicantKind, Channel, ItemRef
from onewindow_contracts.verification import CommitmentVerified, VerificationMethod, VerificationOutcome

# Monday 2 March 2026, 10:00 in Shanghai.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
MARKET = "330100-SCJGJ"  # 杭州市市场监督管理局, in the demo register
T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


@dataclass
class Platform:
    client: TestClient
    clock: ManualClock
    settings: Settings

    def token(self, role: str, subject: str | None = None, department: str | None = None) -> dict[str, str]:
        subject = subject or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        return {"Authorization": "Bearer " + development_issuer(self.settings, self.clock).issue(subject, role, department)}

    def publish(self, events: Sequence[Event]) -> None:
        """Put events on the bus as their producers' relays would: CloudEvents in Kafka binary mode."""
        messages = []
        for event in events:
            event_id = uuid.uuid4().hex
            headers = binary_headers(event_id=event_id, event_type=event.event_type, source="/onewindow/test",
                                     subject=event.subject, time=event.occurred_at, schema_version=event.version)
            messages.append(OutgoingMessage(event.topic, event.subject, encode(event), headers, event_id))
        runtime = self.client.app.state.runtime  # type: ignore[attr-defined]
        self.client.portal.call(runtime.bus.publisher().publish, messages)  # type: ignore[union-attr]


def start(settings: Settings) -> Platform:
    clock = ManualClock(MONDAY)
    return Platform(TestClient(create_app(settings, clock=clock)), clock, settings)


# --- the events of intake and approval that make a licence --------------------------------------------------

def food_licence_item(code: str) -> CatalogueItemVersionPublished:
    """食品经营许可 (告知承诺), yielding a 食品经营许可证 (LIC-SPJY, 5 years)."""
    return CatalogueItemVersionPublished(
        item_code=code, item_version=1, name="食品经营许可证核发", item_type="administrative_licence",
        exercise_level="city", region_code="330100", department_code=MARKET,
        legal_basis=("《中华人民共和国食品安全法》第三十五条",), service_objects=(ApplicantKind.ENTERPRISE,),
        statutory_days=20, committed_days=5, fully_online=True, commitment_based=True, accept_with_missing=False,
        result_licence_type_code="LIC-SPJY", effective_from=date(2026, 1, 1), published_at=MONDAY)


def received(case_id: str, applicant_ref: str, *items: ItemRef) -> ApplicationReceived:
    return ApplicationReceived(
        case_id=case_id, applicant_ref=applicant_ref, applicant_kind=ApplicantKind.ENTERPRISE, region_code="330100",
        channel=Channel.ONLINE, received_by=Actor(role=ActorRole.APPLICANT, ref=applicant_ref),
        received_at=MONDAY, items=items)


def market_system() -> Actor:
    return Actor(role=ActorRole.DEPARTMENT_SYSTEM, ref=f"system-{MARKET}", department_code=MARKET)


def approved(case_id: str, item: ItemRef, *, held: bool = False) -> ItemApproved:
    return ItemApproved(case_id=case_id, item=item, department_code=MARKET, mode=ApprovalMode.COMMITMENT,
                        decided_by=market_system(), decided_at=MONDAY + timedelta(minutes=5),
                        reason="告知承诺：申请人书面承诺符合许可条件，先证后核", result_held=held)


def released(case_id: str, item: ItemRef) -> ItemResultReleased:
    return ItemResultReleased(case_id=case_id, item=item, released_at=MONDAY + timedelta(days=2))


def found_false(case_id: str, item: ItemRef) -> CommitmentVerified:
    inspector = Actor(role=ActorRole.DEPARTMENT_REVIEWER, ref="reviewer-scjgj-07", department_code=MARKET)
    return CommitmentVerified(case_id=case_id, commitment_id=f"cmt-{case_id}", item=item,
                              outcome=VerificationOutcome.FALSE, method=VerificationMethod.ON_SITE_INSPECTION,
                              findings="现场核查：经营场所无冷藏设施，与承诺不符", verified_by=inspector,
                              verified_at=MONDAY + timedelta(days=10))


def a_case() -> tuple[str, str, ItemRef]:
    """A fresh case id, applicant ref and item: tests on a shared broker must not meet each other's."""
    tag = uuid.uuid4().hex[:8].upper()
    return f"330100-20260302-{tag}", f"app-{uuid.uuid4().hex}", ItemRef(item_code=f"330100-SCJGJ-XK-T{tag}", item_version=1)


def json_of(reply: Any) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()
