"""The working-day calendar's tables: operator-loaded years and days (国办 notices, local days off).

Revision ID: chassis_0002
"""
from alembic import op

from onewindow_chassis import workdays

revision = "chassis_0002"
down_revision = "chassis_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    workdays.install(op.get_bind())


def downgrade() -> None:
    workdays.uninstall(op.get_bind())
