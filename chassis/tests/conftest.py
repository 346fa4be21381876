"""Chassis fixtures: a database with the chassis's tables, on PostgreSQL and on SQLite alike, so one
test holds both adapters to the same promises."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from onewindow_chassis.db import Database
from tests.support.databases import installed


@pytest.fixture
async def pg_db(pg_database_url: str) -> AsyncIterator[Database]:
    db = await installed(pg_database_url)
    yield db
    await db.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await installed(f"sqlite:///{tmp_path}/chassis.db")
    yield db
    await db.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def db(request: pytest.FixtureRequest) -> Database:
    """Every adapter, in turn."""
    return request.getfixturevalue("pg_db" if request.param == "postgresql" else "sqlite_db")
