"""Ticket numbers: short, keypad-friendly digits with a Damm check digit.

A number is ``prefix + counter + check``: the counter is at least 7 digits (it starts at
1000000), the optional prefix is a per-host digit string for multi-host deployments, and the
check digit is Damm's, which catches every single wrong digit and every swap of two adjacent
digits - the two mistakes people make when typing a number read to them. Everything here is
pure; ``allocator`` hands out counters.
"""

from __future__ import annotations

from .errors import InvalidTicketNumber

COUNTER_DIGITS = 7
FIRST_COUNTER = 1_000_000

# Damm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> str:
    """The Damm check digit of a string of decimal digits ("572" -> "4")."""
    if not digits.isdigit() or not digits.isascii():
        raise InvalidTicketNumber("a ticket number has digits only", number=digits)
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return str(interim)


def ticket_number(counter: int, prefix: str = "") -> str:
    """The full number for a counter value: prefix, zero-padded counter, check digit."""
    if counter < 0:
        raise InvalidTicketNumber("a ticket counter is never negative", counter=counter)
    body = f"{prefix}{counter:0{COUNTER_DIGITS}d}"
    return body + damm_digit(body)


def normalize(typed: str) -> str:
    """What a person typed or read out, without spaces, dashes and dots."""
    return "".join(ch for ch in typed.strip() if ch not in " -.")


def is_valid(number: str) -> bool:
    """True if ``number`` is digits only, long enough and its check digit fits."""
    number = normalize(number)
    if len(number) < COUNTER_DIGITS + 1 or not number.isdigit() or not number.isascii():
        return False
    return damm_digit(number) == "0"


def counter_of(number: str, prefix: str = "") -> int | None:
    """The counter inside a valid number with this prefix, else None."""
    number = normalize(number)
    if not is_valid(number) or not number.startswith(prefix):
        return None
    return int(number[len(prefix):-1])
