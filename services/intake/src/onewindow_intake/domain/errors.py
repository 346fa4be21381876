"""Intake's errors: a stable code each, and what went wrong in Chinese and in English."""
from __future__ import annotations

from typing import Any

from onewindow_chassis.problems import DomainError


def invalid(code: str, zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("invalid", code, zh, en, **extra)


def conflict(code: str, zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("conflict", code, zh, en, **extra)


def forbidden(code: str, zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("forbidden", code, zh, en, **extra)


def not_found(what_zh: str, what_en: str) -> DomainError:
    """Also what someone gets for a thing that exists but is not theirs: no hint that it exists."""
    return DomainError("not_found", "not_found", f"{what_zh}不存在", f"No such {what_en}")
