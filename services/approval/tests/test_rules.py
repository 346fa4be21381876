"""秒批 rule sets as data: the demo items' rules, the engine, and adding a rule without touching code."""
from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import time
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, get_args

import pytest

from onewindow_approval.domain.rules import (
    FUNCTIONS,
    PACKAGED,
    SCHEMA_FILE,
    RuleBook,
    RuleSetInvalid,
    RuleSetNotFound,
    json_schema,
)
from onewindow_approval.domain.rules.language import Call
from onewindow_contracts.approval import ApprovalMode, ItemApproved, RuleDecision
from onewindow_contracts.values import Actor, ActorRole, ItemRef

DECIDED = date(2026, 3, 2)


def citizen_id(region: str, born: date, sequence: str = "042") -> str:
    """A GB 11643 number with a correct check character (ISO 7064 MOD 11-2), computed independently of
    the code under test."""
    body = f"{region}{born:%Y%m%d}{sequence}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def with_wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


MOTHER = citizen_id("330106", date(1944, 1, 15), "022")  # Li Qiang's mother, 82


def elder_form(id_number: str = MOTHER, relation: str = "子女") -> dict[str, Any]:
    return {"elder_id_number": id_number, "relation_to_elder": relation, "contact_phone": "13800000000"}


def elder_facts(**changes: Any) -> dict[str, Any]:
    facts = {
        "household_region": "330106",
        "household_status": "normal",
        "already_receiving": False,
        "sscard_account_active": True,
        "relation_verified": True,
    }
    return {**facts, **changes}


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return RuleBook()


def failed(evaluation: Any) -> list[str]:
    return [check.condition for check in evaluation.failed]


# --- 高龄津贴 (journey 2) --------------------------------------------------------------------------------


