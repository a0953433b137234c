"""The parsed-flow cache: the same flows as a parse, used only for the very same text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivr.flows.loader import FlowError, load_flow_file
from ivr.flows.parsed import decode, encode, load_flow_file_cached

BUILTIN = Path(__file__).resolve().parents[2] / "dialplan" / "flows"


@pytest.mark.parametrize("name", ["112.yaml", "12345.yaml"])
def test_a_built_in_flow_comes_back_from_the_cache_equal_to_its_parse(
        tmp_path: Path, name: str) -> None:
    parsed = load_flow_file(BUILTIN / name)
    assert decode(json.loads(json.dumps(encode(parsed)))) == parsed
    first = load_flow_file_cached(BUILTIN / name, tmp_path)  # parsed, then kept
    assert (tmp_path / name.replace(".yaml", ".json")).is_file()
    assert load_flow_file_cached(BUILTIN / name, tmp_path) == first == parsed


def edited(tmp_path: Path, text: str) -> Path:
    flow = tmp_path / "flows" / "112.yaml"
    flow.parent.mkdir(exist_ok=True)
    flow.write_text(text, encoding="utf-8")
    return flow


def test_an_edit_is_read_from_the_file_not_the_cache(tmp_path: Path) -> None:
    text = (BUILTIN / "112.yaml").read_text(encoding="utf-8")
    flow = edited(tmp_path, text)
    cache = tmp_path / "cache"
    assert load_flow_file_cached(flow, cache).name != "Edited"
    edited(tmp_path, text.replace("name: Emergency 112", "name: Edited"))
    assert load_flow_file_cached(flow, cache).name == "Edited"


def test_a_broken_edit_is_refused_even_with_a_good_cache(tmp_path: Path) -> None:
    text = (BUILTIN / "112.yaml").read_text(encoding="utf-8")
    flow = edited(tmp_path, text)
    load_flow_file_cached(flow, tmp_path / "cache")
    edited(tmp_path, text + "\nbogus_field: 1\n")
    with pytest.raises(FlowError, match="bogus_field"):
        load_flow_file_cached(flow, tmp_path / "cache")


def test_a_cache_naming_a_class_outside_the_model_is_not_used(tmp_path: Path) -> None:
    flow = edited(tmp_path, (BUILTIN / "112.yaml").read_text(encoding="utf-8"))
    cache = tmp_path / "cache" / "112.json"
    load_flow_file_cached(flow, cache.parent)
    kept = json.loads(cache.read_text())
    kept["flow"]["class"] = "Popen"
    cache.write_text(json.dumps(kept))
    assert load_flow_file_cached(flow, cache.parent) == load_flow_file(flow)


def test_an_unwritable_cache_folder_only_costs_the_parse(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert load_flow_file_cached(BUILTIN / "112.yaml", blocked) == load_flow_file(
        BUILTIN / "112.yaml")
