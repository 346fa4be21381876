"""Intake's handlers: one plain async function per command, all listed in HANDLERS at the bottom."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timedelta

from onewindow_chassis import idempotency, timers
from onewindow_chassis.clock import SHANGHAI
from onewindow_contracts.intake import ApplicationReceived, CommitmentSigned, DelegatedAct, DelegationRecorded
from onewindow_contracts.materials import MaterialAccessed
from onewindow_contracts.values import Actor, ActorRole, Channel, DeliveryMethod, ItemRef, MaterialRef, MaterialSource

from ..adapters import repository
from ..domain.application import Application
from ..domain.errors import forbidden, invalid, not_found
from ..domain.forms import validate_form
from ..domain.catalogue import form_type_for
from ..domain.vault import COMMITMENT_TYPE, StoredMaterial, assemble, check_upload, valid_until
from . import commands
from .unit_of_work import UnitOfWork

PLATFORM = Actor(role=ActorRole.PLATFORM, ref="platform-intake")
COMMITMENT_NOTICE = "GZCN-2026-1"  # the 告知书 wording applicants are shown (its version is recorded)
SUPPLEMENT_DEADLINE = "supplement_deadline"


def case_number(region_code: str, at: datetime) -> str:
    """办件编号: region, the Shanghai date of receipt, and a random part (the national format is not settled)."""
    return f"{region_code}-{at.astimezone(SHANGHAI):%Y%m%d}-{secrets.token_hex(4).upper()}"


async def register_applicant(uow: UnitOfWork, identity: commands.Identity) -> str:
    """The applicant ref for a person or enterprise known by their number; the same number always gives
    the same ref, and the number itself is kept only sealed under that applicant's own key."""
    index = hmac.new(uow.services.blind_index_key, identity.number.upper().encode(), hashlib.sha256).hexdigest()
    if (found := await repository.applicant_by_index(uow.tx, index)) is not None:
        return found[0]
    ref = "app-" + uuid.uuid4().hex
    sealed = await uow.services.vault.seal(uow.tx, ref, json.dumps({"number": identity.number, "name": identity.name},
                                                                   ensure_ascii=False), uow.now)
    await repository.add_applicant(uow.tx, ref, identity.kind.value, index, sealed, uow.now)
    return ref


async def delegated(uow: UnitOfWork, actor: Actor, applicant_ref: str, act: DelegatedAct) -> dict | None:
    """For an agent: the applicant's valid delegation covering `act`, or a refusal. Others: None."""
    if actor.role is not ActorRole.AGENT:
        return None
    found = await repository.delegation(uow.tx, applicant_ref, actor.ref, act.value, uow.now)
    if found is None:
        raise forbidden("no_delegation", "未取得申请人对此事项的代办授权", "No delegation from this applicant covers this act")
    return found


async def grant_delegation(cmd: commands.GrantDelegation, uow: UnitOfWork) -> dict:
    applicant = cmd.actor.ref
    letter = (await _chosen(uow, applicant, (cmd.authorisation_material_id,))).popitem()[1]
    acts = [DelegatedAct(a).value for a in cmd.acts]
    row = {"delegation_id": f"dlg-{uuid.uuid4().hex[:16]}", "applicant_ref": applicant, "agent_ref": cmd.agent_ref,
           "acts": acts, "authorisation": letter.ref().model_dump(mode="json"), "valid_until": cmd.valid_until,
           "created_at": uow.now}
    await repository.add_delegation(uow.tx, row)
    return row


