"""Notify's own tables: the cases it heard of, applicants' sealed contacts, notifications, deliveries."""
from __future__ import annotations

import sqlalchemy as sa

from onewindow_chassis.schema import Json, UtcTime

metadata = sa.MetaData()

# Who a case's applicant is and what was applied for (ApplicationReceived): later events name only the case.
cases = sa.Table(
    "notify_cases", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("applicant_ref", sa.Text, nullable=False),
    sa.Column("items", Json, nullable=False),  # ItemRefs as JSON
    sa.Column("delivery_method", sa.Text, nullable=False),
)

# 联系方式 registered by the applicant through PUT /v1/contacts/me, sealed under the applicant's data key.
contacts = sa.Table(
    "contacts", metadata,
    sa.Column("applicant_ref", sa.Text, primary_key=True),
    sa.Column("phone", Json, nullable=True),  # Sealed, or None
    sa.Column("email", Json, nullable=True),  # Sealed, or None
    sa.Column("updated_at", UtcTime(), nullable=False),
)

# One row per (event, recipient, channel), written in the transaction that heard the event: the unique
# key is the dedupe, and a `pending` row is the durable intent the sender loop works off after commit.
notifications = sa.Table(
    "notifications", metadata,
    sa.Column("notification_id", sa.Text, primary_key=True),
    sa.Column("caused_by", sa.Text, nullable=False),
    sa.Column("recipient_ref", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("template_code", sa.Text, nullable=False),
    sa.Column("template_version", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # pending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcTime(), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("provider_message_id", sa.Text, nullable=True),
    sa.Column("stream_version", sa.Integer, nullable=False),  # of the notification's own event stream
    sa.Column("created_at", UtcTime(), nullable=False),
    sa.Column("sent_at", UtcTime(), nullable=True),
    sa.Column("read_at", UtcTime(), nullable=True),
    sa.UniqueConstraint("caused_by", "recipient_ref", "channel", name="notifications_once_key"),
    sa.Index("notifications_due_idx", "status", "next_attempt_at"),
    sa.Index("notifications_inbox_idx", "recipient_ref", "channel", "created_at"),
)

# 统一出件: each hand-over of a case's results, at the window or by free post.
deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("delivery_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False, index=True),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # dispatched | delivered
    sa.Column("items", Json, nullable=False),
    sa.Column("licence_ids", Json, nullable=False),
    sa.Column("carrier", sa.Text, nullable=True),
    sa.Column("waybill_no", sa.Text, nullable=True),
    sa.Column("handled_by", sa.Text, nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("dispatched_at", UtcTime(), nullable=True),
    sa.Column("delivered_at", UtcTime(), nullable=True),
)
