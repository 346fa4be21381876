"""电子监察: deadline alerts raised by supervision (topic supervision.events).

Supervision computes them from approval's events alone (ItemAssigned, ItemSuspended/Resumed,
ItemExtended carry every deadline); it publishes them so that notify, the departments' own systems
and the statistics see the same alerts as the supervisor's dashboard.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from onewindow_contracts.base import CaseEvent
from onewindow_contracts.topics import SUPERVISION
from onewindow_contracts.values import DepartmentCode, ItemRef, UtcDatetime, WorkingDays


class _SupervisionEvent(CaseEvent):
    topic: ClassVar[str] = SUPERVISION.name

    item: ItemRef
    department_code: DepartmentCode
    due_on: date
    deadline_provisional: bool = Field(
        default=False, description="the deadline was counted on weekends only: the calendar lacks that year"
    )


class DeadlineWarningRaised(_SupervisionEvent):
    """黄牌预警: an open item is near its deadline (by default two working days or fewer left)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.supervision.DeadlineWarningRaised"

    working_days_left: WorkingDays
    raised_at: UtcDatetime


class DeadlineBreached(_SupervisionEvent):
    """红牌警告: an open item passed its deadline (24:00 Asia/Shanghai on `due_on`) undecided."""

    event_type: ClassVar[str] = "cn.gov.onewindow.supervision.DeadlineBreached"

    breached_at: UtcDatetime
