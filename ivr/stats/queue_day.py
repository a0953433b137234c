"""A queue's figures for one day, from the waits of its answered and abandoned calls (pure).

Definitions (the ones wallboards and NENA call-answering reports use):

- offered = answered + abandoned;
- service level at T seconds = calls answered within T s / calls offered (an abandoned call
  counts against the level, however short its wait); None when nothing was offered;
- average speed of answer (ASA) = mean wait of the answered calls; None when none;
- abandon rate = abandoned / offered; None when nothing was offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# NENA call-answering targets: 90 % within 15 s, 95 % within 20 s.
NENA_THRESHOLDS_S = (15, 20)


@dataclass(frozen=True)
class QueueFigures:
    offered: int
    answered: int
    abandoned: int
    service_level: dict[int, float | None]  # threshold in seconds -> share 0..1
    average_speed_of_answer_s: float | None
    abandon_rate: float | None


def service_level(answer_waits: Sequence[float], abandoned: int, threshold_s: float
                  ) -> float | None:
    """Share of offered calls answered within ``threshold_s`` seconds (inclusive)."""
    offered = len(answer_waits) + abandoned
    if offered == 0:
        return None
    return sum(1 for wait in answer_waits if wait <= threshold_s) / offered


def average_speed_of_answer(answer_waits: Sequence[float]) -> float | None:
    return sum(answer_waits) / len(answer_waits) if answer_waits else None


def abandon_rate(answered: int, abandoned: int) -> float | None:
    offered = answered + abandoned
    return abandoned / offered if offered else None


def thresholds(extra_s: float) -> tuple[int, ...]:
    """The NENA thresholds plus the site's own, sorted, without duplicates."""
    return tuple(sorted({*NENA_THRESHOLDS_S, int(extra_s)}))


def queue_figures(answer_waits: Sequence[float], abandoned_waits: Sequence[float],
                  levels_s: Iterable[int] = NENA_THRESHOLDS_S) -> QueueFigures:
    answered, abandoned = len(answer_waits), len(abandoned_waits)
    return QueueFigures(
        offered=answered + abandoned,
        answered=answered,
        abandoned=abandoned,
        service_level={t: service_level(answer_waits, abandoned, t) for t in levels_s},
        average_speed_of_answer_s=average_speed_of_answer(answer_waits),
        abandon_rate=abandon_rate(answered, abandoned),
    )
