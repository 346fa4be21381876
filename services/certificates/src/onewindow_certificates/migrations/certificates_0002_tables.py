"""Certificates' tables: the local catalogue and holders, approvals awaiting a licence, the licence
register, and the audit of 免证办 reads.

Revision ID: certificates_0002
"""
from alembic import op

from onewindow_certificates.adapters import tables

# The tables as of this revision; tables added later come with their own revisions.
_TABLES = ("catalogue_items", "holders", "approvals", "licences", "licence_reads")

revision = "certificates_0002"
down_revision = "certificates_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables.metadata.create_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])


def downgrade() -> None:
    tables.metadata.drop_all(op.get_bind(), tables=[tables.metadata.tables[name] for name in _TABLES])
