"""The supervision projection: timelines, item clocks, material reads and alerts, from the archive of
every event heard (plus supervision's own alerts). One projection, one cursor: rebuilt and verified
as a whole."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import RecordedEvent
from onewindow_chassis.projections import Projection, Tables, insert

from .adapters.tables import alerts, item_clocks, material_reads, timeline
from .domain.timeline import entry, mask, short_type


def _occurred(event: RecordedEvent) -> datetime:
    when = event.metadata.get("time")
    return datetime.fromisoformat(when) if when else event.recorded_at


async def _clock(event: RecordedEvent, kind: str, tx: Transaction, tables: Tables) -> None:
    data, table = event.data, tables["item_clocks"]
    case_id, item = event.subject, (data.get("item") or {}).get("item_code")
    key = sa.and_(table.c.case_id == case_id, table.c.item_code == item)
    if kind == "ItemAssigned":
        await tx.conn.execute(insert(tx, table).values(
            case_id=case_id, item_code=item, item_version=data["item"]["item_version"],
            department_code=data["department_code"], mode=data["mode"],
            assigned_at=datetime.fromisoformat(data["assigned_at"]), committed_days=data["committed_days"],
            due_on=date.fromisoformat(data["due_on"]), provisional=data.get("deadline_provisional", False),
            status="open", clock_stopped=False, pauses=[]).on_conflict_do_nothing())
        return
    row = (await tx.conn.execute(sa.select(table).where(key))).mappings().first()
    if row is None:
        return  # heard before its assignment (topics are not ordered with each other): nothing to change
    change: dict[str, Any] = {}
    if kind == "ItemSuspended":
        change = {"status": "suspended", "clock_stopped": data.get("clock_stopped", True),
                  "pauses": [*row["pauses"], [data["suspended_at"], None, data["reason"], None]]}
    elif kind == "ItemResumed":
        pauses = [list(p) for p in row["pauses"]]
        if pauses and pauses[-1][1] is None:
            pauses[-1][1], pauses[-1][3] = data["resumed_at"], data["paused_working_days"]
        change = {"status": "open", "clock_stopped": False, "pauses": pauses, "due_on": date.fromisoformat(data["due_on"])}
    elif kind == "ItemExtended":
        change = {"due_on": date.fromisoformat(data["due_on"])}
    elif kind in ("ItemApproved", "ItemRejected", "ItemTerminated"):
        change = {"status": kind.removeprefix("Item").lower(), "clock_stopped": False, "ended_at": _occurred(event)}
    if change:
        await tx.conn.execute(table.update().where(key).values(**change))


async def apply(page: Sequence[RecordedEvent], tx: Transaction, tables: Tables) -> None:
    rows = []
    for event in page:
        kind, data = short_type(event.event_type), event.data
        shown = entry(event.event_type, data)
        rows.append({"case_id": event.subject, "event_id": str(event.event_id), "position": event.position,
                     "occurred_at": _occurred(event), "event_type": kind, "actor_role": shown.actor_role,
                     "actor": shown.actor, "department_code": shown.department_code, "item_code": shown.item_code,
                     "summary": shown.summary})
        if kind.startswith("Item"):
            await _clock(event, kind, tx, tables)
        elif kind == "MaterialAccessed":
            reader = data["accessed_by"]
            await tx.conn.execute(insert(tx, tables["material_reads"]).values(
                event_id=str(event.event_id), case_id=event.subject, material_id=data["material_id"],
                type_code=data["type_code"], department_code=reader.get("department_code"), reader=mask(reader["ref"]),
                purpose=data["purpose"], read_at=datetime.fromisoformat(data["accessed_at"])).on_conflict_do_nothing())
        elif kind in ("DeadlineWarningRaised", "DeadlineBreached"):
            await tx.conn.execute(insert(tx, tables["alerts"]).values(
                case_id=event.subject, item_code=data["item"]["item_code"],
                level="yellow" if kind == "DeadlineWarningRaised" else "red", department_code=data["department_code"],
                due_on=date.fromisoformat(data["due_on"]), raised_at=_occurred(event)).on_conflict_do_nothing())
    if rows:
        await tx.conn.execute(insert(tx, tables["timeline"]).values(rows).on_conflict_do_nothing())


SUPERVISION = Projection("supervision", [timeline, item_clocks, material_reads, alerts], apply)