async def upload_material(cmd: commands.UploadMaterial, uow: UnitOfWork) -> StoredMaterial:
    """Keep a document once per applicant and type: the same bytes again give back the same material."""
    await delegated(uow, cmd.actor, cmd.applicant_ref, DelegatedAct.APPLY)
    material_type = uow.services.catalogue.material_types.get(cmd.type_code)
    if material_type is None:
        raise invalid("material_type_unknown", "未知的材料类型", "Unknown material type", type_code=cmd.type_code)
    sha256, media_type, filename = check_upload(cmd.content, cmd.filename)
    if (existing := await repository.find_material(uow.tx, cmd.applicant_ref, cmd.type_code, sha256)) is not None:
        return existing
    stored = StoredMaterial(
        repository.new_material_id(), cmd.applicant_ref, cmd.type_code, sha256, len(cmd.content), media_type, filename,
        MaterialSource.UPLOADED, None, valid_until(material_type, uow.services.today(), cmd.valid_until), uow.now,
    )
    await repository.store_material(uow.tx, stored, cmd.content)
    return stored


async def _chosen(uow: UnitOfWork, applicant_ref: str, material_ids: tuple[str, ...],
                  on_file: list[StoredMaterial] | None = None) -> dict[str, StoredMaterial]:
    """The materials the applicant named, by type; `on_file`: their reusable materials if already read."""
    if not material_ids:
        return {}
    if on_file is None:
        on_file = await repository.reusable_materials(uow.tx, applicant_ref)
    found = {m.material_id: m for m in on_file}
    for material_id in material_ids:
        if material_id not in found:  # absent, or another applicant's: the same answer
            raise invalid("material_unknown", "材料不存在或不属于申请人", "No such material of this applicant",
                          material_id=material_id)
    return {found[i].type_code: found[i] for i in material_ids}


async def _e_licences(uow: UnitOfWork, applicant_ref: str, items: list, have: set[str]) -> dict[str, StoredMaterial]:
    """免证办: for a material a held licence can stand in for, fetch the licence instead of asking."""
    found: dict[str, StoredMaterial] = {}
    for item in items:
        for required in item.record.materials:
            if required.type_code in have or required.type_code in found or not required.e_licence_type_code:
                continue
            held = await uow.services.licences.held(applicant_ref, required.e_licence_type_code)
            if held is None:
                continue
            licence_id, document = held
            stored = StoredMaterial(
                repository.new_material_id(), applicant_ref, required.type_code, hashlib.sha256(document).hexdigest(),
                len(document), "application/json", f"{licence_id}.json", MaterialSource.E_LICENCE, licence_id, None,
                uow.now,
            )
            if (existing := await repository.find_material(uow.tx, applicant_ref, required.type_code, stored.sha256)):
                stored = existing
            else:
                await repository.store_material(uow.tx, stored, document)
            found[required.type_code] = stored
    return found


def _commitment_document(uow: UnitOfWork, cmd: commands.SubmitApplication, case_id: str,
                         item_code: str) -> tuple[StoredMaterial, bytes]:
    """The signed 告知承诺书 as a document for the vault: what was promised, for which case and item, when."""
    document = json.dumps({"case_id": case_id, "item_code": item_code, "notice_version": COMMITMENT_NOTICE,
                           "signed_at": uow.now.isoformat(), "applicant_ref": cmd.applicant_ref,
                           "statement": "本人承诺所填报信息真实，符合告知的许可条件，愿意承担虚假承诺的法律责任。"},
                          ensure_ascii=False).encode()
    stored = StoredMaterial(repository.new_material_id(), cmd.applicant_ref, COMMITMENT_TYPE,
                            hashlib.sha256(document).hexdigest(), len(document), "application/json",
                            f"commitment-{item_code}.json", MaterialSource.UPLOADED, None, None, uow.now)
    return stored, document


