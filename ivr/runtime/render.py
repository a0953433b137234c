"""Render ``asterisk_conf/`` and ``dialplan/`` with our settings into the run folder.

Templates use ``@@NAME@@`` placeholders (Asterisk's own ``${VAR}`` stays untouched). The
checkout is only read; everything is written under the data folder.
"""

from __future__ import annotations

import filecmp
import math
import re
import shutil
import wave
from array import array
from collections.abc import Mapping
from ipaddress import ip_address
from pathlib import Path

from ..config import Settings, ami_permit_networks
from ..console import calls as console_calls
from ..emergency import dialplan as emergency_dialplan
from ..flows.loader import load_flow_file
from ..flows.model import Flow
from ..flows.store import flow_files
from ..outbound import virtual_hold
from ..roster import skill_rules
from ..roster.asterisk_config import extra_config_files

PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
LOOPBACK = ("127.0.0.0/8", "::1/128")


class RenderError(ValueError):
    """A template names a placeholder we have no value for."""


def project_root() -> Path:
    """The checkout this package was installed from (templates, dialplan, recordings)."""
    return Path(__file__).resolve().parents[2]


def template_values(settings: Settings) -> dict[str, str]:
    s = settings
    return {
        "DATA_DIR": str(s.data_dir),
        "RUN_DIR": str(s.run_dir),
        "LOGS_DIR": str(s.logs_dir),
        "SIP_HOST": s.sip_host,
        "SIP_PORT": str(s.sip_port),
        "TRUNK_MATCH": s.trunk_match,
        "EMERGENCY_NUMBER": s.emergency_number,
        "HOTLINE_NUMBER": s.hotline_number,
        "SYSTEM_NAME": f"systemname = {s.node_name}" if s.node_name else
        "; one node: no systemname (IVR_NODE_NAME)",
        "AGI_URL": s.agi_url,
        "AMI_HOST": s.ami_host,
        "AMI_PORT": str(s.ami_port),
        "AMI_USER": s.ami_user,
        "AMI_SECRET": s.ami_secret,
        "AMI_PERMIT": ami_permit(s),
        "RTP_PORT_START": str(s.rtp_port_start),
        "RTP_PORT_END": str(s.rtp_port_end),
        "QUEUE_WRAPUP": str(s.queue_wrapup_seconds),
        "OUTBOUND_CONTACT": f"contact = sip:{s.outbound_trunk}" if s.outbound_trunk else
        "; no outbound trunk (IVR_OUTBOUND_TRUNK): callbacks are off",
        "EMERGENCY_MOH": emergency_dialplan.moh_classes(
            prompt_languages(project_root() / "recordings"), str(s.data_dir / "sounds")),
        **emergency_dialplan.template_values(emergency_flow(s)),
        **virtual_hold.template_values(s),
        **skill_rules.template_values(s),
        **console_calls.template_values(s.outbound_dial),
    }


def emergency_flow(settings: Settings, root: Path | None = None) -> Flow:
    """The 112 flow: the admins' edited one if there is one, else the built-in one."""
    root = root or project_root()
    number = settings.emergency_number
    path = (flow_files(settings.data_dir / "flows").get(number)
            or flow_files(root / "dialplan" / "flows").get(number)
            or root / "dialplan" / "flows" / "112.yaml")
    return load_flow_file(path)


def prompt_languages(recordings: Path) -> list[str]:
    return sorted(p.name for p in recordings.iterdir() if p.is_dir() and len(p.name) <= 3)


def ami_permit(settings: Settings) -> str:
    """Who may log in to AMI, as manager.conf's comma-separated ``permit`` list.

    This host only (the loopback, and ``ami_host`` when it is one of its own addresses,
    since our services connect to that), plus what ``ami_permit`` names. Binding AMI to
    another address never opens it to other hosts by itself.
    """
    entries = list(LOOPBACK)
    try:
        own = ip_address(settings.ami_host)
    except ValueError:  # a host name: Asterisk binds by address, so nothing to add
        own = None
    if own is not None and not (own.is_unspecified or own.is_loopback):
        entries.append(f"{own}/{own.max_prefixlen}")
    entries += [str(network) for network in ami_permit_networks(settings.ami_permit)]
    return ",".join(dict.fromkeys(entries))


