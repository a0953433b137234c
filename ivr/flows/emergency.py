"""The 112 flow: one key chooses police, fire or ambulance; anything else, `emergency`.

The flow only decides and sets HOTLINE_QUEUE; the dialplan puts the caller into that queue,
so a failure here (or our server being down) still ends in a queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..agi.channel import AgiChannel
from ..dialplan_vars import HOTLINE_QUEUE, HOTLINE_SERVICE
from ..routing.emergency import queue_for_key, service_for_key
from .prompts import Prompts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmergencyFlow:
    prompts: Prompts
    digit_timeout_s: float = 5.0

    async def __call__(self, channel: AgiChannel) -> None:
        key = await channel.get_data(
            self.prompts.path("emergency-menu"), int(self.digit_timeout_s * 1000), 1
        )
        queue = queue_for_key(key)
        service = service_for_key(key)
        log.info("112 call %s from %s: key %r -> queue %s",
                 channel.unique_id, channel.caller_number or "unknown", key, queue)
        await channel.set_variable(HOTLINE_SERVICE, service.value if service else "unknown")
        await channel.set_variable(HOTLINE_QUEUE, queue)
