"""Emergency words in transcripts, per language (pure)."""

import pytest

from ivr.speech import EmergencyWords, EmergencyWordsError

WORDS = EmergencyWords.from_setting("ko=불이 났어요|화재*;id=kebakar*|tolong;en=fire|help me")


@pytest.mark.parametrize(
    ("transcript", "language", "found"),
    [
        ("집에 불이 났어요 빨리 와 주세요", "ko", ("불이 났어요",)),
        ("화재가 났어요", "ko", ("화재*",)),
        ("불이 많이 났어요", "ko", ()),  # the words, but not the phrase
        ("길에 쓰레기가 많아요", "ko", ()),
        ("Ada KEBAKARAN di pasar, tolong!", "id", ("kebakar*", "tolong")),
        ("jalan rusak", "id", ()),
        ("the fire, help me", "en", ("fire", "help me")),
        ("a firework show", "en", ()),  # no * : whole words only
        ("help", "en", ()),
        ("불이 났어요", "en", ()),  # another language's words
        ("fire", "ms", ()),  # a language without a list
        ("", "ko", ()),
    ],
)
def test_find(transcript: str, language: str, found: tuple[str, ...]) -> None:
    assert WORDS.find(transcript, language) == found


def test_empty_setting_is_the_built_in_lists() -> None:
    words = EmergencyWords.from_setting("  ")
    assert words.find("화재 신고", "ko") == ("화재*",)
    assert words.find("ada kebakaran", "id") == ("kebakar*",)


@pytest.mark.parametrize("value", ["ko", "=fire", "en=", "en=|;", "ko=불|;id"])
def test_bad_setting_is_refused(value: str) -> None:
    with pytest.raises(EmergencyWordsError, match="speech_emergency_words"):
        EmergencyWords.from_setting(value)


def test_grammar_drops_the_star() -> None:
    assert WORDS.grammar("ko") == ["불이 났어요", "화재"]
    assert WORDS.grammar("ms") == []
