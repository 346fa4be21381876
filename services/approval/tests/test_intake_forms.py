"""Approval's port to intake's forms: when intake is down or restarting, the consumer must wait it out (an
outage), never count it as a failed attempt — four quick attempts during intake's restart once sent a 秒批
case's MaterialsShared to the dead-letter topic (the fault suite at 1,500 cases, docs/load.md)."""
from __future__ import annotations

import socket

import httpx
import pytest
from fastapi import FastAPI, Response

from onewindow_approval.adapters.ports import IntakeForms, IntakeUnavailable
from onewindow_chassis.consumer import _is_outage


def _closed_port() -> int:
    with socket.socket() as s:  # bound, then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _intake_answering(status: int) -> httpx.ASGITransport:
    app = FastAPI()

    @app.get("/v1/applications/{case_id}/materials/{material_id}")
    async def read(case_id: str, material_id: str) -> Response:
        return Response(b'{"answers": {"a": 1}}' if status == 200 else b"{}", status_code=status)

    return httpx.ASGITransport(app=app)


async def test_intake_not_listening_is_an_outage_the_consumer_waits_out() -> None:
    forms = IntakeForms(f"http://127.0.0.1:{_closed_port()}", lambda department: "token")
    try:
        with pytest.raises(IntakeUnavailable) as raised:
            await forms.answers("case-1", "mat-1", "330100-MZJ", read_key="rules:case-1:item:mat-1")
    finally:
        await forms.close()
    assert _is_outage(raised.value)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_intake_answering_it_is_busy_or_broken_is_an_outage(status: int) -> None:
    forms = IntakeForms("http://intake", lambda department: "token", transport=_intake_answering(status))
    with pytest.raises(IntakeUnavailable) as raised:
        await forms.answers("case-1", "mat-1", "330100-MZJ", read_key="rules:case-1:item:mat-1")
    assert _is_outage(raised.value)


async def test_a_refusal_is_counted_and_not_granted_means_no_form() -> None:
    refused = IntakeForms("http://intake", lambda department: "token", transport=_intake_answering(403))
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await refused.answers("case-1", "mat-1", "330100-MZJ", read_key="rules:case-1:item:mat-1")
    assert not _is_outage(raised.value)  # our request is wrong: retried a few times, then dead-lettered
    absent = IntakeForms("http://intake", lambda department: "token", transport=_intake_answering(404))
    assert await absent.answers("case-1", "mat-1", "330100-MZJ", read_key="rules:case-1:item:mat-1") is None
    found = IntakeForms("http://intake", lambda department: "token", transport=_intake_answering(200))
    assert await found.answers("case-1", "mat-1", "330100-MZJ", read_key="rules:case-1:item:mat-1") == {"a": 1}
