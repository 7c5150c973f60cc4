"""NHS number validation (modulus 11) and display."""

from __future__ import annotations

from operator import mul

from intapp.services.errors import InvalidInput

_SEPARATORS = str.maketrans("", "", " -")
_WEIGHTS = tuple(range(10, 1, -1))
_ZERO_OFFSET = ord("0") * sum(_WEIGHTS)
TEST_RANGE_START = "9990000000"


def check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None where no number is possible."""
    if len(first_nine) != len(_WEIGHTS) or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError("check_digit needs exactly nine ASCII digits")
    # Imports check hundreds of thousands of these: the bytes of ASCII digits are their
    # character codes, so the weighted sum is taken in C and the codes' offset removed.
    total = sum(map(mul, first_nine.encode("ascii"), _WEIGHTS)) - _ZERO_OFFSET
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def is_valid(digits: str) -> bool:
    """True when `digits` is ten ASCII digits with the right check digit."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    return check_digit(digits[:9]) == int(digits[9])


def normalise(raw: str, *, field: str = "nhs_number") -> str:
    """Strip spaces and hyphens and validate; raise `InvalidInput` saying what is wrong."""
    digits = raw.strip().translate(_SEPARATORS)
    if not digits.isascii() or not digits.isdigit():
        raise InvalidInput(
            f"NHS number {raw!r} must contain only the digits 0-9 (spaces and hyphens allowed)",
            field=field,
        )
    if len(digits) != 10:
        raise InvalidInput(f"NHS number must be 10 digits; {raw!r} has {len(digits)}", field=field)
    if check_digit(digits[:9]) != int(digits[9]):
        raise InvalidInput(
            f"NHS number {format_nhs_number(digits)} fails the check digit: check for a typo",
            field=field,
        )
    return digits


def format_nhs_number(digits: str | None) -> str:
    """Show an NHS number as 3-3-4 (``943 476 5919``)."""
    if not digits:
        return ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def is_test_number(digits: str) -> bool:
    """True for the 999 000 0000–999 999 9999 range reserved for testing."""
    return (
        len(digits) == 10 and digits.isascii() and digits.isdigit() and digits >= TEST_RANGE_START
    )