async def submit_application(cmd: commands.SubmitApplication, uow: UnitOfWork) -> Application:
    """一窗受理: receive one form and one set of materials; accept at once what may be accepted online."""
    delegation = await delegated(uow, cmd.actor, cmd.applicant_ref, DelegatedAct.APPLY)  # before anything else
    catalogue = uow.services.catalogue
    items = catalogue.items_for(bundle_code=cmd.bundle_code, item_codes=cmd.item_codes)
    answers = validate_form(catalogue.form_for(items), cmd.answers)
    on_file = await repository.reusable_materials(uow.tx, cmd.applicant_ref)
    chosen = await _chosen(uow, cmd.applicant_ref, cmd.material_ids, on_file)
    if cmd.use_e_licences:
        chosen |= await _e_licences(uow, cmd.applicant_ref, items, set(chosen))
    needed = catalogue.materials_for(items)
    codes = {m.code for m in needed}
    refs = assemble(needed, chosen, [m for m in on_file if m.type_code in codes], uow.services.today())
    case_id = case_number(cmd.region_code, uow.now)
    forms = _department_forms(uow, cmd.applicant_ref, case_id, items, answers)
    refs += [stored.ref() for stored, _ in forms]
    contact = address = None
    if phone := answers.get("contact_phone"):
        contact = await uow.services.vault.seal(uow.tx, cmd.applicant_ref, phone, uow.now)
    if cmd.delivery_method is DeliveryMethod.POST:
        if not cmd.delivery_address:
            raise invalid("delivery_address_required", "邮寄送达须填写收件地址", "Posting the result needs an address")
        address = await uow.services.vault.seal(uow.tx, cmd.applicant_ref, cmd.delivery_address, uow.now)
    received = ApplicationReceived(
        case_id=case_id, applicant_ref=cmd.applicant_ref, applicant_kind=cmd.applicant_kind,
        region_code=cmd.region_code, channel=cmd.channel, received_by=cmd.actor, received_at=uow.now,
        bundle_code=cmd.bundle_code, items=tuple(ItemRef(item_code=i.code, item_version=i.version) for i in items),
        materials=tuple(refs), delivery_method=cmd.delivery_method, contact=contact, delivery_address=address,
    )
    commitments, documents = [], []
    for item_code in cmd.commitments:
        item = next((i for i in items if i.code == item_code), None)
        if item is None:
            raise invalid("commitment_item_unknown", "承诺的事项不在本次申请中", "The committed item is not applied for")
        document, content = _commitment_document(uow, cmd, case_id, item_code)
        documents.append((document, content))
        commitments.append(CommitmentSigned(
            case_id=case_id, commitment_id=f"cmt-{uuid.uuid4().hex[:16]}", item=ItemRef(item_code=item.code,
            item_version=item.version), notice_version=COMMITMENT_NOTICE, commitment=document.ref(),
            signed_by=cmd.actor, signed_at=uow.now))
    barred = await repository.credit_barred(uow.tx, cmd.applicant_ref, uow.services.today())
    recorded = [] if delegation is None else [DelegationRecorded(
        case_id=case_id, delegation_id=delegation["delegation_id"], applicant_ref=cmd.applicant_ref, agent=cmd.actor,
        acts=tuple(DelegatedAct(a) for a in delegation["acts"]), recorded_at=uow.now,
        authorisation=MaterialRef.model_validate(delegation["authorisation"]), valid_until=delegation["valid_until"])]
    events = [*recorded, *Application.receive(received, items, commitments, barred)]
    draft = Application.fold(case_id, events)
    online = cmd.channel in (Channel.ONLINE, Channel.MOBILE)
    if online and all(i.record.fully_online for i in items) and not draft.missing(items):
        events += draft.accept(PLATFORM, uow.now, items, notice_no=_notice(case_id, "SL"), allow_missing=False,
                               supplement_due_on=None)  # accepted at once: one append, one case row
    application = Application(case_id)
    await uow.save(application, events)
    for document, content in [*documents, *forms]:  # kept once the rules allowed the application
        await repository.store_material(uow.tx, document, content)
    await repository.save_form(uow.tx, case_id, await _sealed_answers(uow, cmd.applicant_ref, items, answers))
    return application


def _department_forms(uow: UnitOfWork, applicant_ref: str, case_id: str, items: list,
                      answers: dict) -> list[tuple[StoredMaterial, bytes]]:
    """申请表 per department: the answers to that department's own items' questions, nothing more."""
    forms = []
    for department in sorted({i.record.department_code for i in items}):
        fields = {code for i in items if i.record.department_code == department for code in i.form_fields}
        document = json.dumps({"case_id": case_id, "department_code": department,
                               "answers": {c: v for c, v in answers.items() if c in fields}},
                              ensure_ascii=False, sort_keys=True).encode()
        forms.append((StoredMaterial(
            repository.new_material_id(), applicant_ref, form_type_for(department), hashlib.sha256(document).hexdigest(),
            len(document), "application/json", f"form-{case_id}-{department}.json", MaterialSource.UPLOADED, None,
            None, uow.now), document))
    return forms


