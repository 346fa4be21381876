"""Evaluation's own tables: what it heard of cases, the stages open to rating, the applicant's own words
(kept here, never in an event), the rectification desk, appeals; and the statistics read model."""
from __future__ import annotations

import sqlalchemy as sa

from onewindow_chassis.schema import Json, UtcTime

metadata = sa.MetaData()

# What intake and approval said about a case that evaluation needs: whose it is, its items and departments.
cases = sa.Table(
    "evaluation_cases", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("applicant_ref", sa.Text, nullable=False),
    sa.Column("region_code", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("bundle_code", sa.Text, nullable=True),
    sa.Column("items", Json, nullable=False),  # item code -> {"item_version": n, "department_code": code|None}
)

# 可评价环节: a stage (and item; "" for a bundle's overall rating) the applicant may rate, and whom it is about.
stages = sa.Table(
    "evaluation_stages", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("stage", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("item_version", sa.Integer, nullable=True),
    sa.Column("department_code", sa.Text, nullable=True),
    sa.Column("staff_ref", sa.Text, nullable=True),
    sa.Column("ratable_at", UtcTime(), nullable=False),
)

# The applicant's own words and indicator scores: personal data stays in this service.
remarks = sa.Table(
    "evaluation_remarks", metadata,
    sa.Column("subject_id", sa.Text, primary_key=True),  # an evaluation id or a complaint id
    sa.Column("case_id", sa.Text, nullable=True, index=True),
    # Whose words (an applicant ref, None when anonymous): a complaint without a case is found by it on erasure.
    sa.Column("author_ref", sa.Text, nullable=True, index=True),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("scores", Json, nullable=False),  # indicator -> stars
    sa.Column("filed_at", UtcTime(), nullable=False),
)

# 整改台账: where each rectification lives (its stream) and how it stands, for the department desk.
rectifications = sa.Table(
    "evaluation_rectifications", metadata,
    sa.Column("rectification_id", sa.Text, primary_key=True),
    sa.Column("stream_id", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=True),
    sa.Column("complaint_id", sa.Text, nullable=True),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("department_code", sa.Text, nullable=False, index=True),
    sa.Column("window_ref", sa.Text, nullable=True),
    sa.Column("verify_due_on", sa.Date, nullable=False),
    sa.Column("rectify_due_on", sa.Date, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # open | overdue | answered
    sa.Column("on_time", sa.Boolean, nullable=True),
    sa.Column("opened_at", UtcTime(), nullable=False),
    sa.Column("answered_at", UtcTime(), nullable=True),
)

# 申诉: a department disputes a bad rating; a supervisor decides (the decision is the event).
appeals = sa.Table(
    "evaluation_appeals", metadata,
    sa.Column("appeal_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("evaluation_id", sa.Text, nullable=False, unique=True),
    sa.Column("department_code", sa.Text, nullable=True),
    sa.Column("grounds", sa.Text, nullable=False),
    sa.Column("filed_by", sa.Text, nullable=False),
    sa.Column("filed_at", UtcTime(), nullable=False),
    sa.Column("outcome", sa.Text, nullable=True),
)

# --- the statistics projection (rebuilt from evaluation's own events) ---------------------------------------

stat_ratings = sa.Table(
    "evaluation_stat_ratings", metadata,
    sa.Column("evaluation_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text, nullable=True),
    sa.Column("department_code", sa.Text, nullable=True),
    sa.Column("window_ref", sa.Text, nullable=True),
    sa.Column("channel", sa.Text, nullable=True),  # None: a default rating
    sa.Column("stars", sa.Integer, nullable=False),
    sa.Column("bad", sa.Boolean, nullable=False),
    sa.Column("defaulted", sa.Boolean, nullable=False),
    sa.Column("filed_on", sa.Date, nullable=False),  # Asia/Shanghai
    sa.Column("excluded", sa.Boolean, nullable=False),  # an upheld appeal takes it out of the statistics
)

stat_complaints = sa.Table(
    "evaluation_stat_complaints", metadata,
    sa.Column("complaint_id", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text, nullable=True),
    sa.Column("department_code", sa.Text, nullable=True),
    sa.Column("filed_on", sa.Date, nullable=False),
)

stat_rectifications = sa.Table(
    "evaluation_stat_rectifications", metadata,
    sa.Column("rectification_id", sa.Text, primary_key=True),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text, nullable=True),
    sa.Column("department_code", sa.Text, nullable=False),
    sa.Column("window_ref", sa.Text, nullable=True),
    sa.Column("channel", sa.Text, nullable=True),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("rectify_due_on", sa.Date, nullable=False),
    sa.Column("answered_on", sa.Date, nullable=True),
    sa.Column("on_time", sa.Boolean, nullable=True),
)
