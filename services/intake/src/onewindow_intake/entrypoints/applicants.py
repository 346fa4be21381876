"""窗口登记申请人: the clerk registers who stands at the counter before any case exists, so the papers
they brought can be scanned into their vault (POST /v1/materials with this applicant_ref) and the case
submitted with them. The same number always gives the same reference; the number and name are kept
only sealed under that applicant's own key (register_applicant), never in the clear — not even in the
Idempotency-Key's remembered fingerprint."""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from onewindow_chassis.auth import Principal, current_principal
from onewindow_contracts.values import ActorRole

from ..service_layer import commands
from ..service_layer.handlers import register_applicant
from ..service_layer.unit_of_work import UnitOfWork
from . import access, schemas
from .api import Key, _run, services

router = APIRouter(prefix="/v1", tags=["applicants"])


@router.post("/applicants", status_code=201)
async def register(request: Request, body: schemas.IdentityIn, principal: Principal = Depends(current_principal),
                   key: str | None = Key) -> Response:
    """A window clerk registers an applicant by kind, identity number and name (checked against the
    papers at the counter) and gets the applicant's reference; registering the same number again
    gives the same reference."""
    access.require(principal, ActorRole.WINDOW_CLERK)
    identity = commands.Identity(body.kind, body.number, body.name)
    # What a retry with the same key is compared against: keyed, so the stored fingerprint cannot be
    # searched for a guessed identity number the way a plain hash of the body could.
    fingerprint = hmac.new(services(request).blind_index_key, f"{body.kind.value}\0{body.number.upper()}\0{body.name}"
                           .encode(), hashlib.sha256).hexdigest()

    async def work(uow: UnitOfWork) -> dict[str, Any]:
        return {"applicant_ref": await register_applicant(uow, identity), "kind": body.kind.value}

    return await _run(request, principal, key, {"identity": fingerprint}, 201, work)
