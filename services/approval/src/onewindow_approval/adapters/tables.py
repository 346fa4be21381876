"""Approval's own tables: local copies of what it hears (catalogue, cases at intake) and its queue."""
from __future__ import annotations

import sqlalchemy as sa

from onewindow_chassis.schema import Json, UtcTime

metadata = sa.MetaData()

# Every catalogue item version approval heard of (a case keeps the version it was accepted under).
catalogue_items = sa.Table(
    "catalogue_items", metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("record", Json, nullable=False),
)

# What intake said about a case that approval needs: the applicant, shared materials, what is owed.
intake_cases = sa.Table(
    "intake_cases", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("applicant_ref", sa.Text, nullable=False),
    sa.Column("materials", Json, nullable=False),  # MaterialRefs as shared, with their grants
    sa.Column("commitments", Json, nullable=False),  # item code -> commitment id
    sa.Column("owed", Json, nullable=False),  # item code -> 容缺 type codes still owed
)

# 部门待办: one row per item, kept in the same transaction as the item's events.
queue = sa.Table(
    "queue", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("item_version", sa.Integer, nullable=False),
    sa.Column("department_code", sa.Text, nullable=False, index=True),
    sa.Column("mode", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcTime(), nullable=False),
)
