"""The evaluation service's history starts here, on top of the chassis's tables.

Revision ID: evaluation_0001
"""
revision = "evaluation_0001"
down_revision = None
branch_labels = ("evaluation",)
depends_on = "chassis_0001"


def upgrade() -> None:
    """No domain tables yet: the chassis's event store, outbox and tracking are all evaluation needs so far."""


def downgrade() -> None:
    pass
