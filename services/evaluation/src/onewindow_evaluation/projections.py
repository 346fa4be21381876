"""The statistics projection (好差评统计): one row per rating, complaint and rectification, from
evaluation's own event log; GET /v1/statistics aggregates them per item, department, window or channel
over a period. Rebuilt and verified as a whole (`ProjectionRunner.rebuild` / `verify`)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from onewindow_chassis.db import Transaction
from onewindow_chassis.eventstore import RecordedEvent
from onewindow_chassis.projections import Projection, Tables, insert
from onewindow_chassis.workdays.model import shanghai_date
from onewindow_contracts.evaluation import RatingLevel

from .adapters.tables import stat_complaints, stat_ratings, stat_rectifications

_PREFIX = "cn.gov.onewindow.evaluation."


def _day(when: str) -> date:
    return shanghai_date(datetime.fromisoformat(when))


async def _one(tx: Transaction, table: sa.Table, key: sa.ColumnElement[bool]) -> dict[str, Any] | None:
    row = (await tx.conn.execute(sa.select(table).where(key))).mappings().first()
    return dict(row) if row else None


async def apply(page: Sequence[RecordedEvent], tx: Transaction, tables: Tables) -> None:
    ratings, complaints, rectifications = (tables[t.name] for t in (stat_ratings, stat_complaints,
                                                                     stat_rectifications))
    for event in page:
        if not event.event_type.startswith(_PREFIX):
            continue
        kind, data = event.event_type.removeprefix(_PREFIX), event.data
        if kind == "EvaluationFiled":
            level, target = RatingLevel(data["level"]), data["target"]
            await tx.conn.execute(insert(tx, ratings).values(
                evaluation_id=data["evaluation_id"], case_id=data["case_id"], stage=data["stage"],
                item_code=(data.get("item") or {}).get("item_code"), department_code=target.get("department_code"),
                window_ref=target.get("window_ref"), channel=data.get("channel"), stars=level.stars, bad=level.bad,
                defaulted=data.get("defaulted", False), filed_on=_day(data["filed_at"]), excluded=False,
            ).on_conflict_do_nothing())
        elif kind == "ComplaintFiled":
            await tx.conn.execute(insert(tx, complaints).values(
                complaint_id=data["complaint_id"], source=data["source"],
                item_code=(data.get("item") or {}).get("item_code"), department_code=data.get("department_code"),
                filed_on=_day(data["filed_at"])).on_conflict_do_nothing())
        elif kind == "RectificationOpened":
            about: dict[str, Any] = {}
            if data.get("evaluation_id"):
                rated = await _one(tx, ratings, ratings.c.evaluation_id == data["evaluation_id"]) or {}
                about = {"item_code": rated.get("item_code"), "channel": rated.get("channel")}
            elif data.get("complaint_id"):
                filed = await _one(tx, complaints, complaints.c.complaint_id == data["complaint_id"]) or {}
                about = {"item_code": filed.get("item_code"), "channel": None}
            await tx.conn.execute(insert(tx, rectifications).values(
                rectification_id=data["rectification_id"], cause=data["cause"], department_code=data["department_code"],
                window_ref=data.get("window_ref"), opened_on=_day(data["opened_at"]),
                rectify_due_on=date.fromisoformat(data["rectify_due_on"]), answered_on=None, on_time=None,
                **about).on_conflict_do_nothing())
        elif kind == "RectificationAnswered":
            await tx.conn.execute(rectifications.update().where(
                rectifications.c.rectification_id == data["rectification_id"]).values(
                answered_on=_day(data["answered_at"]), on_time=data["on_time"]))
        elif kind == "AppealDecided" and data["outcome"] == "upheld":
            await tx.conn.execute(ratings.update().where(ratings.c.evaluation_id == data["evaluation_id"])
                                  .values(excluded=True))


STATISTICS = Projection("evaluation_statistics", [stat_ratings, stat_complaints, stat_rectifications], apply)

DIMENSIONS = {"item": "item_code", "department": "department_code", "window": "window_ref", "channel": "channel"}


async def statistics(tx: Transaction, by: str, since: date | None, until: date | None) -> list[dict[str, Any]]:
    """Per key of the dimension: ratings, 满意率 (not 差评 over all counted), 差评, default ratings,
    follow-ups, complaints, rectifications opened, answered on time and late. Upheld appeals do not count."""
    column = DIMENSIONS[by]
    rows: dict[Any, dict[str, Any]] = {}

    def slot(key: Any) -> dict[str, Any]:
        return rows.setdefault(key, {"key": key, "ratings": 0, "bad": 0, "satisfied": 0, "defaulted": 0,
                                     "follow_ups": 0, "stars_total": 0, "complaints": 0, "rectifications": 0,
                                     "rectified_on_time": 0, "rectified_late": 0, "rectifications_open": 0})

    def within(col: sa.ColumnElement[Any]) -> list[Any]:
        return [c for c in ((col >= since) if since else None, (col <= until) if until else None) if c is not None]

    r = stat_ratings
    query = (sa.select(r.c[column], sa.func.count(), sa.func.sum(sa.case((r.c.bad, 1), else_=0)),
                       sa.func.sum(sa.case((r.c.defaulted, 1), else_=0)),
                       sa.func.sum(sa.case((r.c.stage == "follow_up", 1), else_=0)), sa.func.sum(r.c.stars))
             .where(r.c.excluded.is_(False), *within(r.c.filed_on)).group_by(r.c[column]))
    for key, count, bad, defaulted, follow_ups, stars in await tx.conn.execute(query):
        s = slot(key)
        s.update(ratings=count, bad=int(bad or 0), satisfied=count - int(bad or 0), defaulted=int(defaulted or 0),
                 follow_ups=int(follow_ups or 0), stars_total=int(stars or 0))
    if by != "channel":
        c = stat_complaints
        if column in c.c:
            query = sa.select(c.c[column], sa.func.count()).where(*within(c.c.filed_on)).group_by(c.c[column])
            for key, count in await tx.conn.execute(query):
                slot(key)["complaints"] = count
    f = stat_rectifications
    query = (sa.select(f.c[column], sa.func.count(), sa.func.sum(sa.case((f.c.on_time.is_(True), 1), else_=0)),
                       sa.func.sum(sa.case((f.c.on_time.is_(False), 1), else_=0)))
             .where(*within(f.c.opened_on)).group_by(f.c[column]))
    for key, count, on_time, late in await tx.conn.execute(query):
        s = slot(key)
        s.update(rectifications=count, rectified_on_time=int(on_time or 0), rectified_late=int(late or 0),
                 rectifications_open=count - int(on_time or 0) - int(late or 0))
    for s in rows.values():
        s["satisfaction_rate"] = round(s["satisfied"] / s["ratings"], 4) if s["ratings"] else None
        s["average_stars"] = round(s.pop("stars_total") / s["ratings"], 2) if s["ratings"] else None
    return sorted(rows.values(), key=lambda s: (s["key"] is None, s["key"] or ""))
