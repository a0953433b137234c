"""FlowStore: built-in + admin flows, hot reload, refusing broken edits, install and rollback."""

import logging
import time
from pathlib import Path

import pytest

from ivr.flows.loader import FlowError
from ivr.flows.model import JoinQueue
from ivr.flows.store import FlowStore, queue_names

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "dialplan" / "flows"
ORIGINAL_112 = (BUILTIN / "112.yaml").read_text(encoding="utf-8")
FIRE_KEY = '"2": {queue: fire, priority: 10}'
# Fire moved from key 2 to key 4.
FIRE_ON_4 = ORIGINAL_112.replace(FIRE_KEY, '"4": {queue: fire, priority: 10}')
# Key 2 now goes to the police.
POLICE_ON_2 = ORIGINAL_112.replace(FIRE_KEY, '"2": {queue: police, priority: 10}')
DUPLICATE_DIGIT = ORIGINAL_112.replace(FIRE_KEY, FIRE_KEY + '\n      "1": {queue: fire}')
HANGS_UP = ORIGINAL_112.replace("{queue: emergency, priority: 10}", "{hangup: goodbye}")


@pytest.fixture
def store(tmp_path: Path) -> FlowStore:
    return FlowStore(builtin_dir=BUILTIN, override_dir=tmp_path / "flows",
                     prompt_dirs=[ROOT / "recordings"])


def keys_112(store: FlowStore) -> dict[str, object]:
    return dict(store.current().flows["112"].menus["service"].keys)


def test_edited_texts_really_differ() -> None:
    assert FIRE_ON_4 != ORIGINAL_112
    assert POLICE_ON_2 != ORIGINAL_112
    assert DUPLICATE_DIGIT != ORIGINAL_112
    assert HANGS_UP != ORIGINAL_112


def test_builtin_flows_load(store: FlowStore) -> None:
    flows = store.current()
    assert set(flows.flows) == {"112", "12345"}
    assert flows.version
    assert store.current() is flows  # nothing changed: no reload


def test_builtin_flows_load_with_the_real_queues() -> None:
    queues = queue_names((ROOT / "asterisk_conf" / "queues.conf").read_text(encoding="utf-8"))
    store = FlowStore(BUILTIN, Path("/nonexistent/flows"), [ROOT / "recordings"],
                      known_queues=queues)
    assert set(store.current().flows) == {"112", "12345"}


def test_install_is_picked_up_and_old_snapshot_is_unchanged(store: FlowStore) -> None:
    before = store.current()
    flow = store.install(FIRE_ON_4)
    assert flow.menus["service"].keys["4"] == JoinQueue("fire", 10)
    after = store.current()
    assert after is not before
    assert set(after.flows["112"].menus["service"].keys) == {"1", "3", "4"}
    assert set(before.flows["112"].menus["service"].keys) == {"1", "2", "3"}
    assert before.flows["112"].menus["service"].keys["2"] == JoinQueue("fire", 10)
    assert store.files()["112"] == store.override_dir / "112.yaml"
    assert len(store.versions("112")) == 1


def test_broken_file_written_directly_keeps_the_previous_set(
        store: FlowStore, caplog: pytest.LogCaptureFixture) -> None:
    before = store.current()
    store.override_dir.mkdir(parents=True)
    (store.override_dir / "112.yaml").write_text(DUPLICATE_DIGIT, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="ivr.flows.store"):
        assert store.current() is before
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "refused" in record.getMessage()
    assert "used twice" in record.getMessage()
    # Once fixed, the edit is used.
    (store.override_dir / "112.yaml").write_text(FIRE_ON_4, encoding="utf-8")
    assert "4" in keys_112(store)


def test_file_that_breaks_a_rule_is_refused_too(store: FlowStore) -> None:
    before = store.current()
    store.override_dir.mkdir(parents=True)
    (store.override_dir / "112.yaml").write_text(HANGS_UP, encoding="utf-8")
    assert store.current() is before


