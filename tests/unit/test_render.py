"""Rendering the Asterisk config and dialplan from the checkout into the data folder."""

import os
import re
import stat
import wave
from array import array
from pathlib import Path

import pytest

from ivr import dialplan_vars
from ivr.config import ConfigError, Settings, load_settings
from ivr.dialplan_vars import HOTLINE_QUEUE, HOTLINE_SERVICE
from ivr.runtime.render import (
    RenderError,
    ami_permit,
    copy_prompts,
    hold_music,
    project_root,
    render_asterisk_config,
    render_text,
)

AGI_PORT = 4599
SECRET = "test-secret-Xy12"


@pytest.mark.parametrize(
    ("template", "values", "text"),
    [
        ("port = @@AMI_PORT@@", {"AMI_PORT": "5038"}, "port = 5038"),
        ("@@A@@:@@A@@ @@B_C@@", {"A": "1", "B_C": "2"}, "1:1 2"),
        ("exten => s,1,Set(X=${EXTEN})", {}, "exten => s,1,Set(X=${EXTEN})"),
        ("@@lower@@ stays", {}, "@@lower@@ stays"),
    ],
)
def test_render_text(template: str, values: dict[str, str], text: str) -> None:
    assert render_text(template, values) == text


def test_render_text_unknown_placeholder_names_file_and_line() -> None:
    template = "[general]\nport = @@AMI_PORT@@\nbindaddr = @@AMI_HOTS@@\n"
    with pytest.raises(RenderError) as caught:
        render_text(template, {"AMI_PORT": "5038"}, "asterisk_conf/manager.conf")
    assert str(caught.value) == (
        "asterisk_conf/manager.conf:3: unknown placeholder @@AMI_HOTS@@")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({
        "IVR_DATA_DIR": str(tmp_path / "data"),
        "IVR_AGI_PORT": str(AGI_PORT),
        "IVR_AMI_HOST": "127.0.0.2",
        "IVR_AMI_SECRET": SECRET,
        "IVR_EMERGENCY_NUMBER": "110",
    })


@pytest.fixture
def etc(settings: Settings) -> Path:
    asterisk_conf = render_asterisk_config(settings, root=project_root())
    assert asterisk_conf == settings.run_dir / "etc" / "asterisk" / "asterisk.conf"
    return asterisk_conf.parent


def test_render_needs_the_ami_secret(tmp_path: Path) -> None:
    settings = load_settings({"IVR_DATA_DIR": str(tmp_path)})
    with pytest.raises(RenderError, match="AMI secret"):
        render_asterisk_config(settings, root=project_root())
    assert not (tmp_path / "run").exists()


