"""电子证照签发 and 撤销: from an approved item to a signed licence, and its revocation."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from onewindow_chassis.consumer import NotYet, PermanentError
from onewindow_chassis.personal import PersonErased
from onewindow_contracts.base import Sealed
from onewindow_contracts.certificates import RevocationReason
from onewindow_contracts.values import Actor, ApplicantKind, ItemRef

from ..adapters import repository
from ..domain.licence import Licence, stream_id
from ..signing import showing
from ..signing.document import sealed_document
from .unit_of_work import UnitOfWork


async def issue(uow: UnitOfWork, case_id: str, item: ItemRef, department_code: str,
                catalogue_item: dict[str, Any]) -> Licence | None:
    """Sign and record the licence the approved item yields; None if it was issued already."""
    stream = stream_id(case_id, item.item_code)
    if await uow.store.load(uow.tx, stream):
        return None  # issued before (a replayed topic, or a release after a redelivered approval)
    holder = await repository.holder(uow.tx, case_id)
    if holder is None:  # intake.events and approval.events are not ordered with each other
        raise NotYet(f"the application of case {case_id} not heard yet")
    services = uow.services
    licence = Licence.draft(
        case_id=case_id, item=item,
        licence_type=services.register.licence_type(catalogue_item["licence_type_code"], catalogue_item["name"]),
        issuer=services.register.issuer(department_code), issued_on=uow.today, holder_ref=holder["applicant_ref"],
        holder_kind=ApplicantKind(holder["applicant_kind"]), region_code=catalogue_item["region_code"])
    claims = showing.LicenceClaims(
        licence_id=licence.licence_id, licence_type_code=licence.type_code, licence_name=licence.name,
        holder_ref=licence.holder_ref, holder_id_type=licence.holder_id_type, issuer_code=licence.issuer_code,
        valid_from=licence.valid_from, valid_until=licence.valid_until, issued_at=uow.now)
    payload = showing.encode(claims, services.signer)
    document = sealed_document(licence, payload, services.signer)
    digest = hashlib.sha256(document).hexdigest()
    event = licence.issued(holder_code=await _holder_code(uow, licence, holder["received_at"]), document_sha256=digest,
                           signing_key_id=services.signer.kid, at=uow.now)
    await uow.append(stream, 0, [event])
    await repository.add_licence(uow.tx, {
        "licence_id": licence.licence_id, "stream_id": stream, "case_id": case_id, "item_code": item.item_code,
        "item_version": item.item_version, "holder_ref": licence.holder_ref, "holder_kind": licence.holder_kind.value,
        "type_code": licence.type_code, "name": licence.name, "licence_no": licence.licence_no,
        "issuer_code": licence.issuer_code, "issuer_name": licence.issuer_name, "region_code": licence.region_code,
        "issued_on": licence.issued_on, "valid_from": licence.valid_from, "valid_until": licence.valid_until,
        "issued_at": uow.now, "status": licence.status.value, "revoked_at": None, "revocation_reason": None,
        "key_id": services.signer.kid, "qr_payload": payload, "document": document, "document_sha256": digest})
    await repository.set_approval_state(uow.tx, case_id, item.item_code, "issued")
    return licence


async def _holder_code(uow: UnitOfWork, licence: Licence, applied_at: datetime) -> Sealed:
    """持证主体代码, sealed under the holder's own data key (erasing it shreds every copy).

    Certificates never learns the holder's identity number: intake keeps it sealed under its own keys
    and no event carries it here. What is sealed is what this service knows of the holder — the ref
    and the kind of number (111/001) — until intake shares the number itself with the certificates
    service (then it goes here, and nowhere in clear). The holder gave it with the application: a case
    applied for before the holder was erased stays erased, one applied for after they came back does not."""
    value = json.dumps({"holder_ref": licence.holder_ref, "id_type": licence.holder_id_type.value})
    try:
        sealed = await uow.services.vault.seal(uow.tx, licence.holder_ref, value, applied_at)
    except PersonErased as erased:
        raise PermanentError("the holder's personal data was erased: no licence can name them") from erased
    return Sealed(**sealed)


async def revoke(uow: UnitOfWork, case_id: str, item_code: str, reason: RevocationReason, by: Actor, *,
                 detail: str | None = None, cause_case_id: str | None = None) -> Licence | None:
    """撤销 the licence of this case and item; None if none was issued."""
    found = await uow.licence(case_id, item_code)
    if found is None:
        return None
    licence, version = found
    events = licence.revoke(reason, by, uow.now, detail=detail, cause_case_id=cause_case_id)
    if not events:
        return licence  # revoked already
    await uow.append(licence.stream_id, version, events)
    await repository.mark_revoked(uow.tx, licence.licence_id, uow.now, reason.value)
    return licence.applied(events[0])
