"""Certificates' own tables (beside the chassis's events, outbox and tracking): local copies of what it
hears, and the register of issued licences kept in step with their streams."""
from __future__ import annotations

import sqlalchemy as sa

from onewindow_chassis.schema import UtcTime

metadata = sa.MetaData()

# Every catalogue item version heard of (a case keeps the version it was accepted under): only what
# issuing needs — which licence type an approval yields, and who issues it.
catalogue_items = sa.Table(
    "catalogue_items", metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("department_code", sa.Text, nullable=False),
    sa.Column("region_code", sa.Text, nullable=False),
    sa.Column("licence_type_code", sa.Text, nullable=True),
)

# 持证主体: approval's events do not name the applicant; intake's ApplicationReceived does, by opaque ref.
holders = sa.Table(
    "holders", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("applicant_ref", sa.Text, nullable=False, index=True),
    sa.Column("applicant_kind", sa.Text, nullable=False),
    sa.Column("received_at", UtcTime(), nullable=False),
)

# Approved items that yield a licence, until it is issued: `held` waits for ItemResultReleased (容缺),
# `void` was found on a false commitment before its licence could be issued.
approvals = sa.Table(
    "approvals", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("item_version", sa.Integer, nullable=False),
    sa.Column("department_code", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("approved_at", UtcTime(), nullable=False),
)

# 电子证照库: one row per licence, written in the same transaction as its stream's events.
licences = sa.Table(
    "licences", metadata,
    sa.Column("licence_id", sa.Text, primary_key=True),
    sa.Column("stream_id", sa.Text, nullable=False, unique=True),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("item_version", sa.Integer, nullable=False),
    sa.Column("holder_ref", sa.Text, nullable=False, index=True),
    sa.Column("holder_kind", sa.Text, nullable=False),
    sa.Column("type_code", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("licence_no", sa.Text, nullable=False),
    sa.Column("issuer_code", sa.Text, nullable=False),
    sa.Column("issuer_name", sa.Text, nullable=False),
    sa.Column("region_code", sa.Text, nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("issued_at", UtcTime(), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("revoked_at", UtcTime(), nullable=True),
    sa.Column("revocation_reason", sa.Text, nullable=True),
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("qr_payload", sa.Text, nullable=False),
    sa.Column("document", sa.LargeBinary, nullable=False),
    sa.Column("document_sha256", sa.Text, nullable=False),
)

# 免证办 reads by other systems: who read which licence, for what (用途/事由 is mandatory), when.
licence_reads = sa.Table(
    "licence_reads", metadata,
    sa.Column("read_id", sa.Text, primary_key=True),
    sa.Column("licence_id", sa.Text, nullable=False, index=True),
    sa.Column("reader", sa.Text, nullable=False),
    sa.Column("department_code", sa.Text, nullable=True),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("read_at", UtcTime(), nullable=False),
)
