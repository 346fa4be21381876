"""Supervision's read models: timelines, item clocks, material reads, alerts.

Revision ID: supervision_0002
"""
from alembic import op

from onewindow_supervision.adapters import tables

revision = "supervision_0002"
down_revision = "supervision_0001"
branch_labels = None
depends_on = None

_TABLES = ("timeline", "item_clocks", "material_reads", "alerts")  # as of this revision


def upgrade() -> None:
    tables.metadata.create_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])


def downgrade() -> None:
    tables.metadata.drop_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])
