"""No personal data in logs, span attributes or Kafka records: one full run of the platform on
PostgreSQL + Kafka — 开餐馆 and a 卫生许可 on commitment, an applicant with a known ID-card number and
phone numbers, through intake → approval → certificates → notify → evaluation → supervision — and
then everything it logged, every span it exported and every record it published (key, headers,
value) is scanned for ID-card numbers that pass the GB 11643 check and for phone numbers."""
from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from onewindow_chassis import telemetry
from onewindow_contracts.topics import TOPICS
from tests.security.world import (
    FOOD, FOOD_DEPT, HYGIENE, HYGIENE_MATERIALS, KCG, World, citizen_id, eventually, six_services,
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")
_FIXED_LINE = re.compile(r"(?<![0-9A-Za-z])0\d{2,3}-\d{7,8}(?![0-9A-Za-z])")  # 0571-87654321, 010-12345678

OWNER_ID = citizen_id("330106", "19850712", "314")  # 王芳, who opens the restaurant
ELDER_ID = citizen_id("330106", "19440315", "127")
MOBILE, FIXED = "13957112345", "0571-87012345"
PLANTED = (OWNER_ID, ELDER_ID, MOBILE, FIXED, "王芳")  # what the run sends, so the scan cannot be vacuous


def gb11643_valid(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS))
    return "10X98765432"[total % 11] == number[17].upper()


def personal_data_in(text: str) -> list[str]:
    """Every ID-card number (with a valid check character) and phone number found in `text`."""
    found = [m.group() for m in _ID_CANDIDATE.finditer(text) if gb11643_valid(m.group())]
    return found + [m.group() for m in _MOBILE.finditer(text)] + [m.group() for m in _FIXED_LINE.finditer(text)]


