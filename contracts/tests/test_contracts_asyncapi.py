"""The AsyncAPI document: generated from the models, up to date, and valid for the official parser."""

import json
import shutil
import subprocess
from pathlib import Path

from onewindow_contracts import EVENTS, TOPICS, latest
from onewindow_contracts.asyncapi import DOCUMENT, build, drift, main, render

CHECKER = Path(__file__).resolve().parents[1] / "asyncapi-check" / "run.sh"


def test_the_checked_in_document_is_up_to_date() -> None:
    diff = drift()
    assert not diff, "contracts/asyncapi.json is stale; run python -m onewindow_contracts.asyncapi\n" + "\n".join(
        diff[:40]
    )


def test_generation_is_deterministic() -> None:
    assert render() == render()


def test_check_mode_reports_drift(tmp_path: Path) -> None:
    stale = tmp_path / "asyncapi.json"
    stale.write_text(DOCUMENT.read_text(encoding="utf-8").replace("OneWindow events", "Old events"), encoding="utf-8")
    assert main(["--check", "--path", str(stale)]) == 1
    assert main(["--path", str(stale)]) == 0
    assert main(["--check", "--path", str(stale)]) == 0


def test_every_event_version_is_a_message_and_producers_send_only_the_latest() -> None:
    document = build()
    messages = document["components"]["messages"]
    assert set(messages) == {cls.__name__ for cls in EVENTS.values()}
    for name, topic in TOPICS.items():
        channel = document["channels"][name]
        assert channel["bindings"]["kafka"]["partitions"] == topic.partitions
        assert channel["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"] == [topic.cleanup_policy]
        sent = {ref["$ref"].rsplit("/", 1)[1] for ref in document["operations"][f"publish.{name}"]["messages"]}
        on_topic = {cls for cls in EVENTS.values() if cls.topic == name}
        assert sent == {cls.__name__ for cls in on_topic if latest(cls.event_type) is cls}
        assert set(channel["messages"]) == {cls.__name__ for cls in on_topic}


def test_headers_are_the_cloudevents_binary_mode_attributes() -> None:
    headers = build()["components"]["schemas"]["CloudEventHeaders"]
    assert set(headers["required"]) == {
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_specversion",
        "ce_subject",
        "ce_time",
        "ce_dataschemaversion",
        "ce_partitionkey",
        "content-type",
    }
    assert {"traceparent", "tracestate"} <= set(headers["properties"])
    message = build()["components"]["messages"]["ApplicationReceived"]
    assert message["correlationId"] == {"$ref": "#/components/correlationIds/eventId"}
    assert json.dumps(message["headers"]).count('"const": "2"') == 1


def test_the_official_asyncapi_parser_accepts_the_document() -> None:
    # No skip when node is missing: CI must have it (run.sh installs the pinned parser with npm ci).
    assert shutil.which("npm") and shutil.which("node"), "node 20+ and npm are required for this test"
    result = subprocess.run(["bash", str(CHECKER)], capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid AsyncAPI 3.0.0" in result.stdout


def test_the_official_parser_rejects_a_broken_document(tmp_path: Path) -> None:
    document = build()
    document["operations"]["publish.intake.events"]["action"] = "publish"  # AsyncAPI 2 wording
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    result = subprocess.run(["bash", str(CHECKER), str(broken)], capture_output=True, text=True, timeout=280)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "action" in result.stdout
