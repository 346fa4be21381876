"""Evaluation's fixtures: the service over HTTP on the embedded default and on PostgreSQL + Kafka."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onewindow_evaluation.config import Settings

from evaluation_platform import Platform, start


@pytest.fixture(params=["embedded", "distributed"])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    if request.param == "embedded":
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path}/evaluation.db",
                            kafka_bootstrap_servers=None, bus_path=tmp_path / "bus.db")
    else:
        # A prefix of its own, so this test's consumer groups read the shared topics from the start.
        settings = Settings(environment="test", database_url=request.getfixturevalue("pg_database_url"),
                            kafka_bootstrap_servers=request.getfixturevalue("kafka_bootstrap"),
                            consumer_group_prefix=request.getfixturevalue("unique") + ".")
    platform = start(settings)
    with platform.client:
        yield platform
