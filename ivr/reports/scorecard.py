"""The agencies' monthly scorecard: response, resolution and satisfaction rates (pure).

Each ticket answers two questions against its one deadline (``due_at``): was it *responded
to* in time (accepted: moved to in progress; a ticket resolved without that counts as
responded when resolved), and was it *resolved* in time. A question is decided once:

- when it was done, if that was at or before the deadline: on time, in the month it was done;
- else at the deadline, once the deadline has passed: missed, in the month of the deadline
  (done late, or not yet done: the same miss).

So for agency A and month M (the city's calendar month, ``IVR_TICKET_TIMEZONE``):

- **response rate** = tickets of A accepted by their deadline, accepted in M
  / (those + tickets of A whose deadline was in M, before now, and passed before acceptance);
- **resolution rate** = the same with resolution (resolved or closed now) for acceptance;
- **satisfaction rate** = ratings of A's tickets given in M (the follow-up call or the
  tracking page, ``ivr/satisfaction``) that were 4 or 5 / all ratings given in M; none
  ("–") in a month without ratings.

A ticket counts for the agency it is at now (handed back and routed on: the new agency, whose
acceptance counts afresh, ``service.hand_back``). Rejected and duplicate tickets are no
agency's work and do not count. A month's figures can still change after it ends when a
ticket is reopened (its resolution is undone) or handed back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..satisfaction.rules import satisfied
from .periods import Period


@dataclass(frozen=True)
class ScoreFact:
    """One ticket as the scorecard sees it (``tickets.facts.score_facts`` reads them)."""

    number: str
    agency: str
    agency_name: str
    due_at: datetime
    accepted_at: datetime | None  # first moved to in progress (None: not yet)
    resolved_at: datetime | None  # resolved and still resolved or closed (None: not now)
    counted: bool = True  # False: rejected or duplicate
    rating: int | None = None  # the citizen's follow-up answer, 1 to 5 (None: not rated)
    rated_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    at: datetime
    on_time: bool


@dataclass(frozen=True)
class ScoreLine:
    agency: str
    agency_name: str
    responses: int  # response questions decided in the month
    responded_on_time: int
    resolutions: int
    resolved_on_time: int
    ratings: int = 0  # follow-up ratings given in the month
    satisfied: int = 0  # of which 4 or 5

    @property
    def response_rate(self) -> float | None:
        return self.responded_on_time / self.responses if self.responses else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved_on_time / self.resolutions if self.resolutions else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


def decided(done: datetime | None, due: datetime, now: datetime) -> Decision | None:
    """When and how a deadline question was decided; None while it is still open."""
    if done is not None and done <= due:
        return Decision(done, True)
    if due <= now:
        return Decision(due, False)
    return None


def responded_at(fact: ScoreFact) -> datetime | None:
    """Accepted, or resolved without being accepted first: whichever came first."""
    moments = [m for m in (fact.accepted_at, fact.resolved_at) if m is not None]
    return min(moments, default=None)


def scorecard_lines(facts: Iterable[ScoreFact], agencies: Sequence[tuple[str, str]],
                    period: Period, now: datetime) -> list[ScoreLine]:
    """One line per agency of ``agencies`` (code, name), and any other seen, by code."""
    counts = {code: [0] * 6 for code, _ in agencies}
    names = dict(agencies)
    for fact in facts:
        if not fact.counted:
            continue
        tally = counts.setdefault(fact.agency, [0] * 6)
        names.setdefault(fact.agency, fact.agency_name)
        for index, done in ((0, responded_at(fact)), (2, fact.resolved_at)):
            decision = decided(done, fact.due_at, now)
            if decision is not None and period.contains(decision.at):
                tally[index] += 1
                tally[index + 1] += decision.on_time
        if fact.rating is not None and fact.rated_at is not None \
                and period.contains(fact.rated_at):
            tally[4] += 1
            tally[5] += satisfied(fact.rating)
    return [ScoreLine(code, names.get(code) or code, *counts[code]) for code in sorted(counts)]
