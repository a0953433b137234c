"""Service level, average speed of answer and abandon rate, table-tested."""

import pytest

from ivr.stats.queue_day import (
    abandon_rate,
    average_speed_of_answer,
    queue_figures,
    service_level,
    thresholds,
)


@pytest.mark.parametrize(("answer_waits", "abandoned", "threshold", "expected"), [
    ([], 0, 15, None),                      # nothing offered: no figure, not 100 %
    ([3, 10, 15], 0, 15, 1.0),              # the threshold itself counts as in time
    ([3, 10, 16], 0, 15, 2 / 3),
    ([3, 10, 16], 1, 15, 2 / 4),            # an abandoned call counts against the level
    ([3, 10, 16], 1, 20, 3 / 4),
    ([], 4, 20, 0.0),                       # only abandoned calls: 0 %
    ([30, 40], 0, 30, 0.5),
])
def test_service_level(answer_waits: list[int], abandoned: int, threshold: int,
                       expected: float | None) -> None:
    assert service_level(answer_waits, abandoned, threshold) == expected


@pytest.mark.parametrize(("waits", "expected"), [
    ([], None), ([10], 10.0), ([0, 10, 20], 10.0), ([1, 2], 1.5),
])
def test_average_speed_of_answer(waits: list[int], expected: float | None) -> None:
    assert average_speed_of_answer(waits) == expected


@pytest.mark.parametrize(("answered", "abandoned", "expected"), [
    (0, 0, None), (3, 1, 0.25), (0, 2, 1.0), (5, 0, 0.0),
])
def test_abandon_rate(answered: int, abandoned: int, expected: float | None) -> None:
    assert abandon_rate(answered, abandoned) == expected


@pytest.mark.parametrize(("extra", "expected"), [
    (30, (15, 20, 30)), (20, (15, 20)), (10, (10, 15, 20)),
])
def test_thresholds_add_the_site_threshold_to_nena_s(extra: int,
                                                      expected: tuple[int, ...]) -> None:
    assert thresholds(extra) == expected


def test_queue_figures_put_it_together() -> None:
    figures = queue_figures([5, 12, 25], [40], (15, 20, 30))
    assert (figures.offered, figures.answered, figures.abandoned) == (4, 3, 1)
    assert figures.service_level == {15: 0.5, 20: 0.5, 30: 0.75}
    assert figures.average_speed_of_answer_s == 14.0
    assert figures.abandon_rate == 0.25
