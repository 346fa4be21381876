"""The notify service's history starts here, on top of the chassis's tables.

Revision ID: notify_0001
"""
revision = "notify_0001"
down_revision = None
branch_labels = ("notify",)
depends_on = "chassis_0001"


def upgrade() -> None:
    """No domain tables yet: the chassis's event store, outbox and tracking are all notify needs so far."""


def downgrade() -> None:
    pass
