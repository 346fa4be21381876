"""限时办结: an item's clock in working days, for approval's item aggregate and supervision's timeline.

Pure: no I/O, no approval-only concepts. The `WorkCalendar` to count on is always passed in. Every
answer takes the same facts, so approval (which writes the deadlines into its events) and
supervision (which rebuilds alerts from those events) cannot disagree.

Counting (domain.md §10): from the Asia/Shanghai day of acceptance, that day not counted (民法典
art. 201); the deadline is the N-th working day after it and ends at 24:00 Asia/Shanghai. A stopped
clock (特别程序 always, 行政许可法 art. 45; 补正 when the local rule says so, on by default) stands still
from the day it stopped to the day it resumed, both inclusive (`paused_span`), so the deadline moves by
exactly the paused working days. 延期 (art. 42) adds working days with a recorded reason, up to a cap.

While a clock is stopped its deadline is not yet known: methods taking `now` count the open pause
through `now`'s day ("the deadline if it resumed today"); without `now`, through its first day only.

Dashboards (journey 7), with today = `shanghai_date(now)` and D = `due(calendar, now).day`:

    left   = working days d with today < d <= D, not paused             while today <= D
             (D itself: 0 until 24:00; the working day before D: 1)
           = -max(1, working days d with D < d <= today, not paused)     once today > D
             (-1 from 24:00 on D through the first working day after it, -2 on the next ...)
    state  = overdue  if today > D (24:00 on D has passed), even while suspended
             paused   else if the clock stands still
             warning  else if left <= warn_within (default 2: 黄牌 at two working days left)
             on_time  otherwise

So left < 0 exactly when overdue, and elapsed + left == the days allowed, until overdue.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from onewindow_chassis.problems import DomainError
from onewindow_chassis.workdays import Deadline, Elapsed, Pause, WorkCalendar, paused_span, shanghai_date
from onewindow_contracts.approval import SuspensionReason

ORDINARY_EXTENSION_CAP = 10  # art. 42: 20 working days, extendable once by 10
JOINT_EXTENSION_CAP = 15  # art. 42: 统一/联合/集中办理, 45 working days, extendable by 15
DEFAULT_WARN_WITHIN = 2  # working days left that turn an item yellow


class ClockState(StrEnum):
    ON_TIME = "on_time"
    WARNING = "warning"  # 黄牌预警
    OVERDUE = "overdue"  # 红牌警告
    PAUSED = "paused"  # 暂停计时


@dataclass(frozen=True)
class Suspension:
    """An open suspension: since when, why, and whether the clock stands still meanwhile (a 补正
    under a local rule that does not stop the clock leaves it running)."""

    started_at: datetime
    reason: SuspensionReason
    clock_stopped: bool


@dataclass(frozen=True)
class Extension:
    """延期: working days added, and the recorded reason."""

    days: int
    reason: str


def _invalid(code: str, zh: str, en: str, **extra: object) -> DomainError:
    return DomainError("invalid", code, zh, en, **extra)


def _conflict(code: str, zh: str, en: str) -> DomainError:
    return DomainError("conflict", code, zh, en)


@dataclass(frozen=True)
class ItemClock:
    """An item's time limits and what happened to them. Immutable: every change returns a new clock.

    `pauses` are the closed spans on which the clock stood still (first and last day, inclusive);
    `suspension` the open one, if any. Lists passed in are stored as tuples.
    """

    accepted_at: datetime
    statutory_days: int  # 法定办结时限
    committed_days: int  # 承诺办结时限 (never above the statutory one)
    pauses: tuple[Pause, ...] = ()
    suspension: Suspension | None = None
    extensions: tuple[Extension, ...] = ()
    local_rule_pause_on_correction: bool = True  # 补正 stops the clock (特别程序 always does)
    extension_cap: int = ORDINARY_EXTENSION_CAP  # total 延期 working days allowed

    def __post_init__(self) -> None:
        if self.accepted_at.tzinfo is None:
            raise _invalid("instant_not_aware", "时间须带时区", "Instants must be timezone-aware")
        if not 0 <= self.committed_days <= self.statutory_days:
            raise _invalid(
                "time_limit_invalid",
                "承诺时限须在零与法定时限之间",
                "The committed time limit must lie between 0 and the statutory one",
            )
        if self.extension_cap < 0:
            raise _invalid("extension_cap_invalid", "延期上限不能为负", "The extension cap cannot be negative")
        pauses = tuple((first, last) for first, last in self.pauses)
        if any(last < first for first, last in pauses):
            raise _invalid("pause_invalid", "暂停时段的结束早于开始", "A pause ends before it starts")
        object.__setattr__(self, "pauses", pauses)
        object.__setattr__(self, "extensions", tuple(self.extensions))

    # -- facts ---------------------------------------------------------------------------------------

    @property
    def accepted_on(self) -> date:
        """The Shanghai day of acceptance: 00:30 +08:00 on day D is D (D-1 in UTC)."""
        return shanghai_date(self.accepted_at)

    @property
    def suspended(self) -> bool:
        return self.suspension is not None

    @property
    def clock_stopped(self) -> bool:
        return self.suspension is not None and self.suspension.clock_stopped

    @property
    def extension_days(self) -> int:
        return sum(e.days for e in self.extensions)

    def stopped_spans(self, now: datetime | None = None) -> tuple[Pause, ...]:
        """The closed pauses, and the open one through `now`'s day (through its first day without `now`)."""
        if not self.clock_stopped:
            return self.pauses
        assert self.suspension is not None
        first = shanghai_date(self.suspension.started_at)
        last = max(first, shanghai_date(now)) if now is not None else first
        return (*self.pauses, (first, last))

    # -- changes -------------------------------------------------------------------------------------

    def suspend(self, at: datetime, reason: SuspensionReason, *, clock_stopped: bool | None = None) -> ItemClock:
        """暂停: the item waits for the applicant (补正) or a 特别程序. Whether the clock stops follows the
        rule (a special procedure always; a correction per `local_rule_pause_on_correction`) unless
        `clock_stopped` says (an `ItemSuspended` being replayed: the rule of its day stays)."""
        if self.suspended:
            raise _conflict("clock_already_suspended", "该事项已暂停计时", "The item is already suspended")
        day = shanghai_date(at)
        if day < self.accepted_on:
            raise _invalid("suspended_before_acceptance", "暂停早于受理", "A suspension cannot precede acceptance")
        if self.pauses and day < max(last for _, last in self.pauses):
            raise _invalid(
                "suspension_out_of_order", "暂停早于上次恢复", "A suspension cannot precede the last resumption"
            )
        reason = SuspensionReason(reason)
        if clock_stopped is None:
            clock_stopped = reason.special_procedure or self.local_rule_pause_on_correction
        elif reason.special_procedure and not clock_stopped:
            raise _invalid(
                "special_procedure_stops_clock",
                "特别程序时间不计入时限",
                "特别程序 time never counts: the clock stops",
            )
        return replace(self, suspension=Suspension(at, reason, clock_stopped))

    def resume(self, at: datetime) -> ItemClock:
        """恢复: the suspension ends; a stopped clock records its span (stop day to resume day, inclusive)."""
        if self.suspension is None:
            raise _conflict("clock_not_suspended", "该事项未暂停", "The item is not suspended")
        if at < self.suspension.started_at:
            raise _invalid("resumed_before_suspension", "恢复早于暂停", "A clock cannot resume before it stopped")
        pauses = self.pauses
        if self.suspension.clock_stopped:
            pauses = (*pauses, paused_span(self.suspension.started_at, at))
        return replace(self, pauses=pauses, suspension=None)

    def extend(self, days: int, reason: str) -> ItemClock:
        """延期 (art. 42): adds working days to both time limits, with a recorded reason; the extensions'
        total may not exceed `extension_cap` (10 for an ordinary licence, 15 for a 45-day joint one)."""
        if days < 1:
            raise _invalid("extension_days_invalid", "延期天数须为正", "An extension adds at least one working day")
        if not reason.strip():
            raise _invalid("extension_reason_missing", "延期须说明理由", "An extension needs a recorded reason")
        if self.extension_days + days > self.extension_cap:
            raise _invalid(
                "extension_beyond_limit",
                f"延期合计不得超过{self.extension_cap}个工作日",
                f"Extensions may not exceed {self.extension_cap} working days in all",
                limit=self.extension_cap,
                already=self.extension_days,
            )
        return replace(self, extensions=(*self.extensions, Extension(days, reason)))

    # -- answers -------------------------------------------------------------------------------------

    def due(self, calendar: WorkCalendar, now: datetime | None = None) -> Deadline:
        """承诺办结 deadline: committed days plus extensions, moved by the stopped spans."""
        return self._deadline(calendar, self.committed_days, now)

    def statutory_due(self, calendar: WorkCalendar, now: datetime | None = None) -> Deadline:
        """法定办结 deadline: statutory days plus extensions, moved by the stopped spans."""
        return self._deadline(calendar, self.statutory_days, now)

    def elapsed(self, calendar: WorkCalendar, now: datetime) -> Elapsed:
        """Working days used: after the day of acceptance up to and including today, paused days excluded."""
        return calendar.working_days_between(self.accepted_on, shanghai_date(now), paused=self.stopped_spans(now))

    def left(self, calendar: WorkCalendar, now: datetime) -> int:
        """Working days left until the committed deadline; negative once overdue (see the module's text)."""
        today, spans, deadline = self._position(calendar, now)
        if today <= deadline.day:
            return calendar.working_days_between(today, deadline.day, paused=spans).days
        return -max(1, calendar.working_days_between(deadline.day, today, paused=spans).days)

    def state(self, calendar: WorkCalendar, now: datetime, *, warn_within: int = DEFAULT_WARN_WITHIN) -> ClockState:
        """on_time | warning | overdue | paused (see the module's text for the exact rule)."""
        today, _, deadline = self._position(calendar, now)
        if today > deadline.day:
            return ClockState.OVERDUE
        if self.clock_stopped:
            return ClockState.PAUSED
        return ClockState.WARNING if self.left(calendar, now) <= warn_within else ClockState.ON_TIME

    def paused_working_days(self, calendar: WorkCalendar, now: datetime | None = None) -> int:
        """Working days after the day of acceptance on which the clock stood still, each counted once
        (the open pause through `now`'s day). Equals `due(...).paused_working_days` until overdue; an
        `ItemResumed` carries this after resuming minus this before suspending."""
        spans = self.stopped_spans(now)
        if not spans:
            return 0
        start = max(self.accepted_on, min(first for first, _ in spans) - timedelta(days=1))
        end = max(last for _, last in spans)
        if end <= start:
            return 0
        return calendar.working_days_between(start, end, paused=spans).paused_working_days

    def _deadline(self, calendar: WorkCalendar, days: int, now: datetime | None) -> Deadline:
        return calendar.add_working_days(self.accepted_on, days + self.extension_days, paused=self.stopped_spans(now))

    def _position(self, calendar: WorkCalendar, now: datetime) -> tuple[date, tuple[Pause, ...], Deadline]:
        return shanghai_date(now), self.stopped_spans(now), self.due(calendar, now)
