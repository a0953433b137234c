"""What a recognition returns, and the one interface every recogniser offers.

A recognition never raises to the menu: when speech cannot answer (no model for the caller's
language, every worker busy, unusable audio) it returns at once with a status that is not
``HEARD``, and the menu simply goes on with the keys the caller may have pressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from ..flows.ports import Heard

# Raw audio handed over as bytes: 16-bit signed little-endian mono PCM, or a whole WAV file.
Audio = Path | str | bytes


class SpeechStatus(StrEnum):
    HEARD = "heard"  # recognition ran; text may still be empty (silence, only unknown words)
    NO_MODEL = "no-model"  # no model configured (or loadable) for the language
    LOADING = "loading"  # the language's model is still being loaded
    BUSY = "busy"  # every worker is busy
    NO_GRAMMAR = "no-grammar"  # none of the words asked for is in the model's vocabulary
    BAD_AUDIO = "bad-audio"  # the audio is missing or not 16-bit mono PCM


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float
    start: float = 0.0  # seconds from the start of the audio
    end: float = 0.0


@dataclass(frozen=True)
class Recognition(Heard):
    """What was heard: the words (without the unknown-word token) and how sure the model is.

    ``confidence`` is the lowest confidence of the words (0.0 when there is none): a phrase is
    only as sure as its weakest word.
    """

    words: tuple[Word, ...]
    confidence: float
    status: SpeechStatus = SpeechStatus.HEARD
    heard_unknown: bool = False  # the model heard speech outside the grammar

    @property
    def available(self) -> bool:
        return self.status is SpeechStatus.HEARD

    @classmethod
    def unavailable(cls, status: SpeechStatus) -> Recognition:
        return cls(text="", words=(), confidence=0.0, status=status)

    @classmethod
    def of_words(cls, words: Sequence[Word], heard_unknown: bool = False) -> Recognition:
        kept = tuple(words)
        return cls(
            text=" ".join(w.text for w in kept),
            words=kept,
            confidence=min((w.confidence for w in kept), default=0.0),
            heard_unknown=heard_unknown,
        )


class Recognizer(Protocol):
    """Speech to text for one caller's recording, in the caller's language."""

    def languages(self) -> frozenset[str]:
        """The languages this recogniser has a model for."""
        ...

    async def load(self) -> None:
        """Load the models now, so that no caller waits for one (``SpeechModelError``)."""
        ...

    async def recognize(
        self, audio: Audio, language: str, words: Sequence[str] | None = None
    ) -> Recognition:
        """Recognise ``audio``; with ``words``, only those phrases (or the unknown word)."""
        ...


class NoSpeech:
    """The recogniser when no model is configured: every menu goes on with keys."""

    def languages(self) -> frozenset[str]:
        return frozenset()

    async def load(self) -> None:
        return None

    async def recognize(
        self, audio: Audio, language: str, words: Sequence[str] | None = None
    ) -> Recognition:
        return Recognition.unavailable(SpeechStatus.NO_MODEL)
