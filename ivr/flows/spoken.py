"""Saying numbers, dates and free text per language.

Digits come from our own recordings (``recordings/<lang>/digits/N.wav``), never from English
files. Dates are worded by per-language rules (pure functions below) and synthesised with
espeak-ng in that language, cached by text in ``<sounds>/tts/<lang>/``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from ..aio import on_a_loop
from .ports import PromptPlayer
from .prompts import Prompts

log = logging.getLogger(__name__)

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
}
VOICES = {"en": "en-us", "id": "id", "ko": "ko"}


def date_words(moment: datetime, language: str) -> str:
    """A local date and time the way a speaker of ``language`` says it."""
    month = MONTHS.get(language, MONTHS["en"])[moment.month - 1]
    if language == "id":
        time_part = f"pukul {moment.hour}" + (f" lewat {moment.minute} menit"
                                               if moment.minute else "")
        return f"tanggal {moment.day} {month} {moment.year}, {time_part}"
    hour12 = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    clock = f"{hour12}:{moment.minute:02d} {suffix}" if moment.minute else f"{hour12} {suffix}"
    return f"{month} {moment.day}, {moment.year}, at {clock}"


def digit_prompts(number: str) -> list[str]:
    """The prompt names that read ``number`` digit by digit (non-digits are skipped)."""
    return [f"digits/{d}" for d in number if d.isdigit()]


async def exit_code(argv: list[str]) -> int:
    """Run a program, its output thrown away, without holding up the other calls."""
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    return await proc.wait()


class Speaker:
    def __init__(self, prompts: Prompts, tts_dir: Path) -> None:
        self.prompts = prompts
        self.tts_dir = tts_dir

    async def say_digits(self, channel: PromptPlayer, number: str, language: str) -> None:
        for prompt in digit_prompts(number):
            await channel.stream_file(self.prompts.path(prompt, language))

    async def say_text(self, channel: PromptPlayer, text: str, language: str) -> None:
        """Synthesise (once) and play ``text``; a missing synthesiser only skips the words."""
        path = await self.synthesise(text, language)
        if path is not None:
            await channel.stream_file(str(path.with_suffix("")))

    async def synthesise(self, text: str, language: str) -> Path | None:
        import hashlib  # lazy: a classic-AGI process per call seldom speaks a date

        digest = hashlib.sha1(f"{language}\0{text}".encode()).hexdigest()[:20]
        target = self.tts_dir / language / f"{digest}.wav"
        if target.exists():
            return target
        import shutil  # lazy, as hashlib above

        espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
        if not (espeak and sox):
            log.warning("espeak-ng or sox missing: cannot say %r", text)
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        raw = target.with_suffix(".raw.wav")
        for argv in ([espeak, "-v", VOICES.get(language, "en-us"), "-s", "165", "-w", str(raw),
                      text],
                     [sox, str(raw), "-r", "8000", "-c", "1", "-b", "16", str(target), "norm",
                      "-3"]):
            if await on_a_loop(exit_code(argv)) != 0:
                log.warning("synthesis failed (%s) for %r", argv[0], text)
                return None
        raw.unlink(missing_ok=True)
        return target
