"""电子证照标识 (GB/T 36904): the ISO 7064 MOD 37,36 check character against identifiers from real systems."""
from __future__ import annotations

import pytest

from onewindow_certificates.domain.identifier import InvalidIdentifier, LicenceIdentifier, check_character, is_valid

# From a Zhejiang OFD file name (…002.0.OFD): the check character is 0.
ZHEJIANG = "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"
# Two more as published systems print them (a Hunan qualification certificate, a Jilin licence).
OTHERS = ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
          "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F")


def test_the_check_character_of_the_real_example_is_reproduced() -> None:
    assert check_character("11100000000013338W00911330105002500287C2025052201002") == "0"
    parsed = LicenceIdentifier.parse(ZHEJIANG)
    assert parsed == LicenceIdentifier("11100000000013338W009", "11330105002500287C", "2025052201", 2)
    assert parsed.check == "0" and str(parsed) == ZHEJIANG


@pytest.mark.parametrize("identifier", OTHERS)
def test_other_real_identifiers_check(identifier: str) -> None:
    assert str(LicenceIdentifier.parse(identifier)) == identifier


def test_a_wrong_check_character_or_shape_is_refused() -> None:
    assert not is_valid(ZHEJIANG[:-1] + "1")  # one character off
    assert not is_valid(ZHEJIANG.replace("2025052201", "2025052202"))  # serial altered, check kept
    assert not is_valid("1.2.156.3005.1.11100000000013338W009.11330105002500287C.2025052201.002.0")  # prefix
    assert not is_valid("1.2.156.3005.2.11100000000013338W009.2025052201.002.0")  # a segment missing
    assert not is_valid("1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.02.0")  # version
    with pytest.raises(InvalidIdentifier):
        LicenceIdentifier("LIC-YYZZ", "330100", "1")  # a dash is outside the check alphabet


def test_lower_case_reads_as_upper_case_and_every_single_substitution_is_caught() -> None:
    assert LicenceIdentifier.parse(ZHEJIANG.lower()) == LicenceIdentifier.parse(ZHEJIANG)
    body = "11100000000013338W00911330105002500287C2025052201002"
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for position in range(len(body)):
        for char in alphabet.replace(body[position], ""):
            assert check_character(body[:position] + char + body[position + 1:]) != "0"


def test_a_built_identifier_round_trips() -> None:
    built = LicenceIdentifier("11100000000013338W002", "330100SCJGJ", "2026030212345678")
    assert str(built).startswith("1.2.156.3005.2.11100000000013338W002.330100SCJGJ.2026030212345678.001.")
    assert LicenceIdentifier.parse(str(built)) == built