def test_li_qiangs_mother_is_approved_by_every_check(book: RuleBook) -> None:
    evaluation = book.evaluate("RS-GLJT-1", elder_form(), elder_facts(), DECIDED)

    assert evaluation.approved
    assert (evaluation.rule_set, evaluation.version) == ("RS-GLJT-1", 1)
    assert [check.condition for check in evaluation.checks] == [
        "elder_id_valid",
        "age_at_least_80",
        "household_in_city",
        "not_already_receiving",
        "payment_account_active",
        "applicant_relation_verified",
    ]
    assert all(check.passed for check in evaluation.checks)
    assert "= 82 >= 80" in evaluation.checks[1].why
    # The hash is of canonical JSON of exactly what the conditions read (not the phone number), so anyone
    # holding the stored inputs can recompute it. Pinned too: the canonical form must not drift.
    read = {
        "decision_date": "2026-03-02",
        "facts": elder_facts(),
        "fields": {"elder_id_number": MOTHER, "relation_to_elder": "子女"},
    }
    canonical = json.dumps(read, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert evaluation.inputs_sha256 == hashlib.sha256(canonical).hexdigest()
    assert evaluation.inputs_sha256 == "383ee818d4296f240085dcafdb535777bb62cf361ac45cb057499a95448c30ae"
    # The reasons may be logged: an ID number is never spelled out in them.
    assert not any(MOTHER in check.why for check in evaluation.checks)


def test_a_79_year_old_is_not_approved_and_the_age_check_is_named(book: RuleBook) -> None:
    evaluation = book.evaluate("RS-GLJT-1", elder_form(citizen_id("330106", date(1946, 7, 1))), elder_facts(), DECIDED)

    assert not evaluation.approved
    assert failed(evaluation) == ["age_at_least_80"]
    assert "= 79 >= 80 is false" in evaluation.failed[0].why


def test_the_80th_birthday_counts_in_its_month(book: RuleBook) -> None:
    # 年满80周岁的当月: born 31 March 1946, she may apply from 1 March 2026 but not in February.
    form = elder_form(citizen_id("330106", date(1946, 3, 31)))
    assert book.evaluate("RS-GLJT-1", form, elder_facts(), date(2026, 3, 1)).approved
    assert failed(book.evaluate("RS-GLJT-1", form, elder_facts(), date(2026, 2, 28))) == ["age_at_least_80"]


def test_an_invalid_check_digit_fails_the_id_and_age_checks_cleanly(book: RuleBook) -> None:
    evaluation = book.evaluate("RS-GLJT-1", elder_form(with_wrong_check_digit(MOTHER)), elder_facts(), DECIDED)

    assert failed(evaluation) == ["elder_id_valid", "age_at_least_80"]
    assert all("GB 11643 check digit" in check.why for check in evaluation.failed)


def test_a_missing_field_or_fact_fails_its_condition_with_the_reason(book: RuleBook) -> None:
    form = elder_form()
    del form["elder_id_number"]
    facts = elder_facts()
    del facts["already_receiving"]  # cannot tell whether she already receives it: not approved

    evaluation = book.evaluate("RS-GLJT-1", form, facts, DECIDED)

    assert failed(evaluation) == ["elder_id_valid", "age_at_least_80", "not_already_receiving"]
    assert evaluation.failed[0].why == "field elder_id_number is missing"
    assert evaluation.failed[1].why == "undecided: field elder_id_number is missing"
    assert evaluation.failed[2].why == "undecided: fact already_receiving is missing"
    # A blank answer is no answer.
    assert failed(book.evaluate("RS-GLJT-1", elder_form(relation=""), elder_facts(), DECIDED)) == [
        "applicant_relation_verified"
    ]


@pytest.mark.parametrize(
    ("facts", "failing"),
    [
        (elder_facts(already_receiving=True), "not_already_receiving"),
        (elder_facts(household_region="330206"), "household_in_city"),  # 宁波
        (elder_facts(household_status="cancelled"), "household_in_city"),
        (elder_facts(relation_verified=False), "applicant_relation_verified"),
        (elder_facts(already_receiving=0), "not_already_receiving"),  # 0 is not false
        (elder_facts(sscard_account_active="yes"), "payment_account_active"),
    ],
)
def test_each_fact_can_stop_the_approval(book: RuleBook, facts: dict[str, Any], failing: str) -> None:
    assert failed(book.evaluate("RS-GLJT-1", elder_form(), facts, DECIDED)) == [failing]


def test_residence_is_the_household_fact_not_the_id_numbers_region(book: RuleBook) -> None:
    # Born in 河南 and moved her 户口 to 杭州 long ago: her number still begins 4101.
    form = elder_form(citizen_id("410102", date(1944, 1, 15)))
    assert book.evaluate("RS-GLJT-1", form, elder_facts(), DECIDED).approved


# --- 新生儿医保参保 ----------------------------------------------------------------------------------------


def newborn(born: date = date(2026, 2, 1)) -> tuple[dict[str, Any], dict[str, Any]]:
    form = {
        "mother_id_number": citizen_id("330106", date(1994, 9, 17), "128"),
        "newborn_birth_date": born.isoformat(),
        "newborn_gender": "女",
        "contact_phone": "13800000000",
    }
    facts = {
        "newborn_id_number": citizen_id("330106", born, "062"),
        "birth_certificate_matches": True,
        "insured_elsewhere": False,
    }
    return form, facts


def test_a_newborn_registered_in_the_city_within_90_days_is_insured_at_once(book: RuleBook) -> None:
    form, facts = newborn()
    evaluation = book.evaluate("RS-XSECB-1", form, facts, DECIDED)
    assert evaluation.approved, evaluation.failed


BORN_ELSEWHERE = citizen_id("320106", date(2026, 2, 1))  # registered in 南京


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"newborn_birth_date": "2025-11-01"}, ["newborn_registered", "within_90_days_of_birth"]),
        ({"newborn_birth_date": "2026-02-30"}, ["newborn_registered", "within_90_days_of_birth"]),
        ({"mother_id_number": "330106199409171281"}, ["mother_id_valid"]),
        ({"newborn_id_number": BORN_ELSEWHERE}, ["household_in_city"]),
        ({"newborn_id_number": None}, ["newborn_registered", "household_in_city"]),
        ({"insured_elsewhere": True}, ["not_insured_elsewhere"]),
    ],
)
def test_a_newborn_outside_the_conditions_goes_to_review(
    book: RuleBook, change: dict[str, Any], failing: list[str]
) -> None:
    form, facts = newborn()
    for name, value in change.items():
        (form if name in form else facts)[name] = value
    assert failed(book.evaluate("RS-XSECB-1", form, facts, DECIDED)) == failing


