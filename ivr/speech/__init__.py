"""Offline speech for the menus: spoken choices, transcripts, emergency words (issue 7).

Speech is optional and per language: DTMF always works, and when speech cannot answer (no
model for the caller's language, every worker busy) the menu goes on with keys.
"""

from .emergency import DEFAULT_EMERGENCY_WORDS, EmergencyWords, EmergencyWordsError
from .grammar import UNKNOWN_WORD, grammar_json, match_option, option_phrases
from .recognition import Audio, NoSpeech, Recognition, Recognizer, SpeechStatus, Word
from .service import (
    EmergencyCheck,
    Speech,
    SpokenChoice,
    build_speech,
    packaged_model,
    parse_models,
)
from .vosk_engine import SpeechModelError, VoskRecognizer

__all__ = [
    "DEFAULT_EMERGENCY_WORDS",
    "UNKNOWN_WORD",
    "Audio",
    "EmergencyCheck",
    "EmergencyWords",
    "EmergencyWordsError",
    "NoSpeech",
    "Recognition",
    "Recognizer",
    "Speech",
    "SpeechModelError",
    "SpeechStatus",
    "SpokenChoice",
    "VoskRecognizer",
    "Word",
    "build_speech",
    "grammar_json",
    "match_option",
    "option_phrases",
    "packaged_model",
    "parse_models",
]
