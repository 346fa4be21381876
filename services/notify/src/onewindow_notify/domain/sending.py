"""The rules of sending (pure): which channels an applicant is reached on, the dedupe key, backoff,
and masking of addresses."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from onewindow_chassis.telemetry import mask
from onewindow_contracts.notify import NotificationChannel


@dataclass(frozen=True)
class Contact:
    """An applicant's clear contact, held in memory only while sending."""

    phone: str | None = None
    email: str | None = None


def channels_for(has_phone: bool, has_email: bool) -> list[NotificationChannel]:
    """The in-app inbox always; SMS and e-mail where the applicant registered a number or address."""
    channels = [NotificationChannel.IN_APP]
    if has_phone:
        channels.append(NotificationChannel.SMS)
    if has_email:
        channels.append(NotificationChannel.EMAIL)
    return channels


def notification_id(caused_by: str, recipient_ref: str, channel: str, part: str = "") -> str:
    """Derived from the dedupe key itself, so the same (event, recipient, channel) is the same notification."""
    digest = hashlib.sha256(f"{caused_by}\0{recipient_ref}\0{channel}\0{part}".encode()).hexdigest()
    return f"ntf-{digest[:32]}"


def backoff(attempts: int, first: float, ceiling: float) -> timedelta:
    """Delay before the next attempt after `attempts` failed ones: first, 2×first, 4×first … ≤ ceiling."""
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), ceiling))


_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL_FULL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def masked(text: str) -> str:
    """Mask phone numbers, ID numbers and e-mail addresses (w***@example.cn) for logs and sinks."""
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", mask(text))


def valid_phone(phone: str) -> bool:
    return bool(_PHONE.match(phone))


def valid_email(email: str) -> bool:
    return bool(_EMAIL_FULL.match(email)) and len(email) <= 254