def test_the_90_days_are_counted_from_the_birth_date(book: RuleBook) -> None:
    form, facts = newborn(born=date(2025, 12, 2))  # 90 days before 2 March 2026
    assert book.evaluate("RS-XSECB-1", form, facts, DECIDED).approved
    form, facts = newborn(born=date(2025, 12, 1))
    assert failed(book.evaluate("RS-XSECB-1", form, facts, DECIDED)) == ["within_90_days_of_birth"]


# --- 从业资格证换证 (a 秒批 item that yields a licence) -------------------------------------------------------

DRIVER = citizen_id("330102", date(1975, 6, 1), "031")  # 50 on the decision date


def driver(**changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    form = {"applicant_id_number": DRIVER, "qualification_category": "经营性道路旅客运输驾驶员",
            "contact_phone": "13800000000"}
    facts = {"qualification_category_on_record": "经营性道路旅客运输驾驶员", "qualification_status": "valid",
             "driving_licence_valid": True, "major_accident_within_3_years": False, "unsettled_violations": False}
    for name, value in changes.items():
        (form if name in form else facts)[name] = value
    return form, facts


def test_a_driver_in_good_standing_renews_at_once(book: RuleBook) -> None:
    evaluation = book.evaluate("RS-CYZGHZ-1", *driver(), DECIDED)
    assert evaluation.approved, evaluation.failed
    expired_lately = book.evaluate("RS-CYZGHZ-1", *driver(qualification_status="expired"), DECIDED)
    assert expired_lately.approved  # within 180 days of expiry the certificate is not yet cancelled


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"applicant_id_number": citizen_id("330102", date(1965, 3, 1))}, ["age_not_over_60"]),  # 61
        ({"applicant_id_number": with_wrong_check_digit(DRIVER)}, ["holder_id_valid", "age_not_over_60"]),
        ({"qualification_status": "cancelled"}, ["qualification_on_record"]),
        ({"qualification_category_on_record": "道路货物运输驾驶员"}, ["qualification_on_record"]),
        ({"driving_licence_valid": False}, ["driving_licence_valid"]),
        ({"major_accident_within_3_years": True}, ["no_major_accident_if_passenger"]),
        ({"unsettled_violations": True}, ["no_unsettled_violation"]),
        ({"unsettled_violations": None}, ["no_unsettled_violation"]),  # a registry that did not answer
    ],
)
def test_a_driver_outside_the_conditions_goes_to_review(
    book: RuleBook, changes: dict[str, Any], failing: list[str]
) -> None:
    assert failed(book.evaluate("RS-CYZGHZ-1", *driver(**changes), DECIDED)) == failing


def test_the_accident_record_is_asked_of_passenger_drivers_only(book: RuleBook) -> None:
    freight = {"qualification_category": "道路货物运输驾驶员", "qualification_category_on_record": "道路货物运输驾驶员",
               "major_accident_within_3_years": True}
    assert book.evaluate("RS-CYZGHZ-1", *driver(**freight), DECIDED).approved


def test_sixty_is_not_over_sixty(book: RuleBook) -> None:
    sixty = citizen_id("330102", date(1965, 6, 1))  # 60 on 2 March 2026, 61 on 1 June 2026
    assert book.evaluate("RS-CYZGHZ-1", *driver(applicant_id_number=sixty), DECIDED).approved
    assert not book.evaluate("RS-CYZGHZ-1", *driver(applicant_id_number=sixty), date(2026, 6, 1)).approved


def test_the_rule_sets_match_the_demo_catalogue(book: RuleBook) -> None:
    """Every 秒批 item of the catalogue has a rule set that names it and reads only its form fields."""
    spec = importlib.util.find_spec("onewindow_intake")
    assert spec is not None and spec.origin is not None, "the workspace installs intake: its catalogue is the reference"
    catalogue = tomllib.loads((Path(spec.origin).parent / "demo" / "catalogue.toml").read_text(encoding="utf-8"))
    instant = {item["code"]: item for item in catalogue["items"] if "instant_rule_set" in item}
    assert {item["instant_rule_set"] for item in instant.values()} == set(book.codes())
    for code, item in instant.items():
        rule_set = book.select(item["instant_rule_set"], item["effective_from"])
        assert code in rule_set.item_codes
        assert rule_set.effective_from <= item["effective_from"]
        read = _fields_read(rule_set.model_dump(by_alias=True))
        assert read <= set(item["form_fields"]), code
        assert read <= set(catalogue["rule_sets"][rule_set.rule_set]["inputs"]), code


