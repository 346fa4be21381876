"""HTTP entrypoint of supervision (电子监察)."""
from pathlib import Path

from fastapi import FastAPI

from onewindow_chassis.kafka import topic_specs
from onewindow_chassis.web import service_app
from onewindow_contracts.topics import SUPERVISION

from .config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    return service_app("supervision", settings or Settings(), MIGRATIONS, topics=topic_specs(SUPERVISION))
