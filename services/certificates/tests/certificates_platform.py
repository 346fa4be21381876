"""Certificates running for real, over HTTP, in either mode — embedded (SQLite and the embedded bus) or
distributed (PostgreSQL and Kafka) — and the events other services would publish, put on its bus."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient

from onewindow_certificates.app import create_app
from onewindow_certificates.config import Settings
from onewindow_chassis.clock import ManualClock
from onewindow_contracts.approval import ApprovalMode, ItemApproved, ItemResultReleased
from onewindow_contracts.catalogue import CatalogueItemVersionPublished
from onewindow_contracts.intake import ApplicationReceived
from onewindow_contracts.values import Actor, ActorRole, ApplicantKind, Channel, ItemRef
from onewindow_contracts.verification import CommitmentVerified, VerificationMethod, VerificationOutcome

from tests.support.one_service import ServiceUnderTest, eventually  # noqa: F401 (the tests import eventually from here)

# Monday 2 March 2026, 10:00 in Shanghai.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
MARKET = "330100-SCJGJ"  # 杭州市市场监督管理局, in the demo register


Platform = ServiceUnderTest  # nothing certificates-specific to add


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
