"""What a well-formed SID is (domain/sids.py ``is_sid``): its prefix and 32 hex digits, nothing more. Every API
request checks two or three, on the SIDs a stranger put in its path and its credentials."""

import pytest

from connectapps.domain import sids

HEX = "0123456789abcdef" * 2


@pytest.mark.parametrize("value", [f"AC{HEX}", f"AC{HEX.upper()}", "AC" + "0" * 32, "AC" + "aBcD" * 8])
def test_a_prefix_and_32_hex_digits_is_a_sid(value: str) -> None:
    assert sids.is_sid(value, sids.ACCOUNT)


@pytest.mark.parametrize("value", [
    "",
    "AC",
    f"CN{HEX}",  # another kind's
    f"ac{HEX}",  # the prefix is upper case
    f"AC{HEX[:-1]}",  # 31 digits
    f"AC{HEX}0",  # 33
    f"AC{HEX}\n",  # a line break after it
    f"\nAC{HEX}",
    f"AC{HEX[:-1]}g",
    f"AC{HEX[:-1]} ",
    f"AC{HEX[:-1]}_",
    f"AC{HEX[:-1]}\u0660",  # a digit, but not an ASCII one
    f"AC{HEX[:-1]}\uff10",
    f"AC0x{HEX[2:]}",
])
def test_anything_else_is_not(value: str) -> None:
    assert not sids.is_sid(value, sids.ACCOUNT)


@pytest.mark.parametrize("prefix", [sids.ACCOUNT, sids.CONNECT_APP, sids.KEY, sids.REQUEST])
def test_each_kind_checks_its_own_prefix(prefix: str) -> None:
    assert sids.is_sid(f"{prefix}{HEX}", prefix)
    assert not sids.is_sid(f"XX{HEX}", prefix)

