"""Evaluation running for real, over HTTP, in either mode — embedded (SQLite and the embedded bus) or
distributed (PostgreSQL and Kafka) — and the events intake, approval and notify would publish, put on its bus."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient

from onewindow_chassis.clock import ManualClock
from onewindow_contracts.approval import ApprovalMode, ItemApproved, ItemAssigned
from onewindow_contracts.intake import AcceptedItem, ApplicationAccepted, ApplicationReceived
from onewindow_contracts.notify import ResultDelivered
from onewindow_contracts.values import Actor, ActorRole, ApplicantKind, Channel, DeliveryMethod, ItemRef
from onewindow_evaluation.app import create_app
from onewindow_evaluation.config import Settings

from tests.support.one_service import ServiceUnderTest, eventually  # noqa: F401 (the tests import eventually from here)

# Monday 2 March 2026, 10:00 in Shanghai.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
MARKET = "330100-SCJGJ"  # 杭州市市场监督管理局
CENTRE = "330100-ZWFWZX"  # the service centre by default


class Platform(ServiceUnderTest):
    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        return self.client.post(path, json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})

    def ratable(self, case_id: str, applicant: dict[str, str], stage: str, n: int = 1) -> dict[str, Any]:
        def check() -> Any:
            reply = self.client.get(f"/v1/cases/{case_id}/evaluations", headers=applicant)
            if reply.status_code == 200 and sum(s["stage"] == stage for s in reply.json()["stages"]) >= n:
                return reply.json()
            return None
        view = eventually(check)
        assert view, f"stage {stage} of {case_id} never became ratable"
        return view


def start(settings: Settings) -> Platform:
    clock = ManualClock(MONDAY)
    return Platform(TestClient(create_app(settings, clock=clock)), clock, settings)


# --- the events of intake, approval and notify that make a case ratable ----------------------------------

def a_case(items: int = 1) -> tuple[str, str, list[ItemRef]]:
    """A fresh case id, applicant ref and items: tests on a shared broker must not meet each other's."""
    tag = uuid.uuid4().hex[:8].upper()
    refs = [ItemRef(item_code=f"330100-SCJGJ-XK-T{tag}{n}", item_version=1) for n in range(items)]
    return f"330100-20260302-{tag}", f"app-{uuid.uuid4().hex}", refs


def clerk() -> Actor:
    return Actor(role=ActorRole.WINDOW_CLERK, ref="clerk-window-0107")


def received(case_id: str, applicant_ref: str, items: Sequence[ItemRef], bundle: str | None = None
             ) -> ApplicationReceived:
    return ApplicationReceived(
        case_id=case_id, applicant_ref=applicant_ref, applicant_kind=ApplicantKind.CITIZEN, region_code="330100",
        channel=Channel.WINDOW, received_by=clerk(), received_at=MONDAY, items=tuple(items), bundle_code=bundle)


def accepted(case_id: str, items: Sequence[ItemRef]) -> ApplicationAccepted:
    return ApplicationAccepted(case_id=case_id, accepted_by=clerk(), accepted_at=MONDAY + timedelta(minutes=5),
                               notice_no=f"SL-{case_id}",
                               items=tuple(AcceptedItem(item_code=i.item_code, item_version=i.item_version)
                                           for i in items))


def reviewer() -> Actor:
    return Actor(role=ActorRole.DEPARTMENT_REVIEWER, ref="reviewer-scjgj-07", department_code=MARKET)


def assigned(case_id: str, item: ItemRef) -> ItemAssigned:
    return ItemAssigned(case_id=case_id, item=item, department_code=MARKET, mode=ApprovalMode.REVIEW,
                        statutory_days=20, committed_days=5, due_on=(MONDAY + timedelta(days=7)).date(),
                        assigned_at=MONDAY + timedelta(minutes=6))


def approved(case_id: str, item: ItemRef) -> ItemApproved:
    return ItemApproved(case_id=case_id, item=item, department_code=MARKET, mode=ApprovalMode.REVIEW,
                        decided_by=reviewer(), decided_at=MONDAY + timedelta(hours=2))


def delivered(case_id: str, items: Sequence[ItemRef]) -> ResultDelivered:
    return ResultDelivered(case_id=case_id, delivery_id=f"dl-{case_id}", method=DeliveryMethod.WINDOW_PICKUP,
                           items=tuple(items), handed_over_by=clerk(), delivered_at=MONDAY + timedelta(hours=3))


def json_of(reply: Any) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()
