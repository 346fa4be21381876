"""HTTP entrypoint of evaluation (好差评): ratings, rectifications, complaints, appeals and statistics,
and the listener of intake's, approval's and notify's events."""
import asyncio
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from onewindow_chassis.clock import Clock
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.kafka import topic_specs
from onewindow_chassis.projections import ProjectionRunner
from onewindow_chassis.web import Wiring, service_app
from onewindow_chassis.workdays import calendar_from_db
from onewindow_contracts.topics import APPROVAL, EVALUATION, INTAKE, NOTIFY

from .config import Settings
from .domain.ratings import Deadlines
from .entrypoints import api, background
from .projections import STATISTICS
from .service_layer.handlers import timer_handlers
from .service_layer.unit_of_work import Services

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(app: FastAPI) -> Wiring:
        db = app.state.db
        async with db.transaction() as tx:
            calendar = await calendar_from_db(tx)
        services = Services(
            db, app.state.clock, calendar, default_after=timedelta(days=settings.default_rating_days),
            default_level=settings.default_rating_level,
            deadlines=Deadlines(settings.verify_working_days, settings.rectify_working_days),
            jurisdiction_deadlines={region: Deadlines(*days) for region, days in settings.jurisdiction_deadlines.items()},
            centre_departments=dict(settings.centre_departments),
        )
        runner = ProjectionRunner(db, event_store_for(db.dialect), STATISTICS, clock=app.state.clock)
        app.state.evaluation, app.state.evaluation_statistics = services, runner

        async def statistics(stop: asyncio.Event) -> None:
            await runner.run(stop, poll_seconds=0.5)

        return Wiring(subscriptions=background.subscriptions(services), timer_handlers=timer_handlers(services),
                      loops=[statistics])

    return service_app("evaluation", settings, MIGRATIONS, routers=(api.router,),
                       topics=topic_specs(EVALUATION, INTAKE, APPROVAL, NOTIFY), setup=setup, clock=clock)
