"""一张表单: checking the one form of an application, field by field, so that a clerk or a citizen
learns exactly which answer is wrong and why."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from .catalogue import FormField
from .errors import invalid

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIMITS = {"text": 500, "address": 300}


def id_number_valid(value: str) -> bool:
    """公民身份号码 (GB 11643): 17 digits and a check character over them (ISO 7064 MOD 11-2)."""
    value = value.upper()
    if not _ID_NUMBER.match(value):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _WEIGHTS))
    return _CHECK[total % 11] == value[17]


def _problem(field: FormField, code: str, zh: str, en: str) -> dict[str, str]:
    return {"field": f"form.{field.code}", "code": code, "message_zh": f"{field.label}：{zh}", "message": en}


def _check(field: FormField, value: Any) -> dict[str, str] | None:
    if field.type in ("text", "address", "id_number", "phone", "choice", "date") and not isinstance(value, str):
        return _problem(field, "not_text", "应为文字", "must be a string")
    if field.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            return _problem(field, "not_a_number", "应为非负数", "must be a non-negative number")
        return None
    if _CONTROL.search(value):
        return _problem(field, "control_characters", "含有不可见控制字符", "contains control characters")
    if field.type in _LIMITS and not 1 <= len(value.strip()) <= _LIMITS[field.type]:
        return _problem(field, "length", f"长度应在1到{_LIMITS[field.type]}字之间",
                        f"must be 1 to {_LIMITS[field.type]} characters")
    if field.type == "id_number" and not id_number_valid(value):
        return _problem(field, "id_number_invalid", "身份证号码格式或校验位不正确",
                        "is not a valid citizen ID number (GB 11643 check digit)")
    if field.type == "phone" and not _PHONE.match(value):
        return _problem(field, "phone_invalid", "电话号码格式不正确", "is not a valid phone number")
    if field.type == "choice" and value not in field.choices:
        return _problem(field, "not_a_choice", f"应为以下之一：{'、'.join(field.choices)}",
                        f"must be one of {', '.join(field.choices)}")
    if field.type == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return _problem(field, "date_invalid", "日期格式应为 YYYY-MM-DD", "must be a date, YYYY-MM-DD")
    return None


def validate_form(fields: list[FormField], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers, checked against the merged form; raises with every field's problem at once."""
    known = {f.code: f for f in fields}
    errors = [
        {"field": f"form.{code}", "code": "unknown_field", "message_zh": f"表单中没有“{code}”这一项",
         "message": f"the form has no field {code!r}"}
        for code in answers if code not in known
    ]
    for field in fields:
        value = answers.get(field.code)
        if value is None or value == "":
            if field.required:
                errors.append(_problem(field, "required", "必填", "is required"))
            continue
        if (problem := _check(field, value)) is not None:
            errors.append(problem)
    if errors:
        raise invalid("form_invalid", "申请表填写有误", "The application form has errors", errors=errors)
    return {code: answers[code] for code in known if code in answers}
