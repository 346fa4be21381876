"""个人信息删除 over HTTP, for supervisors (电子监察, who also keep the records here): erase one
applicant, run the retention rule, and see what intake still holds of an applicant."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from onewindow_chassis.auth import Principal, current_principal
from onewindow_contracts.intake import ErasureReason
from onewindow_contracts.values import ActorRole

from ..service_layer import erasure
from ..service_layer.unit_of_work import UnitOfWork
from . import access
from .api import Key, _run, services

router = APIRouter(prefix="/v1", tags=["erasure"])


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ErasureReason = Field(description="applicant_request (依申请删除) or retention_expired (保管期满)")


def _retention(request: Request) -> erasure.Retention:
    retention: erasure.Retention = request.app.state.retention
    return retention


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}


@router.post("/applicants/{applicant_ref}/erasure")
async def erase_applicant(request: Request, applicant_ref: str, body: ErasureIn,
                          principal: Principal = Depends(current_principal), key: str | None = Key) -> Response:
    """Erase an applicant's personal data (their data key, their documents): once their cases' files are
    out of retention; at once for a person with no case (one who only complained is told to the other
    services too). A repeat answers with that erasure, unless the person came back since."""
    access.require(principal, ActorRole.SUPERVISOR)

    async def work(uow: UnitOfWork) -> dict[str, Any]:
        return _jsonable(await erasure.erase(uow, applicant_ref, body.reason, access.actor(principal),
                                             _retention(request)))

    return await _run(request, principal, key, body.model_dump(mode="json"), 200, work)


@router.post("/erasure/retention-runs")
async def retention_run(request: Request, principal: Principal = Depends(current_principal),
                        key: str | None = Key) -> Response:
    """保管期满: erase every applicant whose last case's retention ended before today (a scheduler calls
    this daily; up to 500 per call)."""
    access.require(principal, ActorRole.SUPERVISOR)

    async def work(uow: UnitOfWork) -> dict[str, Any]:
        erased = await erasure.erase_expired(uow, access.actor(principal), _retention(request))
        return {"retention_years": _retention(request).years, "erased": len(erased), "applicant_refs": erased}

    return await _run(request, principal, key, {}, 200, work)


@router.get("/applicants/{applicant_ref}")
async def applicant(request: Request, applicant_ref: str,
                    principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """What intake holds of an applicant, masked; 〔已删除 erased〕 where the key is gone."""
    access.require(principal, ActorRole.SUPERVISOR)
    async with services(request).uow() as uow:
        return await erasure.applicant_view(uow, applicant_ref)
