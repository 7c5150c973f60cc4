"""NHS number: modulus-11 check digit, normalising typed input, display, the test range."""

from __future__ import annotations

import pytest
from factories import fake_nhs_number

from intapp.services.errors import InvalidInput
from intapp.services.nhs_number import (
    check_digit,
    format_nhs_number,
    is_test_number,
    is_valid,
    normalise,
)

VALID = ("9434765919", "4010232137")


def reference_check_digit(first_nine: str) -> int | None:
    """The rule in docs/rules.md: weights 10..2, 11 - (sum mod 11), 11 -> 0, 10 -> none."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("943 476 5919", "9434765919"),
        ("9434765919", "9434765919"),
        ("943-476-5919", "9434765919"),
        ("  943 476-5919 ", "9434765919"),
        ("401 023 2137", "4010232137"),
        ("4010232137", "4010232137"),
        ("401-023-2137", "4010232137"),
    ],
)
def test_valid_numbers_normalise_to_ten_digits(raw: str, digits: str) -> None:
    assert normalise(raw) == digits
    assert is_valid(digits)


@pytest.mark.parametrize("raw", ["943 476 5910", "9434765910", "123 456 7890", "1234567890"])
def test_wrong_check_digit_is_refused(raw: str) -> None:
    assert not is_valid(raw.replace(" ", ""))
    with pytest.raises(InvalidInput, match="check digit") as caught:
        normalise(raw)
    assert caught.value.field == "nhs_number"


def test_error_names_the_field_it_was_typed_in() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise("123 456 7890", field="carer_nhs_number")
    assert caught.value.field == "carer_nhs_number"


@pytest.mark.parametrize("valid", VALID)
def test_every_single_digit_change_is_caught(valid: str) -> None:
    changed = [
        valid[:position] + digit + valid[position + 1 :]
        for position in range(10)
        for digit in "0123456789"
        if digit != valid[position]
    ]
    assert len(changed) == 90
    accepted = [number for number in changed if is_valid(number)]
    assert accepted == []
    for number in changed:
        with pytest.raises(InvalidInput):
            normalise(number)


def test_check_digit_of_ten_means_no_valid_number() -> None:
    # 4*10 + 8*2 = 56; 56 mod 11 = 1; 11 - 1 = 10: no number can start 400000008.
    assert check_digit("400000008") is None
    assert [d for d in "0123456789" if is_valid("400000008" + d)] == []


def test_check_digit_of_eleven_becomes_zero() -> None:
    # 4*10 + 2*2 = 44; 44 mod 11 = 0; 11 - 0 = 11, written as 0.
    assert check_digit("400000002") == 0
    assert is_valid("4000000020")
    assert not is_valid("4000000021")


def test_check_digit_agrees_with_the_rule_as_written() -> None:
    prefixes = [f"{n:09d}" for n in range(0, 10**9, 7_654_321)] + [v[:9] for v in VALID]
    assert len(prefixes) > 100
    for prefix in prefixes:
        assert check_digit(prefix) == reference_check_digit(prefix), prefix


@pytest.mark.parametrize(
    "raw",
    [
        "٩٤٣٤٧٦٥٩١٩",  # Arabic-Indic digits for 9434765919
        "٩٤٣ ٤٧٦ ٥٩١٩",
        "９４３４７６５９１９",  # full-width digits
        "943476591٩",  # one non-ASCII digit is enough to refuse
    ],
)
def test_non_ascii_digits_are_refused(raw: str) -> None:
    assert not is_valid(raw.replace(" ", ""))
    with pytest.raises(InvalidInput, match="only the digits 0-9") as caught:
        normalise(raw)
    assert caught.value.field == "nhs_number"


@pytest.mark.parametrize("raw", ["943476591A", "943.476.5919", "NHS9434765919", "943/476/5919"])
def test_other_characters_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="only the digits"):
        normalise(raw)


@pytest.mark.parametrize(
    ("raw", "length"),
    [("943476591", 9), ("94347659190", 11), ("943 476 591", 9), ("9", 1), ("94347659199999", 14)],
)
def test_wrong_length_is_refused_with_the_count(raw: str, length: int) -> None:
    assert not is_valid(raw.replace(" ", ""))
    with pytest.raises(InvalidInput, match=f"must be 10 digits; .* has {length}"):
        normalise(raw)


def test_empty_input_is_refused() -> None:
    with pytest.raises(InvalidInput):
        normalise("   ")
    assert not is_valid("")


@pytest.mark.parametrize(
    ("digits", "shown"),
    [
        ("9434765919", "943 476 5919"),
        ("4010232137", "401 023 2137"),
        (None, ""),
        ("", ""),
        ("12345", "12345"),  # not ten digits: shown as stored, not mangled
    ],
)
def test_formatting_is_three_three_four(digits: str | None, shown: str) -> None:
    assert format_nhs_number(digits) == shown


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("9990000000", True),
        ("9995551234", True),
        ("9999999999", True),
        ("9989999999", False),
        ("9434765919", False),
        ("4010232137", False),
    ],
)
def test_test_range_is_999_000_0000_to_999_999_9999(digits: str, expected: bool) -> None:
    assert is_test_number(digits) is expected


def test_factory_numbers_are_valid_and_in_the_test_range() -> None:
    numbers = [fake_nhs_number(n) for n in range(30)]
    assert len(set(numbers)) == 30
    assert all(is_valid(n) and is_test_number(n) for n in numbers)


@pytest.mark.parametrize("digits", ["99999", "9999", "abc", "99900000001", "999000000٩"])
def test_only_ten_ascii_digit_numbers_are_in_the_test_range(digits: str) -> None:
    # Regression: a plain string comparison counted "99999" and "abc" as test numbers.
    assert is_test_number(digits) is False
