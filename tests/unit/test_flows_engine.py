"""The flow engine: ``decide`` table-tested, then whole calls on the real flow files.

The channel is a fake that plays back scripted keys and records every AGI call in order, so
a test can say which variable was set before which menu was heard.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ivr.agi.protocol import AgiHangup
from ivr.dialplan_vars import (
    HOTLINE_LANGUAGE,
    HOTLINE_NEXT,
    HOTLINE_QUEUE,
    HOTLINE_SERVICE,
    HOTLINE_TICKET,
    HOTLINE_TRANSFER,
    QUEUE_PRIO,
)
from ivr.flows.engine import MAX_STEPS, FlowEngine, Retry, decide
from ivr.flows.model import (
    Flow,
    FlowSet,
    GoToMenu,
    HangUp,
    JoinQueue,
    Menu,
    SetLanguage,
    Transfer,
)
from ivr.flows.ports import CallReport, EmergencyCheck, Heard, SpokenChoice, TicketStatusView
from ivr.flows.prompts import Prompts
from ivr.flows.spoken import Speaker
from ivr.flows.store import FlowStore

ROOT = Path(__file__).resolve().parents[2]
SOUNDS = Path("/sounds")
DOTLESS_ID = "call-7"
ASTERISK_ID = "1732350000.12"


class FakeChannel:
    """A ``CallChannel``: keys are scripted, every call is recorded."""

    def __init__(self, keys: list[str], unique_id: str = DOTLESS_ID,
                 caller_number: str = "0812345", hang_up_while_recording: bool = False) -> None:
        self.keys = list(keys)
        self.unique_id = unique_id
        self.caller_number = caller_number
        self.hang_up_while_recording = hang_up_while_recording
        self.calls: list[tuple[object, ...]] = []
        self.batches: list[list[str]] = []  # the names of each set_variables, in order

    async def get_data(self, prompt: Path | str, timeout_ms: int, max_digits: int) -> str:
        self.calls.append(("get_data", short(prompt), timeout_ms, max_digits))
        if not self.keys:
            raise AssertionError(f"no scripted key left for {prompt}")
        return self.keys.pop(0)

    async def stream_file(self, prompt: Path | str, escape_digits: str = "") -> str:
        self.calls.append(("stream_file", short(prompt)))
        return ""

    async def set_variable(self, name: str, value: str) -> None:
        self.calls.append(("set_variable", name, value))

    async def set_variables(self, values: Mapping[str, str]) -> None:
        self.batches.append(list(values))
        for name, value in values.items():
            self.calls.append(("set_variable", name, value))

    async def record_file(self, path: Path | str, max_seconds: int, silence_seconds: int,
                          escape_digits: str = "#", beep: bool = True) -> str:
        self.calls.append(("record_file", str(path), max_seconds, silence_seconds))
        Path(f"{path}.wav").write_bytes(b"RIFF")  # RECORD FILE <path> wav writes <path>.wav
        if self.hang_up_while_recording:
            raise AgiHangup("HANGUP")
        return ""

    @property
    def variables(self) -> list[tuple[object, ...]]:
        return [c[1:] for c in self.calls if c[0] == "set_variable"]

    @property
    def heard(self) -> list[object]:
        """Every prompt played, menus (get_data) and others (stream_file), in order."""
        return [c[1] for c in self.calls if c[0] in ("get_data", "stream_file")]

    def index(self, call: tuple[object, ...]) -> int:
        return next(i for i, c in enumerate(self.calls) if c[:len(call)] == call)


def short(prompt: Path | str) -> str:
    return str(Path(prompt).relative_to(SOUNDS))


class FakeDesk:
    def __init__(self, number: str = "4071", fail: bool = False,
                 known: dict[str, TicketStatusView] | None = None) -> None:
        self.number = number
        self.fail = fail
        self.known = known or {}
        self.reports: list[CallReport] = []
        self.lookups: list[str] = []
        self.emergency_calls: list[tuple[str, str, str, str]] = []
        self.transcripts: list[tuple[str, str]] = []

    async def open_from_call(self, report: CallReport) -> str:
        self.reports.append(report)
        if self.fail:
            raise RuntimeError("database down")
        return self.number

    async def status_by_number(self, number: str) -> TicketStatusView | None:
        self.lookups.append(number)
        return self.known.get(number)

    def record_emergency_call(self, unique_id: str, caller_number: str, service: str,
                              queue: str) -> None:
        self.emergency_calls.append((unique_id, caller_number, service, queue))

    async def attach_transcript(self, number: str, transcript: str) -> bool:
        self.transcripts.append((number, transcript))
        return True


class SilentSpeaker(Speaker):
    """Says text without espeak: remembers it and plays a made-up cached file."""

    def __init__(self, prompts: Prompts) -> None:
        super().__init__(prompts, SOUNDS / "tts")
        self.texts: list[tuple[str, str]] = []

    async def synthesise(self, text: str, language: str) -> Path | None:
        self.texts.append((text, language))
        return SOUNDS / "tts" / language / f"said-{len(self.texts)}.wav"


@pytest.fixture
def store(tmp_path: Path) -> FlowStore:
    return FlowStore(builtin_dir=ROOT / "dialplan" / "flows", override_dir=tmp_path / "flows",
                     prompt_dirs=[ROOT / "recordings"])


class FakeSpeech:
    """A ``SpeechPort`` that hears what it is given, in the languages it is given."""

    def __init__(self, languages: frozenset[str], choice: SpokenChoice | None = None,
                 alarm: tuple[str, ...] = (), transcript: str = "") -> None:
        self._languages = languages
        self.choice = choice or SpokenChoice(None, Heard(""))
        self.alarm = alarm
        self.transcript = transcript
        self.asked: list[tuple[str, bool]] = []  # (what, whether the audio was there)

    def languages(self) -> frozenset[str]:
        return self._languages

    async def choose(self, audio: str, language: str,
                     options: Mapping[str, Sequence[str]]) -> SpokenChoice:
        self.asked.append((f"choose {language} {dict(options)}", Path(audio).exists()))
        return self.choice

    async def spot_emergency(self, audio: str, language: str) -> EmergencyCheck:
        self.asked.append((f"spot_emergency {language}", Path(audio).exists()))
        return EmergencyCheck(self.alarm, Heard(" ".join(self.alarm)))

    async def transcribe(self, audio: str, language: str) -> Heard:
        self.asked.append((f"transcribe {language}", Path(audio).exists()))
        return Heard(self.transcript)


def engine_for(current: Callable[[], FlowSet], desk: FakeDesk | None, tmp_path: Path,
               local_time: Callable[[datetime], datetime] | None = None,
               speech: FakeSpeech | None = None) -> tuple[FlowEngine, SilentSpeaker]:
    prompts = Prompts(SOUNDS)
    speaker = SilentSpeaker(prompts)
    engine = FlowEngine(current, prompts, speaker, desk, recordings_dir=tmp_path / "calls",
                        local_time=local_time, speech=speech)
    return engine, speaker


async def call(store: FlowStore, number: str, channel: FakeChannel, tmp_path: Path,
               desk: FakeDesk | None = None) -> FakeChannel:
    engine, _ = engine_for(store.current, desk, tmp_path)
    await engine.run(channel, number)
    await engine.settle()  # the 112 incident is recorded after the caller moved on
    return channel


# -- decide -------------------------------------------------------------------------------------

MENU = Menu(name="m", prompt="main-menu", timeout_s=5, retries=2,
            keys={"1": GoToMenu("report"), "0": JoinQueue("hotline")},
            otherwise=JoinQueue("hotline", prompt="connecting-operator"))


@pytest.mark.parametrize(
    ("key", "attempt", "expected"),
    [
        ("1", 0, GoToMenu("report")),
        ("0", 2, JoinQueue("hotline")),          # a listed key works on the last hearing too
        ("", 0, Retry("no-input")),
        ("7", 0, Retry("invalid-choice")),
        ("", 1, Retry("no-input")),
        ("#", 1, Retry("invalid-choice")),
        ("", 2, JoinQueue("hotline", prompt="connecting-operator")),
        ("7", 2, JoinQueue("hotline", prompt="connecting-operator")),
    ],
)
def test_decide(key: str, attempt: int, expected: object) -> None:
    assert decide(MENU, key, attempt) == expected


def test_decide_no_key_with_no_input_action() -> None:
    menu = Menu(name="lang", prompt="choose-language", timeout_s=4, retries=2,
                keys={"2": SetLanguage("en", "main")}, otherwise=HangUp(),
                no_input=SetLanguage("id", "main"))
    assert decide(menu, "", 0) == SetLanguage("id", "main")
    assert decide(menu, "9", 0) == Retry("invalid-choice")  # no_input is for no key only


def test_decide_own_retry_prompts() -> None:
    menu = Menu(name="m", prompt="p", timeout_s=5, retries=1, keys={}, otherwise=HangUp(),
                invalid_prompt="try-again", no_input_prompt="still-there")
    assert decide(menu, "", 0) == Retry("still-there")
    assert decide(menu, "5", 0) == Retry("try-again")
    assert decide(menu, "5", 1) == HangUp()


# -- 112 ----------------------------------------------------------------------------------------

async def test_112_key_2_goes_to_fire_with_priority(store: FlowStore, tmp_path: Path) -> None:
    desk = FakeDesk()
    channel = await call(store, "112", FakeChannel(["2"], unique_id=ASTERISK_ID), tmp_path, desk)
    assert channel.calls[0] == ("set_variable", HOTLINE_NEXT, "emergency")
    assert channel.calls[1] == ("get_data", "id/emergency-menu", 5000, 1)
    assert channel.variables == [(HOTLINE_NEXT, "emergency"), (HOTLINE_SERVICE, "fire"),
                                 (HOTLINE_LANGUAGE, "id"), (QUEUE_PRIO, "10"),
                                 (HOTLINE_QUEUE, "fire"),
                                 (HOTLINE_NEXT, "emergency")]
    # The committing HOTLINE_NEXT alone and first; the queue's five in one round trip.
    assert channel.batches == [[HOTLINE_SERVICE, HOTLINE_LANGUAGE, QUEUE_PRIO, HOTLINE_QUEUE,
                                HOTLINE_NEXT]]
    assert desk.emergency_calls == [(ASTERISK_ID, "0812345", "fire", "fire")]


async def test_112_no_key_twice_goes_to_emergency(store: FlowStore, tmp_path: Path) -> None:
    desk = FakeDesk()
    channel = await call(store, "112", FakeChannel(["", ""]), tmp_path, desk)
    assert channel.heard == ["id/emergency-menu", "id/no-input", "id/emergency-menu"]
    assert channel.variables[1:] == [(HOTLINE_SERVICE, "unknown"), (HOTLINE_LANGUAGE, "id"),
                                     (QUEUE_PRIO, "10"),
                                     (HOTLINE_QUEUE, "emergency"), (HOTLINE_NEXT, "emergency")]
    assert desk.emergency_calls == [(DOTLESS_ID, "0812345", "unknown", "emergency")]


async def test_112_wrong_key_then_ambulance(store: FlowStore, tmp_path: Path) -> None:
    channel = await call(store, "112", FakeChannel(["8", "3"]), tmp_path, FakeDesk())
    assert channel.heard == ["id/emergency-menu", "id/invalid-choice", "id/emergency-menu"]
    assert (HOTLINE_QUEUE, "ambulance") in channel.variables


async def test_112_incident_record_failing_still_queues(store: FlowStore,
                                                        tmp_path: Path) -> None:
    class BrokenDesk(FakeDesk):
        def record_emergency_call(self, *args: str) -> None:
            raise RuntimeError("spool disk gone")

    channel = await call(store, "112", FakeChannel(["1"]), tmp_path, BrokenDesk())
    assert channel.variables[-2:] == [(HOTLINE_QUEUE, "police"), (HOTLINE_NEXT, "emergency")]


# -- 12345 --------------------------------------------------------------------------------------

async def test_12345_english_then_operator(store: FlowStore, tmp_path: Path) -> None:
    channel = await call(store, "12345", FakeChannel(["2", "0"]), tmp_path, FakeDesk())
    assert channel.heard == ["id/choose-language", "en/main-menu", "en/connecting-operator"]
    assert channel.variables == [(HOTLINE_LANGUAGE, "en"), (HOTLINE_LANGUAGE, "en"),
                                 (QUEUE_PRIO, "0"), (HOTLINE_QUEUE, "hotline"),
                                 (HOTLINE_NEXT, "queue")]


async def test_12345_key_9_goes_to_the_emergency_queue_at_once(
        store: FlowStore, tmp_path: Path) -> None:
    desk = FakeDesk()
    channel = await call(store, "12345", FakeChannel(["1", "9", "3"]), tmp_path, desk)
    committed = channel.index(("set_variable", HOTLINE_NEXT, "emergency"))
    assert channel.index(("get_data", "id/main-menu")) < committed
    # Queue first: no 112 menu in FastAGI; the dialplan queues the caller in `emergency`,
    # where the service menu plays while they wait. The AMI service records the incident.
    assert "id/emergency-menu" not in channel.heard
    assert channel.variables[-2:] == [(HOTLINE_LANGUAGE, "id"), (HOTLINE_NEXT, "emergency")]
    assert desk.emergency_calls == []


async def test_12345_switch_to_112_keeps_the_language(store: FlowStore, tmp_path: Path) -> None:
    channel = await call(store, "12345", FakeChannel(["2", "9", "1"]), tmp_path, FakeDesk())
    assert channel.heard == ["id/choose-language", "en/main-menu"]
    assert channel.variables[-2] == (HOTLINE_LANGUAGE, "en")


async def test_12345_report(store: FlowStore, tmp_path: Path) -> None:
    desk = FakeDesk(number="4071")
    channel = FakeChannel(["1", "1", "3", ""])
    await call(store, "12345", channel, tmp_path, desk)
    [record] = [c for c in channel.calls if c[0] == "record_file"]
    recorded_to = str(record[1])
    assert recorded_to.endswith(f"{DOTLESS_ID}-environment")
    assert record[2:] == (60, 5)
    [report] = desk.reports
    assert report == CallReport("0812345", "id", "environment", f"{recorded_to}.wav",
                                DOTLESS_ID)
    digits = ["id/digits/4", "id/digits/0", "id/digits/7", "id/digits/1"]
    assert channel.heard == ["id/choose-language", "id/main-menu", "id/report-category",
                             "id/record-description",
                             "id/ticket-created", *digits, "id/ticket-repeat", *digits,
                             "id/after-report", "id/goodbye"]
    assert channel.variables == [(HOTLINE_LANGUAGE, "id"), (HOTLINE_TICKET, "4071"),
                                 (HOTLINE_NEXT, "hangup")]


async def test_report_finds_the_recording_with_an_asterisk_unique_id(
        store: FlowStore, tmp_path: Path) -> None:
    desk = FakeDesk()
    channel = FakeChannel(["1", "1", "3", ""], unique_id=ASTERISK_ID)
    await call(store, "12345", channel, tmp_path, desk)
    [report] = desk.reports
    assert report.recording_path is not None
    assert report.recording_path.endswith(f"{ASTERISK_ID}-environment.wav")


async def test_report_when_the_desk_fails(store: FlowStore, tmp_path: Path) -> None:
    desk = FakeDesk(fail=True)
    channel = await call(store, "12345", FakeChannel(["1", "1", "2"]), tmp_path, desk)
    assert len(desk.reports) == 1
    assert channel.heard[-2:] == ["id/record-description", "id/ticket-failed"]
    assert channel.variables == [(HOTLINE_LANGUAGE, "id"), (HOTLINE_LANGUAGE, "id"),
                                 (QUEUE_PRIO, "0"), (HOTLINE_QUEUE, "hotline"),
                                 (HOTLINE_NEXT, "queue")]


async def test_report_without_a_desk_goes_to_an_operator(store: FlowStore,
                                                         tmp_path: Path) -> None:
    channel = await call(store, "12345", FakeChannel(["2", "1", "5"]), tmp_path, None)
    assert channel.heard[-1] == "en/ticket-failed"
    assert channel.variables[-1] == (HOTLINE_NEXT, "queue")


async def test_hang_up_while_recording_still_opens_the_ticket(store: FlowStore,
                                                              tmp_path: Path) -> None:
    desk = FakeDesk()
    channel = FakeChannel(["1", "1", "1"], hang_up_while_recording=True)
    with pytest.raises(AgiHangup, match="4071"):
        await call(store, "12345", channel, tmp_path, desk)
    [report] = desk.reports
    assert report.category == "roads"
    assert report.recording_path is not None
    assert "id/ticket-created" not in channel.heard
    assert (HOTLINE_TICKET, "4071") not in channel.variables


async def test_status_of_a_known_ticket(store: FlowStore, tmp_path: Path) -> None:
    view = TicketStatusView("4071", "in_progress", "dlh", "Dinas Lingkungan Hidup",
                            datetime(2026, 11, 25, 7, 5, tzinfo=UTC))
    desk = FakeDesk(known={"4071": view})
    engine, speaker = engine_for(store.current, desk, tmp_path,
                                 local_time=lambda t: t + timedelta(hours=7))
    channel = FakeChannel(["1", "2", "4071", "0"])
    await engine.run(channel, "12345")
    assert ("get_data", "id/enter-ticket", 8000, 16) in channel.calls
    assert desk.lookups == ["4071"]
    assert channel.heard == ["id/choose-language", "id/main-menu", "id/enter-ticket",
                             "id/status-intro", "id/status-in_progress", "id/status-agency",
                             "tts/id/said-1", "id/status-due", "tts/id/said-2",
                             "id/main-menu", "id/connecting-operator"]
    assert speaker.texts == [("Dinas Lingkungan Hidup", "id"),
                             ("tanggal 25 November 2026, pukul 14 lewat 5 menit", "id")]


async def test_status_of_an_unknown_ticket_twice(store: FlowStore, tmp_path: Path) -> None:
    desk = FakeDesk()
    channel = await call(store, "12345", FakeChannel(["2", "2", "999", "", "0"]), tmp_path, desk)
    assert channel.heard == ["id/choose-language", "en/main-menu",
                             "en/enter-ticket", "en/ticket-unknown",
                             "en/enter-ticket", "en/ticket-unknown",
                             "en/main-menu", "en/connecting-operator"]
    assert desk.lookups == ["999"]  # nothing typed: nothing looked up


async def test_a_call_keeps_the_flows_it_started_with(store: FlowStore, tmp_path: Path) -> None:
    asked: list[FlowSet] = []

    def current() -> FlowSet:
        asked.append(store.current())
        return asked[-1]

    engine, _ = engine_for(current, FakeDesk(), tmp_path)
    await engine.run(FakeChannel(["1", "9", "2"]), "12345")
    assert len(asked) == 1


async def test_a_transfer_key_names_the_number_and_the_next_step_in_one_round_trip(
        tmp_path: Path) -> None:
    menu = Menu(name="a", prompt="main-menu", timeout_s=1, retries=0,
                keys={"9": Transfer("110")}, otherwise=HangUp())
    flow = Flow("777", "transfer", "a", {"a": menu}, fallback_queue="hotline")
    engine, _ = engine_for(lambda: FlowSet({"777": flow}), None, tmp_path)
    channel = FakeChannel(["9"])
    await engine.run(channel, "777")
    assert channel.variables == [(HOTLINE_TRANSFER, "110"), (HOTLINE_NEXT, "transfer")]
    assert channel.batches == [[HOTLINE_TRANSFER, HOTLINE_NEXT]]


async def test_a_looping_flow_ends_in_its_fallback_queue(tmp_path: Path) -> None:
    loop = Menu(name="a", prompt="main-menu", timeout_s=1, retries=0, keys={},
                otherwise=GoToMenu("a"), no_input=GoToMenu("a"))
    flow = Flow("777", "loop", "a", {"a": loop}, fallback_queue="hotline")
    engine, _ = engine_for(lambda: FlowSet({"777": flow}), None, tmp_path)
    channel = FakeChannel([""] * MAX_STEPS)
    await engine.run(channel, "777")
    assert sum(c[0] == "get_data" for c in channel.calls) == MAX_STEPS
    assert channel.variables == [(HOTLINE_LANGUAGE, "id"), (QUEUE_PRIO, "0"),
                                 (HOTLINE_QUEUE, "hotline"), (HOTLINE_NEXT, "queue")]


# -- speech -------------------------------------------------------------------------------------

SPOKEN_MENU = Menu(name="a", prompt="emergency-menu", timeout_s=5, retries=0,
                   keys={"2": JoinQueue("fire")}, otherwise=JoinQueue("emergency"),
                   words={"ko": {"2": ("불이 났어요",)}})
SPOKEN_FLOW = Flow("119", "spoken", "a", {"a": SPOKEN_MENU}, fallback_queue="emergency",
                   languages=("ko",), default_language="ko")


async def test_a_spoken_answer_picks_the_menu_key_and_is_not_kept(tmp_path: Path) -> None:
    speech = FakeSpeech(frozenset({"ko"}), choice=SpokenChoice("2", Heard("불이 났어요")))
    engine, _ = engine_for(lambda: FlowSet({"119": SPOKEN_FLOW}), None, tmp_path, speech=speech)
    channel = FakeChannel([])
    await engine.run(channel, "119")
    assert speech.asked == [("choose ko {'2': ('불이 났어요',)}", True)]
    assert (HOTLINE_QUEUE, "fire") in channel.variables
    assert list((tmp_path / "calls" / "answers").iterdir()) == []


async def test_speech_without_the_caller_s_language_leaves_keys(tmp_path: Path) -> None:
    speech = FakeSpeech(frozenset({"id"}), choice=SpokenChoice("2", Heard("불이 났어요")))
    engine, _ = engine_for(lambda: FlowSet({"119": SPOKEN_FLOW}), None, tmp_path, speech=speech)
    channel = FakeChannel([""])
    await engine.run(channel, "119")
    assert speech.asked == []
    assert channel.variables[-2:] == [(HOTLINE_QUEUE, "emergency"), (HOTLINE_NEXT, "queue")]


async def test_emergency_words_in_a_report_go_to_112_and_the_transcript_to_the_ticket(
        store: FlowStore, tmp_path: Path) -> None:
    desk = FakeDesk(number="4071")
    speech = FakeSpeech(frozenset({"id"}), alarm=("kebakar*",), transcript="ada kebakaran")
    engine, _ = engine_for(store.current, desk, tmp_path, speech=speech)
    channel = FakeChannel(["1", "1", "3", "2"])
    await engine.run(channel, "12345")
    await engine.settle()
    [report] = desk.reports
    assert report.description == "Emergency words heard: kebakar*"
    assert channel.variables[-1] == (HOTLINE_NEXT, "emergency")  # on to the 112 queue
    assert desk.transcripts == [("4071", "ada kebakaran")]
    assert report.recording_path is not None
    assert Path(report.recording_path + ".txt").read_text() == "ada kebakaran\n"
