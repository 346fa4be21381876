"""我的办件: a case's progress as the applicant may see it — status, items and their committed working
days, the materials (uploaded or reused), what she was told and when, 补齐/补正, licences, and 好差评."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from onewindow_chassis.workdays import builtin_calendar

from .client import ServiceProblem
from .forms import chosen_files, upload_all
from .web import act, need, page, see_other, services

router = APIRouter()
_CALENDAR = builtin_calendar()


@router.get("/cases", response_class=HTMLResponse)
async def my_cases(request: Request) -> Response:
    session = need(request, "applicant")
    listing = await services(request).get("intake", "/v1/applications", session.token)
    return page(request, "cases.html", cases=listing["items"])


def _deadlines(case: dict[str, Any], inbox: list[dict[str, Any]]) -> dict[str, str]:
    """Each item's last day by its committed working days from the day of acceptance (not counted), as
    the 受理通知 promised; a 补正 or 特别程序 moves it by the days the clock stood still."""
    accepted = next((n["created_at"] for n in inbox if n["purpose"] == "accepted"), None)
    if case["status"] != "accepted" or accepted is None:
        return {}
    start = datetime.fromisoformat(accepted)
    return {i["item_code"]: _CALENDAR.deadline_from(start, i["committed_days"]).day.isoformat() for i in case["items"]}


async def _case_page(request: Request, case_id: str, *, status: int = 200, problem: ServiceProblem | None = None,
                     done: str | None = None) -> Response:
    session = need(request, "applicant")
    pages = services(request)
    case = await pages.get("intake", f"/v1/applications/{case_id}", session.token)  # 404 if not hers
    inbox = [n for n in (await pages.get("notify", "/v1/inbox", session.token))["items"] if n["case_id"] == case_id]
    inbox.sort(key=lambda n: n["created_at"])
    licences = [w for w in (await pages.get("certificates", "/v1/wallet", session.token))["items"]
                if w["case_id"] == case_id]
    try:
        rating = await pages.get("evaluation", f"/v1/cases/{case_id}/evaluations", session.token)
    except ServiceProblem as missing:
        if missing.status != 404:
            raise
        rating = {"stages": [], "evaluations": [], "rectifications": []}  # evaluation has not heard of it yet
    owed = sorted({code for codes in case["owed"].values() for code in codes})
    requested = sorted({code for c in case["corrections"] for code in c["requested"]})
    names = {m["type_code"]: m["name"] for i in await _items(request, case) for m in i["materials"]}
    return page(request, "case.html", status, case=case, inbox=inbox, licences=licences, rating=rating,
                open_stages=[s for s in rating["stages"] if not s["evaluation_id"]], owed=owed, requested=requested,
                names=names, item_names={i["item_code"]: i["name"] for i in case["items"]},
                deadlines=_deadlines(case, inbox), problem=problem, done=done, key=uuid.uuid4().hex)


async def _items(request: Request, case: dict[str, Any]) -> list[dict[str, Any]]:
    pages = services(request)
    return [await pages.get("intake", f"/v1/catalogue/items/{i['item_code']}") for i in case["items"]]


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def my_case(request: Request, case_id: str, done: str | None = None) -> Response:
    return await _case_page(request, case_id, done=done)


@router.post("/cases/{case_id}/supplements")
async def supplement(request: Request, case_id: str) -> Response:
    """补齐 (owed since 容缺受理) or 补正 (asked by a department): the same form, intake tells which."""
    session = need(request, "applicant")
    pages = services(request)
    form = await request.form()
    key = str(form.get("key") or uuid.uuid4().hex)
    try:
        files = chosen_files(form)
        if not files:
            raise ServiceProblem(422, "file_required", "请选择需要补交的材料文件")
        ids = await upload_all(pages, session.token, files, key)
        await pages.post("intake", f"/v1/applications/{case_id}/supplements", session.token, {"material_ids": ids},
                         key=key)
    except ServiceProblem as problem:
        if problem.status in (401, 404) or problem.status >= 500:
            raise
        return await _case_page(request, case_id, status=problem.status, problem=problem)
    return see_other(f"/cases/{case_id}?done=supplemented")


@router.post("/cases/{case_id}/rating")
async def rate(request: Request, case_id: str) -> Response:
    """一事一评: one stage (and item) of the case, once."""
    session = need(request, "applicant")
    form = await request.form()
    stage, _, item_code = str(form.get("stage") or "").partition("|")
    body: dict[str, Any] = {"stage": stage, "level": str(form.get("level") or ""), "channel": "online",
                            "item_code": item_code or None}
    if comment := str(form.get("comment") or "").strip():
        body["comment"] = comment
    return await act(
        services(request).post("evaluation", f"/v1/cases/{case_id}/evaluations", session.token, body,
                               key=str(form.get("key") or uuid.uuid4().hex)),
        f"/cases/{case_id}?done=rated",
        lambda problem: _case_page(request, case_id, status=problem.status, problem=problem))
