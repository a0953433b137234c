"""Audio for the recogniser: 16-bit mono PCM and its sample rate.

Asterisk's ``RECORD FILE <name> wav`` writes exactly that at 8 kHz, so a menu answer goes from
the recording to the recogniser without conversion. Anything else (stereo, 8-bit, GSM ``WAV``)
is refused with ``BadAudio``: converting it here would hide a wrong recording format.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

from .recognition import Audio

TELEPHONE_RATE = 8000


class BadAudio(ValueError):
    """The audio is missing, unreadable or not 16-bit mono PCM."""


@dataclass(frozen=True)
class Pcm:
    samples: bytes  # 16-bit signed little-endian, mono
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / 2 / self.rate


def _from_wav(source: Path | io.BytesIO, name: str) -> Pcm:
    try:
        with wave.open(source if isinstance(source, io.BytesIO) else str(source), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise BadAudio(
                    f"{name}: {wav.getnchannels()} channel(s) of {8 * wav.getsampwidth()} bit;"
                    " want 16-bit mono"
                )
            return Pcm(wav.readframes(wav.getnframes()), wav.getframerate())
    except (OSError, EOFError, wave.Error) as exc:
        raise BadAudio(f"{name}: {exc}") from exc


def read_pcm(audio: Audio, rate: int = TELEPHONE_RATE) -> Pcm:
    """PCM from a WAV file's path, a WAV file's bytes, or raw PCM bytes at ``rate``."""
    if isinstance(audio, bytes):
        if audio[:4] == b"RIFF":
            return _from_wav(io.BytesIO(audio), "WAV bytes")
        if len(audio) % 2:
            raise BadAudio("raw PCM of an odd number of bytes is not 16-bit")
        return Pcm(audio, rate)
    return _from_wav(Path(audio), str(audio))
