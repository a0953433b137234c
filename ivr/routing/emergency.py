"""112: which emergency queue a key press leads to (pure)."""

from __future__ import annotations

from enum import StrEnum


class EmergencyService(StrEnum):
    POLICE = "police"
    FIRE = "fire"
    AMBULANCE = "ambulance"


# The catch-all queue: no key, a wrong key, or our services down.
EMERGENCY_QUEUE = "emergency"

KEY_TO_SERVICE: dict[str, EmergencyService] = {
    "1": EmergencyService.POLICE,
    "2": EmergencyService.FIRE,
    "3": EmergencyService.AMBULANCE,
}

EMERGENCY_QUEUES = (*[s.value for s in EmergencyService], EMERGENCY_QUEUE)


def service_for_key(key: str) -> EmergencyService | None:
    """The service a caller chose with one key; None for no key or a wrong one."""
    return KEY_TO_SERVICE.get(key)


def queue_for_key(key: str) -> str:
    """The queue a 112 caller waits in after pressing ``key`` ('' when nothing was pressed)."""
    service = service_for_key(key)
    return service.value if service else EMERGENCY_QUEUE
