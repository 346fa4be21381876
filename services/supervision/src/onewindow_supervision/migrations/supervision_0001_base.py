"""The supervision service's history starts here, on top of the chassis's tables.

Revision ID: supervision_0001
"""
revision = "supervision_0001"
down_revision = None
branch_labels = ("supervision",)
depends_on = "chassis_0001"


def upgrade() -> None:
    """No domain tables yet: the chassis's event store, outbox and tracking are all supervision needs so far."""


def downgrade() -> None:
    pass
