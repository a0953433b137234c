"""The outbound rules: which jobs are due, what a try's end makes of a job, the log line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ivr.outbound.model import (
    Job,
    JobState,
    RetryPolicy,
    TryRecord,
    TryResult,
    after_try,
    begin_try,
    cancel,
    due,
    new_job,
    next_due,
    request_for,
    summary,
)

POLICY = RetryPolicy(first_after_s=30, every_s=120, tries=3, ring_s=25)
NO_ANSWER = TryResult(False, "no answer")
ANSWERED = TryResult(True, "answered")


def job(job_id: str = "j1", next_at: float = 100.0, state: JobState = "waiting",
        tries: int = 0, created_at: float = 0.0, number: str = "0811") -> Job:
    records = tuple(TryRecord(n, 0.0, 1.0, NO_ANSWER) for n in range(1, tries + 1))
    made = Job(job_id, number, "callback", "1700000000.5", POLICY, created_at, next_at,
               records)
    return replace(made, state=state)


def record(attempt: int, result: TryResult) -> TryRecord:
    return TryRecord(attempt, 500.0, 525.0, result)


def test_a_new_job_waits_first_after_s() -> None:
    made = new_job("j1", "0811", "callback", POLICY, "k", now=1000.0)
    assert (made.state, made.next_at, made.created_at, made.tries) == ("waiting", 1030.0,
                                                                      1000.0, ())
    assert made.active


@pytest.mark.parametrize("policy", [
    dict(first_after_s=0, every_s=60, tries=0, ring_s=20),
    dict(first_after_s=0, every_s=60, tries=1, ring_s=0),
    dict(first_after_s=-1, every_s=60, tries=1, ring_s=20),
    dict(first_after_s=0, every_s=-5, tries=1, ring_s=20),
])
def test_a_policy_out_of_range_is_refused(policy: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**policy)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("jobs", "now", "in_flight", "max_in_flight", "expected"),
    [
        ([job("a", 100)], 99.0, 0, 2, []),  # not yet
        ([job("a", 100)], 100.0, 0, 2, ["a"]),  # exactly due
        ([job("b", 90), job("a", 50), job("c", 70)], 100.0, 0, 5, ["a", "c", "b"]),
        ([job("b", 90), job("a", 50), job("c", 70)], 100.0, 0, 2, ["a", "c"]),  # slots
        ([job("b", 90), job("a", 50), job("c", 70)], 100.0, 1, 2, ["a"]),
        ([job("b", 90), job("a", 50)], 100.0, 2, 2, []),  # no free slot
        ([job("b", 90), job("a", 50)], 100.0, 3, 2, []),  # more than max: none, not negative
        ([job("a", 50, "dialling"), job("b", 50, "answered"), job("c", 50, "exhausted"),
          job("d", 50, "cancelled"), job("e", 60)], 100.0, 0, 9, ["e"]),
        ([job("b", 50, created_at=2), job("a", 50, created_at=1)], 100.0, 0, 9, ["a", "b"]),
    ],
)
def test_due(jobs: list[Job], now: float, in_flight: int, max_in_flight: int,
             expected: list[str]) -> None:
    assert [j.job_id for j in due(jobs, now, in_flight, max_in_flight)] == expected


def test_next_due_is_the_earliest_waiting_job() -> None:
    assert next_due([job("a", 300), job("b", 200), job("c", 100, "dialling")]) == 200
    assert next_due([job("c", 100, "answered")]) is None


@pytest.mark.parametrize(
    ("tries_before", "result", "state", "next_at"),
    [
        (0, ANSWERED, "answered", 100.0),
        (0, NO_ANSWER, "waiting", 1120.0),  # now + every_s
        (1, TryResult(False, "busy"), "waiting", 1120.0),
        (2, NO_ANSWER, "exhausted", 100.0),  # the third of three tries
        (2, ANSWERED, "answered", 100.0),
    ],
)
def test_after_try(tries_before: int, result: TryResult, state: JobState,
                   next_at: float) -> None:
    before = begin_try(job(tries=tries_before))
    after = after_try(before, record(tries_before + 1, result), now=1000.0)
    assert (after.state, after.next_at) == (state, next_at)
    assert len(after.tries) == tries_before + 1 and after.tries[-1].result == result


def test_a_try_ending_after_cancel_is_kept_but_does_not_revive_the_job() -> None:
    cancelled = cancel(begin_try(job()), "caller called again")
    for result in (ANSWERED, NO_ANSWER):
        after = after_try(cancelled, record(1, result), now=1000.0)
        assert after.state == "cancelled" and after.cancel_reason == "caller called again"
        assert after.tries == (record(1, result),)


@pytest.mark.parametrize("state", ["answered", "exhausted", "cancelled"])
def test_cancel_leaves_a_finished_job_alone(state: JobState) -> None:
    done = job(state=state)
    assert cancel(done, "caller called again") == done


def test_cancel_an_active_job() -> None:
    for state in ("waiting", "dialling"):
        cancelled = cancel(job(state=state), "caller called again")
        assert (cancelled.state, cancelled.cancel_reason) == ("cancelled", "caller called again")
        assert not cancelled.active


def test_the_request_names_the_try_and_its_target() -> None:
    request = request_for(job(tries=1), "callback", "s", {"HOTLINE_TICKET": "T-1"})
    assert (request.attempt, request.tries, request.ring_s) == (2, 3, 25)
    assert (request.context, request.exten, dict(request.variables)) == (
        "callback", "s", {"HOTLINE_TICKET": "T-1"})
    assert (request.job_id, request.number, request.purpose) == ("j1", "0811", "callback")


@pytest.mark.parametrize(
    ("made", "line"),
    [
        (job(), "callback waiting, 0/3"),
        (begin_try(job(tries=1)), "callback dialling, try 2/3"),
        (job(tries=2), "callback 2/3, no answer"),
        (after_try(job(), record(1, ANSWERED), 0), "callback answered on try 1/3"),
        (after_try(job(tries=1), record(2, ANSWERED), 0), "callback answered on try 2/3"),
        (after_try(job(tries=2), record(3, TryResult(False, "busy")), 0),
         "callback 3/3, busy, given up"),
        (cancel(job(), "caller called again"), "callback cancelled: caller called again"),
    ],
)
def test_summary(made: Job, line: str) -> None:
    assert summary(made) == line
