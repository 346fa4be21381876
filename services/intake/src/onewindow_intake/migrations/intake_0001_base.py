"""The intake service's history starts here, on top of the chassis's tables.

Revision ID: intake_0001
"""
revision = "intake_0001"
down_revision = None
branch_labels = ("intake",)
depends_on = "chassis_0001"


def upgrade() -> None:
    """No domain tables yet: the chassis's event store, outbox and tracking are all intake needs so far."""


def downgrade() -> None:
    pass