def test_every_template_is_rendered_without_placeholders(etc: Path) -> None:
    root = project_root()
    expected = {p.name for p in (root / "asterisk_conf").glob("*.conf")}
    expected |= {p.name for p in (root / "dialplan").glob("*.conf")}
    rendered = {p.name: p for p in etc.glob("*.conf")}
    assert {"asterisk.conf", "manager.conf", "extensions.conf"} <= expected
    assert expected <= set(rendered)
    for path in rendered.values():
        assert "@@" not in path.read_text(), path.name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def context(dialplan: str, name: str) -> str:
    """The lines of one ``[name]`` context of a rendered dialplan."""
    match = re.search(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", dialplan, re.M | re.S)
    assert match, f"no [{name}] context"
    return match.group(1)


def test_dialplan_sends_112_to_the_emergency_route(etc: Path, settings: Settings) -> None:
    dialplan = (etc / "extensions.conf").read_text()
    assert "exten => 110,1,Goto(emergency-112,s,1)" in context(dialplan, "from-pstn")
    assert "exten => 12345,1,Goto(citizen-hotline,s,1)" in context(dialplan, "from-pstn")
    # The AGI URL lives in a global; resolve it the way Asterisk does.
    [agi_base] = re.findall(r"^HOTLINE_AGI = (\S+)$", context(dialplan, "globals"), re.M)
    assert agi_base == settings.agi_url == f"agi://127.0.0.1:{AGI_PORT}"
    [agi_call] = re.findall(r"AGI\(([^)]*)\)", context(dialplan, "citizen-hotline"))
    assert agi_call.replace("${HOTLINE_AGI}", agi_base) == f"agi://127.0.0.1:{AGI_PORT}/hotline"
    # 112 is queue first: no AGI between the answer and the queue.
    assert "AGI(" not in context(dialplan, "emergency-112")
    assert "Goto(emergency-queue,s,1)" in context(dialplan, "emergency-112")


def test_112_keys_while_waiting_come_from_the_flow_and_keep_the_priority(etc: Path) -> None:
    dialplan = (etc / "extensions.conf").read_text()
    keys = context(dialplan, "emergency-keys")
    for key, queue in (("1", "police"), ("2", "fire"), ("3", "ambulance")):
        assert f"exten => {key},1,Set(HOTLINE_SERVICE={queue})" in keys
        assert f"Set(HOTLINE_QUEUE={queue})" in keys
    assert "QUEUE_PRIO" not in keys.split("\n", 3)[-1]  # the rejoin keeps the arrival priority
    assert keys.count("Goto(emergency-queue,s,join)") == 3
    queues = (etc / "queues.conf").read_text()
    sections = dict(re.findall(r"^\[(\w+)\]\(queue-defaults\)\n(.*?)(?=^\[|\Z)", queues,
                               re.M | re.S))
    for queue in ("police", "fire", "ambulance", "emergency"):
        assert "context = emergency-keys" in sections[queue]
    assert "context" not in sections["hotline"]


def test_112_callers_hear_the_menu_as_queue_music_per_language(
        etc: Path, settings: Settings) -> None:
    moh = (etc / "musiconhold.conf").read_text()
    for language in ("en", "id"):
        assert f"directory = {settings.data_dir}/sounds/moh-emergency/{language}" in context(
            moh, f"emergency-{language}")
        files = sorted((settings.data_dir / "sounds" / "moh-emergency" / language).iterdir())
        assert [f.name for f in files] == ["1-menu.wav", "2-pause.wav"]
    queue = context((etc / "extensions.conf").read_text(), "emergency-queue")
    assert "Set(CHANNEL(musicclass)=emergency-${HOTLINE_LANGUAGE})" in queue


def test_112_priority_expression_is_arrival_priority() -> None:
    from ivr.emergency.priority import EPOCH0, arrival_priority, dialplan_expression

    for lane in ("prank", "normal", "callback"):
        expression = dialplan_expression(lane)  # type: ignore[arg-type]
        arrived = EPOCH0 + 86_400 * 40 + 17
        # The arrival carries milliseconds (emergency-112); the expression takes the first
        # 10 characters (whole seconds), as Asterisk's ${VAR:0:10} does.
        as_python = expression.removeprefix("$[").removesuffix("]").replace(
            "${HOTLINE_ARRIVED:0:10}", f"{arrived}.734"[:10])
        assert eval(as_python) == arrival_priority(lane, arrived + 0.734)  # noqa: S307


def test_dialplan_uses_the_shared_variable_names(etc: Path) -> None:
    dialplan = (etc / "extensions.conf").read_text()
    assert f"Set({HOTLINE_QUEUE}=emergency)" in context(dialplan, "emergency-112")
    assert f"Set({HOTLINE_SERVICE}=unknown)" in context(dialplan, "emergency-112")
    queue = context(dialplan, "emergency-queue")
    assert f"Queue(${{{HOTLINE_QUEUE}}},t)" in queue  # t: the operator may transfer
    assert f"Set({HOTLINE_QUEUE}=emergency)" in queue


def test_every_shared_variable_name_is_used_by_the_rendered_config(etc: Path) -> None:
    rendered = (etc / "extensions.conf").read_text() + (etc / "manager.conf").read_text()
    shared = {value for name, value in vars(dialplan_vars).items()
              if name.isupper() and value == name}
    assert HOTLINE_QUEUE in shared
    assert {name for name in shared if name not in rendered} == set()
    dialplan_names = set(re.findall(r"\bHOTLINE_[A-Z_]+", rendered)) - {"HOTLINE_AGI"}
    assert dialplan_names <= shared


def test_manager_binds_the_ami_host_with_the_secret(etc: Path) -> None:
    manager = (etc / "manager.conf").read_text()
    assert re.search(r"^bindaddr = 127\.0\.0\.2$", manager, flags=re.MULTILINE)
    assert re.search(r"^port = 5038$", manager, flags=re.MULTILINE)
    assert "[hotline]" in manager
    assert f"secret = {SECRET}\n" in manager
    assert "permit = 127.0.0.0/8,::1/128\n" in manager


def test_manager_denies_every_other_address_and_grants_only_the_queue_classes(
        etc: Path) -> None:
    manager = (etc / "manager.conf").read_text()
    assert re.findall(r"^deny = (.*)$", manager, flags=re.MULTILINE) == [
        "0.0.0.0/0.0.0.0", "::/0"] * 4
    # The follower and roster user; the outbound-call user may only make calls; the roster's
    # PJSIP reload may only reload; the console's pauses and moves calls (transfer, hold).
    assert re.findall(r"^write = (.*)$", manager, flags=re.MULTILINE) == [
        "agent", "originate", "system", "agent,call"]
    read = re.findall(r"^read = (.*)$", manager, flags=re.MULTILINE)
    assert read == ["agent,system,dtmf,user", "call,system", "system", "system"]
    # Every extra user hears FullyBooted: our client counts a login only once it came.
    outbound = context(manager, "hotline-outbound")
    assert outbound.count("eventfilter = Event: OriginateResponse") == 1
    for user in ("hotline-outbound", "hotline-reload", "hotline-console"):
        assert context(manager, user).count("eventfilter = Event: FullyBooted") == 1, user
    assert "0.0.0.0/0.0.0.0" not in re.findall(r"^permit = (.*)$", manager, re.MULTILINE)[0]


@pytest.mark.parametrize(("environ", "permit"), [
    ({}, "127.0.0.0/8,::1/128"),
    ({"IVR_AMI_HOST": "127.0.0.2"}, "127.0.0.0/8,::1/128"),
    ({"IVR_AMI_HOST": "0.0.0.0"}, "127.0.0.0/8,::1/128"),
    # Binding AMI to a LAN address lets this host in by that address, nobody else.
    ({"IVR_AMI_HOST": "10.1.2.3"}, "127.0.0.0/8,::1/128,10.1.2.3/32"),
    ({"IVR_AMI_HOST": "10.1.2.3", "IVR_AMI_PERMIT": "10.1.2.0/24, 192.168.7.9"},
     "127.0.0.0/8,::1/128,10.1.2.3/32,10.1.2.0/24,192.168.7.9/32"),
    ({"IVR_AMI_PERMIT": "10.1.2.3/24,fd00::/64"}, "127.0.0.0/8,::1/128,10.1.2.0/24,fd00::/64"),
])
def test_ami_permit_is_this_host_unless_the_setting_names_clients(
        environ: dict[str, str], permit: str) -> None:
    assert ami_permit(load_settings(environ)) == permit


@pytest.mark.parametrize("bad", ["0.0.0.0/0", "::/0", "10.0.0.0/33", "somehost", "10.0.0.1,x"])
def test_ami_permit_refuses_every_address_and_non_addresses(bad: str) -> None:
    with pytest.raises(ConfigError, match="IVR_AMI_PERMIT"):
        load_settings({"IVR_AMI_PERMIT": bad})


def test_dialplan_filters_the_callers_number_before_agi(etc: Path) -> None:
    extensions = (etc / "extensions.conf").read_text()
    for context in ("emergency-112", "citizen-hotline"):
        body = extensions.split(f"[{context}]", 1)[1].split("\n[", 1)[0]
        lines = [line for line in body.strip().splitlines() if not line.startswith(";")]
        assert lines[0] == "exten => s,1,Set(CALLERID(num)=${FILTER(0-9+,${CALLERID(num)}):0:20})"
        assert any("AGI(" in line or "Goto(emergency-queue" in line for line in lines[1:])


def test_asterisk_conf_points_into_the_data_folder(etc: Path, settings: Settings) -> None:
    text = (etc / "asterisk.conf").read_text()
    assert f"astetcdir => {settings.run_dir}/etc/asterisk" in text
    assert f"astlogdir => {settings.logs_dir}/asterisk" in text
    for folder in (settings.run_dir / "astdb", settings.data_dir / "spool",
                   settings.logs_dir / "asterisk", settings.data_dir / "sounds" / "moh"):
        assert folder.is_dir(), folder


def test_prompts_are_copied_per_language(etc: Path, settings: Settings) -> None:
    recordings = project_root() / "recordings"
    sources = sorted(recordings.glob("*/*.wav"))
    assert sources, "the checkout has prompts"
    for wav in sources:
        copy = settings.data_dir / "sounds" / wav.parent.name / wav.name
        assert copy.read_bytes() == wav.read_bytes()
    assert (settings.data_dir / "sounds" / "id" / "emergency-menu.wav").is_file()


def test_render_twice_gives_the_same_files(etc: Path, settings: Settings) -> None:
    before = {p.name: p.read_text() for p in etc.glob("*.conf")}
    render_asterisk_config(settings, root=project_root())
    assert {p.name: p.read_text() for p in etc.glob("*.conf")} == before


def test_copy_prompts_replaces_only_changed_files(tmp_path: Path) -> None:
    source, target = tmp_path / "recordings", tmp_path / "sounds"
    (source / "en").mkdir(parents=True)
    (source / "en" / "menu.wav").write_bytes(b"new")
    (source / "en" / "same.wav").write_bytes(b"same")
    (target / "en").mkdir(parents=True)
    (target / "en" / "menu.wav").write_bytes(b"old")
    (target / "en" / "same.wav").write_bytes(b"same")
    same_mtime = 1_000_000_000
    os.utime(target / "en" / "same.wav", (same_mtime, same_mtime))
    copy_prompts(source, target)
    assert (target / "en" / "menu.wav").read_bytes() == b"new"
    assert (target / "en" / "same.wav").stat().st_mtime == same_mtime


def test_copy_prompts_copies_the_digits_folder_too(tmp_path: Path) -> None:
    # A 12345 caller's ticket number is read with recordings/<lang>/digits/N.wav.
    source, target = tmp_path / "recordings", tmp_path / "sounds"
    (source / "id" / "digits").mkdir(parents=True)
    (source / "id" / "digits" / "7.wav").write_bytes(b"seven")
    copy_prompts(source, target)
    assert (target / "id" / "digits" / "7.wav").read_bytes() == b"seven"


def test_the_default_music_on_hold_is_a_real_sound(tmp_path: Path) -> None:
    # An empty moh folder is no `default` class to Asterisk: 12345 callers heard silence.
    hold_music(tmp_path / "moh")
    [music] = (tmp_path / "moh").iterdir()
    with wave.open(str(music)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
        frames = array("h", audio.readframes(audio.getnframes()))
    assert len(frames) / 8000 == pytest.approx(4.0)
    loudest = max(abs(f) for f in frames)
    assert 0.05 * 32767 < loudest <= 0.13 * 32767  # audible, never harsh
