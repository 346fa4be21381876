"""A small catalogue of three items and one bundle, for intake's unit tests (no I/O)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from onewindow_contracts.catalogue import CatalogueItemVersionPublished, RequiredMaterial
from onewindow_contracts.intake import ApplicationReceived
from onewindow_contracts.values import Actor, ActorRole, ApplicantKind, Channel, ItemRef, MaterialRef

from onewindow_intake.domain.catalogue import Bundle, Catalogue, FormField, Item, MaterialType

AT = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
APPLICANT = "app-0f3c9a1b2d4e"
CLERK = Actor(role=ActorRole.WINDOW_CLERK, ref="clerk-0001aa")
SUPERVISOR = Actor(role=ActorRole.SUPERVISOR, ref="supervisor-01")
ONLINE = Actor(role=ActorRole.APPLICANT, ref=APPLICANT)


def record(code: str, department: str, materials: list[RequiredMaterial], **flags: object) -> CatalogueItemVersionPublished:
    values = dict(
        item_code=code, item_version=1, name=f"事项{code}", item_type="administrative_licence",
        exercise_level="county", region_code="330106", department_code=department,
        legal_basis=("《中华人民共和国行政许可法》第二十九条",), service_objects=(ApplicantKind.ENTERPRISE,),
        materials=tuple(materials), statutory_days=20, committed_days=5, fully_online=False,
        commitment_based=False, accept_with_missing=False, effective_from=date(2026, 1, 1), published_at=AT,
    )
    values.update(flags)
    return CatalogueItemVersionPublished(**values)


def catalogue() -> Catalogue:
    key_id = RequiredMaterial(type_code="SFZ", name="身份证", key=True)
    lease = RequiredMaterial(type_code="ZLHT", name="租赁合同", key=True)
    health = RequiredMaterial(type_code="JKZ", name="健康证明", key=False)
    plan = RequiredMaterial(type_code="PMT", name="平面图", key=False)
    c = Catalogue(
        fields={
            "name": FormField("name", "名称", "text"),
            "address": FormField("address", "经营场所", "address"),
            "seats": FormField("seats", "座位数", "number"),
            "phone": FormField("phone", "联系电话", "phone", personal=True),
        },
        material_types={m.type_code: MaterialType(m.type_code, m.name, None) for m in (key_id, lease, health, plan)},
        departments={"SCJG": "市场监督管理局", "WJW": "卫生健康委员会"},
    )
    c.add(Item(record("REG", "SCJG", [key_id, lease], fully_online=True), ("name", "address", "phone")))
    c.add(Item(record("FOOD", "SCJG", [key_id, lease, health], accept_with_missing=True, commitment_based=True),
               ("name", "address", "seats")))
    c.add(Item(record("HYG", "WJW", [key_id, plan]), ("name", "address")))
    c.bundles["OPEN"] = Bundle("OPEN", "开餐馆", "开一家餐馆", ("REG", "FOOD", "HYG"), "enterprise")
    return c


def material(type_code: str, n: int = 1) -> MaterialRef:
    return MaterialRef(material_id=f"mat-{type_code.lower()}{n}", type_code=type_code, sha256=f"{n:064x}")


def received(case_id: str, items: list[Item], materials: list[MaterialRef], channel: Channel = Channel.WINDOW,
             by: Actor = CLERK) -> ApplicationReceived:
    return ApplicationReceived(
        case_id=case_id, applicant_ref=APPLICANT, applicant_kind=ApplicantKind.ENTERPRISE, region_code="330106",
        channel=channel, received_by=by, received_at=AT, bundle_code=None,
        items=tuple(ItemRef(item_code=i.code, item_version=i.version) for i in items), materials=tuple(materials),
    )
