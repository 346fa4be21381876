"""CloudEvents 1.0 in Kafka binary mode: attributes as `ce_` headers, the data as the record value.

Binary mode keeps the payload a plain JSON document that a department system can read without
unwrapping an envelope, and lets brokers and tools route on headers alone.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
# Extension attribute naming the data's schema version (lowercase alphanumerics, per the spec).
SCHEMA_VERSION_ATTRIBUTE = "dataschemaversion"
TRACEPARENT = "traceparent"

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Message:
    """A CloudEvent as it travels: what a consumer handles and a dead-letter topic keeps."""

    id: str
    type: str
    source: str
    subject: str
    time: str
    schema_version: int
    data: bytes
    headers: Headers
    topic: str = ""
    partition: int = -1
    offset: int = -1
    key: str | None = None

    def json(self) -> Any:
        return json.loads(self.data)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode()
        return None


def binary_headers(
    *,
    event_id: str,
    event_type: str,
    source: str,
    subject: str,
    time: datetime,
    schema_version: int,
    traceparent: str | None = None,
    tracestate: str | None = None,
) -> Headers:
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", event_id),
        ("ce_source", source),
        ("ce_type", event_type),
        ("ce_subject", subject),
        ("ce_time", time.isoformat()),
        ("ce_partitionkey", subject),
        (f"ce_{SCHEMA_VERSION_ATTRIBUTE}", str(schema_version)),
        ("content-type", CONTENT_TYPE),
    ]
    if traceparent:
        headers.append((TRACEPARENT, traceparent))
        if tracestate:
            headers.append(("tracestate", tracestate))
    return [(k, v.encode()) for k, v in headers]


class NotACloudEvent(ValueError):
    """A record without the required CloudEvents attributes: a poison message, not a transient fault."""


def from_record(
    *, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None, headers: Headers
) -> Message:
    found = {k: v for k, v in headers}
    try:
        attributes = {name: found[f"ce_{name}"].decode() for name in ("id", "type", "source", "specversion")}
    except KeyError as missing:
        raise NotACloudEvent(f"missing CloudEvents header ce_{missing.args[0]}") from None
    if attributes["specversion"] != SPEC_VERSION:
        raise NotACloudEvent(f"unsupported specversion {attributes['specversion']!r}")
    version = found.get(f"ce_{SCHEMA_VERSION_ATTRIBUTE}", b"1").decode()
    return Message(
        id=attributes["id"],
        type=attributes["type"],
        source=attributes["source"],
        subject=found.get("ce_subject", b"").decode(),
        time=found.get("ce_time", b"").decode(),
        schema_version=int(version) if version.isdigit() else 1,
        data=value or b"",
        headers=list(headers),
        topic=topic,
        partition=partition,
        offset=offset,
        key=key.decode() if key is not None else None,
    )