async def _sealed_answers(uow: UnitOfWork, applicant_ref: str, items: list, answers: dict) -> dict:
    personal = {f.code for f in uow.services.catalogue.form_for(items) if f.personal}
    return {code: (await uow.services.vault.seal(uow.tx, applicant_ref, str(value), uow.now)
                   if code in personal else value) for code, value in answers.items()}


def _notice(case_id: str, kind: str) -> str:
    return f"{kind}-{case_id}"


def _items_of(uow: UnitOfWork, application: Application) -> list:
    return [uow.services.catalogue.at(i.item_code, i.item_version) for i in application.item_refs]


async def accept_application(cmd: commands.AcceptApplication, uow: UnitOfWork) -> Application:
    """受理 at the window (or 容缺受理), starting every item's clock; schedules the supplement deadline."""
    application = await uow.application(cmd.case_id)
    items = _items_of(uow, application)
    due = None
    if cmd.allow_missing:
        limit = min([uow.services.supplement_working_days] + [i.record.committed_days for i in items])
        due = uow.services.working_days.add(uow.now.astimezone(SHANGHAI).date(), max(limit, 1))
    await uow.save(application, application.accept(cmd.actor, uow.now, items, notice_no=_notice(cmd.case_id, "SL"),
                                                    allow_missing=cmd.allow_missing, supplement_due_on=due))
    if application.owed and application.supplement_due_on:
        await _schedule_deadline(uow, application)
    return application


async def _schedule_deadline(uow: UnitOfWork, application: Application) -> None:
    """At 24:00 Asia/Shanghai at the end of the last day, the supplement is late."""
    assert application.supplement_due_on is not None
    end = datetime.combine(application.supplement_due_on + timedelta(days=1), datetime.min.time(), SHANGHAI)
    await timers.schedule(uow.tx, f"{SUPPLEMENT_DEADLINE}:{application.case_id}", SUPPLEMENT_DEADLINE, end,
                          {"case_id": application.case_id})


async def escalate_application(cmd: commands.EscalateApplication, uow: UnitOfWork) -> Application:
    application = await uow.application(cmd.case_id)
    await uow.save(application, application.escalate(cmd.actor, uow.now, cmd.reason, f"esc-{uuid.uuid4().hex[:16]}"))
    return application


async def decide_escalation(cmd: commands.DecideEscalation, uow: UnitOfWork) -> Application:
    application = await uow.application(cmd.case_id)
    items = _items_of(uow, application)
    due = None
    if cmd.decision.value == "accept_with_missing":
        limit = min([uow.services.supplement_working_days] + [i.record.committed_days for i in items])
        due = uow.services.working_days.add(uow.now.astimezone(SHANGHAI).date(), max(limit, 1))
    notice = _notice(cmd.case_id, "BYSL" if cmd.decision.value == "not_accept" else "SL")
    await uow.save(application, application.decide_escalation(cmd.actor, uow.now, cmd.decision, cmd.reason, items,
                                                              notice_no=notice, supplement_due_on=due,
                                                              legal_basis=cmd.legal_basis))
    if application.owed and application.supplement_due_on:
        await _schedule_deadline(uow, application)
    return application


async def withdraw_application(cmd: commands.WithdrawApplication, uow: UnitOfWork) -> Application:
    application = await uow.application(cmd.case_id)
    await delegated(uow, cmd.actor, application.applicant_ref, DelegatedAct.APPLY)
    await uow.save(application, application.withdraw(cmd.actor, uow.now, cmd.reason))
    await timers.cancel(uow.tx, f"{SUPPLEMENT_DEADLINE}:{cmd.case_id}", uow.now)
    return application


