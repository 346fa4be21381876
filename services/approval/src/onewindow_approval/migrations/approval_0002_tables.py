"""Approval's tables: the local catalogue, intake's cases as approval needs them, the department queue.

Revision ID: approval_0002
"""
from alembic import op

from onewindow_approval.adapters import tables

revision = "approval_0002"
down_revision = "approval_0001"
branch_labels = None
depends_on = None

_TABLES = ("catalogue_items", "intake_cases", "queue")  # as of this revision


def upgrade() -> None:
    tables.metadata.create_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])


def downgrade() -> None:
    tables.metadata.drop_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])
