"""The 好差评 aggregates, pure: one rating per stage, bad ratings open rectifications with working-day
deadlines, answers on time or late, one follow-up, default ratings, appeals and complaints."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from onewindow_chassis.problems import DomainError
from onewindow_chassis.workdays import builtin_calendar
from onewindow_contracts.evaluation import (
    AppealDecided, AppealOutcome, ComplaintFiled, ComplaintSource, Disposition, EvaluationChannel, EvaluationFiled,
    EvaluationStage, EvaluationTarget, RatingLevel, RectificationAnswered, RectificationCause, RectificationOpened,
    ServiceAspect,
)
from onewindow_contracts.values import Actor, ActorRole, ItemRef
from onewindow_evaluation.domain.ratings import CaseRatings, Complaint, Deadlines

CALENDAR = builtin_calendar()
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
ITEM = ItemRef(item_code="330100-SCJGJ-XK-001", item_version=1)
CENTRE = "330100-ZWFWZX"
TARGET = EvaluationTarget(department_code=CENTRE, window_ref="W07", staff_ref="clerk-window-0107")
ZHOU = Actor(role=ActorRole.APPLICANT, ref="app-zhoujie-0001")
SUPERVISOR = Actor(role=ActorRole.SUPERVISOR, ref="supervisor-0001")
CENTRE_REVIEWER = Actor(role=ActorRole.DEPARTMENT_REVIEWER, ref="reviewer-zwfw-01", department_code=CENTRE)


def _applied(ratings: CaseRatings, events: list) -> list:
    for event in events:
        ratings.apply(event)
    return events


def _rate(ratings: CaseRatings, level: RatingLevel, stage: EvaluationStage = EvaluationStage.ACCEPTANCE,
          **more: object) -> list:
    args = dict(evaluation_id=f"evl_{len(ratings.evaluations)}", stage=stage, item=ITEM, level=level,
                aspects=(ServiceAspect.ATTITUDE,) if level.bad else (), channel=EvaluationChannel.WINDOW,
                target=TARGET, evaluator=ZHOU, now=MONDAY, new_rectification_id=f"rf_{len(ratings.rectifications)}",
                deadlines=Deadlines(), calendar=CALENDAR)
    args.update(more)
    return _applied(ratings, ratings.rate(**args))  # type: ignore[arg-type]


def test_rating_levels_and_bad_ones() -> None:
    assert [level.stars for level in RatingLevel] == [5, 4, 3, 2, 1]
    assert [level.zh for level in RatingLevel if level.bad] == ["不满意", "非常不满意"]


def test_a_good_rating_opens_nothing_and_a_stage_is_rated_once() -> None:
    ratings = CaseRatings("330100-20260302-0001")
    (filed,) = _rate(ratings, RatingLevel.SATISFIED)
    assert isinstance(filed, EvaluationFiled) and not filed.defaulted and filed.channel is EvaluationChannel.WINDOW
    with pytest.raises(DomainError) as refused:
        _rate(ratings, RatingLevel.DISSATISFIED)
    assert refused.value.code == "already_rated"
    assert len(_rate(ratings, RatingLevel.VERY_SATISFIED, EvaluationStage.APPROVAL)) == 1  # another stage


def test_a_bad_rating_opens_a_rectification_in_working_days() -> None:
    ratings = CaseRatings("330100-20260302-0001")
    filed, opened = _rate(ratings, RatingLevel.DISSATISFIED)
    assert isinstance(opened, RectificationOpened) and opened.cause is RectificationCause.BAD_RATING
    assert (opened.evaluation_id, opened.department_code, opened.window_ref) == (filed.evaluation_id, CENTRE, "W07")
    assert (opened.verify_due_on, opened.rectify_due_on) == (date(2026, 3, 3), date(2026, 3, 23))


def test_deadlines_are_per_jurisdiction_and_skip_rest_days() -> None:
    friday = datetime(2026, 3, 6, 17, 0, tzinfo=timezone(timedelta(hours=8)))
    assert Deadlines(1, 10).due(CALENDAR, friday) == (date(2026, 3, 9), date(2026, 3, 20))
    with pytest.raises(ValueError):
        Deadlines(5, 2)


def test_answer_on_time_or_late_then_one_follow_up() -> None:
    ratings = CaseRatings("330100-20260302-0001")
    _rate(ratings, RatingLevel.VERY_DISSATISFIED)
    follow_up = dict(stage=EvaluationStage.FOLLOW_UP, rectification_id="rf_0", item=None)
    with pytest.raises(DomainError, match="not_answered_yet"):
        _rate(ratings, RatingLevel.SATISFIED, **follow_up)
    market = Actor(role=ActorRole.DEPARTMENT_REVIEWER, ref="reviewer-scjgj-07", department_code="330100-SCJGJ")
    with pytest.raises(DomainError, match="not_this_department"):
        ratings.answer("rf_0", Disposition.IMMEDIATE_FIX, "已整改", market, MONDAY)
    late = MONDAY + timedelta(days=30)
    (answered,) = ratings.answer("rf_0", Disposition.SCHEDULED_FIX, "已建立台账限期整改", CENTRE_REVIEWER, late)
    assert isinstance(answered, RectificationAnswered) and answered.on_time is False
    on_time = ratings.answer("rf_0", Disposition.EXPLAINED, "已解释", SUPERVISOR, MONDAY + timedelta(days=1))
    assert on_time[0].on_time is True
    _applied(ratings, on_time)
    with pytest.raises(DomainError, match="already_answered"):
        ratings.answer("rf_0", Disposition.EXPLAINED, "已解释", SUPERVISOR, MONDAY)
    (again,) = _rate(ratings, RatingLevel.DISSATISFIED, **follow_up)  # a bad follow-up opens nothing more
    assert again.item == ITEM and again.rectification_id == "rf_0"
    with pytest.raises(DomainError, match="already_rated"):
        _rate(ratings, RatingLevel.SATISFIED, **follow_up)


def test_default_rating_is_the_platforms_and_only_when_unrated() -> None:
    ratings = CaseRatings("330100-20260302-0001")
    (default,) = ratings.default(evaluation_id="evl_d", stage=EvaluationStage.DELIVERY, item=ITEM,
                                 level=RatingLevel.VERY_SATISFIED, target=TARGET, now=MONDAY)
    assert default.defaulted and default.channel is None and default.evaluator.role is ActorRole.PLATFORM
    _rate(ratings, RatingLevel.SATISFIED)
    assert ratings.default(evaluation_id="evl_e", stage=EvaluationStage.ACCEPTANCE, item=ITEM,
                           level=RatingLevel.VERY_SATISFIED, target=TARGET, now=MONDAY) == []


def test_appeals_are_of_bad_ratings_decided_once_by_a_supervisor() -> None:
    ratings = CaseRatings("330100-20260302-0001")
    good = _rate(ratings, RatingLevel.SATISFIED)[0].evaluation_id
    bad = _rate(ratings, RatingLevel.DISSATISFIED, EvaluationStage.APPROVAL)[0].evaluation_id
    decide = dict(appeal_id="apl_1", outcome=AppealOutcome.UPHELD, reason="属误评", now=MONDAY)
    with pytest.raises(DomainError, match="supervisor_only"):
        ratings.decide_appeal(evaluation_id=bad, actor=CENTRE_REVIEWER, **decide)  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="not_a_bad_rating"):
        ratings.decide_appeal(evaluation_id=good, actor=SUPERVISOR, **decide)  # type: ignore[arg-type]
    decided = _applied(ratings, ratings.decide_appeal(evaluation_id=bad, actor=SUPERVISOR, **decide))  # type: ignore[arg-type]
    assert isinstance(decided[0], AppealDecided)
    with pytest.raises(DomainError, match="already_decided"):
        ratings.decide_appeal(evaluation_id=bad, actor=SUPERVISOR, **decide)  # type: ignore[arg-type]


def test_a_complaint_opens_a_rectification_keyed_by_its_case_or_itself() -> None:
    complaint = Complaint("cp_0001")
    filed, opened = complaint.file(
        source=ComplaintSource.HOTLINE_12345, work_order_no="12345-2026-0001", complainant_ref=None, case_id=None,
        item=None, department_code="330100-SCJGJ", window_ref=None, aspects=(ServiceAspect.ATTITUDE,),
        rectification_id="rf_c", deadlines=Deadlines(), calendar=CALENDAR, now=MONDAY)
    assert isinstance(filed, ComplaintFiled) and filed.subject == "cp_0001"
    assert opened.cause is RectificationCause.COMPLAINT and opened.subject == "cp_0001"
    for event in (filed, opened):
        complaint.apply(event)
    (answered,) = complaint.answer("rf_c", Disposition.EXPLAINED, "已回访解释", SUPERVISOR, MONDAY)
    assert answered.complaint_id == "cp_0001" and answered.on_time
