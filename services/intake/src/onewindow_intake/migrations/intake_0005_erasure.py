"""个人信息删除: case closures (retention starts) and the register of erasures.

Revision ID: intake_0005
"""
from alembic import op

from onewindow_intake.adapters.erasure_tables import case_closures, erasures

revision = "intake_0005"
down_revision = "intake_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    case_closures.create(op.get_bind())
    erasures.create(op.get_bind())


def downgrade() -> None:
    erasures.drop(op.get_bind())
    case_closures.drop(op.get_bind())