def _fields_read(node: Any) -> set[str]:
    if isinstance(node, dict):
        return {node["field"]} if "field" in node else set().union(*map(_fields_read, node.values()))
    if isinstance(node, list | tuple):
        return set().union(*map(_fields_read, node))
    return set()


# --- a new rule, with no code ---------------------------------------------------------------------------

ONE_CHILD: dict[str, Any] = {
    "rule_set": "RS-DSZN-1",
    "version": 1,
    "item_codes": ["330100-WJW-JF-009"],
    "effective_from": "2026-01-01",
    "description": "独生子女父母奖励（演示）：年满60周岁、持独生子女父母光荣证且证号格式正确、未在他处领取",
    "conditions": [
        {
            "id": "parent_at_least_60",
            "description_zh": "申请人年满60周岁",
            "check": {
                "op": ">=",
                "left": {"fn": "age_on", "args": [{"field": "parent_id_number"}, {"decision_date": True}]},
                "right": 60,
            },
        },
        {
            "id": "certificate_on_record",
            "description_zh": "卫健系统核验：持有《独生子女父母光荣证》，且证号格式正确",
            "check": {
                "op": "and",
                "args": [
                    {"op": "==", "left": {"fact": "one_child_certificate_on_record"}, "right": True},
                    {"op": "matches", "left": {"field": "certificate_number"}, "pattern": "浙[0-9]{6}[A-Z]?"},
                ],
            },
        },
        {
            "id": "not_rewarded_elsewhere",
            "description_zh": "未在其他地区领取同类奖励",
            "check": {"op": "not", "arg": {"op": "==", "left": {"fact": "rewarded_elsewhere"}, "right": True}},
        },
    ],
}


def test_a_test_adds_a_rule_set_without_touching_code(tmp_path: Path) -> None:
    (tmp_path / "RS-DSZN-1.v1.json").write_text(json.dumps(ONE_CHILD, ensure_ascii=False), encoding="utf-8")
    book = RuleBook(directories=[tmp_path])
    assert "RS-DSZN-1" in book.codes() and "RS-GLJT-1" in book.codes()
    form = {"parent_id_number": citizen_id("330108", date(1962, 4, 1)), "certificate_number": "浙012345A"}
    facts = {"one_child_certificate_on_record": True, "rewarded_elsewhere": False}

    assert book.evaluate("RS-DSZN-1", form, facts, DECIDED).approved
    young = {**form, "parent_id_number": citizen_id("330108", date(1967, 4, 1))}
    assert failed(book.evaluate("RS-DSZN-1", young, facts, DECIDED)) == ["parent_at_least_60"]
    # `not` of an undecided condition stays undecided: a missing fact never passes by negation.
    evaluation = book.evaluate("RS-DSZN-1", form, {"one_child_certificate_on_record": True}, DECIDED)
    assert failed(evaluation) == ["not_rewarded_elsewhere"]
    assert evaluation.failed[0].why == "undecided: fact rewarded_elsewhere is missing"


def test_only_the_packaged_rule_sets_or_only_the_given_ones() -> None:
    assert RuleBook([ONE_CHILD], packaged=False).codes() == ("RS-DSZN-1",)


# --- versions --------------------------------------------------------------------------------------------


def test_the_version_in_force_on_the_decision_date_decides() -> None:
    second = copy.deepcopy(ONE_CHILD)
    second.update(version=2, effective_from="2027-01-01")
    second["conditions"][0]["check"]["right"] = 55  # the threshold was lowered
    book = RuleBook([second, ONE_CHILD], packaged=False)  # in any order
    form = {"parent_id_number": citizen_id("330108", date(1969, 6, 1)), "certificate_number": "浙012345"}
    facts = {"one_child_certificate_on_record": True, "rewarded_elsewhere": False}

    in_2026 = book.evaluate("RS-DSZN-1", form, facts, date(2026, 12, 31))
    in_2027 = book.evaluate("RS-DSZN-1", form, facts, date(2027, 1, 1))
    assert (in_2026.version, in_2026.approved) == (1, False)
    assert (in_2027.version, in_2027.approved) == (2, True)
    # A case keeps the version it was accepted under, even once superseded …
    assert book.evaluate("RS-DSZN-1", form, facts, date(2027, 1, 1), version=1).version == 1
    # … but cannot be decided under one not yet in force, nor before the first.
    with pytest.raises(RuleSetNotFound, match="no version 2 in force on 2026-12-31"):
        book.evaluate("RS-DSZN-1", form, facts, date(2026, 12, 31), version=2)
    with pytest.raises(RuleSetNotFound, match="no version of RS-DSZN-1 is in force on 2025-12-31"):
        book.evaluate("RS-DSZN-1", form, facts, date(2025, 12, 31))
    with pytest.raises(RuleSetNotFound, match="no rule set RS-NOPE-1"):
        book.evaluate("RS-NOPE-1", form, facts, DECIDED)


