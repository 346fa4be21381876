"""HTTP entrypoint of certificates (电子证照)."""
from pathlib import Path

from fastapi import FastAPI

from onewindow_chassis.kafka import topic_specs
from onewindow_chassis.web import service_app
from onewindow_contracts.topics import CERTIFICATES

from .config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    return service_app("certificates", settings or Settings(), MIGRATIONS, topics=topic_specs(CERTIFICATES))
