"""Notify's fixtures: a real SMTP server, and the service over HTTP on the embedded default and on
PostgreSQL + Kafka."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from onewindow_notify.config import Settings

from notify_platform import MailServer, Platform, start


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def refusing_mail() -> Iterator[MailServer]:
    server = MailServer(refuse=True).start()
    yield server
    server.stop()


@pytest.fixture(params=["embedded", "distributed"])
def launch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Platform]]:
    """Start notify against a mail server, with settings overridden per test."""
    started: list[Platform] = []

    def launch_with(mail: MailServer, **overrides: Any) -> Platform:
        common = dict(environment="test", smtp_host="127.0.0.1", smtp_port=mail.port, smtp_timeout_seconds=5,
                      sms_outbox_path=tmp_path / "sms.jsonl", sender_poll_seconds=0.1) | overrides
        if request.param == "embedded":
            settings = Settings(database_url=f"sqlite:///{tmp_path}/notify.db", kafka_bootstrap_servers=None,
                                bus_path=tmp_path / "bus.db", **common)
        else:
            # A prefix of its own, so this test's consumer groups read the shared topics from the start.
            settings = Settings(database_url=request.getfixturevalue("pg_database_url"),
                                kafka_bootstrap_servers=request.getfixturevalue("kafka_bootstrap"),
                                consumer_group_prefix=request.getfixturevalue("unique") + ".", **common)
        platform = start(settings)
        started.append(platform)
        return platform

    yield launch_with
    for platform in started:
        platform.client.__exit__(None, None, None)
