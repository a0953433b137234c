"""Emergency words in a transcript, per language (pure).

A 12345 caller who says "there is a fire" in a complaint should be offered 112. The words are
configured per language (setting ``speech_emergency_words``); a word ending in ``*`` also
matches longer words that start with it, which Korean needs (화재* matches 화재가, 화재를) and
Indonesian likes (kebakar* matches kebakaran).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# Built-in lists, used when the setting is empty. Korean phrases are in the vocabulary of the
# Korean model on PyPI; Indonesian and English wait for a model (transcripts from elsewhere).
DEFAULT_EMERGENCY_WORDS: Mapping[str, tuple[str, ...]] = {
    "ko": ("불이 났어요", "화재*", "불이야", "살려*", "구급차*", "응급*", "강도*", "사고*"),
    "id": ("kebakar*", "tolong", "darurat", "kecelakaan", "ambulans", "perampok*", "pingsan"),
    "en": ("fire", "help", "emergency", "accident", "ambulance", "robbery", "unconscious"),
}

_WORD = re.compile(r"[\w*]+")


class EmergencyWordsError(ValueError):
    """The emergency words setting cannot be read; the message says where."""


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _token_matches(heard: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return heard.startswith(pattern[:-1])
    return heard == pattern


def _phrase_in(heard: list[str], pattern: list[str]) -> bool:
    for start in range(len(heard) - len(pattern) + 1):
        window = heard[start : start + len(pattern)]
        if all(_token_matches(h, p) for h, p in zip(window, pattern, strict=True)):
            return True
    return False


@dataclass(frozen=True)
class EmergencyWords:
    """The emergency phrases of each language."""

    by_language: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_EMERGENCY_WORDS)
    )

    @classmethod
    def from_setting(cls, value: str) -> EmergencyWords:
        """From ``ko=불이 났어요|화재*;en=fire|help``; empty: the built-in lists."""
        if not value.strip():
            return cls()
        parsed: dict[str, tuple[str, ...]] = {}
        for part in filter(None, (p.strip() for p in value.split(";"))):
            language, sep, words = part.partition("=")
            phrases = tuple(w.strip() for w in words.split("|") if w.strip())
            if not sep or not language.strip() or not phrases:
                raise EmergencyWordsError(f"speech_emergency_words: {part!r} is not LANG=word|word")
            parsed[language.strip()] = phrases
        return cls(parsed)

    def find(self, transcript: str, language: str) -> tuple[str, ...]:
        """The configured phrases found in the transcript, in the configured order."""
        heard = _tokens(transcript)
        return tuple(
            phrase
            for phrase in self.by_language.get(language, ())
            if _phrase_in(heard, _tokens(phrase))
        )

    def grammar(self, language: str) -> list[str]:
        """The phrases as a recognition grammar (``*`` dropped): to spot them in a recording."""
        return [
            " ".join(t.rstrip("*") for t in _tokens(p)) for p in self.by_language.get(language, ())
        ]
