"""HTTP entrypoint of notify (通知与出件): the applicant's inbox and contact, the window's 统一出件,
the listener of the other services' events, and the sender that works off pending notifications."""
from pathlib import Path

from fastapi import FastAPI

from onewindow_chassis.clock import Clock
from onewindow_chassis.kafka import topic_specs
from onewindow_chassis.personal import PersonalDataVault
from onewindow_chassis.web import Wiring, service_app
from onewindow_contracts.topics import APPROVAL, CERTIFICATES, EVALUATION, INTAKE, NOTIFY

from .adapters.ports import FileSmsSink, Mailer, SealedContactBook, SmsGateway, SmtpMailer
from .config import Settings
from .entrypoints import api, background
from .service_layer.sender import sender_loop
from .service_layer.unit_of_work import SendPolicy, Services

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, sms: SmsGateway | None = None,
               mailer: Mailer | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(app: FastAPI) -> Wiring:
        services = Services(
            app.state.db, app.state.clock, SealedContactBook(PersonalDataVault(settings.master_key_bytes())),
            sms or FileSmsSink(settings.sms_outbox_path),
            mailer or SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from,
                                 timeout=settings.smtp_timeout_seconds, starttls=settings.smtp_starttls,
                                 username=settings.smtp_username, password=settings.smtp_password.get_secret_value() if settings.smtp_password else None),
            SendPolicy(max_attempts=settings.send_max_attempts, backoff_seconds=settings.send_backoff_seconds,
                       backoff_max_seconds=settings.send_backoff_max_seconds,
                       lease_seconds=settings.send_lease_seconds, poll_seconds=settings.sender_poll_seconds,
                       sms_signature=settings.sms_signature),
        )
        app.state.notify = services
        return Wiring(subscriptions=background.subscriptions(services), loops=[sender_loop(services)])

    return service_app("notify", settings, MIGRATIONS, routers=(api.router,),
                       topics=topic_specs(NOTIFY, INTAKE, APPROVAL, CERTIFICATES, EVALUATION), setup=setup,
                       clock=clock)
