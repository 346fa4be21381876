"""Working-day arithmetic on an official calendar (pure: no I/O beyond reading the vendored file).

A day is a working day when it is Monday to Friday and no holiday, or when it is a make-up working
day (调休: a Saturday or Sunday the State Council's notice makes a working day). Which years are
*covered* is explicit: in a year the calendar does not cover, only weekends are known, and every
answer that looked at such a day says so (`provisional`, `uncovered_years`) instead of guessing.

Counting follows 民法典 art. 201: the start day itself is not counted, so "n working days from day
D" ends on the n-th working day after D, at 24:00 Asia/Shanghai (`deadline_instant`).
"""
from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from importlib import resources

from prometheus_client import Counter

from ..clock import SHANGHAI

BUILTIN_FILE = "cn_national.csv"

provisional_answers = Counter(
    "onewindow_calendar_provisional",
    "Working-day answers that looked at a year the loaded calendar does not cover (weekends only); "
    "alert on any increase until that year's notice is loaded",
    ["year"],
)


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a public holiday or a rest day of its block (national)
    MAKEUP_WORKDAY = "makeup_workday"  # a Saturday or Sunday that is a working day (调休)
    LOCAL_HOLIDAY = "local_holiday"  # a region's own day off (e.g. a 少数民族 festival)

    @property
    def is_rest(self) -> bool:
        return self is not DayKind.MAKEUP_WORKDAY


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: DayKind
    name: str = ""
    region_code: str = ""  # '' = national

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DayKind(self.kind))
        if self.kind is DayKind.LOCAL_HOLIDAY and not self.region_code:
            raise ValueError(f"{self.day}: a local holiday needs a region code")


Pause = tuple[date, date]  # first and last day on which the clock stands still, both inclusive


@dataclass(frozen=True)
class Deadline:
    """The last day of a period, and how sure we are of it."""

    day: date
    provisional: bool  # some day counted lies in a year the calendar does not cover: weekends only
    uncovered_years: tuple[int, ...] = ()
    paused_working_days: int = 0  # working days the pauses added (the deadline moved by exactly these)

    @property
    def ends_at(self) -> datetime:
        """24:00 Asia/Shanghai at the end of `day`, in UTC."""
        return deadline_instant(self.day)


@dataclass(frozen=True)
class Elapsed:
    """Working days strictly after one day up to and including another (negative when reversed)."""

    days: int
    provisional: bool
    uncovered_years: tuple[int, ...] = ()
    paused_working_days: int = 0  # working days in the range that did not count because paused


