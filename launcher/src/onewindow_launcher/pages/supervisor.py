"""电子监察: yellow and red alerts, the overdue items, any case's timeline with its clocks and the
material-read audit, throughput per item and 好差评 statistics per department, drawn as inline SVG.
A supervisor also decides what a window escalated (the window itself cannot refuse)."""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from . import charts
from .client import ServiceProblem
from .web import act, need, page, see_other, services

router = APIRouter()
SUPERVISOR = "supervisor"


@router.get("/supervisor", response_class=HTMLResponse)
async def dashboard(request: Request, case_id: str | None = None) -> Response:
    session = need(request, SUPERVISOR)
    if case_id:
        return see_other(f"/supervisor/cases/{case_id.strip()}")
    pages = services(request)
    alerts = await pages.get("supervision", "/v1/alerts", session.token)
    overdue = await pages.get("supervision", "/v1/overdue", session.token)
    throughput = await pages.get("supervision", "/v1/stats/items", session.token)
    ratings = (await pages.get("evaluation", "/v1/statistics", session.token, params={"by": "department"}))["rows"]
    escalated = (await pages.get("intake", "/v1/applications", session.token, params={"status": "escalated"}))["items"]
    throughput_chart = charts.bars("throughput", "各事项办件量", [r["item_code"] for r in throughput],
                                   [("在办", [r["open"] for r in throughput]),
                                    ("已办结", [r["decided"] for r in throughput])], unit="件")
    rating_chart = charts.bars("ratings", "各部门好差评", [str(r["key"] or "未分部门") for r in ratings],
                               [("满意", [r["satisfied"] for r in ratings]), ("差评", [r["bad"] for r in ratings])],
                               unit="条")
    return page(request, "supervisor.html", alerts=alerts, overdue=overdue, throughput=throughput, ratings=ratings,
                escalated=escalated, throughput_chart=throughput_chart, rating_chart=rating_chart)


async def _case_page(request: Request, case_id: str, *, status: int = 200, problem: ServiceProblem | None = None,
                     done: str | None = None) -> Response:
    session = need(request, SUPERVISOR)
    pages = services(request)
    application = await pages.get("intake", f"/v1/applications/{case_id}", session.token)
    try:
        timeline: dict[str, Any] = await pages.get("supervision", f"/v1/cases/{case_id}/timeline", session.token)
    except ServiceProblem as unheard:
        if unheard.status != 404:
            raise
        timeline = {"events": [], "items": []}  # supervision has not heard of it yet
    audit = await pages.get("supervision", "/v1/audit/materials", session.token, params={"case_id": case_id})
    return page(request, "supervisor_case.html", status, application=application, timeline=timeline, audit=audit,
                problem=problem, done=done, key=uuid.uuid4().hex)


@router.get("/supervisor/cases/{case_id}", response_class=HTMLResponse)
async def case(request: Request, case_id: str, done: str | None = None) -> Response:
    return await _case_page(request, case_id, done=done)


@router.post("/supervisor/cases/{case_id}/escalation-decision")
async def decide(request: Request, case_id: str) -> Response:
    """审核: accept, accept with missing materials, or not accept (with reason and legal basis)."""
    session = need(request, SUPERVISOR)
    form = await request.form()
    body = {"decision": str(form.get("decision") or ""), "reason": str(form.get("reason") or "").strip(),
            "legal_basis": str(form.get("legal_basis") or "").strip() or None}
    return await act(
        services(request).post("intake", f"/v1/applications/{case_id}/escalation-decision", session.token, body,
                               key=str(form.get("key") or uuid.uuid4().hex)),
        f"/supervisor/cases/{case_id}?done=decided",
        lambda problem: _case_page(request, case_id, status=problem.status, problem=problem))
