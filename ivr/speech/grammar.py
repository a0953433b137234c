"""Grammars for menu answers and the choice a recognition makes in a menu (pure).

A grammar is the list of phrases the recogniser may hear, plus the model's unknown-word token
so that anything else is heard as "unknown" instead of being forced onto the nearest phrase.
vosk takes it as a JSON string, and an invalid one crashes the whole process (segfault), so it
is only ever made here, by ``json.dumps`` of cleaned phrases.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from .recognition import Recognition

# The unknown-word token of the Korean model on PyPI (other vosk models use "[unk]").
UNKNOWN_WORD = "<UNK>"


def clean_phrase(phrase: str) -> str:
    """The phrase with whitespace collapsed; control characters become spaces."""
    printable = "".join(ch if ch.isprintable() else " " for ch in phrase)
    return " ".join(printable.split())


def clean_phrases(phrases: Iterable[str]) -> list[str]:
    """Cleaned, non-empty, each once, in the order given; the unknown token is left out."""
    seen: dict[str, None] = {}
    for phrase in phrases:
        cleaned = clean_phrase(phrase)
        if cleaned and cleaned != UNKNOWN_WORD:
            seen.setdefault(cleaned, None)
    return list(seen)


def grammar_json(phrases: Sequence[str], unknown_word: str = UNKNOWN_WORD) -> str:
    """The grammar string for vosk: the phrases and the unknown-word token, as a JSON list."""
    return json.dumps([*clean_phrases(phrases), unknown_word], ensure_ascii=False)


def _tokens(phrase: str) -> list[str]:
    return clean_phrase(phrase).casefold().split()


def phrase_heard(recognition: Recognition, phrase: str, min_confidence: float) -> bool:
    """Whether the phrase's words were heard in a row, each at least ``min_confidence`` sure."""
    wanted = _tokens(phrase)
    heard = [(w.text.casefold(), w.confidence) for w in recognition.words]
    if not wanted:
        return False
    for start in range(len(heard) - len(wanted) + 1):
        window = heard[start : start + len(wanted)]
        if all(
            text == want and conf >= min_confidence
            for (text, conf), want in zip(window, wanted, strict=True)
        ):
            return True
    return False


def match_option(
    recognition: Recognition, options: Mapping[str, Sequence[str]], min_confidence: float
) -> str | None:
    """The one option (e.g. a menu key) whose phrase was heard, or None.

    None when nothing was heard, speech was unavailable, a phrase was heard too unsure, or
    phrases of two different options were heard (the caller is asked again).
    """
    if not recognition.available:
        return None
    chosen = {
        option
        for option, phrases in options.items()
        if any(phrase_heard(recognition, p, min_confidence) for p in phrases)
    }
    return chosen.pop() if len(chosen) == 1 else None


def option_phrases(options: Mapping[str, Sequence[str]]) -> list[str]:
    """Every phrase of every option, once: the grammar of a spoken menu."""
    return clean_phrases(p for phrases in options.values() for p in phrases)
