"""The services of the platform and how to make each one's app."""
from __future__ import annotations

import importlib
from pathlib import Path
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

SERVICES = ("intake", "approval", "certificates", "evaluation", "notify", "supervision")


def app_factory(service: str) -> Callable[..., FastAPI]:
    if service not in SERVICES:
        raise SystemExit(f"unknown service {service!r}; one of: {', '.join(SERVICES)}")
    return importlib.import_module(f"onewindow_{service}.app").create_app


def migrations_of(service: str) -> Path:
    """The folder of a service's own Alembic revisions."""
    return Path(importlib.import_module(f"onewindow_{service}.app").MIGRATIONS)


def settings_of(service: str, **overrides: Any) -> Any:
    settings_class = importlib.import_module(f"onewindow_{service}.config").Settings
    return settings_class(**overrides)
