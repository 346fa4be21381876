"""Notify's ports and their default adapters: the applicant's contact book, the SMS gateway, the mailer.

ContactBook: intake's ApplicationReceived carries the applicant's contact sealed under the applicant's
key in INTAKE's vault, which notify cannot open. So notify keeps its own: the applicant registers a
phone and e-mail through notify's `PUT /v1/contacts/me`, stored sealed (PersonalDataVault) under the
applicant ref in notify's database, and opened only in memory, at the moment of sending.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from onewindow_chassis.db import Transaction
from onewindow_chassis.personal import ERASED, PersonalDataVault

from ..domain.sending import Contact, masked
from . import repository


class ContactBook(Protocol):
    async def register(self, tx: Transaction, applicant_ref: str, contact: Contact, at: datetime) -> None: ...

    async def reachable(self, tx: Transaction, applicant_ref: str) -> tuple[bool, bool]:
        """(has a phone, has an e-mail address), without opening anything."""

    async def open(self, tx: Transaction, applicant_ref: str) -> Contact | None:
        """The clear contact, or None when none is registered or it was erased."""

    async def erase(self, tx: Transaction, applicant_ref: str, at: datetime) -> None:
        """个人信息删除: the applicant's contact is gone for good, and cannot be registered again."""


class SealedContactBook:
    """The default ContactBook: contacts registered through notify's own API, sealed at rest."""

    def __init__(self, vault: PersonalDataVault) -> None:
        self.vault = vault

    async def register(self, tx: Transaction, applicant_ref: str, contact: Contact, at: datetime) -> None:
        async def seal(value: str | None) -> dict[str, str] | None:
            return await self.vault.seal(tx, applicant_ref, value, at) if value else None

        await repository.save_contact(tx, {"applicant_ref": applicant_ref, "phone": await seal(contact.phone),
                                           "email": await seal(contact.email), "updated_at": at})

    async def reachable(self, tx: Transaction, applicant_ref: str) -> tuple[bool, bool]:
        row = await repository.contact(tx, applicant_ref)
        return (bool(row and row["phone"]), bool(row and row["email"]))

    async def open(self, tx: Transaction, applicant_ref: str) -> Contact | None:
        row = await repository.contact(tx, applicant_ref)
        if row is None:
            return None

        async def unseal(sealed: dict[str, str] | None) -> str | None:
            if not sealed:
                return None
            value = await self.vault.open(tx, sealed)
            return None if value == ERASED else value

        return Contact(phone=await unseal(row["phone"]), email=await unseal(row["email"]))

    async def erase(self, tx: Transaction, applicant_ref: str, at: datetime) -> None:
        # The key first: a copy of the row in a backup is shredded with it. Then the row, so that the
        # applicant no longer counts as reachable and no message is queued only to fail.
        await self.vault.erase(tx, applicant_ref, at)
        await repository.forget_contact(tx, applicant_ref)


class ChannelError(Exception):
    """A channel refused or failed. `code` goes into NotificationFailed; `permanent` stops retrying."""

    def __init__(self, code: str, *, permanent: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


class SmsGateway(Protocol):
    async def send(self, phone: str, text: str, reference: str) -> str:
        """Hand the text to the gateway; return its message id."""


class FileSmsSink:
    """The default SMS gateway: one JSON line per message appended to a file, the number masked (the
    sink is a development stand-in, read by people, so it holds no clear number)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def send(self, phone: str, text: str, reference: str) -> str:
        message_id = f"sms-{uuid.uuid4().hex}"
        line = json.dumps({"message_id": message_id, "reference": reference, "to": masked(phone), "text": text},
                          ensure_ascii=False)
        async with self._lock:
            await asyncio.to_thread(self._append, line)
        return message_id

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str, reference: str) -> str:
        """Deliver to the mail server; return the Message-ID it accepted."""


class SmtpMailer:
    """E-mail over real SMTP (aiosmtplib). A 4xx reply or a network fault is retried; a 5xx is final."""

    def __init__(self, host: str, port: int, sender: str, *, timeout: float = 10.0, starttls: bool = False,
                 username: str | None = None, password: str | None = None) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.timeout, self.starttls = timeout, starttls
        self.username, self.password = username, password

    async def send(self, to: str, subject: str, body: str, reference: str) -> str:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        # The notification id in the Message-ID: a resend after a crash can be recognised by the receiver.
        provider_id = f"{reference}.{uuid.uuid4().hex[:8]}"
        message["Message-ID"] = f"<{provider_id}@onewindow.gov.cn>"
        message["X-OneWindow-Notification"] = reference
        message.set_content(body)
        try:
            await aiosmtplib.send(message, hostname=self.host, port=self.port, timeout=self.timeout,
                                  start_tls=self.starttls, username=self.username, password=self.password)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [reply.code for reply in error.recipients]
            raise ChannelError(f"smtp_{codes[0] if codes else 550}", permanent=all(c >= 500 for c in codes)) from None
        except aiosmtplib.SMTPResponseException as error:
            raise ChannelError(f"smtp_{error.code}", permanent=error.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise ChannelError(f"smtp_{type(error).__name__.lower()}") from None
        return provider_id
