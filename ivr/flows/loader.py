"""Flow files (YAML) to :class:`Flow` objects, with the line of every problem.

PyYAML silently keeps the last of two equal keys; our loader refuses them, because a digit
used twice in a menu is a mistake an admin must see.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..dialplan_vars import DTMF_KEYS
from .model import (
    Action,
    Flow,
    FlowIssue,
    GoToMenu,
    HangUp,
    JoinQueue,
    Menu,
    Play,
    RecordReport,
    SetLanguage,
    SwitchFlow,
    TicketStatus,
    Transfer,
)

ACTION_KEYS = ("menu", "queue", "language", "report", "status", "flow", "transfer", "hangup",
               "play")
ACTION_OPTIONS = {
    "menu": set(), "queue": {"priority", "prompt"}, "language": {"next"},
    "report": {"next", "prompt", "max_seconds", "silence_seconds"},
    "status": {"next", "tries"}, "flow": set(), "transfer": set(), "hangup": set(),
    "play": {"next"},
}
MENU_FIELDS = {"prompt", "timeout", "retries", "keys", "otherwise", "no_input",
               "invalid_prompt", "no_input_prompt", "words"}
FLOW_FIELDS = {"number", "name", "start", "menus", "fallback_queue", "languages",
               "default_language", "emergency"}


class FlowError(ValueError):
    """A flow file cannot be used; ``issues`` says every problem found."""

    def __init__(self, issues: list[FlowIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


class LineDict(dict[Any, Any]):
    """A mapping that remembers the line of each key (1-based)."""

    lines: dict[Any, int]


if TYPE_CHECKING:
    import yaml


@cache
def _loader() -> type[yaml.SafeLoader]:
    """Our loader class, made on first use: importing PyYAML costs ~12 ms of CPU, which a
    classic-AGI process per call spares when its flows come from ``parsed.py``'s cache.
    libyaml's loader when PyYAML has it (~10x faster); the same constructors and marks
    either way."""
    import yaml

    safe: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
        result = LineDict()
        result.lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            # 1 and "1" are the same key to an admin (and to the menu).
            if key in result or (isinstance(key, int | str)
                                 and str(key) in {str(k) for k in result}):
                raise yaml.MarkedYAMLError(
                    problem=f"{key!r} is used twice in this mapping",
                    problem_mark=key_node.start_mark)
            result[key] = loader.construct_object(value_node, deep=True)
            result.lines[key] = key_node.start_mark.line + 1
        return result

    class FlowLoader(safe):  # type: ignore[valid-type,misc]
        pass

    loader: type[yaml.SafeLoader] = FlowLoader
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return loader


class _Reader:
    """Turns the raw mapping into model objects, collecting issues instead of stopping."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[FlowIssue] = []

    def problem(self, where: str, message: str, parent: Any = None, key: Any = None) -> None:
        line = parent.lines.get(key) if isinstance(parent, LineDict) else None
        self.issues.append(FlowIssue(self.source, where, message, line))

    def action(self, raw: Any, where: str, parent: Any, key: Any) -> Action | None:
        if not isinstance(raw, dict):
            self.problem(where, "an action must be a mapping such as {queue: hotline}",
                         parent, key)
            return None
        kinds = [k for k in raw if k in ACTION_KEYS]
        unknown = [k for k in raw if k not in ACTION_KEYS]
        if len(kinds) != 1:
            self.problem(where, f"needs exactly one action of {', '.join(ACTION_KEYS)}; "
                         f"got {', '.join(map(str, raw)) or 'none'}", parent, key)
            return None
        kind = kinds[0]
        extra = [k for k in unknown if k not in ACTION_OPTIONS[kind]]
        if extra:
            self.problem(where, f"unknown option(s) {', '.join(map(str, extra))} for "
                         f"'{kind}' (allowed: {', '.join(sorted(ACTION_OPTIONS[kind])) or 'none'})",
                         parent, key)
            return None
        try:
            return _build_action(kind, raw)
        except (KeyError, TypeError, ValueError) as exc:
            self.problem(where, f"'{kind}': {exc}", parent, key)
            return None

    def menu(self, name: str, raw: Any, parent: Any) -> Menu | None:
        where = f"menus.{name}"
        if not isinstance(raw, dict):
            self.problem(where, "a menu must be a mapping", parent, name)
            return None
        for extra in set(raw) - MENU_FIELDS:
            self.problem(f"{where}.{extra}", "unknown menu field "
                         f"(allowed: {', '.join(sorted(MENU_FIELDS))})", raw, extra)
        keys: dict[str, Action] = {}
        raw_keys = raw.get("keys") or {}
        if not isinstance(raw_keys, dict):
            self.problem(f"{where}.keys", "keys must be a mapping such as "
                         "\"1\": {queue: hotline}", raw, "keys")
            raw_keys = {}
        for key, raw_action in raw_keys.items():
            key_text = str(key)
            if len(key_text) != 1 or key_text not in DTMF_KEYS:
                self.problem(f"{where}.keys.{key_text}", "a key is one of 0-9, * or #",
                             raw_keys, key)
                continue
            action = self.action(raw_action, f"{where}.keys.{key_text}", raw_keys, key)
            if action is not None:
                keys[key_text] = action
        if "prompt" not in raw:
            self.problem(where, "missing 'prompt'", parent, name)
        if "otherwise" not in raw:
            self.problem(where, "missing 'otherwise' (what happens after the last retry)",
                         parent, name)
        otherwise = self.action(raw.get("otherwise"), f"{where}.otherwise", raw, "otherwise") \
            if "otherwise" in raw else None
        no_input = self.action(raw["no_input"], f"{where}.no_input", raw, "no_input") \
            if "no_input" in raw else None
        timeout, retries = raw.get("timeout", 5), raw.get("retries", 2)
        bad = False
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) \
                or not 0 < timeout <= 30:
            self.problem(f"{where}.timeout", "seconds between 0 and 30", raw, "timeout")
            bad = True
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 5:
            self.problem(f"{where}.retries", "a whole number from 0 to 5", raw, "retries")
            bad = True
        words = self.words(raw.get("words"), where, raw, keys)
        if bad or words is None or otherwise is None or "prompt" not in raw:
            return None
        return Menu(name=name, prompt=str(raw["prompt"]), timeout_s=float(timeout),
                    retries=int(retries), keys=keys, otherwise=otherwise, no_input=no_input,
                    invalid_prompt=str(raw.get("invalid_prompt", "invalid-choice")),
                    no_input_prompt=str(raw.get("no_input_prompt", "no-input")), words=words)

    def words(self, raw: Any, where: str, parent: Any,
              keys: dict[str, Action]) -> dict[str, dict[str, tuple[str, ...]]] | None:
        """``words: {ko: {"2": [화재, 불이 났어요]}}``: phrases per language per key."""
        if raw is None:
            return {}
        place = f"{where}.words"
        if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
            self.problem(place, "words: {LANGUAGE: {KEY: [phrase, ...]}}", parent, "words")
            return None
        result: dict[str, dict[str, tuple[str, ...]]] = {}
        for language, per_key in raw.items():
            result[str(language)] = {}
            for key, phrases in per_key.items():
                if str(key) not in keys:
                    self.problem(f"{place}.{language}.{key}", "no such key in this menu",
                                 per_key, key)
                    return None
                if not isinstance(phrases, list) or not phrases or not all(
                        isinstance(p, str) and p.strip() for p in phrases):
                    self.problem(f"{place}.{language}.{key}", "a list of phrases", per_key, key)
                    return None
                result[str(language)][str(key)] = tuple(p.strip() for p in phrases)
        return result


