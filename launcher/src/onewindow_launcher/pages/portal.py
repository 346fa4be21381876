"""网上办事大厅 for citizens and enterprises: the catalogue and its bundles (一件事), one form and one
set of materials to apply, the materials already on file reused, the vault (我的材料)."""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .client import ServiceProblem
from .forms import answers_from, chosen_files, field_errors, upload_all
from .web import need, page, see_other, services

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    """The public guide: bundles first (what people come for), then every item."""
    pages = services(request)
    bundles = await pages.get("intake", "/v1/bundles")
    items = await pages.get("intake", "/v1/catalogue/items")
    return page(request, "home.html", bundles=bundles, items=items)


@router.get("/bundles/{code}", response_class=HTMLResponse)
async def bundle(request: Request, code: str) -> Response:
    return page(request, "bundle.html", bundle=await services(request).get("intake", f"/v1/bundles/{code}"))


@router.get("/items/{code}", response_class=HTMLResponse)
async def item(request: Request, code: str) -> Response:
    return page(request, "item.html", item=await services(request).get("intake", f"/v1/catalogue/items/{code}"))


async def offer_of(request: Request, kind: str, code: str) -> dict[str, Any]:
    """What to apply for: a bundle's or an item's one form and one set of materials."""
    pages = services(request)
    if kind == "bundle":
        offer = await pages.get("intake", f"/v1/bundles/{code}")
        return {"kind": kind, "code": code, "name": offer["name"], "form": offer["form"],
                "materials": offer["materials"], "applicant_kind": offer["applicant_kind"], "items": offer["items"]}
    if kind == "item":
        offer = await pages.get("intake", f"/v1/catalogue/items/{code}")
        return {"kind": kind, "code": code, "name": offer["name"], "form": offer["form"], "items": [offer],
                "materials": [{"code": m["type_code"], "name": m["name"]} for m in offer["materials"]],
                "applicant_kind": "enterprise" if offer["service_objects"] == ["enterprise"] else "citizen"}
    raise ServiceProblem(404, "not_found", "未找到该事项")


async def _on_file(request: Request, token: str) -> dict[str, dict[str, Any]]:
    """The applicant's materials still valid, by type: these are reused without asking again."""
    stored = await services(request).get("intake", "/v1/materials", token)
    return {m["type_code"]: m for m in stored}


async def _apply_form(request: Request, kind: str, code: str, *, status: int = 200, values: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None, problem: ServiceProblem | None = None) -> Response:
    session = need(request, "applicant")
    offer = await offer_of(request, kind, code)
    return page(request, "apply.html", status, offer=offer, on_file=await _on_file(request, session.token),
                values=values or {}, errors=errors or {}, problem=problem, key=uuid.uuid4().hex)


@router.get("/apply/{kind}/{code}", response_class=HTMLResponse)
async def apply_form(request: Request, kind: str, code: str) -> Response:
    return await _apply_form(request, kind, code)


@router.post("/apply/{kind}/{code}")
async def apply(request: Request, kind: str, code: str) -> Response:
    """一表申请: upload what was chosen (once), then apply; the vault supplies what is on file."""
    session = need(request, "applicant")
    pages = services(request)
    offer = await offer_of(request, kind, code)
    form = await request.form()
    key = str(form.get("key") or uuid.uuid4().hex)
    answers = answers_from(form, offer["form"])
    body: dict[str, Any] = {"applicant_kind": offer["applicant_kind"], "answers": answers,
                            "delivery_method": str(form.get("delivery_method") or "window_pickup")}
    if body["delivery_method"] == "post":
        body["delivery_address"] = str(form.get("delivery_address") or "").strip() or None
    body["bundle_code" if kind == "bundle" else "item_codes"] = code if kind == "bundle" else [code]
    try:
        body["material_ids"] = await upload_all(pages, session.token, chosen_files(form), key)
        case = await pages.post("intake", "/v1/applications", session.token, body, key=key)
    except ServiceProblem as problem:
        if problem.status >= 500:
            raise
        # Files already uploaded are in the vault now: the form shows them as on file, not asked again.
        return await _apply_form(request, kind, code, status=problem.status, problem=problem,
                                 values={k: str(v) for k, v in answers.items()}, errors=field_errors(problem))
    return see_other(f"/cases/{case['case_id']}?done=applied")


@router.get("/materials", response_class=HTMLResponse)
async def materials(request: Request, done: str | None = None) -> Response:
    """我的材料: what is on file, and a place to add one."""
    session = need(request, "applicant")
    pages = services(request)
    stored = await pages.get("intake", "/v1/materials", session.token)
    kinds = await _material_kinds(request)
    return page(request, "materials.html", stored=stored, kinds=kinds, done=done, key=uuid.uuid4().hex)


async def _material_kinds(request: Request) -> dict[str, str]:
    items = await services(request).get("intake", "/v1/catalogue/items")
    return dict(sorted({m["type_code"]: m["name"] for i in items for m in i["materials"]}.items()))


@router.post("/materials")
async def upload(request: Request) -> Response:
    session = need(request, "applicant")
    form = await request.form()
    type_code = str(form.get("type_code") or "")
    files = chosen_files(form)
    if "m.file" not in {f"m.{k}" for k in files} or not type_code:
        raise ServiceProblem(422, "file_required", "请选择材料类型并选择文件")
    await upload_all(services(request), session.token, {type_code: files["file"]}, str(form.get("key") or uuid.uuid4().hex))
    return see_other("/materials?done=uploaded")
