"""SIPp scenarios for the tests: a citizen who calls, presses keys and waits.

Scenarios are written per call (the keys and the hold time are part of the XML); SIPp then
runs as a real SIP user agent against our Asterisk.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from dtmf_pcap import write_audio_pcap, write_dtmf_pcap

_INVITE = """
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Citizen" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=citizen 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Citizen" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
"""

_BYE = """
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Citizen" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
"""


@dataclass(frozen=True)
class Step:
    """Wait ``after_ms`` then press ``key`` ('' = just wait; several keys, 0.3 s apart)."""

    after_ms: int
    key: str = ""
    # Speech to play (a WAV file, sent as mu-law RTP) after the wait, before the keys.
    audio: Path | None = None


def caller_scenario(caller: str, steps: list[Step], hold_ms: int, workdir: Path) -> str:
    """A call from ``caller`` that presses keys as ``steps`` say, holds, then hangs up."""
    body = [_INVITE.format(caller=caller)]
    for index, step in enumerate(steps):
        body.append(f'  <pause milliseconds="{step.after_ms}"/>')
        if step.audio is not None:
            pcap = write_audio_pcap(workdir / f"audio-{caller}-{index}.pcap", step.audio,
                                    seq=30000 + 1000 * index, timestamp=8_000_000 * (index + 1))
            body.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>')
        for n, key in enumerate(step.key):
            # Each press needs fresh RTP numbers, or Asterisk takes it for the previous one.
            pcap = write_dtmf_pcap(workdir / f"key-{caller}-{index}-{n}.pcap", key,
                                   seq=1000 + 100 * (index * 20 + n),
                                   timestamp=80_000 * (index * 20 + n + 1))
            if n:
                body.append('  <pause milliseconds="300"/>')
            body.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>')
    body.append(f'  <pause milliseconds="{hold_ms}"/>')
    body.append(_BYE.format(caller=caller))
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="citizen">\n'
            + "\n".join(body) + "\n</scenario>\n")


def start_call(workdir: Path, sip_port: int, number: str, caller: str, steps: list[Step],
               hold_ms: int, local_port: int, media_port: int) -> subprocess.Popen[bytes]:
    """Start one SIPp call in the background; wait() on it for the exit code (0 = success)."""
    scenario = workdir / f"call-{caller}-{number}.xml"
    scenario.write_text(caller_scenario(caller, steps, hold_ms, workdir))
    log = open(workdir / f"sipp-{caller}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        ["sipp", f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-s", number,
         "-i", "127.0.0.1", "-p", str(local_port), "-mp", str(media_port),
         "-m", "1", "-l", "1", "-nostdin", "-timeout", "120s",
         "-trace_err", "-error_file", str(workdir / f"sipp-{caller}-errors.log")],
        cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
