"""我的证照: the holder's e-licences with their 亮证 codes; the code and the printable page come from
certificates with the holder's own token (a licence not hers does not exist)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .web import need, page, services

router = APIRouter()


@router.get("/licences", response_class=HTMLResponse)
async def wallet(request: Request) -> Response:
    session = need(request, "applicant")
    held = await services(request).get("certificates", "/v1/wallet", session.token)
    return page(request, "licences.html", licences=held["items"])


@router.get("/licences/{licence_id}/qr.svg")
async def qr(request: Request, licence_id: str) -> Response:
    session = need(request, "applicant", "window_clerk", "supervisor", "department_reviewer")
    reply = await services(request).call("GET", "certificates", f"/v1/licences/{licence_id}/qr.svg", session.token)
    return Response(reply.content, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})


@router.get("/licences/{licence_id}/print", response_class=HTMLResponse)
async def printable(request: Request, licence_id: str) -> Response:
    session = need(request, "applicant", "window_clerk", "supervisor", "department_reviewer")
    reply = await services(request).call("GET", "certificates", f"/v1/licences/{licence_id}/page", session.token)
    return HTMLResponse(reply.text)
