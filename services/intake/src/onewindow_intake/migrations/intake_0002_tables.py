"""Intake's tables: catalogue versions, applicants, the materials vault, forms, cases, credit marks.

Revision ID: intake_0002
"""
from alembic import op

from onewindow_intake.adapters import tables

# The tables as of this revision; tables added later come with their own revisions.
_TABLES = ("catalogue_items", "applicants", "materials", "material_blobs", "application_forms", "cases", "credit_marks")

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables.metadata.create_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])


def downgrade() -> None:
    tables.metadata.drop_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])
