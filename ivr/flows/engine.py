"""Runs a flow (menus as data) on one call.

Each call takes a snapshot of the flows in use when it starts, so an admin's edit applies
to the next call and never to this one. The engine only decides and talks AGI; at the end it
sets channel variables (see ``dialplan_vars``) and the dialplan queues, hangs up or transfers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..agi.protocol import AgiHangup
from ..aio import loop_running, run_without_loop
from ..dialplan_vars import (
    DTMF_KEYS,
    HOTLINE_LANGUAGE,
    HOTLINE_NEXT,
    HOTLINE_QUEUE,
    HOTLINE_SERVICE,
    HOTLINE_TICKET,
    HOTLINE_TRANSFER,
    NEXT_EMERGENCY,
    NEXT_HANGUP,
    NEXT_QUEUE,
    NEXT_TRANSFER,
    QUEUE_PRIO,
)
from .model import (
    Action,
    Flow,
    FlowSet,
    GoToMenu,
    HangUp,
    JoinQueue,
    Menu,
    Play,
    RecordReport,
    SetLanguage,
    SwitchFlow,
    TicketStatus,
    Transfer,
)
from .ports import CallChannel, CallReport, SpeechPort, TicketDeskPort
from .prompts import Prompts
from .spoken import Speaker, date_words

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

# A flow that loops (menu → menu → …) is cut off after this many steps, into its queue.
MAX_STEPS = 200
STATUS_DIGIT_TIMEOUT_MS = 8000
STATUS_MAX_DIGITS = 16
ALL_KEYS = DTMF_KEYS
# A spoken answer ends after this much silence.
ANSWER_SILENCE_S = 2


@dataclass(frozen=True)
class Retry:
    prompt: str


def decide(menu: Menu, key: str, attempt: int) -> Action | Retry:
    """What a key (or '' for none) does on the ``attempt``-th hearing (0 = first) of a menu."""
    if key in menu.keys:
        return menu.keys[key]
    if key == "" and menu.no_input is not None:
        return menu.no_input
    if attempt < menu.retries:
        return Retry(menu.no_input_prompt if key == "" else menu.invalid_prompt)
    return menu.otherwise


@dataclass
class Call:
    channel: CallChannel
    flows: FlowSet
    flow: Flow
    language: str
    emergency_committed: bool = False


class FlowEngine:
    def __init__(self, current_flows: Callable[[], FlowSet], prompts: Prompts, speaker: Speaker,
                 desk: TicketDeskPort | None, recordings_dir: Path,
                 local_time: Callable[[datetime], datetime] | None = None,
                 speech: SpeechPort | None = None) -> None:
        self.current_flows = current_flows
        self.prompts = prompts
        self.speaker = speaker
        self.desk = desk
        self.recordings_dir = recordings_dir
        self.local_time = local_time
        self.speech = speech
        self._background: set[asyncio.Task[None]] = set()

    def route(self, number: str) -> Callable[[CallChannel], Awaitable[None]]:
        async def run(channel: CallChannel) -> None:
            await self.run(channel, number)

        return run

    async def run(self, channel: CallChannel, number: str) -> None:
        flows = self.current_flows()
        flow = flows.flows[number]
        call = Call(channel, flows, flow, flow.default_language)
        log.info("call %s from %s: flow %s", channel.unique_id,
                 channel.caller_number or "unknown", number)
        if flow.emergency:
            await self._commit_emergency(call)
        action: Action = GoToMenu(flow.start)
        for _ in range(MAX_STEPS):
            outcome = await self.step(call, action)
            if outcome is None:
                return
            action = outcome
        log.error("call %s: flow %s looped %d steps; queueing", channel.unique_id, number,
                  MAX_STEPS)
        await self.finish_in_queue(call, JoinQueue(call.flow.fallback_queue))

    async def _commit_emergency(self, call: Call) -> None:
        """From here on, whatever fails, the dialplan takes the caller to an emergency queue."""
        call.emergency_committed = True
        await call.channel.set_variable(HOTLINE_NEXT, NEXT_EMERGENCY)

    def prompt(self, call: Call, name: str) -> str:
        return self.prompts.path(name, call.language)

    async def step(self, call: Call, action: Action) -> Action | None:
        """Perform one action; the next action, or None when the call left the menus."""
        if isinstance(action, GoToMenu):
            return await self.menu(call, call.flow.menus[action.menu])
        if isinstance(action, SetLanguage):
            call.language = action.language
            await call.channel.set_variable(HOTLINE_LANGUAGE, action.language)
            return GoToMenu(action.next)
        if isinstance(action, Play):
            await call.channel.stream_file(self.prompt(call, action.prompt))
            return GoToMenu(action.next)
        if isinstance(action, SwitchFlow):
            call.flow = call.flows.flows[action.flow]
            if call.language not in call.flow.languages:
                call.language = call.flow.default_language
            if call.flow.emergency:
                # Queue first: the dialplan puts the caller in `emergency` now, where the
                # service menu plays while they wait (ivr/emergency/dialplan.py).
                await call.channel.set_variable(HOTLINE_LANGUAGE, call.language)
                await self._commit_emergency(call)
                return None
            return GoToMenu(call.flow.start)
        if isinstance(action, RecordReport):
            return await self.report(call, action)
        if isinstance(action, TicketStatus):
            return await self.status(call, action)
        if isinstance(action, JoinQueue):
            await self.finish_in_queue(call, action)
        elif isinstance(action, HangUp):
            if action.prompt:
                await call.channel.stream_file(self.prompt(call, action.prompt))
            await call.channel.set_variable(HOTLINE_NEXT, NEXT_HANGUP)
        elif isinstance(action, Transfer):
            await call.channel.set_variables({HOTLINE_TRANSFER: action.number,
                                              HOTLINE_NEXT: NEXT_TRANSFER})
        return None

    def listens(self, call: Call, menu: Menu) -> bool:
        """Whether this menu takes spoken answers in the caller's language right now."""
        return bool(menu.words.get(call.language) and self.speech is not None
                    and call.language in self.speech.languages())

    async def menu(self, call: Call, menu: Menu) -> Action:
        attempt = 0
        while True:
            if self.listens(call, menu):
                key = await self.spoken_or_pressed(call, menu, attempt)
            else:
                key = await call.channel.get_data(self.prompt(call, menu.prompt),
                                                  int(menu.timeout_s * 1000), 1)
            decision = decide(menu, key, attempt)
            log.info("call %s: %s/%s key %r attempt %d -> %s", call.channel.unique_id,
                     call.flow.number, menu.name, key, attempt, decision)
            if not isinstance(decision, Retry):
                return decision
            await call.channel.stream_file(self.prompt(call, decision.prompt))
            attempt += 1

    async def spoken_or_pressed(self, call: Call, menu: Menu, attempt: int) -> str:
        """The prompt, then the caller may press a key or speak (recorded, then recognised).

        Speech that cannot be used (busy, unsure, bad audio) counts as no answer, so the
        caller hears the menu again and can always press a key.
        """
        channel = call.channel
        key = await channel.stream_file(self.prompt(call, menu.prompt), ALL_KEYS)
        if key:
            return key
        folder = self.recordings_dir / "answers"
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / f"{channel.unique_id}-{menu.name}-{attempt}"
        key = await channel.record_file(base, max(1, int(menu.timeout_s)), ANSWER_SILENCE_S,
                                        ALL_KEYS, beep=False)
        wav = base.parent / f"{base.name}.wav"
        if key or not wav.exists():
            wav.unlink(missing_ok=True)
            return key
        assert self.speech is not None
        try:
            choice = await self.speech.choose(str(wav), call.language,
                                              menu.words[call.language])
        finally:
            wav.unlink(missing_ok=True)  # answers are not kept
        log.info("call %s: %s/%s heard %r -> %s", channel.unique_id, call.flow.number,
                 menu.name, choice.recognition.text, choice.option)
        return choice.option or ""

    async def finish_in_queue(self, call: Call, action: JoinQueue) -> None:
        channel = call.channel
        service = action.queue if action.queue != call.flow.fallback_queue else "unknown"
        await channel.set_variables({
            **({HOTLINE_SERVICE: service} if call.flow.emergency else {}),
            HOTLINE_LANGUAGE: call.language,  # for the operator
            QUEUE_PRIO: str(action.priority),
            HOTLINE_QUEUE: action.queue,
            HOTLINE_NEXT: NEXT_EMERGENCY if call.emergency_committed else NEXT_QUEUE})
        if call.flow.emergency and self.desk is not None:
            # Handed over once the caller is on the way to the queue, kept in the background:
            # the database (up to its time-out) must never hold an emergency caller back.
            try:
                self.desk.record_emergency_call(channel.unique_id, channel.caller_number,
                                                service, action.queue)
            except Exception:  # the caller is queued whatever befalls the record
                log.exception("call %s: the 112 incident record was not handed over",
                              channel.unique_id)
        if action.prompt:
            await channel.stream_file(self.prompt(call, action.prompt))

    async def report(self, call: Call, action: RecordReport) -> Action:
        channel = call.channel
        await channel.stream_file(self.prompt(call, action.prompt))
        folder = self.recordings_dir / time.strftime("%Y-%m-%d")
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / f"{channel.unique_id or int(time.time())}-{action.category}"
        hung_up = False
        try:
            await channel.record_file(base, action.max_seconds, action.silence_seconds)
        except AgiHangup:
            hung_up = True  # what was said until the hang-up still becomes a ticket
        wav = base.parent / f"{base.name}.wav"  # unique ids hold a dot: no with_suffix
        recording = str(wav) if wav.exists() else None
        alarm = await self.emergency_words(call, recording) if not hung_up else ()
        description = f"Emergency words heard: {', '.join(alarm)}" if alarm else ""
        number = await self._open_ticket(call, action.category, recording, description)
        if hung_up:
            raise AgiHangup(f"caller hung up while recording (ticket {number} kept)")
        if number is None:
            await channel.stream_file(self.prompt(call, "ticket-failed"))
            return JoinQueue(call.flow.fallback_queue)
        log.info("call %s: ticket %s opened (%s)", channel.unique_id, number, action.category)
        await channel.set_variable(HOTLINE_TICKET, number)
        if recording:
            self.transcribe_later(call, recording, number)
        for intro in ("ticket-created", "ticket-repeat"):
            await channel.stream_file(self.prompt(call, intro))
            await self.speaker.say_digits(channel, number, call.language)
        emergency = next((f for f in call.flows.flows.values() if f.emergency), None)
        if alarm and emergency is not None:
            log.warning("call %s: emergency words %s in report %s: on to %s",
                        channel.unique_id, alarm, number, emergency.number)
            return SwitchFlow(emergency.number)
        return GoToMenu(action.next)

    async def emergency_words(self, call: Call, recording: str | None) -> tuple[str, ...]:
        """The emergency phrases heard in a report recording (none without speech)."""
        if recording is None or self.speech is None \
                or call.language not in self.speech.languages():
            return ()
        check = await self.speech.spot_emergency(recording, call.language)
        return check.words

    def transcribe_later(self, call: Call, recording: str, number: str) -> None:
        """Transcribe after the call has moved on: text beside the recording and in the ticket."""
        if self.speech is None or call.language not in self.speech.languages():
            return
        speech, desk, language = self.speech, self.desk, call.language

        async def transcribe() -> None:
            text = (await speech.transcribe(recording, language)).text
            Path(recording + ".txt").write_text(text + "\n", encoding="utf-8")
            if text and desk is not None:
                await desk.attach_transcript(number, text)
            log.info("ticket %s transcribed: %r", number, text)

        self.in_background(transcribe(), f"ticket {number}: transcription")

    def in_background(self, work: Awaitable[object], what: str) -> None:
        """Run ``work`` after the caller has moved on; a failure is logged, never raised.

        Without an event loop (the classic launcher's process per call, which ends only
        when its work is done) the work runs here and now."""

        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("%s failed", what)

        if not loop_running():
            run_without_loop(guarded())
            return
        import asyncio

        task = asyncio.create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settle(self) -> None:
        """Wait for the background work still running (tests, shutdown)."""
        import asyncio

        while self._background:
            await asyncio.gather(*self._background)

    async def _open_ticket(self, call: Call, category: str, recording: str | None,
                           description: str = "") -> str | None:
        if self.desk is None:
            log.error("call %s: no ticket desk configured", call.channel.unique_id)
            return None
        report = CallReport(call.channel.caller_number, call.language, category, recording,
                            call.channel.unique_id, description)
        try:
            return await self.desk.open_from_call(report)
        except Exception:  # the caller is put through to a person instead
            log.exception("call %s: opening the ticket failed", call.channel.unique_id)
            return None

    async def status(self, call: Call, action: TicketStatus) -> Action:
        channel = call.channel
        for _ in range(action.tries):
            digits = await channel.get_data(self.prompt(call, action.prompt),
                                            STATUS_DIGIT_TIMEOUT_MS, STATUS_MAX_DIGITS)
            view = await self.desk.status_by_number(digits) if digits and self.desk else None
            if view is not None:
                log.info("call %s: ticket %s is %s (%s), read out", channel.unique_id,
                         view.number, view.status, view.agency)
                await channel.stream_file(self.prompt(call, "status-intro"))
                await channel.stream_file(self.prompt(call, f"status-{view.status}"))
                await channel.stream_file(self.prompt(call, "status-agency"))
                await self.speaker.say_text(channel, view.agency_name, call.language)
                await channel.stream_file(self.prompt(call, "status-due"))
                due = self.local_time(view.due_at) if self.local_time else view.due_at
                await self.speaker.say_text(channel, date_words(due, call.language),
                                            call.language)
                return GoToMenu(action.next)
            log.info("call %s: ticket %r not found", channel.unique_id, digits)
            await channel.stream_file(self.prompt(call, "ticket-unknown"))
        return GoToMenu(action.next)
