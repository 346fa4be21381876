"""限时办结 on the real calendar: an item's clock from acceptance (that day not counted), across Spring
Festival 2026 and National Day 2025, stopped by 补正 (a local rule) and 特别程序 (always), extended within
the art. 42 cap, and the dashboard's left/state around the deadline's 24:00 Asia/Shanghai."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest

from onewindow_approval.domain.deadlines import (
    JOINT_EXTENSION_CAP,
    ClockState,
    Extension,
    ItemClock,
    Suspension,
)
from onewindow_chassis.clock import SHANGHAI
from onewindow_chassis.problems import DomainError
from onewindow_chassis.workdays import builtin_calendar, deadline_instant
from onewindow_contracts.approval import SuspensionReason

CAL = builtin_calendar()
D = date
CORRECTION = SuspensionReason.CORRECTION
EXPERT_REVIEW = SuspensionReason.EXPERT_REVIEW


def sh(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """An instant in Asia/Shanghai, handed over in UTC as the services store it."""
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(timezone.utc)


def clock(accepted: datetime, committed: int, statutory: int = 20, **kw) -> ItemClock:
    return ItemClock(accepted_at=accepted, statutory_days=statutory, committed_days=committed, **kw)


def errors(code: str):
    return pytest.raises(DomainError, match=f"^{code}:")


# -- deadlines on the calendar ----------------------------------------------------------------------


def test_accepted_monday_2_march_2026_with_5_committed_days_is_due_monday_9_march() -> None:
    c = clock(sh(2026, 3, 2), 5)
    due = c.due(CAL)
    assert due.day == D(2026, 3, 9) and not due.provisional and due.paused_working_days == 0
    assert due.ends_at == datetime(2026, 3, 10, 0, 0, tzinfo=SHANGHAI)  # 24:00 on 9 March
    assert c.statutory_due(CAL).day == D(2026, 3, 30)  # 20 working days


def test_accepted_before_spring_festival_2026() -> None:
    c = clock(sh(2026, 2, 12, 16, 30), 5)  # Thursday; 15–23 Feb off, Saturday 14 Feb worked
    assert c.due(CAL).day == D(2026, 2, 26)  # 13, Sat 14, 24, 25, 26: chinesecalendar's find_workday
    assert c.statutory_due(CAL).day == D(2026, 3, 18)
    assert c.elapsed(CAL, sh(2026, 2, 23)).days == 2  # nothing counted during the holiday
    assert c.left(CAL, sh(2026, 2, 20)) == 3


def test_accepted_before_national_day_2025() -> None:
    c = clock(sh(2025, 9, 30), 5)  # Tuesday; 1–8 Oct off, Saturday 11 Oct worked
    assert c.due(CAL).day == D(2025, 10, 14)  # 9, 10, Sat 11, 13, 14
    assert clock(sh(2025, 9, 26), 5).due(CAL).day == D(2025, 10, 10)  # Sunday 28 Sep worked too


def test_an_acceptance_at_00_30_shanghai_counts_from_that_day_not_the_utc_day_before() -> None:
    accepted = datetime(2026, 3, 3, 0, 30, tzinfo=SHANGHAI).astimezone(timezone.utc)
    assert accepted.date() == D(2026, 3, 2)
    c = clock(accepted, 5)
    assert c.accepted_on == D(2026, 3, 3)
    assert c.due(CAL).day == D(2026, 3, 10)  # not 9 March
    assert c.elapsed(CAL, sh(2026, 3, 3, 23, 59)).days == 0  # the day of acceptance is not counted
    with pytest.raises(DomainError):
        clock(datetime(2026, 3, 3, 0, 30), 5)  # naive instants are refused


def test_a_deadline_crossing_into_2027_is_provisional() -> None:
    c = clock(sh(2026, 12, 25), 10)
    due = c.due(CAL)
    assert due.day == D(2027, 1, 8) and due.provisional and due.uncovered_years == (2027,)
    assert not clock(sh(2026, 12, 24), 4).due(CAL).provisional  # 30 December


# -- 补正 and 特别程序 stop the clock -------------------------------------------------------------------


def test_journey_5_a_correction_pause_moves_the_deadline_by_exactly_the_paused_working_days() -> None:
    # Accepted Mon 2 Mar, 10 committed days: due Mon 16 Mar. Working day 4 is Fri 6 Mar, day 9 Fri 13 Mar.
    c = clock(sh(2026, 3, 2), 10)
    assert c.due(CAL).day == D(2026, 3, 16)
    suspended = c.suspend(sh(2026, 3, 6, 15, 0), CORRECTION)
    assert suspended.suspended and suspended.clock_stopped
    assert suspended.suspension == Suspension(sh(2026, 3, 6, 15, 0), CORRECTION, True)

    # while suspended: the clock stands still, the deadline is "if it resumed today"
    wed = sh(2026, 3, 11)
    assert suspended.state(CAL, wed) is ClockState.PAUSED
    assert suspended.elapsed(CAL, wed).days == 3  # 3, 4, 5 March
    assert suspended.left(CAL, wed) == suspended.left(CAL, sh(2026, 3, 6, 16, 0)) == 7  # frozen
    assert suspended.due(CAL, wed).day == D(2026, 3, 20)  # 6, 9, 10, 11 paused so far
    assert suspended.paused_working_days(CAL, wed) == 4

    resumed = suspended.resume(sh(2026, 3, 13, 9, 0))
    assert not resumed.suspended and resumed.pauses == ((D(2026, 3, 6), D(2026, 3, 13)),)  # the span shown
    due = resumed.due(CAL)
    assert due.day == D(2026, 3, 24) and due.paused_working_days == 6  # 6, 9, 10, 11, 12, 13
    assert CAL.working_days_between(D(2026, 3, 16), due.day).days == 6
    assert resumed.paused_working_days(CAL) - c.paused_working_days(CAL) == 6  # ItemResumed's figure
    assert resumed.statutory_due(CAL).day == CAL.add_working_days(D(2026, 3, 30), 6).day
    assert resumed.elapsed(CAL, sh(2026, 3, 16)).days == 4  # 3, 4, 5, 16
    assert resumed.state(CAL, sh(2026, 3, 16)) is ClockState.ON_TIME


def test_a_special_procedure_always_stops_the_clock_even_with_the_local_rule_off() -> None:
    c = clock(sh(2026, 3, 2), 15, local_rule_pause_on_correction=False)
    assert c.due(CAL).day == D(2026, 3, 23)
    reviewed = c.suspend(sh(2026, 3, 16, 9), EXPERT_REVIEW).resume(sh(2026, 3, 27, 17))
    due = reviewed.due(CAL)
    assert reviewed.pauses == ((D(2026, 3, 16), D(2026, 3, 27)),)
    assert due.paused_working_days == 10 and due.day == D(2026, 4, 7)  # 4–6 April is 清明
    with errors("special_procedure_stops_clock"):
        c.suspend(sh(2026, 3, 16), SuspensionReason.HEARING, clock_stopped=False)


def test_with_the_local_rule_off_a_correction_does_not_stop_the_clock() -> None:
    c = clock(sh(2026, 3, 2), 10, local_rule_pause_on_correction=False)
    suspended = c.suspend(sh(2026, 3, 6), CORRECTION)
    assert suspended.suspended and not suspended.clock_stopped
    assert suspended.state(CAL, sh(2026, 3, 11)) is ClockState.ON_TIME  # not paused: it runs
    assert suspended.elapsed(CAL, sh(2026, 3, 11)).days == 7
    resumed = suspended.resume(sh(2026, 3, 13))
    assert resumed.pauses == () and resumed.due(CAL).day == D(2026, 3, 16)
    assert resumed.paused_working_days(CAL) == 0


def test_a_replayed_suspension_keeps_the_rule_of_its_day() -> None:
    on = clock(sh(2026, 3, 2), 10)  # rule on today, but the event says the clock ran
    assert not on.suspend(sh(2026, 3, 6), CORRECTION, clock_stopped=False).clock_stopped
    off = clock(sh(2026, 3, 2), 10, local_rule_pause_on_correction=False)
    assert off.suspend(sh(2026, 3, 6), CORRECTION, clock_stopped=True).clock_stopped


def test_suspend_and_resume_refuse_what_cannot_happen() -> None:
    c = clock(sh(2026, 3, 2), 10)
    suspended = c.suspend(sh(2026, 3, 6), CORRECTION)
    with errors("clock_already_suspended"):
        suspended.suspend(sh(2026, 3, 9), EXPERT_REVIEW)
    with errors("clock_not_suspended"):
        c.resume(sh(2026, 3, 9))
    with errors("resumed_before_suspension"):
        suspended.resume(sh(2026, 3, 5))
    with errors("suspended_before_acceptance"):
        c.suspend(sh(2026, 3, 1), CORRECTION)
    with errors("suspension_out_of_order"):
        suspended.resume(sh(2026, 3, 10)).suspend(sh(2026, 3, 9), CORRECTION)


def test_two_pauses_sharing_a_day_count_it_once() -> None:
    c = clock(sh(2026, 3, 2), 10).suspend(sh(2026, 3, 5), CORRECTION).resume(sh(2026, 3, 9))
    c = c.suspend(sh(2026, 3, 9, 15), EXPERT_REVIEW).resume(sh(2026, 3, 10))
    assert c.pauses == ((D(2026, 3, 5), D(2026, 3, 9)), (D(2026, 3, 9), D(2026, 3, 10)))
    assert c.paused_working_days(CAL) == c.due(CAL).paused_working_days == 4  # 5, 6, 9, 10
    assert c.due(CAL).day == D(2026, 3, 20)


# -- 延期 -----------------------------------------------------------------------------------------


def test_an_extension_of_10_days_with_a_reason_moves_both_deadlines() -> None:
    c = clock(sh(2026, 3, 2), 5)
    extended = c.extend(10, "需现场核查多处经营场所")
    assert extended.extensions == (Extension(10, "需现场核查多处经营场所"),)
    assert extended.due(CAL).day == D(2026, 3, 23)  # 15 working days
    assert extended.statutory_due(CAL).day == D(2026, 4, 14)  # 30, across 清明
    assert c.extensions == ()  # the original is untouched


def test_an_extension_beyond_the_cap_is_refused() -> None:
    c = clock(sh(2026, 3, 2), 5)
    with errors("extension_beyond_limit"):
        c.extend(11, "too long")
    with errors("extension_beyond_limit"):
        c.extend(10, "once").extend(1, "twice")
    assert c.extend(4, "part").extend(6, "rest").extension_days == 10
    joint = clock(sh(2026, 3, 2), 45, statutory=45, extension_cap=JOINT_EXTENSION_CAP)
    assert joint.extend(15, "联合办理").extension_days == 15
    with errors("extension_reason_missing"):
        c.extend(5, "  ")
    with errors("extension_days_invalid"):
        c.extend(0, "nothing")


# -- what the supervisor sees ----------------------------------------------------------------------


def test_states_around_the_deadline() -> None:
    c = clock(sh(2026, 3, 2), 5)  # due Monday 9 March
    assert (c.left(CAL, sh(2026, 3, 4)), c.state(CAL, sh(2026, 3, 4))) == (3, ClockState.ON_TIME)
    assert (c.left(CAL, sh(2026, 3, 5)), c.state(CAL, sh(2026, 3, 5))) == (2, ClockState.WARNING)
    assert c.left(CAL, sh(2026, 3, 7)) == 1  # a Saturday: only Monday is left
    last_minute = datetime(2026, 3, 9, 23, 59, 59, tzinfo=SHANGHAI)
    assert (c.left(CAL, last_minute), c.state(CAL, last_minute)) == (0, ClockState.WARNING)
    assert c.elapsed(CAL, last_minute).days == 5
    midnight = deadline_instant(D(2026, 3, 9))  # 24:00 on the 9th
    assert (c.left(CAL, midnight), c.state(CAL, midnight)) == (-1, ClockState.OVERDUE)
    assert c.left(CAL, sh(2026, 3, 11)) == -2
    assert c.state(CAL, sh(2026, 3, 4), warn_within=3) is ClockState.WARNING  # the threshold is configurable
    assert c.state(CAL, sh(2026, 3, 5), warn_within=1) is ClockState.ON_TIME


def test_overdue_after_a_friday_deadline_is_minus_one_over_the_weekend() -> None:
    c = clock(sh(2026, 3, 6), 5)  # Friday → due Friday 13 March
    assert c.due(CAL).day == D(2026, 3, 13)
    assert [c.left(CAL, sh(2026, 3, d)) for d in (13, 14, 15, 16, 17)] == [0, -1, -1, -1, -2]


def test_suspended_is_paused_but_an_item_already_overdue_stays_overdue() -> None:
    c = clock(sh(2026, 3, 2), 5)
    assert c.suspend(sh(2026, 3, 5), CORRECTION).state(CAL, sh(2026, 3, 12)) is ClockState.PAUSED
    late = c.suspend(sh(2026, 3, 11), CORRECTION)
    assert late.state(CAL, sh(2026, 3, 13)) is ClockState.OVERDUE and late.left(CAL, sh(2026, 3, 13)) == -1


def test_elapsed_plus_left_is_the_days_allowed_every_day_until_overdue() -> None:
    c = clock(sh(2026, 2, 9), 10).suspend(sh(2026, 2, 12), CORRECTION).resume(sh(2026, 2, 25)).extend(3, "核查")
    due = c.due(CAL)
    assert due.paused_working_days == c.paused_working_days(CAL) == 5  # 12, 13, Sat 14, 24, 25
    day = D(2026, 2, 9)
    while day <= due.day:
        now = sh(day.year, day.month, day.day)
        assert c.elapsed(CAL, now).days + c.left(CAL, now) == 13, day
        day += timedelta(days=1)
    assert c.state(CAL, sh(day.year, day.month, day.day)) is ClockState.OVERDUE


def test_the_clock_is_immutable_and_validates_its_limits() -> None:
    c = clock(sh(2026, 3, 2), 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.committed_days = 6  # type: ignore[misc]
    assert c.suspend(sh(2026, 3, 3), CORRECTION) is not c and not c.suspended
    with errors("time_limit_invalid"):
        clock(sh(2026, 3, 2), 25, statutory=20)
    listed = ItemClock(sh(2026, 3, 2), 20, 5, pauses=[(D(2026, 3, 3), D(2026, 3, 4))])  # lists become tuples
    assert listed.pauses == ((D(2026, 3, 3), D(2026, 3, 4)),) and listed.due(CAL).day == D(2026, 3, 11)
