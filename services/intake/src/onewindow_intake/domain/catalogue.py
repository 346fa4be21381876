"""事项标准化 and 一件事: the catalogue as intake uses it — items at versions, bundles, and the one
form a bundle asks (every question once, however many items need it)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from onewindow_contracts.catalogue import CatalogueItemVersionPublished

from .errors import invalid, not_found


@dataclass(frozen=True)
class FormField:
    code: str
    label: str
    type: str  # text | date | number | choice | address | id_number | phone
    required: bool = True
    choices: tuple[str, ...] = ()
    personal: bool = False  # sealed under the applicant's key when stored


@dataclass(frozen=True)
class MaterialType:
    code: str
    name: str
    validity_days: int | None  # None: valid without limit (e.g. a birth certificate)


@dataclass(frozen=True)
class Item:
    """One item at one version: the published record, plus what intake alone needs (its form fields)."""

    record: CatalogueItemVersionPublished
    form_fields: tuple[str, ...]

    @property
    def code(self) -> str:
        return self.record.item_code

    @property
    def version(self) -> int:
        return self.record.item_version

    def key_material_codes(self) -> set[str]:
        return {m.type_code for m in self.record.materials if m.key}

    def material_codes(self) -> set[str]:
        return {m.type_code for m in self.record.materials}


@dataclass(frozen=True)
class Bundle:
    """一件事: several departments' items that the applicant sees as one thing."""

    code: str
    name: str
    description: str
    item_codes: tuple[str, ...]
    applicant_kind: str


FORM_TYPE = "CL-SQB"  # 申请表


def form_type_for(department_code: str) -> str:
    """申请表 as a material: each department gets the answers to its own items' questions only, kept in
    the vault and shared like any other material (so every read of it is granted and audited)."""
    return f"{FORM_TYPE}:{department_code}"


def department_of_form(type_code: str) -> str | None:
    prefix = FORM_TYPE + ":"
    return type_code[len(prefix):] if type_code.startswith(prefix) else None


def produced_in_case(items: Iterable[Item]) -> set[str]:
    """Material types that an item of the same case yields as a licence (证照联办: the 营业执照 of the
    registration item stands in, through 免证办, for the copy the food licence would ask for). The
    items that need it wait for the producing item (`depends_on`), so the applicant never brings it."""
    items = list(items)
    produced = {i.record.result_licence_type_code for i in items if i.record.result_licence_type_code}
    return {m.type_code for i in items for m in i.record.materials if m.e_licence_type_code in produced}


@dataclass
class Catalogue:
    """Every item version, bundle, field and material type intake knows."""

    fields: Mapping[str, FormField]
    material_types: Mapping[str, MaterialType]
    departments: Mapping[str, str]
    items: dict[tuple[str, int], Item] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        self.items[(item.code, item.version)] = item

    def current(self, code: str) -> Item:
        """The newest version of an item (new cases are accepted under it)."""
        versions = [item for (c, _), item in self.items.items() if c == code]
        if not versions:
            raise not_found("事项", "service item")
        return max(versions, key=lambda item: item.version)

    def at(self, code: str, version: int) -> Item:
        try:
            return self.items[(code, version)]
        except KeyError:
            raise not_found("事项版本", "service item version") from None

    def latest_items(self) -> list[Item]:
        return [self.current(code) for code in sorted({code for code, _ in self.items})]

    def bundle(self, code: str) -> Bundle:
        try:
            return self.bundles[code]
        except KeyError:
            raise not_found("一件事", "bundle") from None

    def form_for(self, items: Iterable[Item]) -> list[FormField]:
        """一张表单: the union of the items' fields, each asked once, in first-asked order."""
        seen: dict[str, FormField] = {}
        for item in items:
            for code in item.form_fields:
                seen.setdefault(code, self.fields[code])
        return list(seen.values())

    def materials_for(self, items: Iterable[Item]) -> list[MaterialType]:
        """一套材料: every material type the applicant must bring for the items, each once (what an
        item of the same case will itself produce is not asked for: see `produced_in_case`)."""
        items = list(items)
        produced = produced_in_case(items)
        codes: dict[str, None] = {}
        for item in items:
            for material in item.record.materials:
                if material.type_code not in produced:
                    codes.setdefault(material.type_code, None)
        return [self.material_types[code] for code in codes]

    def items_for(self, *, bundle_code: str | None, item_codes: Iterable[str]) -> list[Item]:
        codes = list(self.bundle(bundle_code).item_codes) if bundle_code else list(item_codes)
        if not codes:
            raise invalid("no_items", "请选择要办理的事项或一件事", "Name a bundle or at least one item")
        if len(set(codes)) != len(codes):
            raise invalid("duplicate_items", "同一事项不能重复申请", "An item is named twice")
        return [self.current(code) for code in codes]
