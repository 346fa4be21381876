"""HTTP entrypoint of intake (一窗受理): wires the catalogue, the vault, the calendar and the ports."""
import asyncio
import hashlib
from pathlib import Path

from fastapi import FastAPI

from onewindow_chassis.clock import Clock
from onewindow_chassis.eventstore import ConcurrencyError
from onewindow_chassis.kafka import topic_specs
from onewindow_chassis.personal import PersonalDataVault
from onewindow_chassis.web import Wiring, development_issuer, service_app
from onewindow_chassis.workdays import calendar_from_db
from onewindow_contracts.topics import APPROVAL, CATALOGUE, INTAKE

from .adapters import catalogue_file, repository
from .adapters.ports import CalendarWorkingDays, CertificatesLicences, NoLicences
from .config import Settings
from .domain.catalogue import Catalogue
from .entrypoints import api, applicants, applications, background, erasure
from .service_layer.catalogue import publish_items
from .service_layer.erasure import Retention
from .service_layer.unit_of_work import Licences, Services

MIGRATIONS = Path(__file__).parent / "migrations"


def _licences(settings: Settings, clock: Clock) -> Licences:
    if not settings.certificates_url:
        return NoLicences()

    def token() -> str:  # minted on the platform's clock: the one certificates checks it against
        return settings.certificates_token or development_issuer(settings, clock).issue("intake-service", "service")

    return CertificatesLicences(settings.certificates_url, token)


def _retention(settings: Settings, catalogue: Catalogue) -> Retention:
    """The 保管期限表. A code it names that the catalogue lacks is a typo that would let that item's files
    take the default term, and be erased too early: refuse to start."""
    unknown = sorted(set(settings.erasure_retention_by_item) - {code for code, _ in catalogue.items})
    if unknown:
        raise ValueError(f"ONEWINDOW_INTAKE_ERASURE_RETENTION_BY_ITEM names items not in the catalogue: {unknown}")
    return Retention(settings.erasure_retention_years, {
        code: None if term == "permanent" else term for code, term in settings.erasure_retention_by_item.items()})


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               licences: Licences | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(app: FastAPI) -> Wiring:
        catalogue, drafts = catalogue_file.read(settings.catalogue_path or catalogue_file.DEMO)
        async with app.state.db.transaction() as tx:
            await repository.load_items(tx, catalogue)
            calendar = await calendar_from_db(tx)
        master = settings.master_key_bytes()
        services = Services(
            app.state.db, app.state.clock, catalogue, PersonalDataVault(master), CalendarWorkingDays(calendar),
            licences or _licences(settings, app.state.clock), blind_index_key=hashlib.sha256(b"onewindow blind index\0" + master).digest(),
            default_region=settings.region_code, supplement_working_days=settings.supplement_working_days,
        )
        if settings.publish_catalogue_on_start:
            try:
                async with services.uow() as uow:
                    await publish_items(drafts, uow)
            except ConcurrencyError:  # another instance published the same versions first
                async with app.state.db.transaction() as tx:
                    await repository.load_items(tx, catalogue)
        app.state.intake = services
        app.state.retention = _retention(settings, catalogue)

        async def close_ports(stop: asyncio.Event) -> None:
            await stop.wait()
            if close := getattr(services.licences, "close", None):
                await close()

        return Wiring(subscriptions=background.subscriptions(), timer_handlers=background.timer_handlers(services),
                      loops=[close_ports])

    return service_app("intake", settings, MIGRATIONS, routers=(api.router, applications.router, applicants.router,
                                                                erasure.router),
                       topics=topic_specs(INTAKE, CATALOGUE, APPROVAL), setup=setup, clock=clock)