async def supplement_materials(cmd: commands.SupplementMaterials, uow: UnitOfWork) -> Application:
    """补齐 (materials owed since 容缺受理) or 补正 (materials a department asked to correct)."""
    application = await uow.application(cmd.case_id)
    await delegated(uow, cmd.actor, application.applicant_ref, DelegatedAct.SUPPLEMENT)
    chosen = await _chosen(uow, application.applicant_ref, cmd.material_ids)
    refs = [m.ref() for m in chosen.values()]
    for correction in await repository.open_corrections(uow.tx, cmd.case_id):
        requested = set(correction["requested"])
        if requested & set(chosen):
            await uow.save(application, application.correct(cmd.actor, uow.now, refs, correction["suspension_id"],
                                                            requested, correction["department_code"]))
            await repository.answer_correction(uow.tx, correction["suspension_id"], uow.now)
            return application
    await uow.save(application, application.supplement(cmd.actor, uow.now, refs, _items_of(uow, application)))
    if not application.owed:
        await timers.cancel(uow.tx, f"{SUPPLEMENT_DEADLINE}:{cmd.case_id}", uow.now)
    return application


async def read_material(cmd: commands.ReadMaterial, uow: UnitOfWork) -> tuple[StoredMaterial, bytes]:
    """数据共享 with an audit: a department reads only what was granted to it for this case, and the
    read itself is recorded (MaterialAccessed: who, which department, why)."""
    application = await uow.application(cmd.case_id)
    granted = application.shared.get(cmd.material_id, set())
    if cmd.actor.department_code not in granted:
        raise not_found("材料", "material")  # not granted looks the same as absent
    if not cmd.purpose.strip():
        raise invalid("purpose_required", "调阅材料须说明用途", "State the purpose of reading the material")
    material = await repository.material(uow.tx, cmd.material_id)
    if material is None:
        raise not_found("材料", "material")
    if await _first_read(uow, cmd):
        await uow.save(application, [MaterialAccessed(
            case_id=cmd.case_id, material_id=material.material_id, type_code=material.type_code,
            sha256=material.sha256, accessed_by=cmd.actor, purpose=cmd.purpose.strip(), accessed_at=uow.now)])
    return material, await repository.content(uow.tx, material.sha256)


async def _first_read(uow: UnitOfWork, cmd: commands.ReadMaterial) -> bool:
    """Whether this read is to be recorded: always, unless the reader named it (read_key) and that read
    was recorded already — a department system whose handler crashed after reading reads again on
    redelivery, and the trail should say what was read, not how often a consumer was retried. The key is
    remembered per reader, like a POST's Idempotency-Key; the same key for another read is refused."""
    if cmd.read_key is None:
        return True
    read = idempotency.request_hash("GET", f"/v1/applications/{cmd.case_id}/materials/{cmd.material_id}",
                                    {"purpose": cmd.purpose.strip()})
    if await idempotency.recall(uow.tx, cmd.actor.ref, cmd.read_key, read) is not None:
        return False
    await idempotency.remember(uow.tx, cmd.actor.ref, cmd.read_key, read, idempotency.Reply(200, b"{}"), uow.now)
    return True


async def supplement_deadline_passed(timer: timers.Timer, uow: UnitOfWork) -> None:
    """The 容缺 promise fell due: if materials are still owed, the case ends as not completed."""
    application = await uow.application(timer.payload["case_id"])
    await uow.save(application, application.miss_supplement_deadline(uow.now))


HANDLERS = {
    commands.GrantDelegation: grant_delegation,
    commands.UploadMaterial: upload_material,
    commands.SubmitApplication: submit_application,
    commands.AcceptApplication: accept_application,
    commands.EscalateApplication: escalate_application,
    commands.DecideEscalation: decide_escalation,
    commands.WithdrawApplication: withdraw_application,
    commands.SupplementMaterials: supplement_materials,
    commands.ReadMaterial: read_material,
}

