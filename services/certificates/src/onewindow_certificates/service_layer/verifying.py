"""亮证核验 online: the offline check against the published keys, plus what only the register knows —
whether the licence was revoked since it was signed."""
from __future__ import annotations

from typing import Any

from ..adapters import repository
from ..domain.licence import Standing
from ..signing import showing
from .unit_of_work import UnitOfWork


async def verify_online(uow: UnitOfWork, payload: str) -> dict[str, Any]:
    verification = showing.verify(payload, uow.services.keys, uow.today)
    reply = verification.as_json()
    claims = verification.claims
    if claims is None:
        return reply
    row = await repository.licence(uow.tx, claims.licence_id)
    # A good signature with no record here: signed under our key by another register (a copy of the
    # key, or a restored database that lost it). The signature stands; the register cannot vouch more.
    reply["registered"] = row is not None and row["holder_ref"] == claims.holder_ref
    if not reply["registered"]:
        return reply
    assert row is not None
    if row["status"] == "revoked":
        reply["status"] = Standing.REVOKED.value
        reply["revoked_at"] = row["revoked_at"].isoformat()
        reply["revocation_reason"] = row["revocation_reason"]
    reply["licence_no"] = row["licence_no"]
    reply["issuer_name"] = row["issuer_name"]
    return reply
