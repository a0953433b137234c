"""Reading telephone audio for the recogniser."""

import io
import wave
from pathlib import Path

import pytest

from ivr.speech.audio import BadAudio, read_pcm


def wav_bytes(channels: int = 1, width: int = 2, rate: int = 8000, frames: int = 800) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(b"\x01" * frames * channels * width)
    return out.getvalue()


def test_wav_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    path.write_bytes(wav_bytes(frames=4000))
    pcm = read_pcm(path)
    assert (pcm.rate, len(pcm.samples), pcm.seconds) == (8000, 8000, 0.5)
    assert read_pcm(str(path)) == pcm


def test_wav_bytes_and_raw_pcm() -> None:
    assert read_pcm(wav_bytes(rate=16000)).rate == 16000
    raw = read_pcm(b"\x00\x01" * 80, rate=8000)
    assert (raw.rate, raw.seconds) == (8000, 0.01)


@pytest.mark.parametrize(
    "audio",
    [wav_bytes(channels=2), wav_bytes(width=1), b"RIFF-not-a-wav", b"\x00\x01\x02"],
)
def test_refused(audio: bytes) -> None:
    with pytest.raises(BadAudio):
        read_pcm(audio)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadAudio, match="missing.wav"):
        read_pcm(tmp_path / "missing.wav")
