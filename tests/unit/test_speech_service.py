"""What the flows ask of speech, with a fake recogniser; building speech from the settings."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from ivr.config import ConfigError, load_settings
from ivr.speech import (
    Audio,
    NoSpeech,
    Recognition,
    Speech,
    SpeechStatus,
    VoskRecognizer,
    Word,
    build_speech,
    parse_models,
)

MENU = {"1": ["경찰"], "2": ["화재", "불이 났어요"], "3": ["병원"]}


class FakeRecognizer:
    """Answers with fixed words and remembers what it was asked."""

    def __init__(self, answer: Recognition) -> None:
        self.answer = answer
        self.asked: list[tuple[Audio, str, list[str] | None]] = []
        self.loaded = False

    def languages(self) -> frozenset[str]:
        return frozenset({"ko"})

    async def load(self) -> None:
        self.loaded = True

    async def recognize(
        self, audio: Audio, language: str, words: Sequence[str] | None = None
    ) -> Recognition:
        self.asked.append((audio, language, None if words is None else list(words)))
        return self.answer


def said(*words: str, confidence: float = 1.0) -> Recognition:
    return Recognition.of_words([Word(w, confidence) for w in words])


async def test_choose_asks_for_the_menu_phrases_only() -> None:
    fake = FakeRecognizer(said("불이", "났어요"))
    choice = await Speech(fake).choose("/rec/answer.wav", "ko", MENU)
    assert (choice.option, choice.use_keys, choice.ask_again) == ("2", False, False)
    assert fake.asked == [("/rec/answer.wav", "ko", ["경찰", "화재", "불이 났어요", "병원"])]


async def test_unsure_answer_asks_again() -> None:
    choice = await Speech(FakeRecognizer(said("병원", confidence=0.6))).choose(b"", "ko", MENU)
    assert (choice.option, choice.use_keys, choice.ask_again) == (None, False, True)
    lenient = Speech(FakeRecognizer(said("병원", confidence=0.6)), min_confidence=0.5)
    assert (await lenient.choose(b"", "ko", MENU)).option == "3"


@pytest.mark.parametrize("status", [SpeechStatus.BUSY, SpeechStatus.NO_MODEL])
async def test_unavailable_speech_means_keys(status: SpeechStatus) -> None:
    choice = await Speech(FakeRecognizer(Recognition.unavailable(status))).choose(b"", "ko", MENU)
    assert (choice.option, choice.use_keys, choice.ask_again) == (None, True, False)


async def test_load_loads_the_recogniser_s_models() -> None:
    fake = FakeRecognizer(said())
    await Speech(fake).load()
    assert fake.loaded
    await Speech(NoSpeech()).load()  # nothing to load


async def test_transcribe_uses_the_full_vocabulary() -> None:
    fake = FakeRecognizer(said("길에", "쓰레기가"))
    assert (await Speech(fake).transcribe("/rec/report.wav", "ko")).text == "길에 쓰레기가"
    assert fake.asked == [("/rec/report.wav", "ko", None)]


async def test_spot_emergency_listens_for_the_emergency_phrases() -> None:
    fake = FakeRecognizer(said("불이", "났어요"))
    check = await Speech(fake).spot_emergency("/rec/report.wav", "ko")
    assert check.words == ("불이 났어요",)
    grammar = fake.asked[0][2]
    assert grammar is not None and "불이 났어요" in grammar and "화재" in grammar


async def test_spot_emergency_without_words_for_the_language() -> None:
    check = await Speech(FakeRecognizer(said("x"))).spot_emergency(b"", "ms")
    assert check.words == ()


def test_emergency_words_in_a_transcript() -> None:
    assert Speech(NoSpeech()).emergency_words_in("화재가 났어요", "ko") == ("화재*",)


async def test_no_model_configured_reports_unavailable() -> None:
    speech = build_speech(load_settings({}))
    assert isinstance(speech.recognizer, NoSpeech)
    assert speech.languages() == frozenset()
    heard = await speech.recognizer.recognize(b"\x00\x00" * 800, "ko", ["화재"])
    assert heard.status is SpeechStatus.NO_MODEL and not heard.available
    assert (await speech.choose(b"", "id", MENU)).use_keys


def test_settings_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "IVR_SPEECH_MODELS": f"ko={tmp_path}/ko",
            "IVR_SPEECH_WORKERS": "3",
            "IVR_SPEECH_MIN_CONFIDENCE": "0.6",
            "IVR_SPEECH_EMERGENCY_WORDS": "ko=화재",
        }
    )
    speech = build_speech(settings)
    assert isinstance(speech.recognizer, VoskRecognizer)
    assert speech.languages() == frozenset({"ko"})
    assert speech.min_confidence == 0.6
    assert speech.emergency_words.by_language == {"ko": ("화재",)}


def test_parse_models(tmp_path: Path) -> None:
    assert parse_models(f" ko={tmp_path}/ko , id = {tmp_path}/id ,") == {
        "ko": tmp_path / "ko",
        "id": tmp_path / "id",
    }
    assert parse_models("") == {}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IVR_SPEECH_MODELS", "ko"),
        ("IVR_SPEECH_MODELS", "=/m"),
        ("IVR_SPEECH_WORKERS", "0"),
        ("IVR_SPEECH_MIN_CONFIDENCE", "1.5"),
        ("IVR_SPEECH_EMERGENCY_WORDS", "ko"),
    ],
)
def test_bad_settings_are_refused(variable: str, value: str) -> None:
    with pytest.raises(ConfigError):
        build_speech(load_settings({variable: value}))
