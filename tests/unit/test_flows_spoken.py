"""Dates and numbers as words and prompts, per language (pure functions and Speaker)."""

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from ivr.flows.prompts import Prompts
from ivr.flows.spoken import Speaker, date_words, digit_prompts


@pytest.mark.parametrize(
    ("moment", "language", "words"),
    [
        (datetime(2026, 11, 25, 14, 5), "id", "tanggal 25 November 2026, pukul 14 lewat 5 menit"),
        (datetime(2026, 11, 25, 14, 5), "en", "November 25, 2026, at 2:05 PM"),
        (datetime(2026, 8, 1, 9, 0), "id", "tanggal 1 Agustus 2026, pukul 9"),
        (datetime(2026, 8, 1, 9, 0), "en", "August 1, 2026, at 9 AM"),
        (datetime(2026, 1, 2, 0, 0), "en", "January 2, 2026, at 12 AM"),
        (datetime(2026, 1, 2, 0, 30), "en", "January 2, 2026, at 12:30 AM"),
        (datetime(2026, 12, 31, 12, 0), "en", "December 31, 2026, at 12 PM"),
        (datetime(2026, 12, 31, 23, 59), "id", "tanggal 31 Desember 2026, pukul 23 lewat 59 menit"),
        (datetime(2026, 3, 4, 0, 0), "id", "tanggal 4 Maret 2026, pukul 0"),
        (datetime(2026, 5, 6, 7, 8), "fr", "May 6, 2026, at 7:08 AM"),  # unknown: English
    ],
)
def test_date_words(moment: datetime, language: str, words: str) -> None:
    assert date_words(moment, language) == words


@pytest.mark.parametrize(
    ("number", "prompts"),
    [
        ("12-3", ["digits/1", "digits/2", "digits/3"]),
        ("4071", ["digits/4", "digits/0", "digits/7", "digits/1"]),
        ("", []),
        ("A-", []),
    ],
)
def test_digit_prompts(number: str, prompts: list[str]) -> None:
    assert digit_prompts(number) == prompts


def test_every_digit_prompt_is_recorded() -> None:
    recordings = Path(__file__).resolve().parents[2] / "recordings"
    for language in ("id", "en"):
        for prompt in digit_prompts("0123456789"):
            assert (recordings / language / f"{prompt}.wav").is_file(), (language, prompt)


class Streams:
    def __init__(self) -> None:
        self.played: list[str] = []

    async def stream_file(self, prompt: Path | str, escape_digits: str = "") -> str:
        self.played.append(str(prompt))
        return ""


async def test_say_digits_uses_the_language_recordings() -> None:
    channel = Streams()
    speaker = Speaker(Prompts(Path("/s")), Path("/t"))
    await speaker.say_digits(channel, "9-04", "en")
    assert channel.played == ["/s/en/digits/9", "/s/en/digits/0", "/s/en/digits/4"]


async def test_say_text_plays_a_cached_file_without_extension(tmp_path: Path) -> None:
    """A synthesis already in the cache (named by a hash of language and text) is reused."""
    speaker = Speaker(Prompts(tmp_path / "s"), tmp_path / "tts")
    digest = hashlib.sha1(b"id\0Dinas Bina Marga").hexdigest()[:20]
    cached = tmp_path / "tts" / "id" / f"{digest}.wav"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"RIFF")
    channel = Streams()
    await speaker.say_text(channel, "Dinas Bina Marga", "id")
    assert channel.played == [str(cached.with_suffix(""))]


async def test_say_text_skips_words_when_synthesis_is_impossible(tmp_path: Path) -> None:
    class NoSynthesiser(Speaker):
        async def synthesise(self, text: str, language: str) -> Path | None:
            return None

    channel = Streams()
    speaker = NoSynthesiser(Prompts(tmp_path), tmp_path)
    await speaker.say_text(channel, "x", "id")
    assert channel.played == []

