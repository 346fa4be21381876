"""HTTP entrypoint of certificates (电子证照): wires the register, the signer and the published keys,
and listens to the catalogue, intake and approval."""
from pathlib import Path

from fastapi import FastAPI

from onewindow_chassis.clock import Clock
from onewindow_chassis.kafka import topic_specs
from onewindow_chassis.personal import PersonalDataVault
from onewindow_chassis.web import Wiring, service_app
from onewindow_contracts.topics import APPROVAL, CATALOGUE, CERTIFICATES, INTAKE

from .adapters import register_file
from .config import Settings
from .entrypoints import api, background
from .service_layer.unit_of_work import Services

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(app: FastAPI) -> Wiring:
        signer = settings.signer()
        services = Services(
            app.state.db, app.state.clock, register_file.read(settings.register_path or register_file.DEMO), signer,
            settings.published_keys(signer), PersonalDataVault(settings.master_key_bytes()),
        )
        app.state.certificates = services
        return Wiring(subscriptions=background.subscriptions(services))

    return service_app("certificates", settings, MIGRATIONS, routers=(api.router,),
                       topics=topic_specs(CERTIFICATES, CATALOGUE, INTAKE, APPROVAL), setup=setup, clock=clock)
