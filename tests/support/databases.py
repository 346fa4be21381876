"""Databases with the chassis's tables, for tests."""
from __future__ import annotations

from onewindow_chassis import schema
from onewindow_chassis.db import Database


async def installed(url: str) -> Database:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(schema.install)
    return db
