"""Two supervision instances share the partitions of every topic through one consumer group (Kafka,
4 partitions), both do work, and what they build together equals what one instance builds alone."""
from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

import httpx
import sqlalchemy as sa

from onewindow_chassis.clock import ManualClock
from onewindow_chassis.web import development_issuer
from onewindow_intake.app import create_app as intake_app
from onewindow_intake.config import Settings as IntakeSettings
from onewindow_supervision.adapters.tables import timeline
from onewindow_supervision.app import create_app as supervision_app
from onewindow_supervision.config import Settings as SupervisionSettings
from tests.support.kafka_tools import skip_history
from tests.support.platform import fresh_database as _pg_database
from tests.support.served import served

REGISTRATION = "330100-SCJGJ-XK-001"


def _rows(url: str, cases: set[str]) -> set[tuple]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(timeline.c.case_id, timeline.c.event_id, timeline.c.event_type,
                                          timeline.c.summary, timeline.c.occurred_at)).all()
    finally:
        engine.dispose()
    return {tuple(r) for r in rows if r[0] in cases}


def test_two_instances_share_the_partitions_and_build_what_one_builds(postgres_url: str, kafka_bootstrap: str) -> None:
    clock = ManualClock(datetime(2026, 3, 3, 9, tzinfo=timezone(timedelta(hours=8))))
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    for start in (prefix, prefix + "alone-"):
        asyncio.run(skip_history(kafka_bootstrap, start))
    common = {"environment": "test", "kafka_bootstrap_servers": kafka_bootstrap}
    intake_settings = IntakeSettings(database_url=_pg_database(postgres_url), consumer_group_prefix=prefix, **common)
    shared_db, alone_db = _pg_database(postgres_url), _pg_database(postgres_url)
    pair = [supervision_app(SupervisionSettings(database_url=shared_db, consumer_group_prefix=prefix, **common),
                            clock=clock) for _ in range(2)]
    alone = supervision_app(SupervisionSettings(database_url=alone_db, consumer_group_prefix=prefix + "alone-",
                                                **common), clock=clock)
    with ExitStack() as stack:
        intake_url = stack.enter_context(served(intake_app(intake_settings, clock=clock)))
        for app in (*pair, alone):
            stack.enter_context(served(app))
        intake = stack.enter_context(httpx.Client(base_url=intake_url, timeout=30))
        cases = set()
        for n in range(16):  # keys spread over the 4 partitions
            subject = f"app-scaling-{n:04d}"
            token = development_issuer(intake_settings, clock).issue(subject, "applicant")
            headers = {"Authorization": f"Bearer {token}"}
            ids = []
            for code in ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY", "CL-JBR-SQWTS"):
                reply = intake.post("/v1/materials", params={"type_code": code, "filename": "a.pdf"},
                                    content=b"%PDF-1.7 " + uuid.uuid4().bytes,
                                    headers=headers | {"Idempotency-Key": uuid.uuid4().hex})
                ids.append(reply.json()["material_id"])
            form = intake.get(f"/v1/catalogue/items/{REGISTRATION}").json()["form"]
            answers = {f["code"]: f["choices"][0] if f["type"] == "choice" else
                       {"text": "杭州味道", "address": "杭州市西湖区", "id_number": "11010519491231002X",
                        "phone": "13800138000", "number": 1, "date": "2026-03-01"}[f["type"]] for f in form}
            reply = intake.post("/v1/applications", json={"item_codes": [REGISTRATION], "applicant_kind": "enterprise",
                                                          "answers": answers, "material_ids": ids},
                                headers=headers | {"Idempotency-Key": uuid.uuid4().hex})
            assert reply.status_code == 201, reply.text
            cases.add(reply.json()["case_id"])

        deadline = time.monotonic() + 120
        while True:  # each case: received, accepted, shared
            together, by_one = _rows(shared_db, cases), _rows(alone_db, cases)
            if len(together) >= 3 * len(cases) and len(by_one) >= 3 * len(cases):
                break
            assert time.monotonic() < deadline, (len(together), len(by_one))
            time.sleep(0.5)
        time.sleep(1.0)
        handled = [app.state.runtime.consumers[0].stats.handled for app in pair]
    assert all(count > 0 for count in handled), handled  # both instances did a share of the work
    assert _rows(shared_db, cases) == _rows(alone_db, cases)
