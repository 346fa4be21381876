"""HTTP entrypoint of supervision (电子监察): archive every event, keep timelines and clocks, raise alerts."""
import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from onewindow_chassis.clock import Clock
from onewindow_chassis.eventstore import event_store_for
from onewindow_chassis.kafka import topic_specs
from onewindow_chassis.projections import ProjectionRunner
from onewindow_chassis.runtime import Subscription
from onewindow_chassis.web import Wiring, service_app
from onewindow_chassis.workdays import WorkCalendar, calendar_from_db
from onewindow_contracts.topics import APPROVAL, CATALOGUE, CERTIFICATES, EVALUATION, INTAKE, NOTIFY, SUPERVISION

from .config import Settings
from .entrypoints import api
from .projections import SUPERVISION as PROJECTION
from .service_layer.alerts import raise_alerts
from .service_layer.archive import archiver

MIGRATIONS = Path(__file__).parent / "migrations"
HEARD = (INTAKE, APPROVAL, CERTIFICATES, EVALUATION, NOTIFY)  # its own alerts it has already
log = logging.getLogger(__name__)


@dataclass
class State:
    clock: Clock
    calendar: WorkCalendar
    warn_within: int
    runner: ProjectionRunner


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(app: FastAPI) -> Wiring:
        db = app.state.db
        async with db.transaction() as tx:
            calendar = await calendar_from_db(tx)
        runner = ProjectionRunner(db, event_store_for(db.dialect), PROJECTION, clock=app.state.clock)
        state = app.state.supervision = State(app.state.clock, calendar, settings.warn_within_working_days, runner)

        async def projection(stop: asyncio.Event) -> None:
            await runner.run(stop, poll_seconds=0.2)

        async def alerts(stop: asyncio.Event) -> None:
            while not stop.is_set():
                try:
                    await runner.catch_up()  # alerts look at clocks as of every event heard so far
                    await raise_alerts(db, state.clock, calendar, state.warn_within)
                except Exception as error:  # the database away: look again next time
                    log.warning("alert scan failed: %s", type(error).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.alert_scan_seconds)

        return Wiring(subscriptions=[Subscription("supervision.archive", [t.name for t in HEARD],
                                                  archiver(app.state.clock))],
                      loops=[projection, alerts])

    return service_app("supervision", settings, MIGRATIONS, routers=(api.router,),
                       topics=topic_specs(SUPERVISION, *HEARD, CATALOGUE), setup=setup, clock=clock)
