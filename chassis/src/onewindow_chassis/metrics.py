"""What operators watch: events appended, outbox backlog, consumer lag, dead letters (Prometheus)."""
from __future__ import annotations

from prometheus_client import Counter, Gauge

events_appended = Counter(
    "onewindow_events_appended", "Events appended to the event store", ["event_type"]
)
outbox_backlog = Gauge(
    "onewindow_outbox_backlog", "Stored events not yet acknowledged by the bus", ["service"]
)
messages_handled = Counter(
    "onewindow_messages_handled", "Messages a consumer handled (effects committed)", ["consumer"]
)
duplicates_absorbed = Counter(
    "onewindow_duplicates_absorbed", "Redelivered messages a consumer recognised and skipped", ["consumer"]
)
dead_letters = Counter(
    "onewindow_dead_letters", "Messages sent to a dead-letter topic", ["consumer", "topic"]
)
consumer_lag = Gauge(
    "onewindow_consumer_lag", "Records behind the partition's end", ["consumer", "topic", "partition"]
)
