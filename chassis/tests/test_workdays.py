"""The working-day calendar: the official days (checked against the 国务院办公厅 notices as vendored),
counting from the day after the start (民法典 art. 201), 24:00 Asia/Shanghai ends, pauses that move a
deadline by exactly the paused working days, uncovered years answered provisionally and never
silently, and years loaded by an operator, on PostgreSQL and on SQLite alike."""
from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from onewindow_chassis import workdays
from onewindow_chassis.clock import SHANGHAI
from onewindow_chassis.db import Database
from onewindow_chassis.workdays import (
    CalendarDay,
    DayKind,
    WorkCalendar,
    builtin_calendar,
    calendar_from_db,
    deadline_instant,
    load_local_year,
    load_year,
    paused_span,
    shanghai_date,
)
from onewindow_chassis.workdays.__main__ import main as cli

CAL = builtin_calendar()
D = date
AT = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)

# Sample days for 2027, standing in for a notice not in the vendored data (not the real notice).
SAMPLE_2027 = [
    CalendarDay(D(2027, 1, 1), DayKind.HOLIDAY, "元旦"),
    CalendarDay(D(2027, 1, 2), DayKind.HOLIDAY, "元旦"),
    CalendarDay(D(2027, 1, 3), DayKind.HOLIDAY, "元旦"),
]
# A region's own days off (sample dates, not a real notice).
REGION = "450000"
LOCAL_2026 = [
    CalendarDay(D(2026, 4, 20), DayKind.LOCAL_HOLIDAY, "三月三", REGION),
    CalendarDay(D(2026, 4, 21), DayKind.LOCAL_HOLIDAY, "三月三", REGION),
]


def due(start: date, n: int, **kw) -> date:
    return CAL.add_working_days(start, n, **kw).day


# -- the data -----------------------------------------------------------------------------------


def test_the_vendored_data_covers_2004_to_2026_and_make_up_days_are_weekends() -> None:
    assert CAL.years == frozenset(range(2004, 2027))
    assert not CAL.covers(2027) and not CAL.covers(D(2003, 12, 31))
    for year in CAL.years:
        days = CAL.days_of(year)
        assert any(e.kind is DayKind.HOLIDAY for e in days)
        assert all(e.day.weekday() >= 5 for e in days if e.kind is DayKind.MAKEUP_WORKDAY)


def test_spring_festival_2026_is_15_to_23_february_with_saturdays_14_and_28_worked() -> None:
    holidays = [e.day for e in CAL.days_of(2026) if e.name == "春节" and e.kind is DayKind.HOLIDAY]
    assert holidays == [D(2026, 2, 15) + timedelta(days=i) for i in range(9)]
    assert [e.day for e in CAL.days_of(2026) if e.kind is DayKind.MAKEUP_WORKDAY and e.name == "春节"] == [
        D(2026, 2, 14),
        D(2026, 2, 28),
    ]
    assert CAL.is_working_day(D(2026, 2, 13))  # Friday
    assert CAL.is_working_day(D(2026, 2, 14))  # Saturday, made a working day
    assert not CAL.is_working_day(D(2026, 2, 16))  # Monday, holiday
    assert not CAL.is_working_day(D(2026, 2, 23))  # Monday, last day of the block
    assert CAL.is_working_day(D(2026, 2, 24))
    assert CAL.is_working_day(D(2026, 2, 28))  # Saturday, made a working day
    assert not CAL.is_working_day(D(2026, 3, 1))  # an ordinary Sunday


def test_national_day_2025_is_1_to_8_october_with_28_september_and_11_october_worked() -> None:
    assert all(not CAL.is_working_day(D(2025, 10, d)) for d in range(1, 9))
    assert CAL.is_working_day(D(2025, 9, 28)) and D(2025, 9, 28).weekday() == 6
    assert CAL.is_working_day(D(2025, 10, 11)) and D(2025, 10, 11).weekday() == 5
    assert CAL.is_working_day(D(2025, 10, 9))
    assert not CAL.is_working_day(D(2025, 10, 12))


def test_matches_chinesecalendar_day_by_day_where_it_is_installed() -> None:
    import chinese_calendar  # a dev dependency: this check always runs
    day = D(2004, 1, 1)
    while day <= D(2026, 12, 31):
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert chinese_calendar.find_workday(5, D(2026, 2, 12)) == due(D(2026, 2, 12), 5)


