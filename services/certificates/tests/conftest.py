"""Certificates' fixtures: the service over HTTP on the embedded default and on PostgreSQL + Kafka."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from onewindow_certificates.config import Settings

from tests.support.kafka_tools import skip_history

from certificates_platform import Platform, start


@pytest.fixture(params=["embedded", "distributed"])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    if request.param == "embedded":
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path}/certificates.db",
                            kafka_bootstrap_servers=None, bus_path=tmp_path / "bus.db")
    else:
        # A prefix of its own: this test's consumer groups, started after earlier tests' cases (below).
        settings = Settings(environment="test", database_url=request.getfixturevalue("pg_database_url"),
                            kafka_bootstrap_servers=request.getfixturevalue("kafka_bootstrap"),
                            consumer_group_prefix=request.getfixturevalue("unique") + ".")
        # a shared broker holds earlier tests' cases: this test's fresh groups start after them
        asyncio.run(skip_history(settings.kafka_bootstrap_servers, settings.consumer_group_prefix))
    platform = start(settings)
    with platform.client:
        yield platform
