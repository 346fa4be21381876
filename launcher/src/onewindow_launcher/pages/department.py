"""部门审批: my department's queue by deadline; a case's items of my department with their clocks; the
materials shared with my department, each read recorded with its purpose; approve, refuse with reason
and legal basis, or ask for 补正 (the clock stops until the applicant answers)."""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .client import ServiceProblem
from .web import act, need, page, services

router = APIRouter()
REVIEWER = "department_reviewer"


@router.get("/department", response_class=HTMLResponse)
async def queue(request: Request, status: str | None = None) -> Response:
    session = need(request, REVIEWER)
    params = {"status": status} if status else {}
    rows = await services(request).get("approval", "/v1/queue", session.token, params=params)
    return page(request, "department_queue.html", rows=rows["items"], status=status or "")


async def _case_page(request: Request, case_id: str, *, status: int = 200, problem: ServiceProblem | None = None,
                     done: str | None = None) -> Response:
    session = need(request, REVIEWER)
    pages = services(request)
    case = await pages.get("approval", f"/v1/cases/{case_id}", session.token)  # 404 unless my department's
    application = await pages.get("intake", f"/v1/applications/{case_id}", session.token)
    mine = [i for i in case["items"] if i["department_code"] == session.department_code]
    names = {i["item_code"]: i["name"] for i in application["items"]}
    shared = [m for m in application["materials"] if session.department_code in m["granted_to"]]
    requestable: dict[str, list[dict[str, Any]]] = {}
    for item in mine:
        record = await pages.get("intake", f"/v1/catalogue/items/{item['item_code']}")
        requestable[item["item_code"]] = record["materials"]
    kinds = {m["type_code"]: m["name"] for ms in requestable.values() for m in ms}
    return page(request, "department_case.html", status, case=case, mine=mine, names=names, shared=shared,
                kinds=kinds, requestable=requestable, application=application, problem=problem, done=done,
                key=uuid.uuid4().hex)


@router.get("/department/cases/{case_id}", response_class=HTMLResponse)
async def case(request: Request, case_id: str, done: str | None = None) -> Response:
    return await _case_page(request, case_id, done=done)


@router.get("/department/cases/{case_id}/materials/{material_id}")
async def read_material(request: Request, case_id: str, material_id: str, purpose: str = "") -> Response:
    """调阅: the file itself, through intake, which records who read it and why."""
    session = need(request, REVIEWER)
    if len(purpose.strip()) < 2:
        raise ServiceProblem(422, "purpose_required", "调阅材料须填写用途或事由（至少2个字）")
    reply = await services(request).call("GET", "intake", f"/v1/applications/{case_id}/materials/{material_id}",
                                         session.token, params={"purpose": purpose.strip()})
    return Response(reply.content, media_type=reply.headers.get("content-type", "application/octet-stream"),
                    headers={"Content-Disposition": reply.headers.get("content-disposition", "attachment"),
                             "Cache-Control": "no-store"})


async def _act(request: Request, case_id: str, item_code: str, path: str, body: dict[str, Any], done: str,
               key: str) -> Response:
    session = need(request, REVIEWER)
    return await act(
        services(request).post("approval", f"/v1/cases/{case_id}/items/{item_code}/{path}", session.token, body,
                               key=key),
        f"/department/cases/{case_id}?done={done}",
        lambda problem: _case_page(request, case_id, status=problem.status, problem=problem))


def _text(form: Any, name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


@router.post("/department/cases/{case_id}/items/{item_code}/approval")
async def approve(request: Request, case_id: str, item_code: str) -> Response:
    form = await request.form()
    return await _act(request, case_id, item_code, "decision",
                      {"approve": True, "reason": _text(form, "reason") or "材料齐全，符合法定条件和标准"}, "approved",
                      str(form.get("key")))


@router.post("/department/cases/{case_id}/items/{item_code}/refusal")
async def refuse(request: Request, case_id: str, item_code: str) -> Response:
    """不予许可: the reason is required here (the applicant is told it), and the legal basis."""
    form = await request.form()
    reason = _text(form, "reason")
    if not reason or len(reason) < 2:
        return await _case_page(request, case_id, status=422, problem=ServiceProblem(
            422, "reason_required", "不予许可须说明理由"))
    return await _act(request, case_id, item_code, "decision",
                      {"approve": False, "reason": reason, "legal_basis": _text(form, "legal_basis")}, "refused",
                      str(form.get("key")))


@router.post("/department/cases/{case_id}/items/{item_code}/correction")
async def correction(request: Request, case_id: str, item_code: str) -> Response:
    """补正: which materials to correct and why; the item's clock stops until they arrive."""
    form = await request.form()
    return await _act(request, case_id, item_code, "suspension",
                      {"reason": "correction", "note": _text(form, "note") or "",
                       "requested_type_codes": [str(v) for v in form.getlist("requested")]}, "correction",
                      str(form.get("key")))
