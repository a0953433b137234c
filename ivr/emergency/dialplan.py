"""The parts of the rendered Asterisk configuration that come from the 112 flow (pure).

The 112 caller no longer sits in a menu before the queue: they wait in ``emergency`` at once
and hear the service menu as the queue's music. The flow file still says which key leads to
which queue; it becomes the ``[emergency-keys]`` context that app_queue's ``context`` option
sends a key to. An edited 112 flow takes effect when the configuration is rendered again
(the next ``ivr run``).
"""

from __future__ import annotations

from ..flows.model import Flow, JoinQueue
from .priority import dialplan_expression

KEYS_CONTEXT = "emergency-keys"
MOH_PROMPT = "emergency-waiting"  # recordings/<lang>/emergency-waiting.wav
MOH_PAUSE_S = 2.0  # silence between two readings of the menu


def service_keys(flow: Flow) -> dict[str, str]:
    """Key -> queue of the 112 flow's first menu (keys that lead elsewhere are left out)."""
    menu = flow.menus[flow.start]
    return {key: action.queue for key, action in sorted(menu.keys.items())
            if isinstance(action, JoinQueue)}


def keys_context(keys: dict[str, str]) -> str:
    """``[emergency-keys]``: each key sets the queue and service and rejoins, keeping QUEUE_PRIO.

    A key with no extension here is ignored by app_queue: the caller stays where they are
    and the menu keeps playing."""
    lines = [f"[{KEYS_CONTEXT}]",
             "; Rendered from the 112 flow (ivr/emergency/dialplan.py): a key pressed while",
             "; waiting moves the caller to that service's queue; QUEUE_PRIO, which carries",
             "; the arrival time, keeps their place."]
    for key, queue in keys.items():
        lines += [f"exten => {key},1,Set(HOTLINE_SERVICE={queue})",
                  f" same => n,Set(HOTLINE_QUEUE={queue})",
                  " same => n,Goto(emergency-queue,s,join)"]
    return "\n".join(lines) + "\n"


def moh_classes(languages: list[str], sounds_dir: str) -> str:
    """musiconhold.conf classes ``emergency-<lang>``: the menu, a pause, again."""
    blocks = []
    for language in languages:
        blocks.append(f"[emergency-{language}]\nmode = files\nsort = alpha\n"
                      f"directory = {sounds_dir}/moh-emergency/{language}\n")
    return "\n".join(blocks)


def template_values(flow: Flow) -> dict[str, str]:
    return {
        "EMERGENCY_KEYS": keys_context(service_keys(flow)),
        "EMERGENCY_LANGUAGE": flow.default_language,
        "EMERGENCY_PRIO": dialplan_expression("normal"),
        "CALLBACK_PRIO": dialplan_expression("callback"),
    }
