"""公民身份号码 (GB 11643-1999): what a 秒批 rule may read from one, after its check character holds.

Kept here rather than imported from intake: approval depends on contracts and the chassis only, and a
rule must not trust that the form was checked upstream (a fact from another system is not).
"""
from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # ISO 7064 MOD 11-2, indexed by the weighted sum mod 11
_SHAPE = re.compile(r"\d{17}[\dX]")


class NotACitizenId(ValueError):
    """The value is not a usable citizen ID number; the message says why, without repeating it."""


def _checked(value: object) -> str:
    if not isinstance(value, str):
        raise NotACitizenId("is not text")
    number = value.upper()
    if not _SHAPE.fullmatch(number):
        # The 15-digit numbers of the first generation are not accepted: they were replaced by 2013.
        raise NotACitizenId("is not a citizen ID number (17 digits and a check character)")
    total = sum(int(digit) * weight for digit, weight in zip(number, _WEIGHTS))
    if _CHECK[total % 11] != number[17]:
        raise NotACitizenId("is not a valid citizen ID number (GB 11643 check digit)")
    return number


def birth_date(value: object) -> date:
    number = _checked(value)
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise NotACitizenId("has no valid birth date") from None


def region(value: object) -> str:
    """The 地址码: the county where the number was first issued. It does not follow a later move of the
    户口, so it says where someone was registered at birth (or in 1985-), not where they live now."""
    return _checked(value)[:6]
