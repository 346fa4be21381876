"""A trace follows an event from one OS process to another through Kafka; logs carry no personal data."""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import structlog

from onewindow_chassis import kafka, telemetry
from onewindow_chassis.db import Database
from tests.support.infra import ROOT


def _spans(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _url(db: Database) -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def test_the_consumer_span_is_parented_by_the_producer_trace_across_processes(
    pg_db: Database, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic = f"{unique}.events"
    await kafka.ensure_topics(kafka_bootstrap, [kafka.TopicSpec(topic, partitions=4)])
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "tests.support.trace_procs", *args], cwd=ROOT, timeout=120, check=True
    )
    run("produce", _url(pg_db), kafka_bootstrap, topic, str(tmp_path / "producer.jsonl"))
    run("consume", _url(pg_db), kafka_bootstrap, topic, unique, str(tmp_path / "consumer.jsonl"))

    produced = _spans(tmp_path / "producer.jsonl")
    consumed = _spans(tmp_path / "consumer.jsonl")
    request = next(s for s in produced if s["kind"] == "SERVER")
    publish = next(s for s in produced if s["kind"] == "PRODUCER")
    process = next(s for s in consumed if s["kind"] == "CONSUMER")
    assert publish["trace_id"] == request["trace_id"] and publish["parent_span_id"] == request["span_id"]
    assert process["trace_id"] == request["trace_id"]
    assert process["parent_span_id"] == publish["span_id"]
    assert process["service"] == "onewindow-consume" and publish["service"] == "onewindow-produce"
    assert process["attributes"]["messaging.destination.name"] == topic


def test_logs_are_json_and_mask_id_card_and_phone_numbers() -> None:
    out = io.StringIO()
    root_level = logging.getLogger().level
    telemetry.setup_logging("intake", stream=out)
    try:
        logging.getLogger("some.library").warning("lookup for %s failed", "110101199003071234")
        structlog.get_logger().info("sms queued", phone="13800138000", note="call 13912345678 back")
    finally:
        logging.getLogger().handlers.clear()
        logging.getLogger().setLevel(root_level)  # leave logging as the other tests found it
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    text = out.getvalue()
    assert "110101199003071234" not in text and "13800138000" not in text and "13912345678" not in text
    assert lines[0]["event"] == "lookup for 110101********1234 failed"
    assert lines[1]["phone"] == "138****8000" and lines[1]["service"] == "intake"


def test_masking_leaves_other_numbers_alone() -> None:
    assert telemetry.mask("case 20260302000123 at 2026-03-02") == "case 20260302000123 at 2026-03-02"
    assert telemetry.mask("ID 11010519491231002X") == "ID 110105********002X"
