"""Notify's tables: cases heard of, sealed contacts, notifications (the send intents), deliveries.

Revision ID: notify_0002
"""
from alembic import op

from onewindow_notify.adapters import tables

revision = "notify_0002"
down_revision = "notify_0001"
branch_labels = None
depends_on = None

_TABLES = ("notify_cases", "contacts", "notifications", "deliveries")  # as of this revision


def upgrade() -> None:
    tables.metadata.create_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])


def downgrade() -> None:
    tables.metadata.drop_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])
