"""Migrations: one Alembic history per service database, the chassis's tables at its base.

Every service runs `upgrade(url, its versions folder)`: Alembic then reads the chassis's revisions and
the service's own, which start from the chassis's (`depends_on`), and brings the database to all heads.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def config(url: str, service_versions: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", f"{HERE / 'versions'} {service_versions}")
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, service_versions: Path) -> None:
    """Bring a service's database up to date (synchronous: call it before the event loop starts,
    or through `asyncio.to_thread`)."""
    command.upgrade(config(url, service_versions), "heads")