def test_versions_must_be_unique_and_take_effect_in_order() -> None:
    with pytest.raises(RuleSetInvalid, match="RS-DSZN-1 version 1 is already loaded"):
        RuleBook([ONE_CHILD, ONE_CHILD], packaged=False)
    earlier = {**ONE_CHILD, "version": 2, "effective_from": "2025-06-01"}
    with pytest.raises(RuleSetInvalid, match="must take effect in version order"):
        RuleBook([ONE_CHILD, earlier], packaged=False)


# --- malformed rule sets are refused at load ---------------------------------------------------------------


def _with_check(check: Any) -> dict[str, Any]:
    document = copy.deepcopy(ONE_CHILD)
    document["conditions"][0]["check"] = check
    return document


AGE = {"fn": "age_on", "args": [{"field": "parent_id_number"}, {"decision_date": True}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_with_check({"op": "xor", "args": []}), "does not match any of the expected tags"),
        (_with_check({"op": ">=", "left": {"fn": "eval", "args": ["1+1"]}, "right": 2}), "Input should be 'age_on'"),
        (_with_check({"op": ">=", "left": {"fn": "age_on", "args": [{"field": "x"}]}, "right": 60}),
         "age_on takes 2 arguments, not 1"),
        (_with_check({"op": "matches", "left": {"field": "x"}, "pattern": "a" * 101}), "at most 100 characters"),
        (_with_check({"op": "matches", "left": {"field": "x"}, "pattern": "(a+)+b"}), "one character or character"),
        (_with_check({"op": "matches", "left": {"field": "x"}, "pattern": "(a)\\1"}), "no backreferences"),
        (_with_check({"op": "matches", "left": {"field": "x"}, "pattern": ".*.*.*x"}), "too many choices"),
        (_with_check({"op": "matches", "left": {"field": "x"}, "pattern": "[a-"}), "not a regular expression"),
        (_with_check({"op": "==", "left": {"field": "x", "fact": "y"}, "right": 1}), "Extra inputs are not permitted"),
        (_with_check({"op": "==", "left": {"python": "__import__('os')"}, "right": 1}), 'an operand is {"field"'),
        (_with_check({"op": "in", "left": AGE, "right": [60, "60"]}), "values of one kind only"),
        (_with_check({"op": "==", "left": {"field": "Bad-Name"}, "right": 1}), "should match pattern"),
        (_with_check({"op": "==", "left": AGE}), "right: Field required"),
        ({**ONE_CHILD, "conditions": [ONE_CHILD["conditions"][0]] * 2}, "condition ids repeat"),
        ({**ONE_CHILD, "rule_set": "RS DSZN"}, "rule_set: String should match pattern"),
        ({**ONE_CHILD, "conditions": []}, "conditions: Tuple should have at least 1 item"),
        ({**ONE_CHILD, "surprise": 1}, "surprise: Extra inputs are not permitted"),
    ],
)
def test_a_malformed_rule_set_is_refused_at_load_with_a_clear_error(document: dict[str, Any], message: str) -> None:
    RuleBook([ONE_CHILD], packaged=False)  # the control: the document these are variations of loads
    with pytest.raises(RuleSetInvalid, match="not a valid rule set") as refused:
        RuleBook([document], packaged=False)
    assert message in str(refused.value)


def test_nesting_is_bounded() -> None:
    check: dict[str, Any] = {"op": "present", "arg": {"field": "x"}}
    for _ in range(12):
        check = {"op": "not", "arg": check}
    with pytest.raises(RuleSetInvalid, match="nests deeper than 12"):
        RuleBook([_with_check(check)], packaged=False)