# -- counting -------------------------------------------------------------------------------------


def test_find_workday_cross_check_from_the_standards_notes() -> None:
    # chinesecalendar: find_workday(5, date(2026, 2, 12)) == 2026-02-26 (Sat 14 Feb counted)
    deadline = CAL.add_working_days(D(2026, 2, 12), 5)
    assert deadline.day == D(2026, 2, 26)
    assert not deadline.provisional and deadline.uncovered_years == ()


def test_across_spring_festival_2026() -> None:
    assert due(D(2026, 2, 13), 1) == D(2026, 2, 14)  # Friday → the worked Saturday
    assert due(D(2026, 2, 13), 2) == D(2026, 2, 24)  # then nine days off
    assert due(D(2026, 2, 13), 6) == D(2026, 2, 28)  # a deadline on the worked Saturday
    assert due(D(2026, 2, 13), 7) == D(2026, 3, 2)
    assert due(D(2026, 2, 9), 10) == D(2026, 2, 28)


def test_across_national_day_2025() -> None:
    assert due(D(2025, 9, 26), 1) == D(2025, 9, 28)  # Friday → the worked Sunday
    assert due(D(2025, 9, 26), 3) == D(2025, 9, 30)
    assert due(D(2025, 9, 26), 4) == D(2025, 10, 9)
    assert due(D(2025, 9, 26), 6) == D(2025, 10, 11)  # the worked Saturday
    assert due(D(2025, 9, 26), 7) == D(2025, 10, 13)


def test_across_labour_day() -> None:
    # 2025: 1–5 May off, Sunday 27 April worked
    assert due(D(2025, 4, 25), 1) == D(2025, 4, 27)
    assert due(D(2025, 4, 25), 4) == D(2025, 4, 30)
    assert due(D(2025, 4, 25), 5) == D(2025, 5, 6)
    # 2026: 1–5 May off, Saturday 9 May worked
    assert due(D(2026, 4, 30), 1) == D(2026, 5, 6)
    assert due(D(2026, 4, 30), 4) == D(2026, 5, 9)
    assert due(D(2026, 4, 30), 5) == D(2026, 5, 11)


def test_a_start_on_a_friday_counts_from_monday() -> None:
    assert due(D(2026, 3, 6), 1) == D(2026, 3, 9)
    assert due(D(2026, 3, 6), 5) == D(2026, 3, 13)
    assert due(D(2026, 3, 6), 20) == D(2026, 4, 3)  # 4–6 April is 清明


def test_a_start_on_a_holiday_counts_from_the_next_working_day() -> None:
    assert due(D(2026, 2, 18), 1) == D(2026, 2, 24)
    assert due(D(2026, 2, 18), 3) == D(2026, 2, 26)
    assert due(D(2025, 10, 3), 1) == D(2025, 10, 9)
    assert due(D(2025, 10, 3), 3) == D(2025, 10, 11)
    assert due(D(2026, 3, 7), 1) == D(2026, 3, 9)  # a Saturday


def test_zero_days_is_the_start_day_itself() -> None:
    assert due(D(2026, 3, 6), 0) == D(2026, 3, 6)
    assert due(D(2026, 2, 18), 0) == D(2026, 2, 18)
    nothing_looked_at = CAL.add_working_days(D(2027, 3, 1), 0)
    assert nothing_looked_at.day == D(2027, 3, 1) and not nothing_looked_at.provisional


def test_negative_counts_go_back_and_mirror_the_elapsed_count() -> None:
    assert due(D(2026, 2, 24), -1) == D(2026, 2, 14)
    assert due(D(2026, 2, 26), -2) == D(2026, 2, 24)
    assert CAL.working_days_between(D(2026, 2, 24), D(2026, 2, 26)).days == 2


def test_elapsed_working_days_count_days_after_a_up_to_and_including_b() -> None:
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 27)).days == 5  # 14, 24–27
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 13)).days == 0
    assert CAL.working_days_between(D(2026, 2, 27), D(2026, 2, 13)).days == -5
    for start in (D(2025, 9, 26), D(2026, 2, 12), D(2026, 12, 20)):
        for n in range(0, 30):
            assert CAL.working_days_between(start, due(start, n)).days == n