def _build_action(kind: str, raw: dict[str, Any]) -> Action:
    value = raw[kind]
    if kind == "menu":
        return GoToMenu(str(value))
    if kind == "queue":
        return JoinQueue(str(value), int(raw.get("priority", 0)), str(raw.get("prompt", "")))
    if kind == "language":
        return SetLanguage(str(value), str(raw["next"]))
    if kind == "report":
        return RecordReport(str(value), str(raw["next"]),
                            str(raw.get("prompt", "record-description")),
                            int(raw.get("max_seconds", 60)), int(raw.get("silence_seconds", 5)))
    if kind == "status":
        return TicketStatus(str(value), str(raw["next"]), int(raw.get("tries", 2)))
    if kind == "flow":
        return SwitchFlow(str(value))
    if kind == "transfer":
        return Transfer(str(value))
    if kind == "hangup":
        if isinstance(value, bool) and not value:
            raise ValueError("use {hangup: PROMPT} or {hangup: true}")
        return HangUp("" if value in (None, True) else str(value))
    return Play(str(value), str(raw["next"]))


def yaml_issue(exc: yaml.YAMLError, source: str) -> FlowIssue:
    """The file's YAML error as an issue, with its line when the parser knows it."""
    import yaml

    if not isinstance(exc, yaml.MarkedYAMLError):
        return FlowIssue(source, "yaml", str(exc))
    mark = exc.problem_mark
    line = mark.line + 1 if mark is not None else None
    return FlowIssue(source, "yaml", str(exc.problem or exc), line)


def parse_flow(text: str, source: str) -> Flow:
    """A :class:`Flow` from YAML text; :class:`FlowError` lists every problem found."""
    import yaml

    try:
        raw = yaml.load(text, Loader=_loader())  # noqa: S506 - our SafeLoader subclass
    except yaml.YAMLError as exc:
        raise FlowError([yaml_issue(exc, source)]) from exc
    reader = _Reader(source)
    if not isinstance(raw, dict):
        raise FlowError([FlowIssue(source, "file", "a flow file is a mapping (number, menus…)")])
    for extra in set(raw) - FLOW_FIELDS:
        reader.problem(str(extra), f"unknown field (allowed: {', '.join(sorted(FLOW_FIELDS))})",
                       raw, extra)
    for required in ("number", "start", "menus", "fallback_queue"):
        if required not in raw:
            reader.problem(required, "missing")
    menus: dict[str, Menu] = {}
    raw_menus = raw.get("menus") or {}
    if not isinstance(raw_menus, dict):
        reader.problem("menus", "must be a mapping of menu name to menu", raw, "menus")
        raw_menus = {}
    for name, raw_menu in raw_menus.items():
        menu = reader.menu(str(name), raw_menu, raw_menus)
        if menu is not None:
            menus[str(name)] = menu
    languages = tuple(str(x) for x in raw.get("languages", ("id", "en")) or ())
    if not languages:
        reader.problem("languages", "name at least one language (id, en)", raw, "languages")
    if reader.issues:
        raise FlowError(reader.issues)
    return Flow(number=str(raw["number"]), name=str(raw.get("name", raw["number"])),
                start=str(raw["start"]), menus=menus, fallback_queue=str(raw["fallback_queue"]),
                languages=languages,
                default_language=str(raw.get("default_language", languages[0])),
                emergency=bool(raw.get("emergency", False)), source=source)


def load_flow_file(path: Path) -> Flow:
    return parse_flow(path.read_text(encoding="utf-8"), str(path))
