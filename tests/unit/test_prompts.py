"""Every prompt text has its recording in each language, and every recording its text."""

from __future__ import annotations

from pathlib import Path

import pytest

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"


def texts(language: str) -> dict[str, str]:
    lines = (RECORDINGS / f"prompts-{language}.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return {row[0]: row[2] for row in rows}


@pytest.mark.parametrize("language", ["id", "en"])
def test_texts_and_recordings_match(language: str) -> None:
    recorded = {str(p.relative_to(RECORDINGS / language).with_suffix(""))
                for p in (RECORDINGS / language).rglob("*.wav")}
    assert set(texts(language)) == recorded


def test_both_languages_have_the_same_prompts_and_digits_in_their_own_words() -> None:
    indonesian, english = texts("id"), texts("en")
    assert set(indonesian) == set(english)
    assert indonesian["digits/7"] == "tujuh" and english["digits/7"] == "seven"