def test_a_deadline_crossing_into_an_uncovered_year_is_provisional_and_says_which_year() -> None:
    assert due(D(2026, 12, 24), 4) == D(2026, 12, 30)
    assert not CAL.add_working_days(D(2026, 12, 24), 4).provisional
    assert not CAL.add_working_days(D(2026, 12, 30), 1).provisional  # 31 Dec
    deadline = CAL.add_working_days(D(2026, 12, 25), 10)
    assert deadline.provisional and deadline.uncovered_years == (2027,)
    assert deadline.day == D(2027, 1, 8)  # weekends only: 1 January counted as a Friday
    elapsed = CAL.working_days_between(D(2026, 12, 25), D(2027, 1, 8))
    assert elapsed.provisional and elapsed.uncovered_years == (2027,) and elapsed.days == 10

    covered = CAL.with_days(SAMPLE_2027, years=[2027])
    deadline = covered.add_working_days(D(2026, 12, 25), 10)
    assert not deadline.provisional and deadline.uncovered_years == ()
    assert deadline.day == D(2027, 1, 11)


def test_years_before_the_data_are_provisional_too() -> None:
    deadline = CAL.add_working_days(D(2004, 1, 2), -3)
    assert deadline.provisional and deadline.uncovered_years == (2003,)


# -- instants -------------------------------------------------------------------------------------


def test_an_acceptance_at_00_30_shanghai_belongs_to_that_shanghai_day() -> None:
    accepted = datetime(2026, 2, 13, 0, 30, tzinfo=SHANGHAI)
    as_utc = accepted.astimezone(timezone.utc)
    assert as_utc.date() == D(2026, 2, 12)  # the UTC date would be a day early
    assert shanghai_date(accepted) == shanghai_date(as_utc) == D(2026, 2, 13)
    assert CAL.deadline_from(as_utc, 1).day == D(2026, 2, 14)
    assert CAL.deadline_from(as_utc, 5).day == D(2026, 2, 27)
    assert shanghai_date(datetime(2026, 2, 12, 23, 59, tzinfo=SHANGHAI)) == D(2026, 2, 12)
    with pytest.raises(ValueError):
        shanghai_date(datetime(2026, 2, 13, 0, 30))


def test_a_deadline_ends_at_24_00_shanghai() -> None:
    end = deadline_instant(D(2026, 2, 26))
    assert end == datetime(2026, 2, 26, 16, 0, tzinfo=timezone.utc)
    assert end == datetime(2026, 2, 27, 0, 0, tzinfo=SHANGHAI)
    assert end.utcoffset() == timedelta(0)
    assert CAL.add_working_days(D(2026, 2, 12), 5).ends_at == end
    assert datetime(2026, 2, 26, 23, 59, 59, tzinfo=SHANGHAI) < end  # still in time


# -- pauses ---------------------------------------------------------------------------------------


def test_a_pause_moves_the_deadline_by_exactly_the_paused_working_days() -> None:
    start = D(2026, 3, 2)
    plain = CAL.add_working_days(start, 10)
    assert plain.day == D(2026, 3, 16)
    stopped = datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)
    resumed = datetime(2026, 3, 10, 0, 30, tzinfo=SHANGHAI)
    pause = paused_span(stopped, resumed)
    assert pause == (D(2026, 3, 5), D(2026, 3, 10))  # Thu 5 – Tue 10: 4 working days
    paused = CAL.add_working_days_excluding(start, 10, [pause])
    assert paused.paused_working_days == 4
    assert paused.day == D(2026, 3, 20)
    assert CAL.working_days_between(plain.day, paused.day).days == 4
    # the clock's view: it stood still while paused
    elapsed = CAL.working_days_between(start, D(2026, 3, 12), paused=[pause])
    assert (elapsed.days, elapsed.paused_working_days) == (4, 4)  # 3, 4, 11, 12


