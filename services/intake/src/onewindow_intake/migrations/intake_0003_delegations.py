"""帮办代办: delegations from applicants to agents.

Revision ID: intake_0003
"""
from alembic import op

from onewindow_intake.adapters.tables import delegations

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    delegations.create(op.get_bind())


def downgrade() -> None:
    delegations.drop(op.get_bind())
