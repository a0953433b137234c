"""Virtual hold for 12345: "press 1 to be called back without losing your place".

It runs in the dialplan alone (``[hotline-queue]``, ``[virtual-hold-*]``), so it works with
our Python services down; this module renders its settings and states its rules (pure).

- **The offer.** A caller about to join a 12345 queue is offered virtual hold once, when the
  expected wait passes ``IVR_VHOLD_AFTER`` seconds: (callers waiting + 1) x
  ``IVR_VHOLD_HANDLE`` seconds / operators logged in to the queue (at least 1); never when an
  operator is free for them. A caller with no number, or whose number already has a callback
  booked, stays in line.
- **The place.** Pressing 1 puts a *place* in the queue where the caller would have stood: a
  Local channel (``[virtual-hold-place]``) that waits like any caller, so callers who waited
  longer are served first and later ones after it, and the wallboard shows it ("virtual hold").
- **The callback.** When the place reaches the front and an operator is free, the queue
  offers it to the operator like any caller; when the operator answers, they hear that a
  citizen is being called back, and the citizen's number is dialled from 12345 through the
  outbound trunk (``[virtual-hold-dial]``). A callback thus always has its operator: callbacks
  in flight never outnumber free operators. One callback per number at once (GROUP "vhold").
- **Not answered.** The place goes back in line after ``IVR_VHOLD_RETRY_AFTER`` seconds, first
  in line, for ``IVR_VHOLD_TRIES`` tries in all; then it is recorded as unreached (an AMI
  ``UserEvent: HotlineVirtualHold`` with ``Step: unreached``, as for ``offered``,
  ``accepted``, ``dialled`` and ``reached``).

The cost is the operator's time while the citizen's phone rings (at most ``IVR_VHOLD_RING``
seconds a try): the price of never letting a later caller go first.
"""

from __future__ import annotations

from ..config import Settings

WAIT_MAX_S = 4 * 3600  # a place waits at most this long for an operator


def enabled(settings: Settings) -> bool:
    """Virtual hold needs a threshold and an outbound trunk to call back through."""
    return settings.vhold_after > 0 and bool(settings.outbound_trunk)


def expected_wait_s(waiting: int, free: int, logged: int, handle_s: int) -> int:
    """The dialplan's estimate of a joining caller's wait (integer seconds, as ``$[...]``)."""
    if free > waiting:
        return 0
    return (waiting + 1) * handle_s // max(logged, 1)


def offered(expected_s: int, after_s: int) -> bool:
    return after_s > 0 and expected_s > after_s


def dial_string(pattern: str) -> str:
    """The outbound dial pattern (``PJSIP/{number}@outbound-trunk``) for the dialplan."""
    return pattern.replace("{number}", "${VHOLD_NUMBER}")


def template_values(settings: Settings) -> dict[str, str]:
    """The dialplan's ``@@VHOLD_*@@`` values (``VHOLD_AFTER`` 0: virtual hold is off)."""
    return {
        "VHOLD_AFTER": str(int(settings.vhold_after) if enabled(settings) else 0),
        "VHOLD_HANDLE": str(max(1, int(settings.vhold_handle))),
        "VHOLD_TRIES": str(max(1, settings.vhold_tries)),
        "VHOLD_RING": str(max(1, int(settings.vhold_ring))),
        "VHOLD_RETRY_AFTER": str(max(0, int(settings.vhold_retry_after))),
        "VHOLD_WAIT_MAX": str(WAIT_MAX_S),
        "VHOLD_DIAL": dial_string(settings.outbound_dial),
        "DEFAULT_LANGUAGE": settings.default_language,
    }
