"""综合窗口: applications from every channel waiting for 受理; 收件 for an applicant at the counter, their
papers scanned into their vault; 受理, 容缺受理, or 提请审核 — the window has no button to refuse
(窗口无权否决); 统一出件."""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .client import ServiceProblem
from .forms import answers_from, chosen_files, field_errors, upload_all
from .portal import offer_of
from .web import act, need, page, see_other, services

router = APIRouter()
CLERK = "window_clerk"


@router.get("/window", response_class=HTMLResponse)
async def desk(request: Request) -> Response:
    session = need(request, CLERK)
    pages = services(request)
    lists = []
    for title, status in (("待受理（各渠道收件）", "received"), ("已提请审核", "escalated"), ("已受理（可出件）", "accepted")):
        listing = await pages.get("intake", "/v1/applications", session.token, params={"status": status, "limit": 50})
        lists.append((title, listing["items"]))
    return page(request, "window.html", lists=lists)


@router.get("/window/new", response_class=HTMLResponse)
async def new(request: Request, offer: str | None = None) -> Response:
    need(request, CLERK)
    if offer and ":" in offer:
        kind, _, code = offer.partition(":")
        return see_other(f"/window/new/{kind}/{code}")
    pages = services(request)
    return page(request, "window_new.html", offer=None, bundles=await pages.get("intake", "/v1/bundles"),
                items=await pages.get("intake", "/v1/catalogue/items"))


async def _new_form(request: Request, kind: str, code: str, *, status: int = 200, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, problem: ServiceProblem | None = None,
                    scanned: int = 0) -> Response:
    need(request, CLERK)
    return page(request, "window_new.html", status, offer=await offer_of(request, kind, code), values=values or {},
                errors=errors or {}, problem=problem, scanned=scanned, key=uuid.uuid4().hex)


@router.get("/window/new/{kind}/{code}", response_class=HTMLResponse)
async def new_form(request: Request, kind: str, code: str) -> Response:
    return await _new_form(request, kind, code)


@router.post("/window/new/{kind}/{code}")
async def receive(request: Request, kind: str, code: str) -> Response:
    """收件: the clerk registers who applies (the number is kept sealed by intake), scans the papers
    they brought into that applicant's vault, and submits their answers with those papers."""
    session = need(request, CLERK)
    pages = services(request)
    offer = await offer_of(request, kind, code)
    form = await request.form()
    key = str(form.get("key") or uuid.uuid4().hex)
    answers = answers_from(form, offer["form"])
    identity = {k: str(form.get(f"applicant.{k}") or "").strip().upper() if k == "number" else
                str(form.get(f"applicant.{k}") or "").strip() for k in ("kind", "number", "name")}
    body: dict[str, Any] = {"applicant": identity, "answers": answers}
    body["bundle_code" if kind == "bundle" else "item_codes"] = code if kind == "bundle" else [code]
    scans = chosen_files(form)
    try:
        if scans:
            # Intake gives the applicant's reference before any case exists: the papers go into their
            # vault first, then the case names them (the same number always gives the same reference).
            applicant = await pages.post("intake", "/v1/applicants", session.token, identity, key=f"{key}-applicant")
            body["material_ids"] = await upload_all(pages, session.token, scans, key, applicant["applicant_ref"])
        case = await pages.post("intake", "/v1/applications", session.token, body, key=key)
    except ServiceProblem as problem:
        if problem.status >= 500:
            raise
        values = {k: str(v) for k, v in answers.items()} | {"applicant.kind": identity["kind"],
                                                           "applicant.name": identity["name"]}
        return await _new_form(request, kind, code, status=problem.status, values=values,
                               errors=field_errors(problem), problem=problem, scanned=len(body.get("material_ids", ())))
    return see_other(f"/window/cases/{case['case_id']}?done=received")


async def _case_page(request: Request, case_id: str, *, status: int = 200, problem: ServiceProblem | None = None,
                     done: str | None = None) -> Response:
    session = need(request, CLERK)
    pages = services(request)
    case = await pages.get("intake", f"/v1/applications/{case_id}", session.token)
    deliveries = (await pages.get("notify", f"/v1/cases/{case_id}/delivery", session.token))["items"]
    return page(request, "window_case.html", status, case=case, deliveries=deliveries, problem=problem, done=done,
                key=uuid.uuid4().hex)


@router.get("/window/cases/{case_id}", response_class=HTMLResponse)
async def case(request: Request, case_id: str, done: str | None = None) -> Response:
    return await _case_page(request, case_id, done=done)


async def _act(request: Request, case_id: str, service: str, path: str, body: dict[str, Any], done: str) -> Response:
    session = need(request, CLERK)
    form = await request.form()
    return await act(
        services(request).post(service, path, session.token, body, key=str(form.get("key") or uuid.uuid4().hex)),
        f"/window/cases/{case_id}?done={done}",
        lambda problem: _case_page(request, case_id, status=problem.status, problem=problem))


@router.post("/window/cases/{case_id}/acceptance")
async def accept(request: Request, case_id: str) -> Response:
    """受理, or 容缺受理 (intake refuses it when a key material is missing: then escalate)."""
    form = await request.form()
    allow_missing = bool(form.get("allow_missing"))
    return await _act(request, case_id, "intake", f"/v1/applications/{case_id}/acceptance",
                      {"allow_missing": allow_missing}, "accepted")


@router.post("/window/cases/{case_id}/escalation")
async def escalate(request: Request, case_id: str) -> Response:
    form = await request.form()
    return await _act(request, case_id, "intake", f"/v1/applications/{case_id}/escalation",
                      {"reason": str(form.get("reason") or "").strip()}, "escalated")


@router.post("/window/cases/{case_id}/delivery")
async def deliver(request: Request, case_id: str) -> Response:
    """统一出件: handed over at the window, or posted free with the carrier's waybill."""
    form = await request.form()
    body: dict[str, Any] = {"method": str(form.get("method") or "window_pickup")}
    if body["method"] == "post":
        body |= {"carrier": str(form.get("carrier") or "").strip() or None,
                 "waybill_no": str(form.get("waybill_no") or "").strip() or None}
    return await _act(request, case_id, "notify", f"/v1/cases/{case_id}/delivery", body, "delivered")
