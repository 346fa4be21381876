"""Intake's own tables (beside the chassis's events, outbox and tracking)."""
from __future__ import annotations

import sqlalchemy as sa

from onewindow_chassis.schema import Json, UtcTime

metadata = sa.MetaData()

catalogue_items = sa.Table(
    "catalogue_items", metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("record", Json, nullable=False),  # the published CatalogueItemVersionPublished
    sa.Column("form_fields", Json, nullable=False),
)

# The person behind an applicant ref. The identity number is sealed under the person's own key; the
# blind index (an HMAC under the service key) finds the same person again without keeping it in clear.
applicants = sa.Table(
    "applicants", metadata,
    sa.Column("applicant_ref", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("blind_index", sa.Text, nullable=False, unique=True),
    sa.Column("identity", Json, nullable=False),  # Sealed
    sa.Column("created_at", UtcTime(), nullable=False),
)

# 材料库: each document once per applicant (content-addressed), with its type and validity.
materials = sa.Table(
    "materials", metadata,
    sa.Column("material_id", sa.Text, primary_key=True),
    sa.Column("applicant_ref", sa.Text, nullable=False, index=True),
    sa.Column("type_code", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("licence_id", sa.Text, nullable=True),
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("uploaded_at", UtcTime(), nullable=False),
    sa.UniqueConstraint("applicant_ref", "type_code", "sha256", name="materials_once_per_applicant"),
)

material_blobs = sa.Table(
    "material_blobs", metadata,
    sa.Column("sha256", sa.Text, primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

application_forms = sa.Table(
    "application_forms", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("answers", Json, nullable=False),  # personal answers Sealed
)

# 办件 as intake lists them: written in the same transaction as the case's events.
cases = sa.Table(
    "cases", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("applicant_ref", sa.Text, nullable=False, index=True),
    sa.Column("agent_ref", sa.Text, nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("bundle_code", sa.Text, nullable=True),
    sa.Column("region_code", sa.Text, nullable=False),
    sa.Column("departments", Json, nullable=False),
    sa.Column("received_at", UtcTime(), nullable=False, index=True),
    sa.Column("updated_at", UtcTime(), nullable=False),
)

# 信用监管: applicants barred from 告知承诺, fed by approval's CreditMarked events.
credit_marks = sa.Table(
    "credit_marks", metadata,
    sa.Column("applicant_ref", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("until", sa.Date, nullable=True),
    sa.Column("marked_at", UtcTime(), nullable=False),
)

# 帮办代办: an applicant's signed authorisation for an agent to act for them.
delegations = sa.Table(
    "delegations", metadata,
    sa.Column("delegation_id", sa.Text, primary_key=True),
    sa.Column("applicant_ref", sa.Text, nullable=False, index=True),
    sa.Column("agent_ref", sa.Text, nullable=False, index=True),
    sa.Column("acts", Json, nullable=False),
    sa.Column("authorisation", Json, nullable=False),  # MaterialRef of the signed 授权委托书
    sa.Column("valid_until", UtcTime(), nullable=True),
    sa.Column("created_at", UtcTime(), nullable=False),
)

# 补正: corrections departments asked for (heard from approval's ItemSuspended), until answered.
corrections = sa.Table(
    "corrections", metadata,
    sa.Column("suspension_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False, index=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("department_code", sa.Text, nullable=False),
    sa.Column("requested", Json, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("requested_at", UtcTime(), nullable=False),
    sa.Column("answered_at", UtcTime(), nullable=True),
)