def test_file_named_for_another_number_is_refused(store: FlowStore) -> None:
    store.current()
    store.override_dir.mkdir(parents=True)
    (store.override_dir / "999.yaml").write_text(ORIGINAL_112, encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        store.load()
    assert any("file is named 999" in i.message for i in caught.value.issues)


def test_broken_builtin_with_nothing_to_keep_raises(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "112.yaml").write_text(DUPLICATE_DIGIT, encoding="utf-8")
    store = FlowStore(builtin, tmp_path / "flows", [ROOT / "recordings"])
    with pytest.raises(FlowError):
        store.current()


def test_keys_as_a_list_in_an_edited_file_keeps_the_previous_set(store: FlowStore) -> None:
    before = store.current()
    store.override_dir.mkdir(parents=True)
    broken = ORIGINAL_112.replace("    keys:\n", "    keys: [1, 2]\n    old_keys:\n")
    (store.override_dir / "112.yaml").write_text(broken, encoding="utf-8")
    assert store.current() is before


@pytest.mark.parametrize("text", [DUPLICATE_DIGIT, HANGS_UP, "number: [\n"])
def test_install_of_a_broken_text_changes_nothing(store: FlowStore, text: str) -> None:
    before = store.current()
    with pytest.raises(FlowError) as caught:
        store.install(text, source="admin-edit")
    assert all(i.source == "admin-edit" for i in caught.value.issues)
    assert not (store.override_dir / "112.yaml").exists()
    assert store.versions("112") == []
    assert store.current() is before


def test_install_with_a_missing_prompt_is_refused(store: FlowStore) -> None:
    text = ORIGINAL_112.replace("prompt: emergency-menu", "prompt: not-recorded-yet")
    with pytest.raises(FlowError, match="not-recorded-yet"):
        store.install(text)


def test_rollback_to_previous_version_then_to_builtin(store: FlowStore) -> None:
    store.install(FIRE_ON_4)
    store.install(POLICE_ON_2)
    assert keys_112(store)["2"] == JoinQueue("police", 10)
    assert len(store.versions("112")) == 2

    message = store.rollback("112")
    assert "back to 112-" in message
    assert (store.override_dir / "112.yaml").read_text(encoding="utf-8") == FIRE_ON_4
    assert set(keys_112(store)) == {"1", "3", "4"}
    assert len(store.versions("112")) == 1

    assert store.rollback("112") == "flow 112: back to the built-in flow"
    assert not (store.override_dir / "112.yaml").exists()
    assert keys_112(store)["2"] == JoinQueue("fire", 10)
    assert store.files()["112"] == BUILTIN / "112.yaml"

    with pytest.raises(FlowError, match="no installed version"):
        store.rollback("112")


def test_rollback_of_one_number_leaves_the_other(store: FlowStore) -> None:
    store.install(FIRE_ON_4)
    hotline = (BUILTIN / "12345.yaml").read_text(encoding="utf-8").replace("timeout: 4",
                                                                           "timeout: 6", 1)
    store.install(hotline)
    store.rollback("112")
    assert store.current().flows["12345"].menus["language"].timeout_s == 6.0
    assert "2" in keys_112(store)


QUEUES_CONF = """\
[general]
persistentmembers = yes

[queue-defaults](!)
strategy = rrmemory
;[commented-out]

[police](queue-defaults)
[fire](queue-defaults)
weight = 10
[hotline]
"""


def test_queue_names() -> None:
    assert queue_names(QUEUES_CONF) == {"police", "fire", "hotline"}


def test_queue_names_skips_a_template_that_inherits() -> None:
    assert queue_names("[base](!)\n[tpl](!,base)\n[fire](tpl)\n") == {"fire"}


def test_with_a_recheck_time_an_install_is_seen_at_once_an_edit_in_place_after_it(
        tmp_path: Path) -> None:
    store = FlowStore(builtin_dir=BUILTIN, override_dir=tmp_path / "flows",
                      prompt_dirs=[ROOT / "recordings"], recheck_s=0.5)
    before = store.current()
    assert store.current() is before
    # Another process (the admin's CLI or web) installs: the folder changed, seen at once.
    admin = FlowStore(builtin_dir=BUILTIN, override_dir=tmp_path / "flows",
                      prompt_dirs=[ROOT / "recordings"])
    admin.install(FIRE_ON_4)
    assert "4" in keys_112(store)
    # The file rewritten in place (the folder unchanged): the flows in use stay for up to
    # recheck_s, then the edit is used.
    installed = store.current()
    (store.override_dir / "112.yaml").write_text(POLICE_ON_2, encoding="utf-8")
    assert store.current() is installed
    time.sleep(0.6)
    assert keys_112(store)["2"] == JoinQueue("police", priority=10)
    # A rollback (the file removed) is seen at once again.
    admin.rollback("112")
    assert keys_112(store)["2"] == JoinQueue("fire", priority=10)
