"""Generate the AsyncAPI 3.0.0 document of every event from the models, and check it for drift.

    python -m onewindow_contracts.asyncapi            # (re)write contracts/asyncapi.json
    python -m onewindow_contracts.asyncapi --check    # exit 1 if the checked-in file is stale

The document is derived, never edited: channels from `topics.TOPICS`, one message per registered
(event type, version), payloads from pydantic's JSON schemas, and the CloudEvents binary-mode
headers as each message's headers. The output is deterministic, so that a drift check in CI can
compare it byte for byte. JSON rather than YAML: the same parsers read it, and no dependency.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import json
import sys
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from onewindow_contracts.base import EVENTS, SCHEMA_VERSION_ATTRIBUTE, Event, as_data, latest
from onewindow_contracts.examples import examples_of
from onewindow_contracts.topics import TOPICS, Topic

DOCUMENT = Path(__file__).resolve().parents[2] / "asyncapi.json"
KAFKA_BINDING_VERSION = "0.5.0"
_SCHEMAS = "#/components/schemas/"

_DESCRIPTION = """\
The domain events of OneWindow (一窗受理·一次办好), one topic per producing service.

Every message is a CloudEvents 1.0 event in Kafka binary mode: the attributes travel as `ce_` headers
and the record value is the event's `data`, a JSON object (UTF-8). `ce_subject`, `ce_partitionkey` and
the Kafka key are the case id (办件编号), so one case's events stay in order within a topic; nothing
orders events across topics. Catalogue records are keyed by item code on a compacted topic.

`ce_type` and the extension `ce_dataschemaversion` (a positive integer, as text) name the payload's
shape. A consumer decodes any older version it meets through the contracts package's upcasters and
always handles the latest. Relays may publish an event twice: consumers deduplicate on `ce_id`.

