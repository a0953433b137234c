"""Grammars for vosk and the menu option a recognition chooses (pure)."""

import json

import pytest

from ivr.speech import UNKNOWN_WORD, Recognition, SpeechStatus, Word, grammar_json, match_option
from ivr.speech.grammar import clean_phrase, option_phrases


def heard(*words: tuple[str, float]) -> Recognition:
    return Recognition.of_words([Word(text, conf) for text, conf in words])


OPTIONS = {"1": ["경찰"], "2": ["화재", "불이 났어요"], "3": ["병원"]}


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("  불이   났어요 ", "불이 났어요"), ("a\tb\nc", "a b c"), ("x\x00y", "x y"), ("", "")],
)
def test_clean_phrase(raw: str, clean: str) -> None:
    assert clean_phrase(raw) == clean


def test_grammar_is_valid_json_with_the_unknown_word_last() -> None:
    text = grammar_json(['say "fire"', "불이  났어요", "", "불이 났어요", UNKNOWN_WORD, "\\"])
    assert json.loads(text) == ['say "fire"', "불이 났어요", "\\", UNKNOWN_WORD]
    assert "불이" in text  # not \\u-escaped: vosk reads UTF-8


def test_option_phrases_are_every_phrase_once() -> None:
    assert option_phrases({**OPTIONS, "4": ["병원"]}) == ["경찰", "화재", "불이 났어요", "병원"]


@pytest.mark.parametrize(
    ("recognition", "option"),
    [
        (heard(("화재", 1.0)), "2"),
        (heard(("불이", 0.95), ("났어요", 1.0)), "2"),
        (heard(("병원", 0.9)), "3"),
        (heard(("경찰", 0.5)), None),  # not sure enough
        (heard(("불이", 1.0), ("났어요", 0.3)), None),  # one unsure word spoils the phrase
        (heard(("났어요", 1.0)), None),  # half a phrase
        (heard(("병원", 1.0), ("화재", 1.0)), None),  # two options: ask again
        (heard(("화재", 1.0), ("불이", 1.0), ("났어요", 1.0)), "2"),  # two phrases, one option
        (heard(), None),
        (Recognition.unavailable(SpeechStatus.BUSY), None),
    ],
)
def test_match_option(recognition: Recognition, option: str | None) -> None:
    assert match_option(recognition, OPTIONS, min_confidence=0.8) == option


def test_match_option_ignores_case() -> None:
    assert match_option(heard(("Fire", 1.0)), {"2": ["fire"]}, 0.8) == "2"


def test_recognition_confidence_is_its_weakest_word() -> None:
    recognition = heard(("불이", 0.9), ("났어요", 0.6))
    assert (recognition.text, recognition.confidence) == ("불이 났어요", 0.6)
    assert heard().confidence == 0.0
    assert recognition.available and not Recognition.unavailable(SpeechStatus.NO_MODEL).available