def test_holidays_inside_a_pause_are_not_paused_working_days() -> None:
    start = D(2026, 2, 9)
    plain = CAL.add_working_days(start, 10)
    assert plain.day == D(2026, 2, 28)
    paused = CAL.add_working_days(start, 10, paused=[(D(2026, 2, 12), D(2026, 2, 25))])
    assert paused.paused_working_days == 5  # 12, 13, Sat 14, 24, 25
    assert paused.day == D(2026, 3, 6)
    assert CAL.working_days_between(plain.day, paused.day).days == 5


def test_pauses_outside_the_period_change_nothing_and_overlaps_count_once() -> None:
    start = D(2026, 3, 2)
    before = CAL.add_working_days(start, 10, paused=[(D(2026, 2, 1), D(2026, 3, 2))])
    after = CAL.add_working_days(start, 10, paused=[(D(2026, 3, 17), D(2026, 3, 31))])
    assert before.day == after.day == D(2026, 3, 16)
    assert before.paused_working_days == after.paused_working_days == 0
    spans = [(D(2026, 3, 5), D(2026, 3, 9)), (D(2026, 3, 9), D(2026, 3, 10))]
    overlapping = CAL.add_working_days(start, 10, paused=spans)
    assert overlapping.day == D(2026, 3, 20) and overlapping.paused_working_days == 4
    with pytest.raises(ValueError):
        CAL.add_working_days(start, 10, paused=[(D(2026, 3, 10), D(2026, 3, 5))])


def test_the_pause_invariant_holds_for_many_random_periods() -> None:
    rng = random.Random(20260213)
    for _ in range(500):
        start = D(2025, 1, 1) + timedelta(days=rng.randrange(700))
        n = rng.randrange(0, 40)
        pauses = []
        for _ in range(rng.randrange(0, 3)):
            first = start + timedelta(days=rng.randrange(-5, 60))
            pauses.append((first, first + timedelta(days=rng.randrange(0, 15))))
        plain = CAL.add_working_days(start, n)
        paused = CAL.add_working_days(start, n, paused=pauses)
        assert CAL.working_days_between(plain.day, paused.day).days == paused.paused_working_days
        assert CAL.add_working_days(plain.day, paused.paused_working_days).day == paused.day
        assert CAL.working_days_between(start, paused.day, paused=pauses).days == n
        assert n == 0 or CAL.is_working_day(paused.day)


# -- local days -----------------------------------------------------------------------------------


def test_a_regions_own_days_off_are_rest_days_only_there() -> None:
    local = CAL.with_days(LOCAL_2026)
    assert CAL.is_working_day(D(2026, 4, 20))
    assert not local.is_working_day(D(2026, 4, 20))
    assert local.add_working_days(D(2026, 4, 17), 1).day == D(2026, 4, 22)
    with pytest.raises(ValueError):
        CalendarDay(D(2026, 4, 20), DayKind.LOCAL_HOLIDAY, "no region")


def test_the_file_format_round_trips() -> None:
    text = workdays.format_days(SAMPLE_2027, comments=["source: sample", "years: 2027"])
    parsed = workdays.parse_days(text)
    assert parsed.days == SAMPLE_2027 and parsed.years == [2027] and parsed.source == "sample"


# -- years an operator loads ----------------------------------------------------------------------


@pytest.fixture
async def cal_db(db: Database) -> Database:
    async with db.engine.begin() as conn:
        await conn.run_sync(workdays.install)
    return db


async def test_the_table_starts_from_the_built_in_years(cal_db: Database) -> None:
    async with cal_db.transaction() as tx:
        cal = await calendar_from_db(tx)
        bare = await calendar_from_db(tx, with_builtin=False)
    assert cal.years == CAL.years
    assert cal.add_working_days(D(2026, 2, 12), 5).day == D(2026, 2, 26)
    assert bare.years == frozenset() and bare.add_working_days(D(2026, 2, 12), 5).provisional


