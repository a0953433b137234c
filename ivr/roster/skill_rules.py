"""Routing by language skill: the queue rule that relaxes an English caller's skill filter.

Asterisk does the waiting (app_queue): the operators who speak English carry a hotline
penalty of ``LANGUAGE_PENALTY`` and more (``plan.penalties``); the dialplan gives a 12345
caller who chose English ``QUEUE_MIN_PENALTY`` = ``LANGUAGE_PENALTY`` and the queue rule
``SKILL_RULE`` (``queuerules.conf``), which sets the minimum back to 0 once the caller has
waited ``routing_skill_widen_after`` seconds, as Wazo's skill rules relax with wait time.
The 112 path never sets either, so no emergency caller is held back by a skill.
"""

from __future__ import annotations

from ..config import Settings
from .plan import LANGUAGE_PENALTY, SKILL_LANGUAGE

SKILL_RULE = "language-first"


def widen_after_s(settings: Settings) -> int:
    """Whole seconds (queue rules count in seconds), at least 1."""
    return max(1, round(settings.routing_skill_widen_after))


def template_values(settings: Settings) -> dict[str, str]:
    """The ``@@SKILL_*@@`` values of ``queuerules.conf`` and the dialplan."""
    return {
        "SKILL_LANGUAGE": SKILL_LANGUAGE,
        "SKILL_MIN_PENALTY": str(LANGUAGE_PENALTY),
        "SKILL_RULE": SKILL_RULE,
        "SKILL_WIDEN_AFTER": str(widen_after_s(settings)),
    }
