"""The supervision projection: timelines, item clocks, material reads and alerts, from the archive of
every event heard (plus supervision's own alerts). One projection, one cursor: rebuilt and verified
as a whole.

A page of events is folded in memory and written in a few statements, whatever its size: one per
event would cap a rebuild at the round-trip rate (bench/README.md, "Supervision").
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import RecordedEvent
from onewindow_chassis.projections import Projection, Tables, insert

from .adapters.tables import alerts, item_clocks, material_reads, timeline
from .domain.timeline import ERASED_ACTOR, entry, mask, short_type

_ENDED = ("ItemApproved", "ItemRejected", "ItemTerminated")
_CLOCK_EVENTS = ("ItemAssigned", "ItemSuspended", "ItemResumed", "ItemExtended", *_ENDED)


def _occurred(event: RecordedEvent) -> datetime:
    when = event.metadata.get("time")
    return datetime.fromisoformat(when) if when else event.recorded_at


def _assigned(event: RecordedEvent) -> dict[str, Any]:
    data = event.data
    return {"case_id": event.subject, "item_code": data["item"]["item_code"],
            "item_version": data["item"]["item_version"], "department_code": data["department_code"],
            "mode": data["mode"], "assigned_at": datetime.fromisoformat(data["assigned_at"]),
            "committed_days": data["committed_days"], "due_on": date.fromisoformat(data["due_on"]),
            "provisional": data.get("deadline_provisional", False), "status": "open", "clock_stopped": False,
            "pauses": [], "ended_at": None}


def _changed(row: dict[str, Any], kind: str, event: RecordedEvent) -> None:
    """Fold one of approval's clock events into the item's row (approval's events carry every deadline)."""
    data = event.data
    if kind == "ItemSuspended":
        row.update(status="suspended", clock_stopped=data.get("clock_stopped", True),
                   pauses=[*row["pauses"], [data["suspended_at"], None, data["reason"], None]])
    elif kind == "ItemResumed":
        pauses = [list(p) for p in row["pauses"]]
        if pauses and pauses[-1][1] is None:
            pauses[-1][1], pauses[-1][3] = data["resumed_at"], data["paused_working_days"]
        row.update(status="open", clock_stopped=False, pauses=pauses, due_on=date.fromisoformat(data["due_on"]))
    elif kind == "ItemExtended":
        row["due_on"] = date.fromisoformat(data["due_on"])
    elif kind in _ENDED:
        row.update(status=kind.removeprefix("Item").lower(), clock_stopped=False, ended_at=_occurred(event))


async def _clocks(page: Sequence[RecordedEvent], tx: Transaction, table: sa.Table) -> None:
    """Every clock event of the page folded into its item's row; the rows read once and written once."""
    clock_events = [(e, short_type(e.event_type)) for e in page if short_type(e.event_type) in _CLOCK_EVENTS]
    if not clock_events:
        return
    keys = {(e.subject, e.data["item"]["item_code"]) for e, _ in clock_events}
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    found = await tx.conn.execute(sa.select(table).where(
        sa.tuple_(table.c.case_id, table.c.item_code).in_(list(keys))))
    for row in found.mappings():
        rows[(row["case_id"], row["item_code"])] = dict(row)
    for event, kind in clock_events:
        key = (event.subject, event.data["item"]["item_code"])
        if kind == "ItemAssigned":
            rows.setdefault(key, _assigned(event))
        elif key in rows:  # else heard before its assignment (topics are not ordered with each other)
            _changed(rows[key], kind, event)
    if rows:
        upsert = insert(tx, table)
        columns = [c.name for c in table.columns if c.name not in ("case_id", "item_code")]
        await tx.conn.execute(upsert.on_conflict_do_update(
            index_elements=["case_id", "item_code"], set_={c: upsert.excluded[c] for c in columns}), list(rows.values()))


async def apply(page: Sequence[RecordedEvent], tx: Transaction, tables: Tables) -> None:
    shown, reads, raised, erased = [], [], [], []
    for event in page:
        if short_type(event.event_type) == "ApplicantErased":
            continue  # about a person, not a case: each of their cases shows its own PersonalDataErased
        kind, data, seen = short_type(event.event_type), event.data, entry(event.event_type, event.data)
        shown.append({"case_id": event.subject, "event_id": str(event.event_id), "position": event.position,
                      "occurred_at": _occurred(event), "event_type": kind, "actor_role": seen.actor_role,
                      "actor": seen.actor, "department_code": seen.department_code, "item_code": seen.item_code,
                      "summary": seen.summary})
        if kind == "MaterialAccessed":
            reader = data["accessed_by"]
            reads.append({"event_id": str(event.event_id), "case_id": event.subject, "material_id": data["material_id"],
                          "type_code": data["type_code"], "department_code": reader.get("department_code"),
                          "reader": mask(reader["ref"]), "purpose": data["purpose"],
                          "read_at": datetime.fromisoformat(data["accessed_at"])})
        elif kind == "PersonalDataErased":
            erased.append({"case": event.subject, "masked": mask(data["applicant_ref"])})
        elif kind in ("DeadlineWarningRaised", "DeadlineBreached"):
            raised.append({"case_id": event.subject, "item_code": data["item"]["item_code"],
                           "level": "yellow" if kind == "DeadlineWarningRaised" else "red",
                           "department_code": data["department_code"], "due_on": date.fromisoformat(data["due_on"]),
                           "raised_at": _occurred(event)})
    await _clocks(page, tx, tables["item_clocks"])
    # A list of rows is sent as one statement compiled once (executemany), never as one giant VALUES.
    for name, rows in (("timeline", shown), ("material_reads", reads), ("alerts", raised)):
        if rows:
            await tx.conn.execute(insert(tx, tables[name]).on_conflict_do_nothing(), rows)
    if erased:  # after the inserts: the applicant's own rows may be in this very page
        table = tables["timeline"]
        await tx.conn.execute(table.update().where(table.c.case_id == sa.bindparam("case"),
                                                   table.c.actor == sa.bindparam("masked"))
                              .values(actor=ERASED_ACTOR), erased)


SUPERVISION = Projection("supervision", [timeline, item_clocks, material_reads, alerts], apply)