def test_the_scanner_finds_what_it_is_given() -> None:
    assert personal_data_in(f'{{"id":"{OWNER_ID}","tel":"{MOBILE}","office":"{FIXED}"}}') == [OWNER_ID, MOBILE, FIXED]
    wrong_check = OWNER_ID[:17] + ("0" if OWNER_ID[17] != "0" else "1")
    assert personal_data_in(wrong_check) == []  # not an ID-card number: the check character is wrong
    assert personal_data_in("mat-330106198507123149ab trace 4bf92f3577b34da6a3ce929d0e0e4736") == []
    assert personal_data_in(f"+86 {MOBILE}") == [f"+86 {MOBILE}"]
    assert personal_data_in(telemetry.mask(f"{OWNER_ID} {MOBILE}")) == []  # the chassis's masking passes the scan


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the first in this process: install one, as a service's main does
        provider = telemetry.setup_tracing("security")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # the processor stays on the provider, exporting nowhere


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """The platform's logs as the chassis writes them (JSON, one object a line), at DEBUG."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    telemetry.setup_logging("security", level=logging.DEBUG, stream=stream)
    logging.getLogger("aiokafka").setLevel(logging.INFO)  # the client's protocol dumps: metadata, not ours
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("aiokafka").setLevel(logging.NOTSET)


async def _ends(bootstrap: str) -> dict[TopicPartition, int]:
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await probe.start()
    try:
        known = await probe.topics()
        partitions = [TopicPartition(t, p) for t, spec in TOPICS.items() if t in known for p in range(spec.partitions)]
        return await probe.end_offsets(partitions) if partitions else {}
    finally:
        await probe.stop()


async def _records_since(bootstrap: str, start: dict[TopicPartition, int]) -> list[Any]:
    """Every record published on the platform's topics (and their dead letters) after `start`."""
    ends = await _ends(bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    records: list[Any] = []
    try:
        wanted = {tp: end for tp, end in ends.items() if end > start.get(tp, 0)}
        consumer.assign(list(wanted))
        for tp in wanted:
            consumer.seek(tp, start.get(tp, 0))
        while wanted:
            for tp, batch in (await consumer.getmany(timeout_ms=1000)).items():
                records.extend(r for r in batch if r.offset < wanted.get(tp, 0))
                if batch and batch[-1].offset + 1 >= wanted.get(tp, 0):
                    wanted.pop(tp, None)
    finally:
        await consumer.stop()
    return records


def _journeys(world: World) -> dict[str, str]:
    """开餐馆 online by 王芳 (her ID-card number and phone in the form), her SMS contact, a food licence
    handed in at the window for her (her identity checked by the clerk), a hygiene licence on
    commitment, a decision, a rating and a complaint that names her phone numbers in its text."""
    wang = f"app-wangfang-{uuid.uuid4().hex[:8]}"
    holder = world.token("applicant", wang)
    contact = world.notify.put("/v1/contacts/me", headers=holder, json={"phone": MOBILE, "email": "wangfang@example.com"})
    assert contact.status_code == 200, contact.text
    bundle = world.intake.get(f"/v1/bundles/{KCG}").json()
    ids = [world.upload(holder, m["code"]) for m in bundle["materials"]]
    form = world.answers(f"/v1/bundles/{KCG}")
    form = {code: (OWNER_ID if value == citizen_id("330106", "19800101", "123") else
                   MOBILE if value == "13800138000" else value) for code, value in form.items()}
    assert OWNER_ID in form.values() and MOBILE in form.values(), form  # the form really asks for both
    applied = world.post("intake", "/v1/applications", holder, {
        "bundle_code": KCG, "applicant_kind": "enterprise", "answers": form, "material_ids": ids})
    assert applied.status_code == 201, applied.text
    kcg = applied.json()["case_id"]
    world.approval_case(kcg, until=lambda c: len(c["items"]) == 7)
    registration = world.post("approval", f"/v1/cases/{kcg}/items/330100-SCJGJ-XK-001/decision",
                              world.token("department_reviewer", department=FOOD_DEPT), {"approve": True,
                                                                                         "reason": "材料齐全"})
    assert registration.status_code == 200, registration.text

    clerk = world.token("window_clerk")
    at_window = world.post("intake", "/v1/applications", clerk, {
        "item_codes": [FOOD], "applicant": {"kind": "citizen", "number": OWNER_ID, "name": "王芳"},
        "answers": world.answers(f"/v1/catalogue/items/{FOOD}"), "use_e_licences": False,
        "material_ids": []})  # her papers are looked at on the counter: the identity is what matters here
    assert at_window.status_code == 201, at_window.text

    hygiene_ids = [world.upload(holder, c) for c in HYGIENE_MATERIALS]
    hygiene = world.post("intake", "/v1/applications", holder, {
        "item_codes": [HYGIENE], "applicant_kind": "enterprise", "commitments": [HYGIENE],
        "answers": world.answers(f"/v1/catalogue/items/{HYGIENE}"), "material_ids": hygiene_ids})
    assert hygiene.status_code == 201, hygiene.text
    case_id = hygiene.json()["case_id"]
    world.approval_case(case_id, until=lambda c: c["concluded"])
    world.licence_of(wang, case_id)

    def ratable() -> bool:
        view = world.evaluation.get(f"/v1/cases/{case_id}/evaluations", headers=holder)
        return view.status_code == 200 and any(s["stage"] == "approval" for s in view.json()["stages"])

    eventually(ratable, what="the approval stage to be ratable")
    rated = world.post("evaluation", f"/v1/cases/{case_id}/evaluations", holder, {
        "stage": "approval", "level": "dissatisfied", "channel": "online", "aspects": ["efficiency"],
        "comment": f"请打我电话{MOBILE}或{FIXED}，身份证{ELDER_ID}"})
    assert rated.status_code == 200, rated.text
    complained = world.post("evaluation", "/v1/complaints", holder, {
        "source": "online", "aspects": ["attitude"], "case_id": case_id, "text": f"回电{MOBILE}"})
    assert complained.status_code == 200, complained.text
    eventually(lambda: world.notify.get("/v1/inbox", headers=holder).json()["items"], what="a notification")
    supervisor = world.token("supervisor")
    eventually(lambda: world.supervision.get(f"/v1/cases/{case_id}/timeline", headers=supervisor).status_code == 200,
               what="supervision's timeline")
    return {"applicant": wang, "kcg": kcg, "hygiene": case_id}


def test_one_full_run_prints_exports_and_publishes_no_personal_data(
    postgres_url: str, kafka_bootstrap: str, tmp_path: Path, spans: InMemorySpanExporter, logs: io.StringIO,
    capfd: pytest.CaptureFixture[str],
) -> None:
    start = asyncio.run(_ends(kafka_bootstrap))
    with six_services(postgres_url, kafka_bootstrap, tmp_path) as world:
        run = _journeys(world)
        sealed = world.query("intake", "SELECT identity::text AS t FROM applicants")
        assert sealed and all(OWNER_ID not in r["t"] for r in sealed)  # the window's identity: kept, sealed
    printed = capfd.readouterr()
    records = asyncio.run(_records_since(kafka_bootstrap, start))
    exported = spans.get_finished_spans()

    log_text = logs.getvalue() + printed.out + printed.err
    assert log_text.count("\n") > 10, log_text[:2000]  # the run logged
    assert exported and any(s.kind.name == "CONSUMER" for s in exported)  # the run was traced
    ours = [r for r in records if run["hygiene"].encode() in (r.value or b"") or run["kcg"].encode() in (r.value or b"")]
    assert {r.topic for r in ours} >= {"intake.events", "approval.events", "certificates.events",
                                       "evaluation.events", "notify.events"}, {r.topic for r in ours}

    leaks: list[str] = []
    for line in log_text.splitlines():
        leaks += [f"log: {hit} in {line[:300]}" for hit in personal_data_in(line)]
    for span in exported:
        text = json.dumps({"name": span.name, "attributes": dict(span.attributes or {}),
                           "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in span.events]},
                          ensure_ascii=False, default=str)
        leaks += [f"span {span.name}: {hit}" for hit in personal_data_in(text)]
    for record in records:
        for part, raw in (("key", record.key or b""), ("value", record.value or b""),
                          *((f"header {k}", v or b"") for k, v in record.headers or ())):
            text = raw.decode("utf-8", errors="replace")
            leaks += [f"{record.topic}@{record.offset} {part}: {hit}" for hit in personal_data_in(text)]
            leaks += [f"{record.topic}@{record.offset} {part}: planted {p}" for p in PLANTED if p in text]
    assert not leaks, "\n".join(sorted(set(leaks))[:40])
