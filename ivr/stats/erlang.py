"""Erlang C: how many operators a queue needs for a service level (pure).

M/M/N: calls arrive at random (Poisson, ``rate`` per second), each holds an operator for an
exponential time of mean ``handle_s``; nobody gives up. With ``a = rate * handle_s`` erlangs
of traffic and ``n > a`` operators, the chance that a call has to wait is

    P(wait) = (a^n / n!) * n/(n - a) / (sum_{k<n} a^k / k! + (a^n / n!) * n/(n - a))

and the share answered within ``t`` seconds is ``1 - P(wait) * exp(-(n - a) * t / handle_s)``.
The simulated day (``bench/simulated_day.py``) sizes each shift's 112 operators with it;
``tests/unit/test_erlang.py`` checks it against an independent implementation (pyworkforce).
"""

from __future__ import annotations

import math


def wait_probability(operators: int, traffic_erlangs: float) -> float:
    """Erlang C's P(wait) for ``operators`` and ``traffic_erlangs``; 1.0 when they cannot keep
    up (``operators <= traffic``)."""
    if traffic_erlangs <= 0:
        return 0.0
    if operators <= traffic_erlangs:
        return 1.0
    # Erlang B by its stable recurrence, then C from B.
    blocking = 1.0
    for k in range(1, operators + 1):
        blocking = traffic_erlangs * blocking / (k + traffic_erlangs * blocking)
    return operators * blocking / (operators - traffic_erlangs * (1 - blocking))


def service_level(operators: int, rate_per_s: float, handle_s: float, within_s: float
                  ) -> float:
    """Share of calls answered within ``within_s`` seconds (0..1)."""
    traffic = rate_per_s * handle_s
    waits = wait_probability(operators, traffic)
    if waits >= 1.0:
        return 0.0
    return 1.0 - waits * math.exp(-(operators - traffic) * within_s / handle_s)


def operators_needed(rate_per_s: float, handle_s: float, target: float, within_s: float,
                     at_least: int = 1) -> int:
    """The fewest operators (``at_least`` or more) that answer ``target`` (0..1) of the calls
    within ``within_s`` seconds."""
    operators = max(at_least, math.floor(rate_per_s * handle_s) + 1)
    while service_level(operators, rate_per_s, handle_s, within_s) < target:
        operators += 1
    return operators
