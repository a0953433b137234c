"""Offline recognition with vosk (Kaldi): one model per language, a bounded pool of workers.

A model takes seconds to load and hundreds of MB of memory, so each model folder is loaded
once per process and shared by every recogniser and worker (vosk models are safe to share
between threads; each recognition makes its own small ``KaldiRecognizer``). Recognitions run
in worker threads: vosk's C calls release the GIL, so ``speech_workers`` threads use that many
cores while the event loop goes on serving calls. When every worker is busy, a recognition is
answered ``BUSY`` at once instead of queueing: a caller waiting behind other callers' speech
would hear silence, while a menu that falls back to keys answers at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .audio import BadAudio, Pcm, read_pcm
from .grammar import UNKNOWN_WORD, clean_phrases, grammar_json
from .recognition import Audio, Recognition, SpeechStatus, Word

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.5  # audio fed to the decoder at a time; results are read at each pause


class SpeechModelError(RuntimeError):
    """A model folder cannot be loaded, or vosk is not installed; the message says which."""


# Loaded models by folder: process-wide on purpose, so that two recognisers built in one
# process (services, tests) never hold two copies of a 500 MB model.
_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def shared_model(folder: Path) -> Any:
    """The vosk model in ``folder``, loaded on first use and shared by the whole process."""
    key = str(folder.resolve())
    with _MODELS_LOCK:
        if key not in _MODELS:
            try:
                import vosk
            except ImportError as exc:
                raise SpeechModelError("vosk is not installed: install the 'speech' extra") from exc
            vosk.SetLogLevel(-1)  # Kaldi's warnings and errors only
            if not folder.is_dir():
                raise SpeechModelError(f"speech model folder {folder} does not exist")
            try:
                _MODELS[key] = vosk.Model(key)
            except Exception as exc:  # vosk raises a bare Exception for a folder it cannot use
                raise SpeechModelError(f"speech model folder {folder}: {exc}") from exc
        return _MODELS[key]


def in_vocabulary(model: Any, phrase: str) -> bool:
    """Whether every word of the phrase is in the model's vocabulary (else vosk drops it)."""
    return all(model.vosk_model_find_word(word) >= 0 for word in phrase.split())


def _words(result: Mapping[str, Any]) -> list[Word]:
    return [
        Word(item["word"], float(item["conf"]), float(item["start"]), float(item["end"]))
        for item in result.get("result", ())
    ]


def decode(model: Any, pcm: Pcm, grammar: str | None) -> Recognition:
    """Recognise the whole of ``pcm`` (blocking: run it in a worker thread)."""
    import vosk

    if grammar is None:
        decoder = vosk.KaldiRecognizer(model, pcm.rate)
    else:
        decoder = vosk.KaldiRecognizer(model, pcm.rate, grammar)
    decoder.SetWords(True)
    step = int(pcm.rate * CHUNK_SECONDS) * 2
    heard: list[Word] = []
    for offset in range(0, len(pcm.samples), step):
        if decoder.AcceptWaveform(pcm.samples[offset : offset + step]):
            heard += _words(json.loads(decoder.Result()))
    heard += _words(json.loads(decoder.FinalResult()))
    known = [w for w in heard if w.text != UNKNOWN_WORD]
    return Recognition.of_words(known, heard_unknown=len(known) < len(heard))


class VoskRecognizer:
    """The ``Recognizer`` for vosk models configured per language by folder."""

    def __init__(self, models: Mapping[str, Path], workers: int = 2) -> None:
        if workers < 1:
            raise ValueError("speech needs at least one worker")
        self._folders = dict(models)
        self._models: dict[str, Any] = {}
        self._failed: set[str] = set()
        self._loading: dict[str, Future[None]] = {}
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speech-load")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="speech")
        self._free = threading.BoundedSemaphore(workers)
        self._dropped: set[tuple[str, str]] = set()

    def languages(self) -> frozenset[str]:
        return frozenset(self._folders)

    async def load(self) -> None:
        """Load every configured model now, so that no caller waits for one.

        Raises ``SpeechModelError`` naming each model that failed; the others stay usable and
        the failed languages answer ``NO_MODEL``.
        """
        pending = {lang: self._start_loading(lang) for lang in self._folders}
        errors = []
        for future in pending.values():
            try:
                await asyncio.wrap_future(future)
            except SpeechModelError as exc:
                errors.append(str(exc))
        if errors:
            raise SpeechModelError("; ".join(errors))

    def close(self) -> None:
        """Stop the workers; recognitions not yet started are cancelled."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._loader.shutdown(wait=False, cancel_futures=True)

    def _start_loading(self, language: str) -> Future[None]:
        if language not in self._loading:
            self._loading[language] = self._loader.submit(self._load, language)
        return self._loading[language]

    def _load(self, language: str) -> None:
        try:
            self._models[language] = shared_model(self._folders[language])
        except SpeechModelError as exc:
            log.error("speech for %r is off: %s", language, exc)
            self._failed.add(language)
            raise

    def _model_for(self, language: str) -> Any:
        """The loaded model, or the status to answer with (loading starts on first ask)."""
        if language not in self._folders or language in self._failed:
            return SpeechStatus.NO_MODEL
        if language not in self._models:
            self._start_loading(language)
            return SpeechStatus.LOADING
        return self._models[language]

    def _grammar(self, model: Any, language: str, words: Sequence[str]) -> str | None:
        known = []
        for phrase in clean_phrases(words):
            if in_vocabulary(model, phrase):
                known.append(phrase)
            elif (language, phrase) not in self._dropped:
                self._dropped.add((language, phrase))
                log.warning("speech %r: %r is not in the model's vocabulary", language, phrase)
        return grammar_json(known) if known else None

    async def recognize(
        self, audio: Audio, language: str, words: Sequence[str] | None = None
    ) -> Recognition:
        model = self._model_for(language)
        if isinstance(model, SpeechStatus):
            return Recognition.unavailable(model)
        grammar = None
        if words is not None:
            grammar = self._grammar(model, language, words)
            if grammar is None:
                return Recognition.unavailable(SpeechStatus.NO_GRAMMAR)
        if not self._free.acquire(blocking=False):
            return Recognition.unavailable(SpeechStatus.BUSY)
        try:
            future = self._pool.submit(_recognize_blocking, model, audio, grammar)
        except RuntimeError:  # closed
            self._free.release()
            return Recognition.unavailable(SpeechStatus.NO_MODEL)
        # Released when the work ends, also when the caller hung up and stopped waiting.
        future.add_done_callback(lambda _: self._free.release())
        return await asyncio.wrap_future(future)


def _recognize_blocking(model: Any, audio: Audio, grammar: str | None) -> Recognition:
    try:
        pcm = read_pcm(audio)
    except BadAudio as exc:
        log.warning("speech: %s", exc)
        return Recognition.unavailable(SpeechStatus.BAD_AUDIO)
    return decode(model, pcm, grammar)
