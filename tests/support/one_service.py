"""One service running for real in this process — FastAPI's TestClient drives its lifespan, so its
database, bus, relay and consumers run — and the events other services would publish, put on its bus.
The harness of each service's own tests (certificates, evaluation, notify); tests/support/platform.py
serves several services over HTTP instead."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.testclient import TestClient

from onewindow_chassis.clock import ManualClock
from onewindow_chassis.cloudevents import binary_headers
from onewindow_chassis.outbox import OutgoingMessage
from onewindow_chassis.web import development_issuer
from onewindow_contracts.base import Event, encode

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 60.0) -> T:
    """`check()` once truthy, or its last (falsy) result when the time is up: the caller asserts."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


@dataclass
class ServiceUnderTest:
    client: TestClient
    clock: ManualClock
    settings: Any

    def token(self, role: str, subject: str | None = None, department: str | None = None) -> dict[str, str]:
        subject = subject or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        return {"Authorization": "Bearer " + development_issuer(self.settings, self.clock).issue(subject, role, department)}

    def publish(self, events: Sequence[Event], ids: Sequence[str] | None = None) -> list[str]:
        """Put events on the bus as their producers' relays would: CloudEvents in Kafka binary mode.
        Returns the CloudEvents ids (`ids` to choose them, e.g. to send one event twice)."""
        messages, sent = [], []
        for number, event in enumerate(events):
            event_id = ids[number] if ids else str(uuid.uuid4())
            headers = binary_headers(event_id=event_id, event_type=event.event_type, source="/onewindow/test",
                                     subject=event.subject, time=event.occurred_at, schema_version=event.version)
            messages.append(OutgoingMessage(event.topic, event.subject, encode(event), headers, event_id))
            sent.append(event_id)
        runtime = self.client.app.state.runtime  # type: ignore[attr-defined]
        self.client.portal.call(runtime.bus.publisher().publish, messages)  # type: ignore[union-attr]
        return sent
