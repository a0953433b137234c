"""A flow as a readable menu tree (for the README, `ivr flow show` and the admin preview)."""

from __future__ import annotations

from .model import (
    Action,
    Flow,
    GoToMenu,
    HangUp,
    JoinQueue,
    Play,
    RecordReport,
    SetLanguage,
    SwitchFlow,
    TicketStatus,
    Transfer,
    reachable_menus,
)


def describe(action: Action) -> str:
    if isinstance(action, GoToMenu):
        return f"menu {action.menu}"
    if isinstance(action, JoinQueue):
        priority = f" (priority {action.priority})" if action.priority else ""
        return f"queue {action.queue}{priority}"
    if isinstance(action, SetLanguage):
        return f"language {action.language}, then menu {action.next}"
    if isinstance(action, RecordReport):
        return (f"record up to {action.max_seconds} s, ticket '{action.category}', "
                f"number read twice, then menu {action.next}")
    if isinstance(action, TicketStatus):
        return (f"ask a ticket number ({action.tries} tries), read its status, "
                f"then menu {action.next}")
    if isinstance(action, SwitchFlow):
        return f"continue in flow {action.flow}"
    if isinstance(action, Transfer):
        return f"transfer to {action.number}"
    if isinstance(action, HangUp):
        return "goodbye, hang up" if action.prompt else "hang up"
    if isinstance(action, Play):
        return f"play {action.prompt}, then menu {action.next}"
    raise TypeError(action)


def menu_tree(flow: Flow) -> str:
    """Every menu reachable from the start, in the order a caller meets them."""
    lines = [f"{flow.number} - {flow.name} (languages: {', '.join(flow.languages)}; "
             f"fallback queue: {flow.fallback_queue})"]
    for name in reachable_menus(flow):
        menu = flow.menus[name]
        lines.append(f"  [{name}] prompt '{menu.prompt}', wait {menu.timeout_s:g} s, "
                     f"heard up to {menu.retries + 1}x")
        for key, action in menu.keys.items():
            lines.append(f"    {key}  -> {describe(action)}")
        if menu.no_input is not None:
            lines.append(f"    no key -> {describe(menu.no_input)}")
        lines.append(f"    otherwise -> {describe(menu.otherwise)}")
    return "\n".join(lines)
