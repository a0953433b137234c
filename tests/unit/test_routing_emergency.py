"""112: one key, one queue; anything else goes to `emergency`."""

import pytest

from ivr.routing.emergency import (
    EMERGENCY_QUEUE,
    EMERGENCY_QUEUES,
    EmergencyService,
    queue_for_key,
    service_for_key,
)


@pytest.mark.parametrize(
    ("key", "queue"),
    [
        ("1", "police"),
        ("2", "fire"),
        ("3", "ambulance"),
        ("", "emergency"),
        ("4", "emergency"),
        ("9", "emergency"),
        ("*", "emergency"),
        ("#", "emergency"),
        ("12", "emergency"),
    ],
)
def test_queue_for_key(key: str, queue: str) -> None:
    assert queue_for_key(key) == queue


@pytest.mark.parametrize(
    ("key", "service"),
    [("1", EmergencyService.POLICE), ("2", EmergencyService.FIRE),
     ("3", EmergencyService.AMBULANCE), ("0", None), ("", None)],
)
def test_service_for_key(key: str, service: EmergencyService | None) -> None:
    assert service_for_key(key) is service


def test_every_key_leads_to_a_known_queue() -> None:
    keys = [*"0123456789*#", ""]
    assert {queue_for_key(k) for k in keys} == set(EMERGENCY_QUEUES)
    assert EMERGENCY_QUEUE in EMERGENCY_QUEUES