async def test_loading_2027_makes_a_provisional_deadline_final(cal_db: Database) -> None:
    async with cal_db.transaction() as tx:
        before = (await calendar_from_db(tx)).add_working_days(D(2026, 12, 25), 10)
    assert before.provisional and before.uncovered_years == (2027,) and before.day == D(2027, 1, 8)

    async with cal_db.transaction() as tx:
        await load_year(tx, 2027, SAMPLE_2027, source="sample notice", at=AT)
    async with cal_db.transaction() as tx:
        cal = await calendar_from_db(tx)
        years = await workdays.loaded_years(tx)
        rows = (await tx.conn.execute(sa.select(workdays.calendar_days).order_by("day"))).all()
    after = cal.add_working_days(D(2026, 12, 25), 10)
    assert not after.provisional and after.day == D(2027, 1, 11)
    assert years == {2027: "sample notice"} and cal.covers(2027) and cal.covers(2026)
    assert [(r.day, r.kind, r.name, r.region_code) for r in rows] == [
        (e.day, e.kind.value, e.name, "") for e in SAMPLE_2027
    ]
    assert rows[0].loaded_at == AT


async def test_a_loaded_year_replaces_the_built_in_one_and_reloading_replaces_it_again(cal_db: Database) -> None:
    without_28th = [e for e in CAL.days_of(2026) if e.day != D(2026, 2, 28)]
    async with cal_db.transaction() as tx:
        await load_year(tx, 2026, without_28th, source="correction", at=AT)
    async with cal_db.transaction() as tx:
        corrected = await calendar_from_db(tx)
    assert not corrected.is_working_day(D(2026, 2, 28)) and corrected.is_working_day(D(2026, 2, 14))

    async with cal_db.transaction() as tx:
        await load_year(tx, 2026, CAL.days_of(2026), source="correction 2", at=AT)
    async with cal_db.transaction() as tx:
        restored = await calendar_from_db(tx)
        assert await workdays.loaded_years(tx) == {2026: "correction 2"}
    assert restored.is_working_day(D(2026, 2, 28))
    assert restored.days_of(2026) == CAL.days_of(2026)


async def test_a_regions_days_are_loaded_and_read_for_that_region_only(cal_db: Database) -> None:
    async with cal_db.transaction() as tx:
        await load_local_year(tx, REGION, 2026, LOCAL_2026, at=AT)
        city_day = CalendarDay(D(2026, 4, 22), DayKind.LOCAL_HOLIDAY, "city", "450100")
        await load_local_year(tx, "450100", 2026, [city_day], at=AT)
    async with cal_db.transaction() as tx:
        national = await calendar_from_db(tx)
        region = await calendar_from_db(tx, REGION)
        city = await calendar_from_db(tx, [REGION, "450100"])
        other = await calendar_from_db(tx, "530000")
    assert national.is_working_day(D(2026, 4, 20)) and other.is_working_day(D(2026, 4, 20))
    assert not region.is_working_day(D(2026, 4, 20)) and region.is_working_day(D(2026, 4, 22))
    assert [city.is_working_day(D(2026, 4, d)) for d in (20, 21, 22, 23)] == [False, False, False, True]
    assert region.years == CAL.years  # local days cover no year by themselves


async def test_a_malformed_notice_is_refused_whole(cal_db: Database) -> None:
    bad = [
        [CalendarDay(D(2027, 1, 4), DayKind.MAKEUP_WORKDAY, "a Monday")],
        [CalendarDay(D(2026, 12, 31), DayKind.HOLIDAY, "last year")],
        [CalendarDay(D(2027, 5, 1), DayKind.LOCAL_HOLIDAY, "local", REGION)],
        [SAMPLE_2027[0], SAMPLE_2027[0]],
    ]
    for days in bad:
        with pytest.raises(ValueError):
            async with cal_db.transaction() as tx:
                await load_year(tx, 2027, days, source="bad", at=AT)
    async with cal_db.transaction() as tx:
        assert await workdays.loaded_years(tx) == {}
        assert not (await calendar_from_db(tx)).covers(2027)


def test_an_operator_loads_a_year_from_a_file(tmp_path: Path) -> None:
    notice = tmp_path / "2027.csv"
    notice.write_text(workdays.format_days(SAMPLE_2027), encoding="utf-8")
    url = f"sqlite:///{tmp_path}/ops.db"
    assert cli(["load", url, "2027", str(notice), "--source", "sample notice"]) == 0

    async def read() -> WorkCalendar:
        db = Database(url)
        try:
            async with db.transaction() as tx:
                return await calendar_from_db(tx)
        finally:
            await db.dispose()

    cal = asyncio.run(read())
    assert cal.covers(2027) and cal.add_working_days(D(2026, 12, 25), 10).day == D(2027, 1, 11)
