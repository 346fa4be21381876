"""保管期限: when an applicant's personal data may be erased, from their cases and the 保管期限表 alone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from onewindow_chassis.clock import SHANGHAI
from onewindow_intake.adapters import catalogue_file
from onewindow_intake.adapters.erasure_tables import case_closures, erasures
from onewindow_intake.adapters.tables import cases
from onewindow_intake.app import _retention
from onewindow_intake.config import Settings
from onewindow_intake.service_layer.erasure import Kept, Retention, may_be_due, retained_until

from intake_platform import Platform

LICENCE, ALLOWANCE, REGISTRATION = "330100-SCJGJ-XK-002", "330100-MZJ-JF-001", "330100-SCJGJ-XK-001"
SCHEDULE = Retention(30, {ALLOWANCE: 10, REGISTRATION: None})


def _case(*items: str, concluded: str | None = None, status: str = "accepted") -> dict[str, Any]:
    return {"item_codes": list(items), "status": status, "updated_at": datetime(2026, 3, 1, tzinfo=timezone.utc),
            "concluded_at": datetime.fromisoformat(concluded) if concluded else None}


def test_a_file_is_kept_from_1_january_after_it_closed_for_the_items_term() -> None:
    assert retained_until([_case(ALLOWANCE, concluded="2026-05-06T02:00:00+00:00")], SCHEDULE) == date(2037, 1, 1)
    assert retained_until([_case(LICENCE, concluded="2026-05-06T02:00:00+00:00")], SCHEDULE) == date(2057, 1, 1)


def test_a_case_of_several_items_is_kept_as_long_as_its_longest_item() -> None:
    both = _case(ALLOWANCE, LICENCE, concluded="2026-05-06T02:00:00+00:00")
    assert retained_until([both], SCHEDULE) == date(2057, 1, 1)


def test_the_closing_day_is_counted_in_shanghai_time() -> None:
    # 31 December 20:00 in UTC is already 1 January in Shanghai: the file closed in 2027
    late = _case(ALLOWANCE, concluded="2026-12-31T20:00:00+00:00")
    assert retained_until([late], SCHEDULE) == date(2038, 1, 1)


def test_the_applicant_is_kept_until_the_last_of_their_files_leaves_retention() -> None:
    early = _case(LICENCE, concluded="2020-05-06T02:00:00+00:00")
    later = _case(ALLOWANCE, concluded="2049-05-06T02:00:00+00:00")
    assert retained_until([early, later], SCHEDULE) == date(2060, 1, 1)


def test_a_case_intake_ended_itself_closes_at_its_last_change() -> None:
    withdrawn = _case(ALLOWANCE, status="withdrawn")
    assert retained_until([withdrawn], SCHEDULE) == date(2037, 1, 1)


def test_an_open_case_keeps_everything_and_a_permanent_file_keeps_it_for_good() -> None:
    assert retained_until([_case(LICENCE)], SCHEDULE) is Kept.OPEN
    closed_permanent = _case(REGISTRATION, concluded="2001-05-06T02:00:00+00:00")
    assert retained_until([closed_permanent], SCHEDULE) is Kept.PERMANENT
    # 永久 is the stronger answer: closing the other case would not change it
    assert retained_until([closed_permanent, _case(LICENCE)], SCHEDULE) is Kept.PERMANENT


def test_no_case_means_no_archive_duty() -> None:
    assert retained_until([], SCHEDULE) is None


def test_items_the_schedule_does_not_list_take_the_default_term() -> None:
    assert Retention(0).of_case([LICENCE]) == 0
    assert Retention(30, {LICENCE: 50}).of_case([LICENCE, ALLOWANCE]) == 50
    assert Retention(30, {LICENCE: 5}).of_case([LICENCE]) == 5  # a shorter term listed for the item wins


def test_a_schedule_naming_an_item_the_catalogue_lacks_stops_the_service() -> None:
    """A typo in the schedule would let that item's files take the default term and be erased too early."""
    catalogue, drafts = catalogue_file.read(catalogue_file.DEMO)
    for draft in drafts:
        catalogue.add(draft)
    with pytest.raises(ValueError, match="330100-MZJ-JF-009"):
        _retention(Settings(erasure_retention_by_item={"330100-MZJ-JF-009": 10}), catalogue)
    schedule = _retention(Settings(erasure_retention_years=30,
                                   erasure_retention_by_item={ALLOWANCE: 10, REGISTRATION: "permanent"}), catalogue)
    assert (schedule.of_case([ALLOWANCE]), schedule.of_case([REGISTRATION]), schedule.of_case([LICENCE])) == (10, None, 30)


def test_no_file_closed_at_or_after_the_cut_off_can_have_left_retention() -> None:
    """The retention run's one-query narrowing may pass over nobody who is due: for every closing day and
    every term of the schedule, a file that has left retention closed before the cut-off."""
    today = date(2046, 3, 5)
    cut_off = SCHEDULE.closed_before(today)  # the shortest term (10 years for the allowance) decides
    assert cut_off == datetime(2036, 1, 1, tzinfo=SHANGHAI)
    for year in range(2030, 2047):
        for closed in (datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year, 12, 31, 23, 59, tzinfo=SHANGHAI)):
            for term in (10, 30):
                if Retention.ends_on(closed.date(), term) <= today:
                    assert closed < cut_off, (closed, term)
    assert Retention(30, {ALLOWANCE: None}).closed_before(today) == datetime(2016, 1, 1, tzinfo=SHANGHAI)


def test_the_retention_run_narrows_to_applicants_whose_every_case_closed_before_the_cut_off(
        platform: Platform) -> None:
    """may_be_due on SQLite and PostgreSQL: closed by approval or ended by intake, the latest case counts."""
    def case(ref: str, n: int, status: str, updated: datetime) -> dict[str, Any]:
        return {"case_id": f"case-{ref}-{n}", "applicant_ref": ref, "status": status, "channel": "online",
                "region_code": "330100", "departments": [], "received_at": updated, "updated_at": updated}

    old, recent = datetime(2030, 6, 1, tzinfo=SHANGHAI), datetime(2040, 6, 1, tzinfo=SHANGHAI)
    rows = [case("old-concluded", 1, "accepted", old),  # concluded by approval in 2030 (below)
            case("old-withdrawn", 1, "withdrawn", old),  # ended by intake in 2030
            case("one-open", 1, "withdrawn", old), case("one-open", 2, "accepted", old),  # one still being handled
            case("one-recent", 1, "withdrawn", old), case("one-recent", 2, "withdrawn", recent),
            case("erased-already", 1, "withdrawn", old),
            # either side of the cut-off, 1 January 2036 in Shanghai (still 2035 in UTC)
            case("edge-before", 1, "withdrawn", datetime(2035, 12, 31, 23, 59, tzinfo=SHANGHAI)),
            case("edge-at", 1, "withdrawn", datetime(2036, 1, 1, tzinfo=SHANGHAI))]

    async def due() -> list[str]:
        async with platform.client.app.state.db.transaction() as tx:
            await tx.conn.execute(cases.insert(), rows)
            await tx.conn.execute(case_closures.insert().values(case_id="case-old-concluded-1", concluded_at=old))
            await tx.conn.execute(erasures.insert().values(
                applicant_ref="erased-already", reason="retention_expired", erased_by_role="supervisor",
                erased_by="sup-1", erased_at=recent, cases=1, materials=0))
            return await may_be_due(tx.conn, SCHEDULE, date(2046, 3, 5))

    assert platform.client.portal.call(due) == ["edge-before", "old-concluded", "old-withdrawn"]
