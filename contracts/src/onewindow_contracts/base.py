"""The event base class, the registry of event types and versions, and the codec with upcasting.

An event's identity on the wire is the pair (CloudEvents `type`, schema version). The version travels
as the CloudEvents extension attribute `dataschemaversion` (Kafka header `ce_dataschemaversion`), a
positive integer: `dataschema` itself would have to be a URI, and consumers only need to know which
shape of `data` they hold. A consumer decodes any version it knows and always gets the latest class:
older payloads are upcast by pure dict-to-dict functions, so stored history never has to be rewritten.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from onewindow_contracts.topics import TOPICS
from onewindow_contracts.values import CaseId, Ident, Value

TYPE_PREFIX = "cn.gov.onewindow."
SCHEMA_VERSION_ATTRIBUTE = "dataschemaversion"

_BASE64 = r"^[A-Za-z0-9+/]*={0,2}$"


class Sealed(Value):
    """A personal field (ID number, phone, address …) sealed for the consumers that truly need it.

    Encrypted (AEAD) under the applicant's own data key `key_id`; only holders of that key can open it.
    Erasing the key (PersonalDataErased) makes every copy unreadable at once, in every topic and store:
    crypto-shredding, since events themselves are never rewritten."""

    key_id: Ident
    algorithm: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,32}$")] = "A256GCM"
    nonce: Annotated[str, StringConstraints(min_length=4, max_length=64, pattern=_BASE64)]
    ciphertext: Annotated[str, StringConstraints(min_length=4, max_length=16384, pattern=_BASE64)]


class ContractError(ValueError):
    """A message this package cannot turn into an event: a poison message, not a transient fault."""


class UnknownEventType(ContractError):
    pass


class UnsupportedVersion(ContractError):
    pass


EVENTS: dict[tuple[str, int], type[Event]] = {}
"""Every concrete event class, by (CloudEvents type, schema version). Importing the package fills it."""

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class Event(BaseModel):
    """A fact one service publishes for others. Frozen; unknown fields are rejected, not dropped,
    so a producer's typo fails at the producer instead of silently losing data at every consumer.

    Subclasses name `event_type`, `version` (default 1) and `topic` as class variables; a subclass that
    leaves `event_type` unset is abstract and is not registered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    topic: ClassVar[str]

    @property
    def subject(self) -> str:
        """The CloudEvents subject, which is also the Kafka key."""
        raise NotImplementedError

    @property
    def occurred_at(self) -> datetime:
        """When the fact happened (the CloudEvents `time`): the event's one `…_at` field."""
        moment: datetime = getattr(self, _occurrence_field(type(self)))
        return moment

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            _register(cls)


class CaseEvent(Event):
    """An event about one case (办件). Its subject and Kafka key are the case id."""

    case_id: CaseId = Field(description="办件编号: the case this event belongs to.")

    @property
    def subject(self) -> str:
        return self.case_id


def _occurrence_field(cls: type[Event]) -> str:
    (name,) = [name for name in cls.model_fields if name.endswith("_at")]
    return name


def _register(cls: type[Event]) -> None:
    topic = TOPICS.get(getattr(cls, "topic", ""))
    if topic is None:
        raise TypeError(f"{cls.__name__}: topic must be one of {sorted(TOPICS)}")
    expected_prefix = f"{TYPE_PREFIX}{topic.producer}."
    if not cls.event_type.startswith(expected_prefix):
        raise TypeError(f"{cls.__name__}: event_type must start with {expected_prefix!r} (its topic's producer)")
    if len([name for name in cls.model_fields if name.endswith("_at")]) != 1:
        raise TypeError(f"{cls.__name__}: an event has exactly one `…_at` field, the moment it occurred")
    if cls.version < 1:
        raise TypeError(f"{cls.__name__}: version starts at 1")
    key = (cls.event_type, cls.version)
    if key in EVENTS:
        raise TypeError(f"{cls.__name__}: {key} is already registered by {EVENTS[key].__name__}")
    EVENTS[key] = cls


def upcaster(event_type: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a pure function turning a `from_version` payload (a JSON dict) into `from_version + 1`."""

    def register(function: Upcaster) -> Upcaster:
        key = (event_type, from_version)
        if key in _UPCASTERS:
            raise TypeError(f"an upcaster from {key} is already registered")
        _UPCASTERS[key] = function
        return function

    return register


def event_types() -> list[str]:
    return sorted({event_type for event_type, _ in EVENTS})


def latest(event_type: str) -> type[Event]:
    """The class of the newest version of `event_type`: what producers emit and `decode` returns."""
    versions = [version for known, version in EVENTS if known == event_type]
    if not versions:
        raise UnknownEventType(f"unknown event type {event_type!r}")
    return EVENTS[(event_type, max(versions))]


def missing_upcasters() -> list[tuple[str, int]]:
    """(type, version) steps with no upcaster on the way to the latest version; must be empty."""
    missing = []
    for event_type in event_types():
        first = min(version for known, version in EVENTS if known == event_type)
        missing += [
            (event_type, v) for v in range(first, latest(event_type).version) if (event_type, v) not in _UPCASTERS
        ]
    return missing


def decode(event_type: str, version: int, data: bytes | str | Mapping[str, Any]) -> Event:
    """Turn a payload of any known version into an instance of the latest version of its event type.

    Raises UnknownEventType, UnsupportedVersion (a version newer than this package knows: upgrade the
    consumer), or pydantic's ValidationError (a payload that does not fit its declared version)."""
    target = latest(event_type)
    if version == target.version:
        if isinstance(data, (bytes, str)):
            return target.model_validate_json(data)
        return target.model_validate(data)
    if not 1 <= version < target.version:
        raise UnsupportedVersion(f"{event_type} version {version}: this consumer knows up to {target.version}")
    # Check the payload against its own version first, when that class is still kept, so upcasters
    # only ever see well-formed input; otherwise they get the raw JSON.
    payload = json.loads(data) if isinstance(data, (bytes, str)) else copy.deepcopy(dict(data))
    if (older := EVENTS.get((event_type, version))) is not None:
        payload = older.model_validate(payload).model_dump(mode="json")
    for step in range(version, target.version):
        function = _UPCASTERS.get((event_type, step))
        if function is None:
            raise UnsupportedVersion(f"{event_type}: no upcaster from version {step}")
        payload = function(payload)
    return target.model_validate(payload)


def pick(event_type: str, version: int, data: bytes | str | Mapping[str, Any],
         handlers: Mapping[type[Event], Any]) -> tuple[Any, Event] | None:
    """For a consumer: the handler for this event's type and the event, decoded and upcast to its latest
    version; None for a type the consumer does not handle (including types newer than this package).
    A payload that does not fit its type raises ContractError: a poison message, never to be retried."""
    try:
        handler = handlers.get(latest(event_type))
    except UnknownEventType:
        return None
    if handler is None:
        return None
    try:
        return handler, decode(event_type, version, data)
    except ValidationError as error:
        raise ContractError(f"{event_type} v{version} does not fit its schema") from error


def types_of(events: Iterable[type[Event]]) -> frozenset[str]:
    """The CloudEvents types of these event classes (every version of each): what a consumer wants."""
    return frozenset(event.event_type for event in events)


def encode(event: Event) -> bytes:
    """The CloudEvents `data` of `event`: JSON in UTF-8, Chinese text left unescaped."""
    return event.model_dump_json().encode("utf-8")


def as_data(event: Event) -> dict[str, Any]:
    """`event` as a JSON-compatible dict, for stores that keep `data` as JSON (the chassis's NewEvent)."""
    return event.model_dump(mode="json")