def test_the_function_whitelist_is_what_documents_may_name() -> None:
    assert set(get_args(Call.model_fields["fn"].annotation)) == set(FUNCTIONS)


def test_a_long_text_is_not_matched_against_a_pattern() -> None:
    form = {"parent_id_number": citizen_id("330108", date(1962, 4, 1)), "certificate_number": "浙" * 257}
    facts = {"one_child_certificate_on_record": True, "rewarded_elsewhere": False}
    evaluation = RuleBook([ONE_CHILD], packaged=False).evaluate("RS-DSZN-1", form, facts, DECIDED)
    assert failed(evaluation) == ["certificate_on_record"]
    assert "not text of at most 256 characters" in evaluation.failed[0].why


def test_a_bad_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(RuleSetInvalid, match="^broken.json: not a valid rule set: .*Invalid JSON"):
        RuleBook(directories=[tmp_path], packaged=False)


# --- the decision, its contract, its hash ------------------------------------------------------------------


def test_the_evaluation_becomes_the_contracts_rule_decision(book: RuleBook) -> None:
    approved = book.evaluate("RS-GLJT-1", elder_form(), elder_facts(), DECIDED).as_contract()
    assert RuleDecision.model_validate_json(approved.model_dump_json()) == approved
    assert [check.condition for check in approved.checks][1] == "age_at_least_80"
    # It is what ItemApproved carries for 秒批, decided by the platform.
    event = ItemApproved(
        case_id="HZ-2026-000123",
        item=ItemRef(item_code="330100-MZJ-JF-001", item_version=1),
        department_code="330100-MZJ",
        mode=ApprovalMode.INSTANT,
        decided_by=Actor(role=ActorRole.PLATFORM, ref="platform-rules"),
        decided_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        rule_decision=approved,
    )
    assert event.rule_decision == approved

    # Not approved: the decision is still recorded, with the failed check, for the human reviewer.
    refused = book.evaluate("RS-GLJT-1", elder_form(), elder_facts(already_receiving=True), DECIDED).as_contract()
    assert [check.condition for check in refused.checks if not check.passed] == ["not_already_receiving"]


def test_the_checked_in_json_schema_is_up_to_date() -> None:
    checked_in = (Path(str(PACKAGED)) / SCHEMA_FILE).read_text(encoding="utf-8")
    assert checked_in == json_schema(), "regenerate: uv run --frozen python -m onewindow_approval.domain.rules"


def test_the_hash_covers_exactly_what_the_conditions_read(book: RuleBook) -> None:
    first = book.evaluate("RS-GLJT-1", elder_form(), elder_facts(), DECIDED)
    reordered_form = dict(reversed(list(elder_form().items())))
    reordered_facts = dict(sorted(elder_facts().items(), reverse=True))
    again = book.evaluate("RS-GLJT-1", reordered_form, reordered_facts, DECIDED)
    assert again == first  # deterministic: same inputs, same checks, same reasons, same hash

    more = {**elder_form(), "contact_phone": "13900000000"}, {**elder_facts(), "x": 1}
    unread = book.evaluate("RS-GLJT-1", *more, DECIDED)
    assert unread.inputs_sha256 == first.inputs_sha256  # the phone number is not read by any condition
    other_day = book.evaluate("RS-GLJT-1", elder_form(), elder_facts(), date(2026, 3, 3))
    assert other_day.inputs_sha256 != first.inputs_sha256  # the decision date is read (age_on)
    other_relation = book.evaluate("RS-GLJT-1", elder_form(relation="配偶"), elder_facts(), DECIDED)
    assert other_relation.inputs_sha256 != first.inputs_sha256


def test_evaluation_takes_microseconds(book: RuleBook) -> None:
    form, facts = elder_form(), elder_facts()
    book.evaluate("RS-GLJT-1", form, facts, DECIDED)
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        book.evaluate("RS-GLJT-1", form, facts, DECIDED)
    per_decision = (time.perf_counter() - started) / rounds
    assert per_decision < 0.002, f"{per_decision * 1e6:.0f} µs per decision"


def test_a_datetime_is_not_a_decision_date(book: RuleBook) -> None:
    with pytest.raises(TypeError, match="calendar date"):
        book.evaluate("RS-GLJT-1", elder_form(), elder_facts(), datetime(2026, 3, 2, 9, 0))
