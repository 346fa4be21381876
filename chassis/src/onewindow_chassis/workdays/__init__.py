"""Working days on China's official calendar: weekends, public holidays, 调休 make-up working days, and
a region's own days off; years outside the loaded calendar are answered from weekends only and say so.

    cal = builtin_calendar()                       # or: await calendar_from_db(tx, "450000")
    due = cal.add_working_days(shanghai_date(at), 20, paused=[paused_span(stop, resume)])
    due.day, due.ends_at, due.provisional, due.uncovered_years

Data: the national years 2004–2026 are vendored in `cn_national.csv`, generated from PyPI
`chinesecalendar` 1.11.0 (MIT); later years are loaded by operators into `calendar_years` /
`calendar_days` (see `__main__.py`).
"""
from __future__ import annotations

from .model import (
    CalendarDay,
    DayKind,
    Deadline,
    Elapsed,
    Pause,
    WorkCalendar,
    builtin_calendar,
    deadline_instant,
    format_days,
    parse_days,
    paused_span,
    shanghai_date,
)
from .store import (
    calendar_days,
    calendar_from_db,
    calendar_years,
    install,
    load_local_year,
    load_year,
    loaded_years,
    metadata,
    uninstall,
)

__all__ = [
    "CalendarDay",
    "DayKind",
    "Deadline",
    "Elapsed",
    "Pause",
    "WorkCalendar",
    "builtin_calendar",
    "calendar_days",
    "calendar_from_db",
    "calendar_years",
    "deadline_instant",
    "format_days",
    "install",
    "load_local_year",
    "load_year",
    "loaded_years",
    "metadata",
    "parse_days",
    "paused_span",
    "shanghai_date",
    "uninstall",
]
