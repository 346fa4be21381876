"""Remarks name their author, so that erasing an applicant also drops a complaint filed without a case.

Revision ID: evaluation_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "evaluation_0003"
down_revision = "evaluation_0002"
branch_labels = None
depends_on = None

_INDEX = "ix_evaluation_remarks_author_ref"


def upgrade() -> None:
    # evaluation_0002 creates the tables from today's definitions, so a new database has both already.
    inspector = sa.inspect(op.get_bind())
    if "author_ref" not in {c["name"] for c in inspector.get_columns("evaluation_remarks")}:
        op.add_column("evaluation_remarks", sa.Column("author_ref", sa.Text, nullable=True))
    if _INDEX not in {i["name"] for i in inspector.get_indexes("evaluation_remarks")}:
        op.create_index(_INDEX, "evaluation_remarks", ["author_ref"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="evaluation_remarks")
    op.drop_column("evaluation_remarks", "author_ref")
