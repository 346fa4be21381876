"""Traces that follow a case across services, and logs that never carry personal data.

The path of one trace: HTTP request → event store (the traceparent is stored with the event) →
outbox relay (a PRODUCER span, parented by the stored context, whose own context goes into the
Kafka `traceparent` header as OpenTelemetry's Kafka instrumentation writes it) → consumer (a
CONSUMER span parented by that header) → whatever the handler appends, which carries the trace on.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
tracer = trace.get_tracer("onewindow")


def traceparent_now() -> str | None:
    """The W3C traceparent of the current span, if one is being recorded."""
    return traceparent_in(None)


def traceparent_in(context: otel_context.Context | None) -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=context)
    return carrier.get("traceparent")


def context_from(traceparent: str | None, tracestate: str | None = None) -> otel_context.Context | None:
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent} | ({"tracestate": tracestate} if tracestate else {})
    return _propagator.extract(carrier)


def tracing_enabled() -> bool:
    """True once this process installed an SDK tracer provider (spans are recorded somewhere)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def setup_tracing(service: str, exporters: Sequence[SpanExporter] = ()) -> TracerProvider:
    """Install this process's tracer provider (call once, at start-up)."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"onewindow-{service}"}))
    for exporter in exporters:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


class JsonLinesSpanExporter(SpanExporter):
    """Spans as JSON lines in a file: for tests and for a machine without a collector."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [json.dumps(_span_record(s), ensure_ascii=False) for s in spans]
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def _span_record(span: ReadableSpan) -> dict[str, Any]:
    parent = span.parent
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": format(span.context.trace_id, "032x"),
        "span_id": format(span.context.span_id, "016x"),
        "parent_span_id": format(parent.span_id, "016x") if parent else None,
        "service": span.resource.attributes.get("service.name"),
        "attributes": dict(span.attributes or {}),
    }


# --- logs ------------------------------------------------------------------------------------------

# GB 11643 citizen ID numbers (17 digits and a check character) and mainland mobile numbers.
_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask(text: str) -> str:
    """Mask ID-card and phone numbers, keeping just enough to recognise one's own (110101********1234)."""
    text = _ID_CARD.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def _mask_values(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {k: _mask_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_values(v) for v in value]
    return value


def mask_personal_data(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: the last line of defence, for what slipped past the code's own care."""
    return {key: _mask_values(value) for key, value in event.items()}


def setup_logging(service: str, *, level: int = logging.INFO, stream: Any = None) -> None:
    """JSON logs, one object a line, for structlog and the standard library alike, masked."""
    shared: Iterable[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    processors = [*shared, structlog.processors.dict_tracebacks, mask_personal_data]
    structlog.configure(
        processors=[*processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            mask_personal_data,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    structlog.contextvars.bind_contextvars(service=service)
