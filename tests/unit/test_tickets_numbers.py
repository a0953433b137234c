import pytest

from ivr.tickets.errors import InvalidTicketNumber
from ivr.tickets.numbers import counter_of, damm_digit, is_valid, normalize, ticket_number


@pytest.mark.parametrize(("digits", "check"), [
    ("572", "4"),          # the textbook example
    ("0", "0"),
    ("1000000", "4"),
    ("1234567", "1"),
    ("9999999", "2"),
])
def test_damm_digit(digits, check):
    assert damm_digit(digits) == check


@pytest.mark.parametrize("bad", ["", "12a", "１２３", "-1"])
def test_damm_digit_refuses_non_digits(bad):
    with pytest.raises(InvalidTicketNumber):
        damm_digit(bad)


@pytest.mark.parametrize(("counter", "prefix", "number"), [
    (1_000_000, "", "10000004"),
    (1_234_567, "", "12345671"),
    (42, "", "00000427"),
    (1_000_000, "3", "310000001"),
    (12_345_678, "", "123456786"),
])
def test_ticket_number(counter, prefix, number):
    assert ticket_number(counter, prefix) == number
    assert is_valid(number)
    assert counter_of(number, prefix) == counter


@pytest.mark.parametrize(("typed", "valid"), [
    ("10000004", True),
    ("1000-0004", True),
    (" 1000 0004 ", True),
    ("10000005", False),   # wrong check digit
    ("01000004", False),   # swapped digits
    ("1000004", False),    # too short
    ("1000000x", False),
    ("", False),
])
def test_is_valid(typed, valid):
    assert is_valid(typed) is valid


def test_every_single_digit_error_is_caught():
    number = ticket_number(1_234_567)
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1:]
                assert not is_valid(typo), typo


def test_every_adjacent_swap_is_caught():
    for counter in (1_000_000, 1_234_567, 7_654_321, 9_081_726):
        number = ticket_number(counter)
        for i in range(len(number) - 1):
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2:]
            if swapped != number:
                assert not is_valid(swapped), swapped


def test_counter_of_other_prefix_is_none():
    assert counter_of(ticket_number(1_000_001, "4"), "5") is None
    assert normalize("12-34 5.6") == "123456"
