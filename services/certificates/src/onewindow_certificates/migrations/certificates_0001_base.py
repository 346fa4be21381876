"""The certificates service's history starts here, on top of the chassis's tables.

Revision ID: certificates_0001
"""
revision = "certificates_0001"
down_revision = None
branch_labels = ("certificates",)
depends_on = "chassis_0001"


def upgrade() -> None:
    """No domain tables yet: the chassis's event store, outbox and tracking are all certificates needs so far."""


def downgrade() -> None:
    pass
