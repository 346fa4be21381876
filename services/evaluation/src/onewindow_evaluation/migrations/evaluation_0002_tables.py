"""Evaluation's tables: cases and stages heard, remarks, the rectification desk, appeals, statistics.

Revision ID: evaluation_0002
"""
from alembic import op

from onewindow_evaluation.adapters import tables

revision = "evaluation_0002"
down_revision = "evaluation_0001"
branch_labels = None
depends_on = None

_TABLES = ("evaluation_cases", "evaluation_stages", "evaluation_remarks", "evaluation_rectifications",
           "evaluation_appeals", "evaluation_stat_ratings", "evaluation_stat_complaints",
           "evaluation_stat_rectifications")  # as of this revision


def upgrade() -> None:
    tables.metadata.create_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])


def downgrade() -> None:
    tables.metadata.drop_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])
