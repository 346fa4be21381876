"""Intake's fixtures: the service over HTTP on the embedded default and on PostgreSQL + Kafka."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onewindow_intake.config import Settings

from intake_platform import Platform, start


class HeldLicences:
    """The certificates service as intake's 免证办 port sees it: Zhao Min's enterprise holds a business
    licence (营业执照) as an e-licence."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def held(self, holder_ref: str, licence_type_code: str) -> tuple[str, bytes] | None:
        self.asked.append((holder_ref, licence_type_code))
        if licence_type_code != "LIC-YYZZ":
            return None
        licence_id = "1.2.156.3005.2.11100000000013338W009.91330106MA2H0Q1X5R.2026030201.001.K"
        return licence_id, f'{{"licence_id": "{licence_id}", "holder": "{holder_ref}"}}'.encode()


@pytest.fixture
def licences() -> HeldLicences:
    return HeldLicences()


@pytest.fixture(params=["embedded", "distributed"])
def platform(request: pytest.FixtureRequest, tmp_path: Path, licences: HeldLicences) -> Iterator[Platform]:
    if request.param == "embedded":
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path}/intake.db",
                            kafka_bootstrap_servers=None, bus_path=tmp_path / "bus.db")
    else:
        settings = Settings(environment="test", database_url=request.getfixturevalue("pg_database_url"),
                            kafka_bootstrap_servers=request.getfixturevalue("kafka_bootstrap"))
    client, clock = start(settings, licences)
    with client:
        yield Platform(client, clock, settings)
