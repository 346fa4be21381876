"""The sender: works off the `pending` notifications that committed transactions left behind.

1. claim (one short transaction): due rows are leased (attempts + 1, next attempt pushed past a lease)
   and the recipient's contact is opened into memory;
2. send, outside any transaction (no lock is held while the SMS gateway or the mail server thinks);
3. record (one transaction): `sent` with NotificationSent, or the failure with NotificationFailed and
   the next attempt after an exponential backoff, or — at the limit, or on a permanent refusal —
   `failed` with NotificationFailed(final=True).

A sender that dies between 2 and 3 leaves the row leased: it is tried again once the lease is over,
so a channel sees at most one extra attempt in that case (at-least-once at the channel; the mail's
Message-ID carries the notification id so a receiver can tell). Redelivered events never get here twice:
their intent rows are unique per (event, recipient, channel).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from onewindow_contracts.notify import NotificationChannel, NotificationFailed, NotificationPurpose, NotificationSent

from ..adapters import repository
from ..adapters.ports import ChannelError
from ..domain.sending import Contact, backoff, masked
from .unit_of_work import Services, notification_stream

log = logging.getLogger(__name__)


async def send_due(services: Services, limit: int = 50) -> int:
    """Send every notification due now; return how many were attempted."""
    policy = services.policy
    async with services.uow() as uow:
        now = uow.now
        claimed: list[tuple[dict[str, Any], Contact | None]] = []
        for row in await repository.due_notifications(uow.tx, now, limit):
            contact = await services.contacts.open(uow.tx, row["recipient_ref"])
            row["attempts"] += 1
            await repository.update_notification(uow.tx, row["notification_id"], attempts=row["attempts"],
                                                 next_attempt_at=now + timedelta(seconds=policy.lease_seconds))
            claimed.append((row, contact))
    for row, contact in claimed:
        await _send_one(services, row, contact)
    return len(claimed)


async def _send_one(services: Services, row: dict[str, Any], contact: Contact | None) -> None:
    channel = NotificationChannel(row["channel"])
    address = (contact.phone if channel is NotificationChannel.SMS else contact.email) if contact else None
    provider_id: str | None = None
    error: ChannelError | None = None
    try:
        if address is None:
            raise ChannelError("no_contact", permanent=True)  # withdrawn or erased since the intent
        if channel is NotificationChannel.SMS:
            text = f"{services.policy.sms_signature}{row['title']}：{row['body']}"
            provider_id = await services.sms.send(address, text, row["notification_id"])
        else:
            provider_id = await services.mailer.send(address, f"{row['title']}（办件编号{row['case_id']}）",
                                                     row["body"], row["notification_id"])
        log.info("notification %s sent by %s to %s", row["notification_id"], channel.value, masked(address))
    except ChannelError as failure:
        error = failure
    except Exception as failure:  # a gateway's own bug or outage: retried like any transient fault
        error = ChannelError(f"{channel.value}_{type(failure).__name__.lower()}"[:64])
    if error is not None:
        log.warning("notification %s by %s to %s failed (attempt %s): %s", row["notification_id"], channel.value,
                    masked(address or "-"), row["attempts"], error.code)
    await _record(services, row, provider_id, error)


async def _record(services: Services, claimed: dict[str, Any], provider_id: str | None,
                  error: ChannelError | None) -> None:
    policy = services.policy
    nid = claimed["notification_id"]
    async with services.uow() as uow:
        row = await repository.notification(uow.tx, nid, lock=True)
        if row is None or row["status"] != "pending" or row["attempts"] != claimed["attempts"]:
            return  # another sender took it over after our lease ran out
        common = dict(case_id=row["case_id"], notification_id=nid, recipient_ref=row["recipient_ref"],
                      channel=NotificationChannel(row["channel"]), purpose=NotificationPurpose(row["purpose"]),
                      template_code=row["template_code"], template_version=row["template_version"],
                      caused_by=row["caused_by"])
        if error is None:
            event: Any = NotificationSent(**common, provider_message_id=provider_id, sent_at=uow.now)
            values: dict[str, Any] = {"status": "sent", "sent_at": uow.now, "provider_message_id": provider_id,
                                      "next_attempt_at": None, "last_error": None}
        else:
            final = error.permanent or row["attempts"] >= policy.max_attempts
            event = NotificationFailed(**common, error_code=error.code, attempts=row["attempts"], final=final,
                                       failed_at=uow.now)
            values = {"last_error": error.code, "status": "failed" if final else "pending",
                      "next_attempt_at": None if final else
                      uow.now + backoff(row["attempts"], policy.backoff_seconds, policy.backoff_max_seconds)}
        version, _ = await uow.record(notification_stream(nid), row["stream_version"], [event])
        await repository.update_notification(uow.tx, nid, stream_version=version, **values)


def sender_loop(services: Services):  # noqa: ANN201 - a Wiring loop
    async def notify_sender(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                while await send_due(services) and not stop.is_set():
                    pass
            except Exception as failure:  # the database away: try again next tick
                log.warning("notify sender retrying after %s", type(failure).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), services.policy.poll_seconds)

    return notify_sender
