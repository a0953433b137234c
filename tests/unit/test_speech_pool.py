"""The vosk recogniser's pool and model handling, with a fake model and decoder."""

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from ivr.speech import (
    Recognition,
    SpeechModelError,
    SpeechStatus,
    VoskRecognizer,
    Word,
    vosk_engine,
)
from ivr.speech.audio import Pcm

SILENCE = b"\x00\x00" * 800


class FakeModel:
    vocabulary = {"화재", "병원", "불이", "났어요"}

    def vosk_model_find_word(self, word: str) -> int:
        return 1 if word in self.vocabulary else -1


class Decoder:
    """Stands in for vosk: records grammars, can hold a worker until released."""

    def __init__(self) -> None:
        self.grammars: list[str | None] = []
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Semaphore(0)

    def __call__(self, model: Any, pcm: Pcm, grammar: str | None) -> Recognition:
        self.grammars.append(grammar)
        self.started.release()
        self.hold.wait(5)
        return Recognition.of_words([Word("화재", 1.0)])


@pytest.fixture
def decoder(monkeypatch: pytest.MonkeyPatch) -> Decoder:
    fake = Decoder()
    monkeypatch.setattr(vosk_engine, "decode", fake)
    return fake


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    loaded: list[Path] = []

    def load(folder: Path) -> FakeModel:
        if folder.name == "broken":
            raise SpeechModelError(f"speech model folder {folder} does not exist")
        loaded.append(folder)
        return FakeModel()

    monkeypatch.setattr(vosk_engine, "shared_model", load)
    return loaded


async def started(decoder: Decoder, count: int) -> None:
    for _ in range(count):
        assert await asyncio.to_thread(decoder.started.acquire, True, 5)


async def test_recognise_with_a_grammar(decoder: Decoder, loads: list[Path]) -> None:
    recognizer = VoskRecognizer({"ko": Path("/m/ko")}, workers=2)
    await recognizer.load()
    heard = await recognizer.recognize(SILENCE, "ko", ["화재", " 병원 ", "경찰", "불이 났어요"])
    assert heard.text == "화재" and heard.available
    # 경찰 is not in the vocabulary: left out rather than silently dropped by vosk.
    assert decoder.grammars == ['["화재", "병원", "불이 났어요", "<UNK>"]']
    assert await recognizer.recognize(SILENCE, "ko") == heard
    assert decoder.grammars[-1] is None
    assert loads == [Path("/m/ko")]
    recognizer.close()


async def test_no_model_for_the_language(decoder: Decoder, loads: list[Path]) -> None:
    recognizer = VoskRecognizer({"ko": Path("/m/ko")})
    await recognizer.load()
    assert (await recognizer.recognize(SILENCE, "id")).status is SpeechStatus.NO_MODEL
    assert decoder.grammars == []


async def test_no_word_in_the_vocabulary(decoder: Decoder, loads: list[Path]) -> None:
    recognizer = VoskRecognizer({"ko": Path("/m/ko")})
    await recognizer.load()
    for words in (["police", "경찰"], [], ["  "]):
        heard = await recognizer.recognize(SILENCE, "ko", words)
        assert heard.status is SpeechStatus.NO_GRAMMAR
    assert decoder.grammars == []


async def test_a_full_pool_answers_busy_at_once(decoder: Decoder, loads: list[Path]) -> None:
    recognizer = VoskRecognizer({"ko": Path("/m/ko")}, workers=2)
    await recognizer.load()
    decoder.hold.clear()
    running = [asyncio.create_task(recognizer.recognize(SILENCE, "ko")) for _ in range(2)]
    await started(decoder, 2)
    busy = await asyncio.wait_for(recognizer.recognize(SILENCE, "ko"), 0.5)
    assert busy.status is SpeechStatus.BUSY
    decoder.hold.set()
    assert all(r.available for r in await asyncio.gather(*running))
    assert (await recognizer.recognize(SILENCE, "ko")).available  # workers free again


async def test_a_caller_who_hangs_up_frees_the_worker(decoder: Decoder, loads: list[Path]) -> None:
    recognizer = VoskRecognizer({"ko": Path("/m/ko")}, workers=1)
    await recognizer.load()
    decoder.hold.clear()
    task = asyncio.create_task(recognizer.recognize(SILENCE, "ko"))
    await started(decoder, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await recognizer.recognize(SILENCE, "ko")).status is SpeechStatus.BUSY
    decoder.hold.set()
    for _ in range(50):  # the worker finishes its job, then its slot is free
        if (await recognizer.recognize(SILENCE, "ko")).available:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the worker was never freed")


async def test_model_loads_on_first_use(decoder: Decoder, loads: list[Path]) -> None:
    recognizer = VoskRecognizer({"ko": Path("/m/ko")})
    assert (await recognizer.recognize(SILENCE, "ko")).status is SpeechStatus.LOADING
    await recognizer.load()  # waits for the loading already started
    assert (await recognizer.recognize(SILENCE, "ko")).available
    assert loads == [Path("/m/ko")]


async def test_a_broken_model_turns_its_language_off(decoder: Decoder, loads: list[Path]) -> None:
    recognizer = VoskRecognizer({"ko": Path("/m/ko"), "id": Path("/m/broken")})
    with pytest.raises(SpeechModelError, match="broken"):
        await recognizer.load()
    assert (await recognizer.recognize(SILENCE, "id")).status is SpeechStatus.NO_MODEL
    assert (await recognizer.recognize(SILENCE, "ko")).available


async def test_bad_audio(loads: list[Path], tmp_path: Path) -> None:
    recognizer = VoskRecognizer({"ko": Path("/m/ko")})
    await recognizer.load()
    heard = await recognizer.recognize(tmp_path / "missing.wav", "ko", ["화재"])
    assert heard.status is SpeechStatus.BAD_AUDIO


def test_a_missing_model_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpeechModelError, match="does not exist"):
        vosk_engine.shared_model(tmp_path / "nowhere")


def test_at_least_one_worker() -> None:
    with pytest.raises(ValueError, match="worker"):
        VoskRecognizer({}, workers=0)
