"""The outbound engine with a fake dialler and short real waits (policies of tens of ms)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from ami_fixtures import until

from ivr.outbound.engine import OutboundEngine
from ivr.outbound.model import CallRequest, Job, RetryPolicy, TryResult

NO_ANSWER = TryResult(False, "no answer")
ANSWERED = TryResult(True, "answered")
NOW = RetryPolicy(first_after_s=0, every_s=0.05, tries=3, ring_s=20)


@dataclass
class FakeDial:
    """A dialler: answers with ``results[attempt]`` (default: no answer) after ``ring_s``;
    a try whose number is in ``held`` rings until released; an exception is raised."""

    ring_s: float = 0.0
    results: dict[int, TryResult | Exception] = field(default_factory=dict)
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    calls: list[tuple[float, CallRequest]] = field(default_factory=list)
    on_line: int = 0
    most_on_line: int = 0

    async def __call__(self, request: CallRequest) -> TryResult:
        self.calls.append((time.monotonic(), request))
        self.on_line += 1
        self.most_on_line = max(self.most_on_line, self.on_line)
        try:
            await asyncio.sleep(self.ring_s)
            if request.number in self.held:
                await self.held[request.number].wait()
            result = self.results.get(request.attempt, NO_ANSWER)
            if isinstance(result, Exception):
                raise result
            return result
        finally:
            self.on_line -= 1

    def hold(self, number: str) -> asyncio.Event:
        self.held[number] = asyncio.Event()
        return self.held[number]

    def dialled(self, number: str) -> list[int]:
        return [request.attempt for _, request in self.calls if request.number == number]


Start = Callable[..., OutboundEngine]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """``start(dial, max_in_flight=…, on_change=…)``: an engine whose loop runs."""
    running: list[tuple[OutboundEngine, asyncio.Task[None]]] = []

    def make(dial: FakeDial, max_in_flight: int = 5,
             on_change: Callable[[Job], None] | None = None) -> OutboundEngine:
        engine = OutboundEngine(dial, max_in_flight=max_in_flight, clock=time.monotonic,
                                on_change=on_change)
        running.append((engine, asyncio.create_task(engine.run())))
        return engine

    yield make
    for engine, task in running:
        engine.stop()
        await asyncio.wait_for(task, 2.0)


def schedule(engine: OutboundEngine, number: str, policy: RetryPolicy = NOW,
             purpose: str = "callback") -> Job:
    return engine.schedule(number, purpose, policy, key=f"call-{number}", context="callback",
                           exten="s", variables={"HOTLINE_NUMBER": number})


def state(engine: OutboundEngine, number: str) -> str:
    return [job.state for job in engine.jobs() if job.number == number][-1]


async def test_pacing_never_exceeds_max_in_flight(start: Start) -> None:
    dial = FakeDial(ring_s=0.03, results={1: ANSWERED})
    engine = start(dial, max_in_flight=2)
    for n in range(10):
        schedule(engine, f"08110{n}")
    await until(lambda: all(job.state == "answered" for job in engine.jobs()), "all answered")
    assert len(dial.calls) == 10
    assert dial.most_on_line == 2  # both slots used, never a third


async def test_retries_are_spaced_by_every_s_and_the_job_exhausted_after_its_tries(
        start: Start) -> None:
    dial = FakeDial()
    engine = start(dial)
    job = schedule(engine, "0811", RetryPolicy(first_after_s=0, every_s=0.1, tries=3, ring_s=1))
    await until(lambda: state(engine, "0811") == "exhausted", "exhausted")
    starts = [at for at, _ in dial.calls]
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert len(gaps) == 2 and all(0.1 <= gap < 0.25 for gap in gaps), gaps
    await asyncio.sleep(0.2)
    assert dial.dialled("0811") == [1, 2, 3]  # no fourth try
    done = engine.job(job.job_id)
    assert done is not None and [t.result for t in done.tries] == [NO_ANSWER] * 3
    assert engine.active_for("0811") is None


async def test_the_first_try_waits_first_after_s(start: Start) -> None:
    dial = FakeDial(results={1: ANSWERED})
    engine = start(dial)
    scheduled = time.monotonic()
    schedule(engine, "0811", RetryPolicy(first_after_s=0.15, every_s=1, tries=1, ring_s=1))
    await until(lambda: bool(dial.calls), "the first try")
    assert dial.calls[0][0] - scheduled >= 0.15


async def test_an_answered_try_ends_the_job(start: Start) -> None:
    dial = FakeDial(results={2: ANSWERED})
    engine = start(dial)
    schedule(engine, "0811")
    await until(lambda: state(engine, "0811") == "answered", "answered")
    await asyncio.sleep(0.15)
    assert dial.dialled("0811") == [1, 2]


async def test_one_active_job_per_number_across_purposes(start: Start) -> None:
    dial = FakeDial(results={1: ANSWERED})
    engine = start(dial)
    first = schedule(engine, "0811", RetryPolicy(first_after_s=0.1, every_s=1, tries=1, ring_s=1))
    again = schedule(engine, "0811", NOW, purpose="satisfaction")
    assert again == first and len(engine.jobs()) == 1
    await until(lambda: state(engine, "0811") == "answered", "answered")
    assert [r.purpose for _, r in dial.calls] == ["callback"]
    later = schedule(engine, "0811", NOW, purpose="satisfaction")  # the first one is done
    assert later.job_id != first.job_id and engine.active_for("0811") == later


async def test_cancel_a_waiting_job_before_it_is_tried(start: Start) -> None:
    dial = FakeDial()
    engine = start(dial)
    schedule(engine, "0811", RetryPolicy(first_after_s=0.1, every_s=1, tries=3, ring_s=1))
    cancelled = engine.cancel("0811", "caller called again")
    assert cancelled is not None and cancelled.state == "cancelled"
    assert engine.cancel("0811", "again") is None and engine.active_for("0811") is None
    await asyncio.sleep(0.2)
    assert dial.calls == []


async def test_cancel_while_dialling_lets_the_try_end_but_starts_no_other(start: Start) -> None:
    dial = FakeDial(results={1: ANSWERED})
    ringing = dial.hold("0811")
    engine = start(dial)
    job = schedule(engine, "0811")
    await until(lambda: state(engine, "0811") == "dialling", "dialling")
    cancelled = engine.cancel("0811", "caller called again")
    assert cancelled is not None and cancelled.state == "cancelled"
    ringing.set()  # the try is answered after all: the job stays cancelled
    await until(lambda: engine.in_flight == 0, "the try ended")
    await asyncio.sleep(0.15)
    done = engine.job(job.job_id)
    assert done is not None and done.state == "cancelled"
    assert done.cancel_reason == "caller called again" and len(done.tries) == 1
    assert dial.dialled("0811") == [1]


async def test_a_new_job_waits_for_the_cancelled_jobs_try_on_the_line(start: Start) -> None:
    dial = FakeDial(results={1: ANSWERED})
    ringing = dial.hold("0811")
    engine = start(dial)
    schedule(engine, "0811")
    await until(lambda: state(engine, "0811") == "dialling", "dialling")
    engine.cancel("0811", "operator took it")
    second = schedule(engine, "0811", purpose="satisfaction")
    await asyncio.sleep(0.1)
    assert len(dial.calls) == 1 and engine.job(second.job_id) == second  # still waiting
    del dial.held["0811"]
    ringing.set()
    await until(lambda: len(dial.calls) == 2, "the second job's try")
    assert dial.calls[1][1].job_id == second.job_id


async def test_a_dialler_that_raises_is_a_failed_try_and_the_loop_goes_on(
        start: Start, caplog: pytest.LogCaptureFixture) -> None:
    dial = FakeDial(results={1: RuntimeError("trunk exploded"), 2: ANSWERED})
    engine = start(dial)
    with caplog.at_level(logging.ERROR, logger="ivr.outbound.engine"):
        job = schedule(engine, "0811")
        await until(lambda: state(engine, "0811") == "answered", "the second try answered")
    done = engine.job(job.job_id)
    assert done is not None
    assert [t.result for t in done.tries] == [TryResult(False, "failed"), ANSWERED]
    assert "trunk exploded" in caplog.text and "try 1 failed" in caplog.text
    schedule(engine, "0822")  # the loop still runs
    await until(lambda: state(engine, "0822") == "answered", "another job")


async def test_on_change_sees_every_change_and_every_try(start: Start) -> None:
    seen: list[tuple[str, int]] = []
    dial = FakeDial(results={2: ANSWERED})
    engine = start(dial, on_change=lambda job: seen.append((job.state, len(job.tries))))
    schedule(engine, "0811")
    await until(lambda: state(engine, "0811") == "answered", "answered")
    assert seen == [("waiting", 0), ("dialling", 0), ("waiting", 1), ("dialling", 1),
                    ("answered", 2)]
    engine.cancel("0811", "too late")  # nothing active: no change
    assert len(seen) == 5


async def test_a_failing_on_change_is_logged_and_ignored(
        start: Start, caplog: pytest.LogCaptureFixture) -> None:
    def broken(job: Job) -> None:
        raise OSError("disk full")

    dial = FakeDial(results={1: ANSWERED})
    engine = start(dial, on_change=broken)
    with caplog.at_level(logging.ERROR, logger="ivr.outbound.engine"):
        schedule(engine, "0811")
        await until(lambda: state(engine, "0811") == "answered", "answered")
    assert "on_change failed" in caplog.text and "disk full" in caplog.text


async def test_the_loop_sleeps_until_the_next_due_time(start: Start) -> None:
    reads = 0

    def clock() -> float:
        nonlocal reads
        reads += 1
        return time.monotonic()

    dial = FakeDial(results={1: ANSWERED})
    engine = OutboundEngine(dial, max_in_flight=2, clock=clock)
    task = asyncio.create_task(engine.run())
    engine.schedule("0811", "callback", RetryPolicy(0.3, 1, 1, 1), context="c", exten="s")
    await asyncio.sleep(0.2)
    assert reads < 10 and dial.calls == []  # asleep, not polling
    await until(lambda: state(engine, "0811") == "answered", "answered")
    engine.stop()
    await asyncio.wait_for(task, 1.0)


async def test_stop_ends_the_tries_in_flight_and_records_them(start: Start) -> None:
    dial = FakeDial()
    dial.hold("0811")
    engine = OutboundEngine(dial, max_in_flight=2, clock=time.monotonic)
    task = asyncio.create_task(engine.run())
    job = schedule(engine, "0811")
    await until(lambda: state(engine, "0811") == "dialling", "dialling")
    engine.stop()
    await asyncio.wait_for(task, 1.0)
    done = engine.job(job.job_id)
    assert done is not None and done.state == "waiting"
    assert [t.result for t in done.tries] == [TryResult(False, "stopped")]


async def test_one_loop_per_engine(start: Start) -> None:
    engine = start(FakeDial())
    await asyncio.sleep(0.01)
    with pytest.raises(RuntimeError):
        await engine.run()


def test_max_in_flight_must_leave_room_for_one_call() -> None:
    with pytest.raises(ValueError):
        OutboundEngine(FakeDial(), max_in_flight=0)


async def test_finished_jobs_are_forgotten_beyond_the_kept_number(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from ivr.outbound import engine as module
    from ivr.outbound.engine import OutboundEngine
    from ivr.outbound.model import RetryPolicy

    monkeypatch.setattr(module, "FINISHED_KEPT", 2)

    async def never(request: object) -> object:
        raise AssertionError("no try should start")

    outbound = OutboundEngine(never, max_in_flight=1)  # type: ignore[arg-type]
    policy = RetryPolicy(3600, 1, 1, 1)
    for n in range(5):
        outbound.schedule(f"081{n}", "callback", policy, context="c", exten="s")
        outbound.cancel(f"081{n}", "test")
    assert [j.number for j in outbound.jobs()] == ["0813", "0814"]
