"""RFC 4733 key presses as pcap files for SIPp's ``play_pcap_audio``.

SIPp's own captures all carry the same RTP sequence numbers and timestamps, so Asterisk takes
a second key in the same call for a repeat of the first and ignores it. Each key press here
gets its own sequence numbers and event timestamp.
"""

from __future__ import annotations

import struct
from pathlib import Path

EVENTS = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}
PAYLOAD_TYPE = 101
SSRC = 0x0E053B4E
PACKETS = 7        # while the key is held (20 ms each)
END_PACKETS = 3    # the end of the event is sent three times, as RFC 4733 asks
STEP = 160         # 20 ms at 8 kHz


def _udp_frame(payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", 6000, 6000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
    return b"\x00" * 12 + b"\x08\x00" + ip


def dtmf_packets(key: str, seq: int, timestamp: int) -> list[bytes]:
    event = EVENTS[key]
    packets = []
    for i in range(PACKETS + END_PACKETS):
        end = i >= PACKETS
        duration = STEP * (min(i, PACKETS - 1) + 1)
        marker = 0x80 if i == 0 else 0
        header = struct.pack("!BBHII", 0x80, marker | PAYLOAD_TYPE, (seq + i) & 0xFFFF,
                             timestamp & 0xFFFFFFFF, SSRC)
        body = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
        packets.append(header + body)
    return packets


def write_dtmf_pcap(path: Path, key: str, seq: int, timestamp: int) -> Path:
    """A pcap of one key press whose RTP numbering starts at ``seq`` / ``timestamp``."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, rtp in enumerate(dtmf_packets(key, seq, timestamp)):
        frame = _udp_frame(rtp)
        micros = i * 20_000
        out.append(struct.pack("<IIII", 1_700_000_000 + micros // 1_000_000,
                               micros % 1_000_000, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))
    return path


def write_audio_pcap(path: Path, wav: Path, seq: int, timestamp: int) -> Path:
    """A pcap of ``wav`` as G.711 mu-law RTP (payload 0, 20 ms packets), made with sox."""
    import subprocess

    ulaw = subprocess.run(["sox", str(wav), "-r", "8000", "-c", "1", "-t", "ul", "-"],
                          check=True, capture_output=True).stdout
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, start in enumerate(range(0, len(ulaw), STEP)):
        chunk = ulaw[start:start + STEP].ljust(STEP, b"\xff")
        header = struct.pack("!BBHII", 0x80, 0x80 if i == 0 else 0, (seq + i) & 0xFFFF,
                             (timestamp + i * STEP) & 0xFFFFFFFF, SSRC + 1)
        frame = _udp_frame(header + chunk)
        micros = i * 20_000
        out.append(struct.pack("<IIII", 1_700_000_000 + micros // 1_000_000,
                               micros % 1_000_000, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))
    return path