def render_text(template: str, values: Mapping[str, str], source: str = "template") -> str:
    """Replace every ``@@NAME@@``; an unknown name is an error naming the file and line."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            line = template.count("\n", 0, match.start()) + 1
            raise RenderError(f"{source}:{line}: unknown placeholder @@{name}@@")
        return values[name]

    return PLACEHOLDER.sub(substitute, template)


def render_asterisk_config(settings: Settings, root: Path | None = None) -> Path:
    """Write Asterisk's config for these settings; returns the asterisk.conf to start with."""
    if not settings.ami_secret:
        raise RenderError("render needs the AMI secret: use Settings.with_ami_secret()")
    root = root or project_root()
    etc = settings.run_dir / "etc" / "asterisk"
    etc.mkdir(parents=True, exist_ok=True)
    for folder in (settings.run_dir / "astdb", settings.run_dir / "asterisk",
                   settings.logs_dir / "asterisk", settings.data_dir / "spool",
                   settings.recordings_dir):
        folder.mkdir(parents=True, exist_ok=True)
    values = template_values(settings)
    sources = sorted((root / "asterisk_conf").glob("*.conf")) + sorted(
        (root / "dialplan").glob("*.conf"))
    for source in sources:
        text = render_text(source.read_text(), values, str(source.relative_to(root)))
        target = etc / source.name
        target.write_text(text)
        target.chmod(0o600)
    for name, text in extra_config_files(settings).items():
        (etc / name).write_text(text)
        (etc / name).chmod(0o600)
    copy_prompts(root / "recordings", settings.data_dir / "sounds")
    hold_music(settings.data_dir / "sounds" / "moh")
    emergency_music(root / "recordings", settings.data_dir / "sounds")
    return etc / "asterisk.conf"


def copy_prompts(source: Path, target: Path) -> None:
    """Copy recordings/<lang>/ (with its sub-folders: the digits a ticket number is read
    with) into the data folder, only files that changed."""
    for wav in source.glob("*/**/*.wav"):
        dest = target / wav.relative_to(source)
        if dest.exists() and filecmp.cmp(wav, dest, shallow=False):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(wav, dest)


HOLD_TONES = (523.25, 659.25, 783.99, 659.25)  # C5 E5 G5 E5: a soft chime, over and over
HOLD_NOTE_S, HOLD_REST_S, HOLD_LEVEL = 0.6, 0.4, 0.12  # the level as a share of full scale


def hold_tones(rate: int = 8000) -> bytes:
    """The `default` music on hold (the 12345 queue): a slow chime of four notes, each faded
    in and out, then a rest. 16-bit mono PCM; made here, so no music file is shipped."""
    samples: list[int] = []
    note = int(HOLD_NOTE_S * rate)
    fade = note // 5
    for pitch in HOLD_TONES:
        for n in range(note):
            envelope = min(1.0, n / fade, (note - n) / fade)
            value = HOLD_LEVEL * envelope * math.sin(2 * math.pi * pitch * n / rate)
            samples.append(int(value * 32767))
        samples.extend([0] * int(HOLD_REST_S * rate))
    return array("h", samples).tobytes()


def hold_music(folder: Path) -> None:
    """The `default` class's music (an empty folder is no class at all to Asterisk: callers
    waiting in `hotline` heard silence)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "hold-tones.wav"
    if target.exists():
        return
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(hold_tones())


def emergency_music(recordings: Path, sounds: Path) -> None:
    """The 112 queue's music per language: the waiting menu, then a short pause (looped)."""
    for language in prompt_languages(recordings):
        prompt = recordings / language / f"{emergency_dialplan.MOH_PROMPT}.wav"
        if not prompt.exists():
            continue
        folder = sounds / "moh-emergency" / language
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prompt, folder / "1-menu.wav")
        write_silence(folder / "2-pause.wav", emergency_dialplan.MOH_PAUSE_S)


def write_silence(path: Path, seconds: float, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
