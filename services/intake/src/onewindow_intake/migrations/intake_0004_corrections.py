"""补正 requests heard from approval, until the applicant answers them.

Revision ID: intake_0004
"""
from alembic import op

from onewindow_intake.adapters.tables import corrections

revision = "intake_0004"
down_revision = "intake_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    corrections.create(op.get_bind())


def downgrade() -> None:
    corrections.drop(op.get_bind())
