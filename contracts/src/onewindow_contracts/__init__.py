"""OneWindow contracts: the events that cross service boundaries.

Importing the package imports every event module, so the registry (`EVENTS`) is always complete:
a consumer can `decode` any event type without knowing which module defines it.

    from onewindow_contracts import decode, encode
    from onewindow_contracts.intake import ApplicationReceived
"""

from onewindow_contracts import (  # noqa: F401  (imported for their registrations)
    approval,
    catalogue,
    certificates,
    evaluation,
    intake,
    materials,
    notify,
    supervision,
    verification,
)
from onewindow_contracts.base import (
    EVENTS,
    SCHEMA_VERSION_ATTRIBUTE,
    CaseEvent,
    ContractError,
    Event,
    Sealed,
    UnknownEventType,
    UnsupportedVersion,
    as_data,
    decode,
    encode,
    event_types,
    latest,
    upcaster,
)
from onewindow_contracts.topics import TOPICS, Topic

__all__ = [
    "EVENTS",
    "SCHEMA_VERSION_ATTRIBUTE",
    "TOPICS",
    "CaseEvent",
    "ContractError",
    "Event",
    "Sealed",
    "Topic",
    "UnknownEventType",
    "UnsupportedVersion",
    "as_data",
    "decode",
    "encode",
    "event_types",
    "latest",
    "upcaster",
]
