"""The demo catalogue (onewindow_intake/demo/catalogue.toml): every item is a valid published record,
every reference resolves, bundles really ask each question once and share one set of materials, and no
placeholder text slipped in. Pure file checks: no infrastructure."""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from onewindow_contracts.catalogue import (
    CatalogueItemVersionPublished,
    ExerciseLevel,
    Fee,
    ItemType,
    RequiredMaterial,
)
from onewindow_contracts.values import ApplicantKind

PUBLISHED_AT = datetime(2026, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FIELD_TYPES = {"text", "date", "number", "choice", "address", "id_number", "phone"}
MACHINE_CHECKABLE = {"id_number", "phone", "date", "number", "choice"}  # no free-text judgement
TYPE_ABBREVIATIONS = {
    ItemType.ADMINISTRATIVE_LICENCE: "XK",
    ItemType.ADMINISTRATIVE_CONFIRMATION: "QR",
    ItemType.ADMINISTRATIVE_PAYMENT: "JF",
    ItemType.ADMINISTRATIVE_REWARD: "JL",
    ItemType.ADMINISTRATIVE_ADJUDICATION: "CJ",
    ItemType.ADMINISTRATIVE_FILING: "BA",
    ItemType.OTHER_ADMINISTRATIVE_POWER: "QT",
    ItemType.PUBLIC_SERVICE: "GG",
}
PLACEHOLDERS = ("todo", "fixme", "xxx", "tbd", "lorem", "...", "…", "示例", "测试", "待定", "待补充", "占位")
ARTICLE = re.compile(r"《[^》]+》.*?第[一二三四五六七八九十百零〇两\d]+条")
REQUIRED_BUNDLES = ("开餐馆", "企业开办", "美容美发", "公民身后", "退役军人报到")


@cache
def catalogue() -> dict[str, Any]:
    text = files("onewindow_intake.demo").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def items() -> list[dict[str, Any]]:
    return catalogue()["items"]


def by_code() -> dict[str, dict[str, Any]]:
    return {item["code"]: item for item in items()}


def bundles() -> list[dict[str, Any]]:
    return catalogue()["bundles"]


def bundle_named(fragment: str) -> dict[str, Any]:
    (bundle,) = [b for b in bundles() if fragment in b["name"]]
    return bundle


def record(item: dict[str, Any]) -> CatalogueItemVersionPublished:
    return CatalogueItemVersionPublished(
        item_code=item["code"],
        item_version=1,
        name=item["name"],
        item_type=item["item_type"],
        exercise_level=item["exercise_level"],
        region_code=item["region_code"],
        department_code=item["department_code"],
        legal_basis=tuple(item["legal_basis"]),
        conditions=tuple(item["conditions"]),
        service_objects=tuple(item["service_objects"]),
        materials=tuple(RequiredMaterial(**material) for material in item["materials"]),
        fees=tuple(Fee(**fee) for fee in item.get("fees", [])),
        statutory_days=item["statutory_days"],
        committed_days=item["committed_days"],
        fully_online=item["fully_online"],
        commitment_based=item["commitment_based"],
        accept_with_missing=item["accept_with_missing"],
        instant_rule_set=item.get("instant_rule_set"),
        depends_on=tuple(item.get("depends_on", ())),
        result_licence_type_code=item.get("result_licence_type_code"),
        effective_from=item["effective_from"],
        published_at=PUBLISHED_AT,
    )


def strings(value: Any) -> list[str]:
    """Every string in the parsed file, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, inner in value.items() for s in (key, *strings(inner))]
    if isinstance(value, list):
        return [s for inner in value for s in strings(inner)]
    return []


def dependencies_closure(code: str) -> set[str]:
    seen: set[str] = set()
    stack = list(by_code()[code].get("depends_on", ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(by_code()[current].get("depends_on", ()))
    return seen


# --- items ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("item", items(), ids=lambda item: item["code"])
def test_every_item_is_a_valid_published_record(item: dict[str, Any]) -> None:
    published = record(item)
    assert item["version"] == 1
    assert published.item_type in TYPE_ABBREVIATIONS
    assert published.exercise_level in set(ExerciseLevel)
    assert isinstance(item["effective_from"], date) and item["effective_from"].year == 2026
    assert published.committed_days <= published.statutory_days
    assert published.committed_days >= 1, "即办件 are committed as 1 working day"


def test_counts() -> None:
    used_departments = {item["department_code"] for item in items()}
    assert len(items()) >= 22
    assert len(used_departments) >= 8
    assert len(bundles()) >= 6


def test_codes_are_unique() -> None:
    for codes in ([i["code"] for i in items()], [b["code"] for b in bundles()]):
        assert not [code for code, n in Counter(codes).items() if n > 1]


def test_names_are_unique_within_a_department() -> None:
    names = Counter((item["department_code"], item["name"]) for item in items())
    assert not [name for name, n in names.items() if n > 1]


def test_item_codes_follow_the_documented_scheme() -> None:
    region = catalogue()["catalogue"]["region_code"]
    for item in items():
        department_suffix = item["department_code"].removeprefix(f"{region}-")
        abbreviation = TYPE_ABBREVIATIONS[ItemType(item["item_type"])]
        assert re.fullmatch(rf"{region}-{re.escape(department_suffix)}-{abbreviation}-\d{{3}}", item["code"]), item["code"]
        assert item["region_code"] == region
    for bundle in bundles():
        assert re.fullmatch(rf"{region}-YJS-[A-Z]+", bundle["code"]), bundle["code"]


def test_every_item_has_a_legal_basis_with_law_and_article_and_at_least_three_materials() -> None:
    for item in items():
        assert any(ARTICLE.search(basis) for basis in item["legal_basis"]), item["code"]
        assert all(basis.startswith("《") for basis in item["legal_basis"]), item["code"]
        assert len(item["materials"]) >= 3, item["code"]
        assert item["conditions"], item["code"]
        assert not [c for c, n in Counter(m["type_code"] for m in item["materials"]).items() if n > 1], item["code"]


def test_the_flags_are_each_used_realistically() -> None:
    assert sum(item["commitment_based"] for item in items()) >= 2
    assert sum(item["accept_with_missing"] for item in items()) >= 3
    assert sum("instant_rule_set" in item for item in items()) >= 2
    assert sum(item["fully_online"] for item in items()) < len(items()), "some items need the applicant in person"
    for item in items():
        if item["accept_with_missing"]:
            assert any(not m["key"] for m in item["materials"]), item["code"]


# --- references -----------------------------------------------------------------------------------


def test_every_reference_resolves_and_every_definition_is_used() -> None:
    data = catalogue()
    fields, material_types = data["fields"], data["material_types"]
    departments, licences, rules = data["departments"], data["licence_types"], data["rule_sets"]
    codes = set(by_code())
    used_fields, used_materials, used_licences = set(), set(), set()
    for item in items():
        assert item["department_code"] in departments, item["code"]
        assert set(item["form_fields"]) <= set(fields), item["code"]
        assert len(set(item["form_fields"])) == len(item["form_fields"]), item["code"]
        assert set(item.get("depends_on", ())) <= codes, item["code"]
        used_fields |= set(item["form_fields"])
        for material in item["materials"]:
            assert material["type_code"] in material_types, (item["code"], material["type_code"])
            used_materials.add(material["type_code"])
            if "e_licence_type_code" in material:
                used_licences.add(material["e_licence_type_code"])
        if "result_licence_type_code" in item:
            used_licences.add(item["result_licence_type_code"])
        if "instant_rule_set" in item:
            assert item["instant_rule_set"] in rules, item["code"]
    assert used_licences <= set(licences)
    for bundle in bundles():
        assert set(bundle["items"]) <= codes, bundle["code"]
        assert len(set(bundle["items"])) == len(bundle["items"]), bundle["code"]
    assert used_fields == set(fields), "unused fields"
    assert used_materials == set(material_types), "unused material types"
    assert used_licences == set(licences), "unused licence types"
    assert {item["instant_rule_set"] for item in items() if "instant_rule_set" in item} == set(rules)


def test_definitions_are_well_formed() -> None:
    data = catalogue()
    region = data["catalogue"]["region_code"]
    for code, field in data["fields"].items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code)
        assert field["type"] in FIELD_TYPES, code
        assert field["label"] and isinstance(field["required"], bool) and isinstance(field["personal"], bool)
        assert bool(field.get("choices")) == (field["type"] == "choice"), code
        if field["type"] in {"id_number", "phone"}:
            assert field["personal"], f"{code} holds personal data"
    for code, material_type in data["material_types"].items():
        assert code.startswith("CL-") and material_type["name"]
        validity = material_type.get("validity_days")
        assert validity is None or (isinstance(validity, int) and validity > 0), code
    for code, department in data["departments"].items():
        assert code.startswith(f"{region}-") and department["name"]


def test_a_material_type_is_always_stood_in_for_by_the_same_licence() -> None:
    stand_ins: dict[str, set[str | None]] = {}
    for item in items():
        for material in item["materials"]:
            stand_ins.setdefault(material["type_code"], set()).add(material.get("e_licence_type_code"))
    assert {code: s for code, s in stand_ins.items() if len(s) > 1} == {}


def test_depends_on_has_no_cycle() -> None:
    graph = {code: set(item.get("depends_on", ())) for code, item in by_code().items()}
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(code: str) -> None:
        assert code not in visiting, f"dependency cycle through {code}"
        if code in done:
            return
        visiting.add(code)
        for dependency in graph[code]:
            visit(dependency)
        visiting.discard(code)
        done.add(code)

    for code in graph:
        visit(code)


# --- text -----------------------------------------------------------------------------------------


def test_no_placeholder_text_anywhere() -> None:
    offending = [s for s in strings(catalogue()) if any(p in s.lower() for p in PLACEHOLDERS)]
    assert offending == []


# --- bundles --------------------------------------------------------------------------------------


def test_the_named_bundles_exist() -> None:
    for fragment in REQUIRED_BUNDLES:
        bundle_named(fragment)
    assert any(b["name"] not in REQUIRED_BUNDLES and not any(f in b["name"] for f in REQUIRED_BUNDLES) for b in bundles())


def test_opening_a_restaurant_spans_at_least_four_departments() -> None:
    restaurant = bundle_named("开餐馆")
    assert len(restaurant["items"]) >= 4
    assert len({by_code()[code]["department_code"] for code in restaurant["items"]}) >= 4


@pytest.mark.parametrize("bundle", bundles(), ids=lambda bundle: bundle["code"])
def test_every_item_of_a_bundle_serves_its_applicant(bundle: dict[str, Any]) -> None:
    kind = ApplicantKind(bundle["applicant_kind"])
    assert bundle["name"] and bundle["description"]
    for code in bundle["items"]:
        assert kind in by_code()[code]["service_objects"], (bundle["code"], code)


@pytest.mark.parametrize("bundle", bundles(), ids=lambda bundle: bundle["code"])
def test_a_bundle_asks_each_question_once(bundle: dict[str, Any]) -> None:
    """一张表单: the merged form is smaller than the items' forms side by side."""
    asked = [field for code in bundle["items"] for field in by_code()[code]["form_fields"]]
    assert len(set(asked)) < len(asked), bundle["code"]


def test_the_restaurant_form_is_much_smaller_than_the_sum_of_its_items() -> None:
    restaurant = bundle_named("开餐馆")
    asked = [field for code in restaurant["items"] for field in by_code()[code]["form_fields"]]
    merged = list(dict.fromkeys(asked))
    assert len(merged) < len(asked)
    for shared in ("business_name", "business_address", "contact_phone"):
        assert asked.count(shared) >= 4, shared


@pytest.mark.parametrize("bundle", bundles(), ids=lambda bundle: bundle["code"])
def test_a_bundle_shares_one_set_of_materials(bundle: dict[str, Any]) -> None:
    """一套材料: at least one material type serves two or more items of the bundle."""
    types = Counter(m["type_code"] for code in bundle["items"] for m in by_code()[code]["materials"])
    assert max(types.values()) >= 2, bundle["code"]


@pytest.mark.parametrize("bundle", bundles(), ids=lambda bundle: bundle["code"])
def test_an_item_waits_for_the_bundle_item_whose_licence_it_needs(bundle: dict[str, Any]) -> None:
    """When one item of a bundle yields a licence another asks for (the 营业执照 …), the second depends on
    the first, directly or through another item, so 免证办 can use the freshly issued e-licence."""
    yields = {
        by_code()[code]["result_licence_type_code"]: code
        for code in bundle["items"]
        if "result_licence_type_code" in by_code()[code]
    }
    for code in bundle["items"]:
        for material in by_code()[code]["materials"]:
            producer = yields.get(material.get("e_licence_type_code"))
            if producer is not None and producer != code:
                assert producer in dependencies_closure(code), (bundle["code"], code, producer)


# --- 秒批 -----------------------------------------------------------------------------------------


def test_instant_items_ask_only_machine_checkable_questions() -> None:
    data = catalogue()
    instant = [item for item in items() if "instant_rule_set" in item]
    assert instant
    for item in instant:
        kinds = {field: data["fields"][field]["type"] for field in item["form_fields"]}
        assert set(kinds.values()) <= MACHINE_CHECKABLE, (item["code"], kinds)
        rule = data["rule_sets"][item["instant_rule_set"]]
        assert set(rule["inputs"]) <= set(item["form_fields"]), item["code"]
        assert rule["checks"], item["code"]
        assert not item["commitment_based"] and not item["accept_with_missing"], item["code"]


def test_the_old_age_allowance_is_decided_in_a_second() -> None:
    (allowance,) = [item for item in items() if item["name"] == "高龄津贴申领"]
    assert allowance["instant_rule_set"] == "RS-GLJT-1"
    assert allowance["item_type"] == ItemType.ADMINISTRATIVE_PAYMENT
