"""The chassis's tables: events, outbox, snapshots, processed messages, read positions, timers,
person keys, idempotency keys.

Revision ID: chassis_0001
"""
from alembic import op

from onewindow_chassis import schema

revision = "chassis_0001"
down_revision = None
branch_labels = ("chassis",)
depends_on = None


def upgrade() -> None:
    schema.install(op.get_bind())


def downgrade() -> None:
    schema.uninstall(op.get_bind())
