"""Time, read through one port so that tests can set it.

Timestamps are UTC everywhere; date rules (deadlines, working days) convert to Asia/Shanghai
at the edge where they are computed, never in storage.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that moves only when told to: for tests and for replaying a compressed day."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware instant")
        self._now = instant.astimezone(timezone.utc)

    def advance(self, delta: timedelta) -> None:
        self._now += delta
