"""The chassis's tables, present in every service's database (each service's first migration
installs them). Domain tables live in the services; these hold no domain words."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import UserDefinedType

metadata = sa.MetaData()


class XID8(UserDefinedType):
    """PostgreSQL's 64-bit transaction id: the order in which a reader may safely see events."""

    cache_ok = True

    def get_col_spec(self, **_kw: object) -> str:
        return "xid8"


Json = sa.JSON().with_variant(JSONB(), "postgresql")
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: INTEGER PK == rowid


class UtcTime(sa.TypeDecorator):
    """Aware UTC in, aware UTC out, on every dialect (SQLite keeps no zone: store naive UTC there)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


events = sa.Table(
    "events",
    metadata,
    sa.Column("position", Position, primary_key=True, autoincrement=True),
    # The writing transaction (PostgreSQL); 0 on SQLite, whose single writer commits in order.
    sa.Column("tx_id", sa.BigInteger().with_variant(XID8(), "postgresql"), nullable=False),
    sa.Column("stream_id", sa.Text, nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("metadata", Json, nullable=False),
    sa.Column("recorded_at", UtcTime(), nullable=False),
    sa.UniqueConstraint("stream_id", "stream_version", name="events_stream_version_key"),
    sa.Index("events_tx_position_idx", "tx_id", "position"),
)

# Events waiting for the relay. A row names the stored event; the relay deletes it once Kafka acked.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", Position, primary_key=True, autoincrement=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("message_key", sa.Text, nullable=False),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("stream_id", sa.Text, primary_key=True),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("state", Json, nullable=False),
    sa.Column("taken_at", UtcTime(), nullable=False),
)

# What a consumer has handled, written in the same transaction as the handler's effects.
processed_messages = sa.Table(
    "processed_messages",
    metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("message_id", sa.Text, primary_key=True),
    sa.Column("processed_at", UtcTime(), nullable=False),
)

# Where a reader of the event log (a projection, a rebuild) has got to.
read_positions = sa.Table(
    "read_positions",
    metadata,
    sa.Column("reader", sa.Text, primary_key=True),
    sa.Column("tx_id", sa.BigInteger, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcTime(), nullable=False),
)

# Durable timers: scheduled in the transaction that decides them, fired at most once in effect.
timers = sa.Table(
    "timers",
    metadata,
    sa.Column("timer_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("due_at", UtcTime(), nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("fired_at", UtcTime(), nullable=True),
    sa.Column("cancelled_at", UtcTime(), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("timers_due_idx", "due_at", sa.text("fired_at"), sa.text("cancelled_at")),
)

# Per-person data keys (crypto-shredding): erasing a key erases that person from every event. A person
# erased who comes back later gets a key of a new generation; the erased ones stay erased.
subject_keys = sa.Table(
    "subject_keys",
    metadata,
    # the key's id, named in every value sealed with it: the person's ref, then ref:k2, ref:k3, …
    sa.Column("subject_ref", sa.Text, primary_key=True),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
    sa.Column("created_at", UtcTime(), nullable=False),
    sa.Column("erased_at", UtcTime(), nullable=True),
    sa.Column("person_ref", sa.Text, nullable=False),
    sa.Column("generation", sa.Integer, nullable=False, server_default="1"),
    sa.Index("subject_keys_person_idx", "person_ref", "generation", unique=True),
)

# Replies to state-changing POSTs, kept by Idempotency-Key so a retried request changes nothing.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("principal", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcTime(), nullable=False),
)

OUTBOX_CHANNEL = "onewindow_outbox"

_POSTGRES_EXTRAS = [
    # Wake the relay at commit (NOTIFY is delivered only if the transaction commits).
    f"""CREATE OR REPLACE FUNCTION onewindow_outbox_notify() RETURNS trigger AS $$
        BEGIN PERFORM pg_notify('{OUTBOX_CHANNEL}', current_schema()); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS outbox_notify ON outbox",
    """CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
        FOR EACH STATEMENT EXECUTE FUNCTION onewindow_outbox_notify()""",
]


def install(connection: sa.Connection) -> None:
    """Create the chassis's tables (a service's first migration calls this through `op.get_bind()`)."""
    metadata.create_all(connection)
    if connection.dialect.name == "postgresql":
        for statement in _POSTGRES_EXTRAS:
            connection.exec_driver_sql(statement)


def uninstall(connection: sa.Connection) -> None:
    metadata.drop_all(connection)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS onewindow_outbox_notify()")
