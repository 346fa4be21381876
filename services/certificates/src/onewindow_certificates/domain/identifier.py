"""电子证照标识 (GB/T 36904-2018): `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`.

- 证照类型代码: the defining ministry's 统一社会信用代码 plus a 3-digit sequence (e.g. `11100000000013338W009`);
- 颁发机构代码: usually the issuer's 统一社会信用代码, sometimes a 6-digit 区划代码;
- 流水号: the issuer's serial, 9 to 20+ characters; 版本号: 3 digits (001 for a first issue);
- 校验位: ISO 7064 MOD 37,36 over everything after the `1.2.156.3005.2.` prefix, dots removed.

No segment has a fixed length in practice, so none is checked for one; each must be made of the check
alphabet (digits and capital letters), or the check character could not be computed over it. The
algorithm reproduces the check character of real identifiers (tests: a Zhejiang file name
`1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0.OFD`, and two more).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "1.2.156.3005.2."  # the OID arc of China's e-licences (电子证照)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # ISO 7064 MOD 37,36: 36 symbols, values 0..35
_SEGMENT = re.compile(r"^[0-9A-Z]+$")
_VERSION = re.compile(r"^\d{3}$")


class InvalidIdentifier(ValueError):
    """Not a well-formed GB/T 36904 identifier, or its check character does not match."""


def check_character(data: str) -> str:
    """ISO 7064 MOD 37,36 (a hybrid system, M = 36): the one character that makes `data` + it check."""
    modulus = len(ALPHABET)
    product = modulus
    for char in data:
        value = ALPHABET.find(char)
        if value < 0:
            raise InvalidIdentifier(f"{char!r} is not in the check alphabet 0-9A-Z")
        total = (product + value) % modulus or modulus
        product = (total * 2) % (modulus + 1)
    return ALPHABET[(modulus + 1 - product) % modulus]


@dataclass(frozen=True)
class LicenceIdentifier:
    type_code: str  # 证照类型代码
    issuer_code: str  # 颁发机构代码
    serial: str  # 流水号
    version: int = 1  # 版本号: a re-issue (换发) of the same licence counts up

    def __post_init__(self) -> None:
        for name in ("type_code", "issuer_code", "serial"):
            if not _SEGMENT.match(getattr(self, name)):
                raise InvalidIdentifier(f"{name} must be digits and capital letters: {getattr(self, name)!r}")
        if not 1 <= self.version <= 999:
            raise InvalidIdentifier("the version has 3 digits, from 001")

    @property
    def body(self) -> str:
        return f"{self.type_code}.{self.issuer_code}.{self.serial}.{self.version:03d}"

    @property
    def check(self) -> str:
        return check_character(self.body.replace(".", ""))

    def __str__(self) -> str:
        return f"{PREFIX}{self.body}.{self.check}"

    @classmethod
    def parse(cls, text: str) -> LicenceIdentifier:
        """Read an identifier, refusing a wrong prefix, shape or check character. Lower case is read as
        upper case (the alphabet has no lower case); a file extension (`.OFD`) is not part of it."""
        text = text.strip().upper()
        if not text.startswith(PREFIX):
            raise InvalidIdentifier(f"an e-licence identifier starts with {PREFIX}")
        parts = text[len(PREFIX):].split(".")
        if len(parts) != 5:
            raise InvalidIdentifier("expected <type>.<issuer>.<serial>.<version>.<check>")
        type_code, issuer_code, serial, version, check = parts
        if not _VERSION.match(version):
            raise InvalidIdentifier("the version has 3 digits")
        identifier = cls(type_code, issuer_code, serial, int(version))
        if check != identifier.check:
            raise InvalidIdentifier("the check character does not match")
        return identifier


def is_valid(text: str) -> bool:
    try:
        LicenceIdentifier.parse(text)
    except InvalidIdentifier:
        return False
    return True
