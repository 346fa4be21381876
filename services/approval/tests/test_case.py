"""The approval case's rules, without I/O: parallel items, dependencies, 办结, departments, clocks."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from onewindow_approval.domain.case import ApprovalCase, ItemStatus
from onewindow_chassis.problems import DomainError
from onewindow_chassis.workdays import builtin_calendar
from onewindow_contracts.approval import CaseConcluded, CaseOutcome, ItemTerminated, SuspensionReason, TerminationReason
from onewindow_contracts.catalogue import CatalogueItemVersionPublished
from onewindow_contracts.intake import AcceptedItem, ApplicationAccepted
from onewindow_contracts.values import Actor, ActorRole, ApplicantKind

SHANGHAI = timezone(timedelta(hours=8))
ACCEPTED_AT = datetime(2026, 3, 2, 0, 30, tzinfo=SHANGHAI)  # Monday, 00:30 in Shanghai
CALENDAR = builtin_calendar()
REG, FOOD, SIGN = "REG-1", "FOOD-1", "SIGN-1"


def record(code: str, department: str, days: int, depends_on: tuple[str, ...] = ()) -> CatalogueItemVersionPublished:
    return CatalogueItemVersionPublished(
        item_code=code, item_version=1, name=f"事项{code}", item_type="administrative_licence",
        exercise_level="city", region_code="330100", department_code=department,
        legal_basis=("《中华人民共和国行政许可法》第二十九条",), service_objects=(ApplicantKind.ENTERPRISE,),
        statutory_days=20, committed_days=days, fully_online=True, commitment_based=False, accept_with_missing=False,
        depends_on=depends_on, effective_from=date(2026, 1, 1), published_at=ACCEPTED_AT)


RECORDS = {REG: record(REG, "SCJG", 1), FOOD: record(FOOD, "SCJG", 5, (REG,)), SIGN: record(SIGN, "CGJ", 5, (REG,))}


def reviewer(department: str) -> Actor:
    return Actor(role=ActorRole.DEPARTMENT_REVIEWER, ref=f"reviewer-{department.lower()}", department_code=department)


def opened() -> ApprovalCase:
    accepted = ApplicationAccepted(case_id="C-1", accepted_by=Actor(role=ActorRole.WINDOW_CLERK, ref="clerk-00001"),
                                   accepted_at=ACCEPTED_AT, notice_no="SL-1",
                                   items=tuple(AcceptedItem(item_code=c, item_version=1) for c in RECORDS))
    case = ApprovalCase("C-1")
    for event in ApprovalCase.open(accepted, RECORDS, CALENDAR):
        case.apply(event)
    return case


def decide(case: ApprovalCase, events: list) -> list:
    for event in events:
        case.apply(event)
    return events


def test_items_open_in_parallel_and_wait_only_for_what_they_depend_on() -> None:
    case = opened()
    assert {c: i.status for c, i in case.items.items()} == {
        REG: ItemStatus.IN_REVIEW, FOOD: ItemStatus.WAITING, SIGN: ItemStatus.WAITING}
    assert case.items[REG].clock.due(CALENDAR).day == date(2026, 3, 3)  # accepted Monday 00:30: 1 day → Tuesday
    with pytest.raises(DomainError) as caught:
        case.approve(FOOD, reviewer("SCJG"), ACCEPTED_AT)
    assert caught.value.code == "item_waiting"
    decide(case, case.approve(REG, reviewer("SCJG"), ACCEPTED_AT))
    assert case.items[FOOD].status is ItemStatus.IN_REVIEW and case.items[SIGN].status is ItemStatus.IN_REVIEW


def test_only_the_items_own_department_decides() -> None:
    case = opened()
    with pytest.raises(DomainError) as caught:
        case.approve(REG, reviewer("CGJ"), ACCEPTED_AT)
    assert caught.value.code == "not_this_department"
    clerk = Actor(role=ActorRole.WINDOW_CLERK, ref="clerk-00001")
    with pytest.raises(DomainError):
        case.reject(REG, clerk, ACCEPTED_AT, "不符合", "《行政许可法》第三十八条")


def test_a_refused_prerequisite_ends_its_dependants_and_concludes_the_case() -> None:
    case = opened()
    events = decide(case, case.reject(REG, reviewer("SCJG"), ACCEPTED_AT, "名称不符合规定", "《市场主体登记管理条例》第十条"))
    ended = [e for e in events if isinstance(e, ItemTerminated)]
    assert {e.item.item_code for e in ended} == {FOOD, SIGN} and all(e.reason is TerminationReason.OTHER for e in ended)
    assert isinstance(events[-1], CaseConcluded) and events[-1].outcome is CaseOutcome.REJECTED
    assert case.concluded


def test_the_case_concludes_when_its_last_item_ends_with_the_outcome_of_its_items() -> None:
    case = opened()
    decide(case, case.approve(REG, reviewer("SCJG"), ACCEPTED_AT))
    decide(case, case.approve(FOOD, reviewer("SCJG"), ACCEPTED_AT))
    events = decide(case, case.reject(SIGN, reviewer("CGJ"), ACCEPTED_AT, "招牌超出规划尺寸", "《城市市容和环境卫生管理条例》第十一条"))
    assert events[-1].outcome is CaseOutcome.PARTLY_APPROVED


def test_a_suspension_moves_the_deadline_by_exactly_the_paused_working_days() -> None:
    case = opened()
    decide(case, case.approve(REG, reviewer("SCJG"), ACCEPTED_AT))
    before = case.items[FOOD].clock.due(CALENDAR).day
    monday_after = datetime(2026, 3, 9, 10, tzinfo=SHANGHAI)
    decide(case, case.suspend(FOOD, reviewer("SCJG"), ACCEPTED_AT + timedelta(days=1), SuspensionReason.EXPERT_REVIEW,
                              "组织专家评审", (), pause_on_correction=True))
    with pytest.raises(DomainError):
        case.approve(FOOD, reviewer("SCJG"), monday_after)
    resumed = decide(case, case.resume(FOOD, reviewer("SCJG"), monday_after, CALENDAR, "专家评审通过"))[0]
    assert resumed.paused_working_days == 5  # Tuesday 3 to Monday 9 March
    assert resumed.due_on == CALENDAR.add_working_days(before, 5).day


def test_an_extension_needs_a_reason_and_respects_the_statutory_cap() -> None:
    case = opened()
    extended = decide(case, case.extend(REG, reviewer("SCJG"), ACCEPTED_AT, 3, "需现场核查", CALENDAR))[0]
    assert extended.due_on == CALENDAR.add_working_days(date(2026, 3, 3), 3).day
    with pytest.raises(DomainError):
        case.extend(REG, reviewer("SCJG"), ACCEPTED_AT, 8, "再次延期", CALENDAR)


def test_withdrawal_terminates_every_open_item_as_not_completed() -> None:
    case = opened()
    platform = Actor(role=ActorRole.PLATFORM, ref="platform-approval")
    events = decide(case, case.terminate(TerminationReason.WITHDRAWN, platform, ACCEPTED_AT, "申请人撤回"))
    assert events[-1].outcome is CaseOutcome.NOT_COMPLETED and len(events) == 4
    with pytest.raises(DomainError):
        case.approve(REG, reviewer("SCJG"), ACCEPTED_AT)
