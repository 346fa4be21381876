"""Intake's tables: catalogue versions, applicants, the materials vault, forms, cases, credit marks.

Revision ID: intake_0002
"""
from alembic import op

from onewindow_intake.adapters.tables import metadata

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
