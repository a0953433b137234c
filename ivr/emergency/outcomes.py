"""What an operator says a 112 call was, once it ends (pure)."""

from __future__ import annotations

from ..errors import DomainError

# In the order the console offers them.
OUTCOMES: dict[str, str] = {
    "police": "Police", "fire": "Fire", "ambulance": "Ambulance",
    "other_emergency": "Other emergency", "information": "Information only",
    "wrong_number": "Wrong number", "silent": "Silent call", "prank": "Prank",
}


class BadOutcome(DomainError):
    error_id = "bad-outcome"


class NoSuchIncident(DomainError):
    error_id = "no-such-incident"


def checked_outcome(outcome: object) -> str:
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise BadOutcome(f"outcome is one of {', '.join(OUTCOMES)}", outcome=str(outcome)[:40],
                         allowed=list(OUTCOMES))
    return outcome
