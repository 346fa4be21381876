"""Reading the register of licence types and issuers from its TOML file."""
from __future__ import annotations

import tomllib
from pathlib import Path

from ..domain.register import Issuer, LicenceType, Register, alphanumeric

DEMO = Path(__file__).parent.parent / "demo" / "register.toml"


def read(path: Path = DEMO) -> Register:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    types = {
        code: LicenceType(code, entry["name"], entry.get("national_code") or alphanumeric(code),
                          entry.get("number_prefix", alphanumeric(code)[-4:]), entry.get("valid_years"))
        for code, entry in data.get("licence_types", {}).items()
    }
    issuers = {
        code: Issuer(code, entry["name"], entry.get("identifier_code") or alphanumeric(code))
        for code, entry in data.get("issuers", {}).items()
    }
    return Register(types, issuers)
