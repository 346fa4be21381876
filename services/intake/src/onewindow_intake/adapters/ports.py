"""Intake's ports to the world outside: the working-day calendar and the certificates service."""
from __future__ import annotations

from datetime import date

from onewindow_chassis.workdays import WorkCalendar


class CalendarWorkingDays:
    """Working days on the official calendar. A date in a year the calendar does not cover is counted
    from weekends only, and the calendar raises its operator alert (never a silent guess)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    def add(self, start: date, days: int) -> date:
        return self.calendar.add_working_days(start, days).day


class NoLicences:
    """免证办 before the certificates service is wired: no licence is held, so copies are asked for."""

    async def held(self, holder_ref: str, licence_type_code: str) -> tuple[str, bytes] | None:
        return None