def shanghai_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar day of an instant: 00:30 +08:00 on day D is day D (D-1 in UTC)."""
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant.astimezone(SHANGHAI).date()


def deadline_instant(day: date) -> datetime:
    """24:00 Asia/Shanghai at the end of `day` (= the next day's 00:00 +08:00 = 16:00 UTC of `day`)."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI).astimezone(timezone.utc)


def paused_span(stopped_at: datetime, resumed_at: datetime) -> Pause:
    """The days a clock stood still, from the day it stopped to the day it resumed, both inclusive:
    the common local wording "自…之日起至…之日止的时间不计算在时限内". A caller whose rule counts the
    stop day passes `(that day + 1, resume day)` itself."""
    first, last = shanghai_date(stopped_at), shanghai_date(resumed_at)
    if last < first:
        raise ValueError("a clock cannot resume before it stopped")
    return first, last


class _Pauses:
    def __init__(self, pauses: Iterable[Pause]) -> None:
        self.spans: list[Pause] = []
        for first, last in pauses:
            if last < first:
                raise ValueError(f"pause {first}..{last} ends before it starts")
            self.spans.append((first, last))

    def __contains__(self, day: date) -> bool:
        return any(first <= day <= last for first, last in self.spans)


class WorkCalendar:
    """Which days are working days, for the years it covers; weekends only for the rest.

    `days` later in the iterable override earlier ones for the same date (national first, then a
    province's, then a city's). `years` are the years whose national notice is in `days`.
    """

    def __init__(self, days: Iterable[CalendarDay] = (), years: Iterable[int] = ()) -> None:
        self._days: dict[date, CalendarDay] = {}
        for entry in days:
            self._days[entry.day] = entry
        self.years: frozenset[int] = frozenset(years)

    # -- what a day is ---------------------------------------------------------------------------

    def covers(self, year_or_day: int | date) -> bool:
        year = year_or_day.year if isinstance(year_or_day, date) else year_or_day
        return year in self.years

    def entry(self, day: date) -> CalendarDay | None:
        """The holiday, make-up day or local day on this date, if any."""
        return self._days.get(day)

    def days_of(self, year: int) -> list[CalendarDay]:
        return sorted((e for e in self._days.values() if e.day.year == year), key=lambda e: e.day)

    def is_working_day(self, day: date) -> bool:
        """Weekdays that are no holiday, plus make-up days. In an uncovered year: weekdays only (see
        `covers`; the counting methods below report it)."""
        entry = self._days.get(day)
        if entry is not None:
            return not entry.kind.is_rest
        return day.weekday() < 5

    def with_days(self, days: Iterable[CalendarDay], years: Iterable[int] = ()) -> WorkCalendar:
        """A copy with more days (overriding these on the same date) and more covered years."""
        return WorkCalendar([*self._days.values(), *days], self.years | set(years))

    # -- counting ----------------------------------------------------------------------------------

    def add_working_days(self, start: date, n: int, *, paused: Sequence[Pause] = ()) -> Deadline:
        """The n-th working day after `start` (start not counted; 民法典 art. 201).

        n = 0 is `start` itself, whatever day it is. n < 0 is the |n|-th working day before `start`
        (for warnings: `add_working_days(deadline.day, -2)` is the day two working days are left).
        Days inside `paused` spans do not count, so the result moves by exactly the paused working
        days that fall before it (`Deadline.paused_working_days`).
        """
        pauses = _Pauses(paused)
        step = timedelta(days=1 if n >= 0 else -1)
        remaining, skipped, uncovered = abs(n), 0, set()
        day = start
        while remaining:
            day += step
            if day.year not in self.years:
                uncovered.add(day.year)
            if not self.is_working_day(day):
                continue
            if day in pauses:
                skipped += 1
                continue
            remaining -= 1
        return Deadline(day, bool(uncovered), self._flag(uncovered), skipped)

    def add_working_days_excluding(self, start: date, n: int, paused: Sequence[Pause]) -> Deadline:
        """`add_working_days` with a clock that stood still on the `paused` days."""
        return self.add_working_days(start, n, paused=paused)

    def deadline_from(self, started_at: datetime, n: int, *, paused: Sequence[Pause] = ()) -> Deadline:
        """n working days from an instant: from its Shanghai day (that day not counted)."""
        return self.add_working_days(shanghai_date(started_at), n, paused=paused)

    def working_days_between(self, a: date, b: date, *, paused: Sequence[Pause] = ()) -> Elapsed:
        """Working days d with a < d <= b that are not paused (a clock's elapsed days); -(b, a] if b < a.

        `working_days_between(start, add_working_days(start, n).day).days == n` for n >= 0.
        """
        if b < a:
            back = self.working_days_between(b, a, paused=paused)
            return Elapsed(-back.days, back.provisional, back.uncovered_years, back.paused_working_days)
        pauses = _Pauses(paused)
        count, skipped, uncovered = 0, 0, set()
        for day in _days_after(a, b):
            if day.year not in self.years:
                uncovered.add(day.year)
            if self.is_working_day(day):
                if day in pauses:
                    skipped += 1
                else:
                    count += 1
        return Elapsed(count, bool(uncovered), self._flag(uncovered), skipped)

    @staticmethod
    def _flag(uncovered: set[int]) -> tuple[int, ...]:
        for year in uncovered:
            provisional_answers.labels(year=str(year)).inc()
        return tuple(sorted(uncovered))


def _days_after(a: date, b: date) -> Iterator[date]:
    day = a
    while day < b:
        day += timedelta(days=1)
        yield day


# -- the file format: the vendored data and what an operator loads ------------------------------

HEADER = ["day", "kind", "name"]


@dataclass
class DayFile:
    days: list[CalendarDay]
    years: list[int] = field(default_factory=list)  # from a '# years: 2004-2026' line, if present
    source: str = ""  # from a '# source: …' line, if present


def parse_days(text: str, *, region_code: str = "") -> DayFile:
    """Read `day,kind,name` CSV (ISO dates); lines starting with '#' are comments, of which
    '# years: A-B' and '# source: …' are read."""
    years: list[int] = []
    source = ""
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if key.strip() == "years":
                first, _, last = value.strip().partition("-")
                years = list(range(int(first), int(last or first) + 1))
            elif key.strip() == "source":
                source = value.strip()
        elif line.strip():
            body.append(line)
    rows = list(csv.DictReader(io.StringIO("\n".join(body))))
    days = [
        CalendarDay(date.fromisoformat(row["day"]), DayKind(row["kind"]), row.get("name") or "", region_code)
        for row in rows
    ]
    return DayFile(days, years, source)


def format_days(days: Iterable[CalendarDay], *, comments: Sequence[str] = ()) -> str:
    out = io.StringIO()
    for comment in comments:
        out.write(f"# {comment}\n" if comment else "#\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for entry in sorted(days, key=lambda e: e.day):
        writer.writerow([entry.day.isoformat(), entry.kind.value, entry.name])
    return out.getvalue()


@functools.cache
def builtin_file() -> DayFile:
    text = resources.files(__package__).joinpath(BUILTIN_FILE).read_text(encoding="utf-8")
    return parse_days(text)


@functools.cache
def builtin_calendar() -> WorkCalendar:
    """The national calendar vendored with this release (see `cn_national.csv` for its source).
    Shared: a WorkCalendar is never changed in place (`with_days` returns a copy)."""
    data = builtin_file()
    return WorkCalendar(data.days, data.years)
