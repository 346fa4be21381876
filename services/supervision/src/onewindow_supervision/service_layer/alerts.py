"""电子监察 alerts: yellow when an open item has N working days or fewer left, red once it is overdue.
Each is raised once: its stream (alert:<case>:<item>:<level>) takes exactly one event."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from onewindow_chassis.clock import SHANGHAI, Clock
from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import ConcurrencyError, event_store_for, from_contract
from onewindow_chassis.workdays import WorkCalendar
from onewindow_contracts.supervision import DeadlineBreached, DeadlineWarningRaised
from onewindow_contracts.values import ItemRef

from ..adapters.tables import alerts, item_clocks


def due(row: dict, calendar: WorkCalendar, now: datetime, warn_within: int) -> str | None:
    """"red", "yellow" or None for an item's clock row at `now` (a stopped clock raises nothing)."""
    if row["status"] != "open" and not (row["status"] == "suspended" and not row["clock_stopped"]):
        return None
    today = now.astimezone(SHANGHAI).date()
    if today > row["due_on"]:
        return "red"
    if calendar.working_days_between(today, row["due_on"]).days <= warn_within:
        return "yellow"
    return None


async def raise_alerts(db: Database, clock: Clock, calendar: WorkCalendar, warn_within: int) -> int:
    """Look at every open item once; raise what is due and not raised yet. Returns how many were raised."""
    now = clock.now()
    async with db.transaction() as tx:
        rows = (await tx.conn.execute(sa.select(item_clocks).where(item_clocks.c.status.in_(("open", "suspended")))
                                      )).mappings().all()
        raised = {(r.case_id, r.item_code, r.level) for r in await tx.conn.execute(sa.select(alerts))}
    count = 0
    for row in rows:
        level = due(dict(row), calendar, now, warn_within)
        if level is None or (row["case_id"], row["item_code"], level) in raised:
            continue
        item = ItemRef(item_code=row["item_code"], item_version=row["item_version"])
        common = dict(case_id=row["case_id"], item=item, department_code=row["department_code"],
                      due_on=row["due_on"], deadline_provisional=row["provisional"])
        event = (DeadlineBreached(**common, breached_at=now) if level == "red" else DeadlineWarningRaised(
            **common, working_days_left=max(0, calendar.working_days_between(now.astimezone(SHANGHAI).date(),
                                                                              row["due_on"]).days), raised_at=now))
        try:
            async with db.transaction() as tx:
                await event_store_for(tx.dialect).append(
                    tx, f"alert:{row['case_id']}:{row['item_code']}:{level}", 0, [from_contract(event)], now)
            count += 1
        except ConcurrencyError:
            pass  # another instance raised it first: once is the promise
    return count
