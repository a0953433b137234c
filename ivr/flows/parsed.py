"""Parsed flows kept as JSON (``<data>/run/flows-parsed/``, see ``call_routes.flow_store``).

A classic-AGI process per call would otherwise import PyYAML and parse the flow files on
every call: importing PyYAML alone is about 12 ms of CPU, an eighth of the call
(bench/README.md section 7). The cache holds the file's whole text with the parsed flow, and
is used only when the text is the same, so an edit is always read from its file. Only the
flow model's own classes are rebuilt from it (no pickle). A cache that cannot be read or
written is skipped: the file is parsed as before.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

from . import model
from .loader import parse_flow
from .model import Flow

log = logging.getLogger(__name__)

VERSION = 1  # bump when the model's fields change: older caches are then parsed afresh
CLASSES: dict[str, type] = {
    cls.__name__: cls for cls in (
        model.GoToMenu, model.JoinQueue, model.SetLanguage, model.RecordReport,
        model.TicketStatus, model.SwitchFlow, model.Transfer, model.HangUp, model.Play,
        model.Menu, model.Flow)}


def encode(value: Any) -> Any:
    """A flow as JSON data: each model object tagged with its class, tuples kept apart."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"class": type(value).__name__, "fields": fields}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[k, encode(v)] for k, v in value.items()]}
    return value


def decode(data: Any) -> Any:
    """The inverse of :func:`encode`; KeyError for a class that is not the model's."""
    if isinstance(data, dict):
        if "class" in data:
            fields = {k: decode(v) for k, v in data["fields"].items()}
            return CLASSES[data["class"]](**fields)
        if "tuple" in data:
            return tuple(decode(v) for v in data["tuple"])
        return {k: decode(v) for k, v in data["dict"]}
    return data


def load_flow_file_cached(path: Path, cache_dir: Path) -> Flow:
    """The flow of ``path``: from the cache when its text is unchanged, else parsed (and
    cached). Parse errors are raised as by :func:`loader.load_flow_file`."""
    text = path.read_text(encoding="utf-8")
    cache = cache_dir / f"{path.stem}.json"
    kept = _read(cache)
    if kept and kept.get("version") == VERSION and kept.get("source") == str(path) \
            and kept.get("text") == text:
        try:
            flow = decode(kept["flow"])
            if isinstance(flow, Flow):
                return flow
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("flows: cache %s unusable (%r), parsing %s", cache, exc, path)
    flow = parse_flow(text, str(path))
    _write(cache, {"version": VERSION, "source": str(path), "text": text,
                   "flow": encode(flow)})
    return flow


def _read(cache: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(cache: Path, data: dict[str, Any]) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f".{cache.name}.{os.getpid()}")
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, cache)  # readers see the old cache or the new, never half of one
    except OSError as exc:
        log.debug("flows: cache %s not written (%r)", cache, exc)
