"""Our Erlang C (ivr/stats/erlang.py) against textbook figures and pyworkforce's."""

from __future__ import annotations

import math

import pytest
from pyworkforce.queuing import ErlangC

from ivr.stats.erlang import operators_needed, service_level, wait_probability


def test_no_traffic_never_waits_and_too_little_staff_always_does():
    assert wait_probability(3, 0.0) == 0.0
    assert wait_probability(3, 3.0) == 1.0
    assert wait_probability(2, 5.0) == 1.0
    assert service_level(2, 1.0, 5.0, 15) == 0.0


def test_a_textbook_case():
    # 2 erlangs on 3 servers: P(wait) = 4/9 (classic worked example).
    assert wait_probability(3, 2.0) == pytest.approx(4 / 9)
    # One server: P(wait) is the utilisation.
    assert wait_probability(1, 0.6) == pytest.approx(0.6)


@pytest.mark.parametrize(("calls", "aht_s", "within_s", "operators"), [
    (100, 180, 20, 14), (100, 180, 20, 16), (30, 120, 15, 3), (400, 240, 15, 60),
    (12, 25, 15, 2), (60, 40, 15, 4), (500, 300, 20, 95),
])
def test_our_erlang_c_equals_pyworkforces(calls: int, aht_s: float, within_s: float,
                                          operators: int):
    """pyworkforce counts in minutes: ``calls`` in a 30-minute interval."""
    theirs = ErlangC(transactions=calls, aht=aht_s / 60, asa=within_s / 60, interval=30)
    rate = calls / 1800
    assert wait_probability(operators, rate * aht_s) == pytest.approx(
        theirs.waiting_probability(positions=operators), rel=1e-9)
    assert service_level(operators, rate, aht_s, within_s) == pytest.approx(
        theirs.service_level(positions=operators), rel=1e-9)


@pytest.mark.parametrize(("calls", "aht_s", "target", "within_s"), [
    (100, 180, 0.8, 20), (30, 120, 0.9, 15), (400, 240, 0.9, 15), (12, 25, 0.9, 15),
])
def test_operators_needed_equals_pyworkforces(calls: int, aht_s: float, target: float,
                                             within_s: int):
    theirs = ErlangC(transactions=calls, aht=aht_s / 60, asa=within_s / 60, interval=30)
    needed = theirs.required_positions(service_level=target)["raw_positions"]
    assert operators_needed(calls / 1800, aht_s, target, within_s) == needed


def test_one_operator_fewer_misses_the_target():
    rate, handle = 0.05, 30.0
    n = operators_needed(rate, handle, 0.9, 15)
    assert service_level(n, rate, handle, 15) >= 0.9
    assert n == 1 or service_level(n - 1, rate, handle, 15) < 0.9
    assert operators_needed(rate, handle, 0.9, 15, at_least=5) == max(5, n)
    assert math.isclose(service_level(50, rate, handle, 15), 1.0)
