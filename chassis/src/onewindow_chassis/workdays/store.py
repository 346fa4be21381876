"""Calendar years an operator loads, so next year's notice (published each November) is an operator
action, not a release. A year is covered once it is in `calendar_years` (or in the built-in data).

`calendar_years` holds the national notice's years; `calendar_days` their holidays and make-up
working days (region_code '') and regions' own days (region_code = the region's code). The key is
(day, region_code): two regions can have a day off on one date, and a region's day can fall on a
national one.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..db import Transaction
from ..schema import UtcTime
from .model import CalendarDay, DayKind, WorkCalendar, builtin_calendar

metadata = sa.MetaData()

calendar_years = sa.Table(
    "calendar_years",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("source", sa.Text, nullable=False),  # e.g. the notice's number, 国办发明电〔2025〕7号
    sa.Column("loaded_at", UtcTime(), nullable=False),
)

calendar_days = sa.Table(
    "calendar_days",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("region_code", sa.Text, primary_key=True, server_default=""),  # '' = national
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("loaded_at", UtcTime(), nullable=False),
    sa.CheckConstraint(
        "kind IN ('holiday', 'makeup_workday', 'local_holiday')", name="calendar_days_kind_check"
    ),
)


def install(connection: sa.Connection) -> None:
    """Create the calendar's tables (a migration calls this through `op.get_bind()`)."""
    metadata.create_all(connection)


def uninstall(connection: sa.Connection) -> None:
    metadata.drop_all(connection)


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _check(year: int, days: Sequence[CalendarDay], *, region_code: str) -> None:
    problems: list[str] = []
    seen: set[date] = set()
    for entry in days:
        if entry.day.year != year:
            problems.append(f"{entry.day} is not in {year} (load it with its own year)")
        if entry.day in seen:
            problems.append(f"{entry.day} is listed twice")
        seen.add(entry.day)
        if entry.region_code not in ("", region_code):
            problems.append(f"{entry.day} belongs to region {entry.region_code!r}, not {region_code!r}")
        if entry.kind is DayKind.MAKEUP_WORKDAY and entry.day.weekday() < 5:
            problems.append(f"{entry.day} is a weekday: a make-up working day is a Saturday or Sunday")
        if not region_code and entry.kind is DayKind.LOCAL_HOLIDAY:
            problems.append(f"{entry.day}: a national notice has no local holidays")
    if problems:
        raise ValueError("; ".join(problems))


def _upsert(tx: Transaction, table: sa.Table, keys: list[str], values: dict[str, object]) -> sa.Insert:
    insert = (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(table).values(**values)
    updates = {k: v for k, v in values.items() if k not in keys}
    return insert.on_conflict_do_update(index_elements=keys, set_=updates)


async def _replace(
    tx: Transaction, region_code: str, year: int, days: list[CalendarDay], at: datetime
) -> None:
    _check(year, days, region_code=region_code)
    first, last = _year_bounds(year)
    await tx.conn.execute(
        calendar_days.delete().where(
            calendar_days.c.region_code == region_code, calendar_days.c.day.between(first, last)
        )
    )
    rows = [
        {"day": e.day, "region_code": region_code, "kind": e.kind.value, "name": e.name, "loaded_at": at}
        for e in days
    ]
    if rows:
        await tx.conn.execute(calendar_days.insert(), rows)


async def load_year(
    tx: Transaction, year: int, days: Iterable[CalendarDay], *, source: str, at: datetime
) -> None:
    """Load (or replace) one year's national notice: its holidays, including the rest days of each
    block, and its make-up working days. The year is covered from then on; loading it again replaces
    its days, so a corrected notice is loaded the same way."""
    await _replace(tx, "", year, list(days), at)
    await tx.conn.execute(
        _upsert(tx, calendar_years, ["year"], {"year": year, "source": source, "loaded_at": at})
    )


async def load_local_year(
    tx: Transaction, region_code: str, year: int, days: Iterable[CalendarDay], *, at: datetime
) -> None:
    """Load (or replace) a region's own days of one year (local holidays; rarely a local make-up
    working day). They do not make the year covered: that takes the national notice."""
    if not region_code:
        raise ValueError("a region's days need its region code")
    await _replace(tx, region_code, year, list(days), at)


async def loaded_years(tx: Transaction) -> dict[int, str]:
    """The years loaded into the table, with their sources."""
    rows = await tx.conn.execute(sa.select(calendar_years.c.year, calendar_years.c.source))
    return {row.year: row.source for row in rows}


async def calendar_from_db(
    tx: Transaction,
    region_code: str | Sequence[str] | None = None,
    *,
    builtin: WorkCalendar | None = None,
    with_builtin: bool = True,
) -> WorkCalendar:
    """The calendar for a region: the built-in national years, replaced year by year by any the
    table holds, then the regions' own days, later regions overriding earlier ones
    (e.g. `["450000", "450100"]`: a province, then one of its cities)."""
    regions = [region_code] if isinstance(region_code, str) else list(region_code or [])
    years = await loaded_years(tx)
    base = (builtin or builtin_calendar()) if with_builtin else WorkCalendar()
    base_years = base.years - years.keys()
    days: list[CalendarDay] = [
        e for year in sorted(base_years) for e in base.days_of(year) if not e.region_code
    ]
    wanted = ["", *regions]
    rows = await tx.conn.execute(
        sa.select(calendar_days).where(calendar_days.c.region_code.in_(wanted))
    )
    loaded = sorted(
        (CalendarDay(r.day, DayKind(r.kind), r.name, r.region_code) for r in rows),
        key=lambda e: (wanted.index(e.region_code), e.day),
    )
    national = [e for e in loaded if not e.region_code and e.day.year in years]
    local = [e for e in loaded if e.region_code]
    return WorkCalendar([*days, *national, *local], base_years | years.keys())
