"""Supervision's read models. Every row is derived from events alone, so every table can be rebuilt
from the archive and compared with the live one (`onewindow-supervision verify`)."""
from __future__ import annotations

import sqlalchemy as sa

from onewindow_chassis.schema import Json, UtcTime

metadata = sa.MetaData()

# 办件时间轴: every event of a case, in the order supervision archived them.
timeline = sa.Table(
    "timeline", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("occurred_at", UtcTime(), nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("actor_role", sa.Text, nullable=True),
    sa.Column("actor", sa.Text, nullable=True),  # masked: enough to tell people apart, not to find them
    sa.Column("department_code", sa.Text, nullable=True),
    sa.Column("item_code", sa.Text, nullable=True),
    sa.Column("summary", sa.Text, nullable=False),
)

# Each item's clock as approval's events state it (they carry every deadline).
item_clocks = sa.Table(
    "item_clocks", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("item_version", sa.Integer, nullable=False),
    sa.Column("department_code", sa.Text, nullable=False),
    sa.Column("mode", sa.Text, nullable=False),
    sa.Column("assigned_at", UtcTime(), nullable=False),
    sa.Column("committed_days", sa.Integer, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # open | suspended | approved | rejected | terminated
    sa.Column("clock_stopped", sa.Boolean, nullable=False),
    sa.Column("pauses", Json, nullable=False),  # [[stopped_at, resumed_at | null, reason, working days]]
    sa.Column("ended_at", UtcTime(), nullable=True),
)

# Who read which material, for which case, under which grant (数据共享 audit).
material_reads = sa.Table(
    "material_reads", metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False, index=True),
    sa.Column("material_id", sa.Text, nullable=False),
    sa.Column("type_code", sa.Text, nullable=False),
    sa.Column("department_code", sa.Text, nullable=True),
    sa.Column("reader", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("read_at", UtcTime(), nullable=False),
)

alerts = sa.Table(
    "alerts", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("level", sa.Text, primary_key=True),  # yellow | red
    sa.Column("department_code", sa.Text, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("raised_at", UtcTime(), nullable=False),
)
