"""The approval service's history starts here, on top of the chassis's tables.

Revision ID: approval_0001
"""
revision = "approval_0001"
down_revision = None
branch_labels = ("approval",)
depends_on = "chassis_0001"


def upgrade() -> None:
    """No domain tables yet: the chassis's event store, outbox and tracking are all approval needs so far."""


def downgrade() -> None:
    pass
