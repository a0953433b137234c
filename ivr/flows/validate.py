"""Checks a set of flows before it is used: references, reachability, prompts, emergencies.

Pure except for the prompt check, which is given a function that says whether a prompt file
exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .model import (
    TERMINAL,
    Action,
    Flow,
    FlowIssue,
    HangUp,
    JoinQueue,
    Menu,
    Play,
    RecordReport,
    SetLanguage,
    SwitchFlow,
    TicketStatus,
    Transfer,
    menu_actions,
    next_menu,
    reachable_menus,
)

# Languages are ISO 639 codes; each needs its prompt recordings (checked below).
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
QUEUE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
REPORT_PROMPTS = ("ticket-created", "ticket-repeat", "ticket-failed",
                  *(f"digits/{d}" for d in range(10)))
STATUS_PROMPTS = ("ticket-unknown", "status-intro", "status-agency", "status-due",
                  *(f"status-{s}" for s in ("received", "assigned", "in_progress", "resolved",
                                             "closed", "rejected", "duplicate")))

PromptExists = Callable[[str, str], bool]


def menus_that_end(flow: Flow) -> set[str]:
    """Menus from which some path reaches a terminal action (queue, hang-up, transfer…)."""
    ending: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, menu in flow.menus.items():
            if name in ending:
                continue
            for _, action in menu_actions(menu):
                target = next_menu(action)
                if isinstance(action, TERMINAL) or (target in ending):
                    ending.add(name)
                    changed = True
                    break
    return ending


def prompts_of(menu: Menu) -> Iterable[tuple[str, str]]:
    yield "prompt", menu.prompt
    yield "invalid_prompt", menu.invalid_prompt
    yield "no_input_prompt", menu.no_input_prompt
    for where, action in menu_actions(menu):
        if isinstance(action, Play | RecordReport | TicketStatus | JoinQueue | HangUp) \
                and action.prompt:
            yield where, action.prompt
        if isinstance(action, RecordReport):
            yield from ((where, p) for p in REPORT_PROMPTS)
        if isinstance(action, TicketStatus):
            yield from ((where, p) for p in STATUS_PROMPTS)
            yield from ((where, f"digits/{d}") for d in range(10))


def check_flow(flow: Flow, flows: dict[str, Flow], prompt_exists: PromptExists | None = None,
               known_queues: set[str] | None = None) -> list[FlowIssue]:
    issues: list[FlowIssue] = []

    def problem(where: str, message: str) -> None:
        issues.append(FlowIssue(flow.source, where, message))

    for language in flow.languages:
        if not LANGUAGE_CODE.match(language):
            problem("languages", f"{language!r} is not a language code such as id or en")
    if flow.default_language not in flow.languages:
        problem("default_language", f"{flow.default_language!r} is not in languages")
    if flow.start not in flow.menus:
        problem("start", f"no menu named {flow.start!r}")
    for name, menu in flow.menus.items():
        for language in menu.words:
            if language not in flow.languages:
                problem(f"menus.{name}.words.{language}", "not one of this flow's languages")
        for where, action in menu_actions(menu):
            place = f"menus.{name}.{where}"
            issues.extend(_check_action(flow, flows, action, place, known_queues))
        if prompt_exists is not None:
            for where, prompt in prompts_of(menu):
                missing = [lang for lang in flow.languages if not prompt_exists(prompt, lang)]
                if missing:
                    problem(f"menus.{name}.{where}",
                            f"prompt {prompt!r} has no recording for {', '.join(missing)} "
                            f"(recordings/<lang>/{prompt}.wav)")
    if flow.start in flow.menus:
        for name in sorted(set(flow.menus) - set(reachable_menus(flow))):
            problem(f"menus.{name}", f"unreachable from the start menu {flow.start!r}")
    for name in sorted(set(flow.menus) - menus_that_end(flow)):
        problem(f"menus.{name}", "dead end: no path from here ends the menu "
                "(in a queue, a hang-up, a transfer or another flow)")
    if known_queues is not None and flow.fallback_queue not in known_queues:
        problem("fallback_queue", f"unknown queue {flow.fallback_queue!r}")
    return issues


def _check_action(flow: Flow, flows: dict[str, Flow], action: Action, place: str,
                  known_queues: set[str] | None) -> list[FlowIssue]:
    issues: list[FlowIssue] = []

    def problem(message: str) -> None:
        issues.append(FlowIssue(flow.source, place, message))

    target = next_menu(action)
    if target is not None and target not in flow.menus:
        problem(f"no menu named {target!r}")
    if isinstance(action, JoinQueue):
        if not QUEUE_NAME.match(action.queue):
            problem(f"bad queue name {action.queue!r}")
        elif known_queues is not None and action.queue not in known_queues:
            problem(f"unknown queue {action.queue!r} (known: {', '.join(sorted(known_queues))})")
    if isinstance(action, SetLanguage) and action.language not in flow.languages:
        problem(f"language {action.language!r} is not in this flow's languages")
    if isinstance(action, SwitchFlow):
        other = flows.get(action.flow)
        if other is None:
            problem(f"no flow for number {action.flow!r}")
        elif flow.emergency and not other.emergency:
            problem(f"an emergency flow may only continue in another emergency flow, "
                    f"not {action.flow!r}")
    if flow.emergency and isinstance(action, HangUp | Transfer | RecordReport | TicketStatus):
        problem("an emergency path must end in a queue: "
                f"'{type(action).__name__}' is not allowed in an emergency flow")
    return issues


def check_flows(flows: dict[str, Flow], prompt_exists: PromptExists | None = None,
                known_queues: set[str] | None = None) -> list[FlowIssue]:
    issues: list[FlowIssue] = []
    for flow in flows.values():
        issues.extend(check_flow(flow, flows, prompt_exists, known_queues))
    return issues