Payloads carry references to materials (id, type, SHA-256, departments granted), never documents.
Applicants appear as random opaque refs; a personal field a consumer truly needs is a `Sealed` value
that only holders of that applicant's data key can open.
"""

_HEADER_PROPERTIES: dict[str, dict[str, Any]] = {
    "ce_specversion": {"type": "string", "const": "1.0"},
    "ce_id": {
        "type": "string",
        "description": "Unique id of the event (a UUID); consumers record it to handle each event once.",
    },
    "ce_source": {
        "type": "string",
        "format": "uri-reference",
        "description": "The producing service, e.g. /onewindow/intake.",
    },
    "ce_type": {"type": "string", "description": "The event type, e.g. cn.gov.onewindow.intake.ApplicationReceived."},
    "ce_subject": {"type": "string", "description": "The case id; the item code on catalogue.items."},
    "ce_time": {"type": "string", "format": "date-time", "description": "When the event occurred (RFC 3339)."},
    f"ce_{SCHEMA_VERSION_ATTRIBUTE}": {
        "type": "string",
        "pattern": "^[1-9][0-9]*$",
        "description": "Schema version of the data (CloudEvents extension attribute), decimal text.",
    },
    "ce_partitionkey": {
        "type": "string",
        "description": "CloudEvents partitioning extension: equal to the Kafka key and ce_subject.",
    },
    "content-type": {"type": "string", "const": "application/json"},
    "traceparent": {
        "type": "string",
        "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
        "description": "W3C Trace Context, so a trace follows the case across services.",
    },
    "tracestate": {"type": "string", "description": "W3C Trace Context vendor state."},
}
_OPTIONAL_HEADERS = {"traceparent", "tracestate"}


def _ordered_events() -> list[type[Event]]:
    topic_order = list(TOPICS)
    return sorted(EVENTS.values(), key=lambda cls: (topic_order.index(cls.topic), cls.event_type, cls.version))


def _short_name(cls: type[Event]) -> str:
    return cls.event_type.rsplit(".", 1)[1]


def _example(event: Event, topic: Topic, number: int) -> dict[str, Any]:
    # A fixed id, so the document only changes when a model or an example does.
    time = event.occurred_at.isoformat().replace("+00:00", "Z")
    headers = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event.event_type}/{event.version}/{number}")),
        "ce_source": f"/onewindow/{topic.producer}",
        "ce_type": event.event_type,
        "ce_subject": event.subject,
        "ce_time": time,
        f"ce_{SCHEMA_VERSION_ATTRIBUTE}": str(event.version),
        "ce_partitionkey": event.subject,
        "content-type": "application/json",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    }
    return {"name": f"example{number}", "headers": headers, "payload": as_data(event)}


def _message(cls: type[Event], topic: Topic) -> dict[str, Any]:
    doc = inspect.cleandoc(cls.__doc__ or "")
    current = latest(cls.event_type)
    if cls is not current:
        doc += (
            f"\n\nSuperseded by version {current.version} ({current.__name__}); still found in topics written"
            " before it. Producers no longer send it; consumers upcast it to the latest version."
        )
    return {
        "name": cls.__name__,
        "title": f"{_short_name(cls)} v{cls.version}",
        "summary": doc.split("\n\n", 1)[0].replace("\n", " "),
        "description": doc,
        "contentType": "application/json",
        "headers": {
            "allOf": [
                {"$ref": f"{_SCHEMAS}CloudEventHeaders"},
                {
                    "type": "object",
                    "properties": {
                        "ce_type": {"type": "string", "const": cls.event_type},
                        f"ce_{SCHEMA_VERSION_ATTRIBUTE}": {"type": "string", "const": str(cls.version)},
                    },
                },
            ]
        },
        "payload": {"$ref": f"{_SCHEMAS}{cls.__name__}"},
        "examples": [_example(event, topic, n) for n, event in enumerate(examples_of(cls), 1)],
        "correlationId": {"$ref": "#/components/correlationIds/eventId"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": topic.key},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _channel(topic: Topic, messages: list[type[Event]]) -> dict[str, Any]:
    return {
        "address": topic.name,
        "title": topic.name,
        "description": f"{topic.description} Produced by {topic.producer}; key: {topic.key}.",
        "messages": {cls.__name__: {"$ref": f"#/components/messages/{cls.__name__}"} for cls in messages},
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "partitions": topic.partitions,
                "topicConfiguration": {
                    "cleanup.policy": [topic.cleanup_policy.value],
                    "retention.ms": int(topic.configs["retention.ms"]),
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operation(topic: Topic, messages: list[type[Event]]) -> dict[str, Any]:
    # Producers send only the latest version of each type; older ones are listed on the channel
    # because consumers replaying the topic still meet them.
    current = [cls for cls in messages if cls is latest(cls.event_type)]
    return {
        "action": "send",
        "title": f"{topic.producer} publishes to {topic.name}",
        "channel": {"$ref": f"#/channels/{topic.name}"},
        "messages": [{"$ref": f"#/channels/{topic.name}/messages/{cls.__name__}"} for cls in current],
    }


def build() -> dict[str, Any]:
    """The AsyncAPI document as a dict."""
    events = _ordered_events()
    _, top = models_json_schema([(cls, "validation") for cls in events], ref_template=_SCHEMAS + "{model}")
    schemas: dict[str, Any] = dict(sorted(top.get("$defs", {}).items()))
    schemas["CloudEventHeaders"] = {
        "type": "object",
        "description": "CloudEvents 1.0 attributes in Kafka binary mode, plus W3C trace context.",
        "required": [name for name in _HEADER_PROPERTIES if name not in _OPTIONAL_HEADERS],
        "properties": _HEADER_PROPERTIES,
    }
    channels, operations, messages = {}, {}, {}
    for topic in TOPICS.values():
        on_topic = [cls for cls in events if cls.topic == topic.name]
        channels[topic.name] = _channel(topic, on_topic)
        operations[f"publish.{topic.name}"] = _operation(topic, on_topic)
        messages.update({cls.__name__: _message(cls, topic) for cls in on_topic})
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "OneWindow events", "version": _package_version(), "description": _DESCRIPTION},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "correlationIds": {
                "eventId": {
                    "description": "The CloudEvents id: the same event keeps it through retries and re-deliveries.",
                    "location": "$message.header#/ce_id",
                }
            },
        },
    }


def _package_version() -> str:
    try:
        return version("onewindow-contracts")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def drift(path: Path = DOCUMENT) -> list[str]:
    """A unified diff from the file at `path` to a freshly generated document; empty when up to date."""
    fresh = render()
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current == fresh:
        return []
    return list(
        difflib.unified_diff(
            current.splitlines(),
            fresh.splitlines(),
            f"{path.name} (checked in)",
            f"{path.name} (generated)",
            lineterm="",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_contracts.asyncapi", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from the models")
    parser.add_argument("--path", type=Path, default=DOCUMENT, help=f"the document (default {DOCUMENT})")
    args = parser.parse_args(argv)
    if not args.check:
        args.path.write_text(render(), encoding="utf-8")
        print(f"wrote {args.path}")
        return 0
    diff = drift(args.path)
    if not diff:
        print(f"{args.path} is up to date")
        return 0
    changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    print(
        f"{args.path} is out of date ({changed} lines differ); regenerate with: python -m onewindow_contracts.asyncapi"
    )
    shown = 60
    print("\n".join(diff[:shown]))
    if len(diff) > shown:
        print(f"... {len(diff) - shown} more diff lines")
    return 1


if __name__ == "__main__":
    sys.exit(main())
