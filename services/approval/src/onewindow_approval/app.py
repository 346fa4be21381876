"""HTTP entrypoint of approval (后台分类审批): the department desk, and the listener of intake's events."""
import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from onewindow_chassis.clock import Clock
from onewindow_chassis.kafka import topic_specs
from onewindow_chassis.web import Wiring, development_issuer, service_app
from onewindow_chassis.workdays import calendar_from_db
from onewindow_contracts.topics import APPROVAL, CATALOGUE, INTAKE

from .adapters.ports import DemoRegistries, IntakeForms
from .config import Settings
from .domain.rules import RuleBook
from .entrypoints import api, background
from .service_layer.unit_of_work import Services

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               intake_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or Settings()

    def token_for(department_code: str) -> str:
        if settings.intake_token:
            return settings.intake_token
        return development_issuer(settings, clock).issue(f"approval-{department_code}", "department_system",
                                                         department_code)

    async def setup(app: FastAPI) -> Wiring:
        async with app.state.db.transaction() as tx:
            calendar = await calendar_from_db(tx)
        forms = IntakeForms(settings.intake_url, token_for, intake_transport)

        async def close_forms(stop: asyncio.Event) -> None:
            await stop.wait()
            await forms.close()

        services = Services(
            app.state.db, app.state.clock, calendar, forms,
            RuleBook(), DemoRegistries(), verification_rate=settings.verification_rate,
            verification_seed=settings.verification_seed, pause_on_correction=settings.pause_on_correction,
        )
        app.state.approval = services
        return Wiring(subscriptions=background.subscriptions(services), loops=[close_forms])

    return service_app("approval", settings, MIGRATIONS, routers=(api.router,),
                       topics=topic_specs(APPROVAL, INTAKE, CATALOGUE), setup=setup, clock=clock)
