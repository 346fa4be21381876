"""The supervisor's queries under /v1: open items, alerts, the overdue list, a case's timeline and
clocks, throughput and handling time per item, and who read which material under which grant."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request

from onewindow_chassis.auth import Principal, current_principal
from onewindow_chassis.clock import SHANGHAI
from onewindow_chassis.problems import DomainError

from ..adapters.tables import alerts, item_clocks, material_reads, timeline
from ..service_layer.alerts import due

router = APIRouter(prefix="/v1", tags=["supervision"])


def _supervisor(principal: Principal = Depends(current_principal)) -> Principal:
    """Supervisors read everything; a department's reviewers read what concerns their department."""
    if principal.role not in ("supervisor", "department_reviewer", "department_system"):
        raise DomainError("forbidden", "forbidden", "无权查看监察信息", "Only supervisors and departments read this")
    return principal


def _scope(principal: Principal, department: str | None) -> str | None:
    return department if principal.role == "supervisor" else principal.department_code


def _jsonable(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(row).items()}


def _clock_view(row: Any, request: Request) -> dict[str, Any]:
    state = request.app.state.supervision
    now = state.clock.now()
    view = _jsonable(row)
    today = now.astimezone(SHANGHAI).date()
    if row["status"] in ("open", "suspended"):
        paused = sum(p[3] or 0 for p in row["pauses"])
        accepted_on = row["assigned_at"].astimezone(SHANGHAI).date()
        view["working_days_elapsed"] = max(0, state.calendar.working_days_between(accepted_on, today).days - paused)
        left = state.calendar.working_days_between(today, row["due_on"]).days
        view["working_days_left"] = left if today <= row["due_on"] else -max(1, -left)
        view["light"] = "paused" if row["clock_stopped"] else (due(dict(row), state.calendar, now, state.warn_within)
                                                               or "green")
    return view


@router.get("/items")
async def open_items(request: Request, principal: Principal = Depends(_supervisor),
                     department: str | None = None, item_code: str | None = None,
                     status: str = Query(default="open"), limit: int = Query(default=100, ge=1, le=500)) -> list[dict]:
    """Items by department, item and state, the nearest deadline first."""
    query = sa.select(item_clocks).where(item_clocks.c.status == status).order_by(item_clocks.c.due_on).limit(limit)
    if (scope := _scope(principal, department)) is not None:
        query = query.where(item_clocks.c.department_code == scope)
    if item_code:
        query = query.where(item_clocks.c.item_code == item_code)
    async with request.app.state.db.transaction() as tx:
        return [_clock_view(r, request) for r in (await tx.conn.execute(query)).mappings()]


@router.get("/alerts")
async def list_alerts(request: Request, principal: Principal = Depends(_supervisor),
                      level: str | None = Query(default=None, pattern="^(yellow|red)$")) -> list[dict]:
    query = sa.select(alerts).order_by(alerts.c.raised_at.desc())
    if level:
        query = query.where(alerts.c.level == level)
    if (scope := _scope(principal, None)) is not None:
        query = query.where(alerts.c.department_code == scope)
    async with request.app.state.db.transaction() as tx:
        return [_jsonable(r) for r in (await tx.conn.execute(query)).mappings()]


@router.get("/overdue")
async def overdue(request: Request, principal: Principal = Depends(_supervisor)) -> list[dict]:
    today: date = request.app.state.supervision.clock.now().astimezone(SHANGHAI).date()
    query = sa.select(item_clocks).where(item_clocks.c.status.in_(("open", "suspended")),
                                         item_clocks.c.due_on < today).order_by(item_clocks.c.due_on)
    if (scope := _scope(principal, None)) is not None:
        query = query.where(item_clocks.c.department_code == scope)
    async with request.app.state.db.transaction() as tx:
        return [_clock_view(r, request) for r in (await tx.conn.execute(query)).mappings()]


@router.get("/cases/{case_id}/timeline")
async def case_timeline(request: Request, case_id: str, principal: Principal = Depends(_supervisor)) -> dict:
    async with request.app.state.db.transaction() as tx:
        events = (await tx.conn.execute(sa.select(timeline).where(timeline.c.case_id == case_id)
                                        .order_by(timeline.c.position))).mappings().all()
        clocks = (await tx.conn.execute(sa.select(item_clocks).where(item_clocks.c.case_id == case_id))).mappings().all()
    scope = _scope(principal, None)
    if not events or (scope is not None and all(c["department_code"] != scope for c in clocks)):
        raise DomainError("not_found", "not_found", "办件不存在", "No such case")
    return {"case_id": case_id, "events": [_jsonable(e) for e in events],
            "items": [_clock_view(c, request) for c in clocks]}


@router.get("/stats/items")
async def item_statistics(request: Request, principal: Principal = Depends(_supervisor)) -> list[dict]:
    """Throughput and mean handling time (calendar hours from acceptance to decision) per item."""
    async with request.app.state.db.transaction() as tx:
        rows = (await tx.conn.execute(sa.select(item_clocks))).mappings().all()
    per_item: dict[str, dict[str, Any]] = defaultdict(lambda: {"open": 0, "decided": 0, "hours": 0.0})
    for row in rows:
        stats = per_item[row["item_code"]]
        if row["ended_at"] is None:
            stats["open"] += 1
        else:
            stats["decided"] += 1
            stats["hours"] += (row["ended_at"] - row["assigned_at"]).total_seconds() / 3600
    return [{"item_code": code, "open": s["open"], "decided": s["decided"],
             "mean_handling_hours": round(s["hours"] / s["decided"], 2) if s["decided"] else None}
            for code, s in sorted(per_item.items())]


@router.get("/audit/materials")
async def material_audit(request: Request, case_id: str, principal: Principal = Depends(_supervisor)) -> list[dict]:
    """数据共享 audit: who read which material of the case, for what purpose, when."""
    async with request.app.state.db.transaction() as tx:
        rows = (await tx.conn.execute(sa.select(material_reads).where(material_reads.c.case_id == case_id)
                                      .order_by(material_reads.c.read_at))).mappings().all()
    scope = _scope(principal, None)
    return [_jsonable(r) for r in rows if scope is None or r["department_code"] == scope]
