"""Flow numbers become file names: the store takes only 1 to 15 digits, on real files.

Before, ``..%2F..%2Fevil`` wrote ``<data>/../evil.yaml`` and a rollback of ``*`` deleted
another flow's history and left a ``*.yaml`` that stopped FastAGI from starting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.cli import cmd_flow
from ivr.config import Settings
from ivr.flows.store import FlowNumberError, FlowStore

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "dialplan" / "flows"
ORIGINAL_112 = (BUILTIN / "112.yaml").read_text(encoding="utf-8")
FIRE_ON_4 = ORIGINAL_112.replace('"2": {queue: fire, priority: 10}',
                                 '"4": {queue: fire, priority: 10}')
BAD_NUMBERS = ["", "*", "?", "1*", "../../evil", "..", "112/../12345", "１１２", "1" * 16,
               "112\n", " 112", "-1", "1e3"]


@pytest.fixture
def store(tmp_path: Path) -> FlowStore:
    return FlowStore(builtin_dir=BUILTIN, override_dir=tmp_path / "data" / "flows",
                     prompt_dirs=[ROOT / "recordings"])


def every_file(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_flow_number_error_is_a_value_error() -> None:
    assert issubclass(FlowNumberError, ValueError)


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_versions_and_rollback_refuse_a_number_that_is_not_digits(
        store: FlowStore, tmp_path: Path, number: str) -> None:
    store.install(FIRE_ON_4)
    before = every_file(tmp_path)
    with pytest.raises(FlowNumberError):
        store.versions(number)
    with pytest.raises(FlowNumberError):
        store.rollback(number)
    assert every_file(tmp_path) == before


@pytest.mark.parametrize("number", ["../../evil", "*", "12a", "1" * 16])
def test_install_refuses_a_text_whose_number_is_not_digits(
        store: FlowStore, tmp_path: Path, number: str) -> None:
    text = ORIGINAL_112.replace('number: "112"', f'number: "{number}"')
    assert text != ORIGINAL_112
    with pytest.raises(FlowNumberError):
        store.validate_text(text, "edit")
    with pytest.raises(FlowNumberError):
        store.install(text, "edit")
    assert every_file(tmp_path) == set()


def test_a_rollback_of_star_leaves_every_history_alone(store: FlowStore) -> None:
    store.install(FIRE_ON_4)
    store.install(ORIGINAL_112)
    history = every_file(store.history_dir)
    with pytest.raises(FlowNumberError):
        store.rollback("*")
    assert every_file(store.history_dir) == history
    assert sorted(p.name for p in store.override_dir.glob("*.yaml")) == ["112.yaml"]


def test_versions_match_the_number_exactly(store: FlowStore) -> None:
    store.install(FIRE_ON_4)
    store.history_dir.joinpath("1-20250101T000000-000000000.yaml").write_text("x")
    store.history_dir.joinpath("11-anything.yaml").write_text("x")
    assert [p.name.split("-")[0] for p in store.versions("112")] == ["112"]
    assert [p.name for p in store.versions("1")] == ["1-20250101T000000-000000000.yaml"]
    assert store.versions("11") == []


def test_stray_files_in_the_flow_folder_do_not_stop_the_flows(store: FlowStore) -> None:
    store.install(FIRE_ON_4)
    for name in ("*.yaml", "evil.yaml", "112-old.yaml", ".112.yaml.tmp"):
        (store.override_dir / name).write_text(ORIGINAL_112)
    assert sorted(store.files()) == ["112", "12345"]
    assert store.files()["112"] == store.override_dir / "112.yaml"
    assert set(store.current().flows) == {"112", "12345"}


@pytest.mark.parametrize(("verb", "target"), [("rollback", "*"), ("versions", "../x"),
                                              ("show", "../../evil")])
def test_the_cli_names_a_bad_flow_number(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         verb: str, target: str) -> None:
    assert cmd_flow(Settings(data_dir=tmp_path), verb, target) == 2
    assert "a flow number is 1 to 15 digits" in capsys.readouterr().err


def test_the_cli_names_an_unknown_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_flow(Settings(data_dir=tmp_path), "show", "999") == 1
    assert "no flow 999" in capsys.readouterr().err
