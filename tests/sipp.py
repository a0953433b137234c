"""SIPp scenarios for the tests: a citizen who calls, presses keys and waits.

Scenarios are written per call (the keys and the hold time are part of the XML, built by
``sipp_scenarios``); SIPp then runs as a real SIP user agent against our Asterisk.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from dtmf_pcap import write_audio_pcap, write_dtmf_pcap
from sipp_scenarios import Caller, caller_scenario, pause, play_pcap


@dataclass(frozen=True)
class Step:
    """Wait ``after_ms`` then press ``key`` ('' = just wait; several keys, 0.3 s apart)."""

    after_ms: int
    key: str = ""
    # Speech to play (a WAV file, sent as mu-law RTP) after the wait, before the keys.
    audio: Path | None = None


def step_actions(caller: str, steps: list[Step], workdir: Path) -> list[str]:
    """The scenario's part after the answer: per step a wait, then speech, then key presses."""
    actions = []
    for index, step in enumerate(steps):
        actions.append(pause(step.after_ms))
        if step.audio is not None:
            pcap = write_audio_pcap(workdir / f"audio-{caller}-{index}.pcap", step.audio,
                                    seq=30000 + 1000 * index, timestamp=8_000_000 * (index + 1))
            actions.append(play_pcap(pcap))
        actions.extend(key_presses(caller, index, step.key, workdir))
    return actions


def key_presses(caller: str, index: int, keys: str, workdir: Path) -> list[str]:
    """Play one pcap per key of step ``index``, 0.3 s apart."""
    actions = []
    for n, key in enumerate(keys):
        # Each press needs fresh RTP numbers, or Asterisk takes it for the previous one.
        pcap = write_dtmf_pcap(workdir / f"key-{caller}-{index}-{n}.pcap", key,
                               seq=1000 + 100 * (index * 20 + n),
                               timestamp=80_000 * (index * 20 + n + 1))
        if n:
            actions.append(pause(300))
        actions.append(play_pcap(pcap))
    return actions


def start_call(workdir: Path, sip_port: int, number: str, caller: str, steps: list[Step],
               hold_ms: int, local_port: int, media_port: int,
               headers: tuple[str, ...] = (), host: str = "127.0.0.1", routed: bool = False
               ) -> subprocess.Popen[bytes]:
    """Start one SIPp call in the background; wait() on it for the exit code (0 = success).

    ``host`` is both where the call goes (``sip_port`` there) and SIPp's own address;
    ``routed``: the call goes through a proxy, whose Record-Route the caller follows."""
    scenario = workdir / f"call-{caller}-{number}.xml"
    scenario.write_text(caller_scenario(Caller(caller, headers=headers, routed=routed),
                                        step_actions(caller, steps, workdir), hold_ms))
    log = open(workdir / f"sipp-{caller}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        ["sipp", f"{host}:{sip_port}", "-sf", str(scenario), "-s", number,
         "-i", host, "-p", str(local_port), "-mp", str(media_port),
         "-m", "1", "-l", "1", "-nostdin", "-timeout", "120s",
         "-trace_err", "-error_file", str(workdir / f"sipp-{caller}-errors.log")],
        cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
