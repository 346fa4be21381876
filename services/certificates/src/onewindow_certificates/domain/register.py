"""The register of licence types (电子证照目录, GB/T 36902) and issuing authorities (颁发机构).

The catalogue tells certificates which licence type an item yields (`result_licence_type_code`) and
which department decides; it does not carry what a licence of that type looks like — its name, its
national type code (证照类型代码), how long it is valid — nor the issuer's name and the code that goes
into the identifier. That is this register's, loaded from a file a province maintains.

A type or issuer missing from the register still gets a licence, never a silent refusal: the name
falls back to the item's, the codes to alphanumeric forms of the local codes (a department code that
is a 统一社会信用代码, as in production, is then used as it is), valid without end (长期).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_NOT_IN_ALPHABET = re.compile(r"[^0-9A-Z]")


def alphanumeric(code: str) -> str:
    """A local code (`LIC-YYZZ`, `330100-SCJGJ`) as identifier characters: capitals and digits only."""
    return _NOT_IN_ALPHABET.sub("", code.upper()) or "0"


@dataclass(frozen=True)
class LicenceType:
    code: str  # the local type code the catalogue names (LIC-YYZZ)
    name: str  # 证照名称 (营业执照)
    national_code: str  # 证照类型代码 in the identifier (ministry USCC + 3 digits)
    number_prefix: str  # printed before the serial in 证照编号 (JY for 食品经营许可证)
    valid_years: int | None = None  # None: 长期 (valid without end)


@dataclass(frozen=True)
class Issuer:
    department_code: str  # 实施主体编码, as in the catalogue and the events
    name: str  # 颁发机构名称
    identifier_code: str  # 颁发机构代码 in the identifier (USCC, or a 区划代码)


@dataclass
class Register:
    licence_types: Mapping[str, LicenceType] = field(default_factory=dict)
    issuers: Mapping[str, Issuer] = field(default_factory=dict)

    def licence_type(self, code: str, fallback_name: str) -> LicenceType:
        known = self.licence_types.get(code)
        if known is not None:
            return known
        local = alphanumeric(code)
        return LicenceType(code, fallback_name, local, local[-4:])

    def issuer(self, department_code: str) -> Issuer:
        known = self.issuers.get(department_code)
        if known is not None:
            return known
        return Issuer(department_code, department_code, alphanumeric(department_code))
