"""The roster engine with a fake Asterisk (queue actions recorded) and a movable clock."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

from ivr.ami.events import (
    AgentAnswered,
    AgentDone,
    CallerJoined,
    CallerLeft,
    MemberRemoved,
    MemberUpdated,
    QueueEvent,
)
from ivr.roster.engine import RosterEngine
from ivr.roster.model import Assignment, Operator, Roster, Skills
from ivr.roster.plan import AddMember, QueueAction, RemoveMember, SetPaused
from ivr.roster.store import RosterStore, roster_path

D = date(2025, 3, 1)
FIRE = Skills.parse("fire police ambulance")


class FakeAsterisk:
    """Applies queue actions to its own member list and reports them as events would."""

    def __init__(self) -> None:
        self.members: dict[tuple[str, str], MemberUpdated] = {}
        self.done: list[QueueAction] = []
        self.engine: RosterEngine | None = None

    async def status(self) -> list[QueueEvent]:
        return list(self.members.values())

    async def apply(self, action: QueueAction) -> bool:
        self.done.append(action)
        key = (action.queue, action.interface)
        if isinstance(action, AddMember):
            m = action.member
            self.emit(MemberUpdated(action.queue, action.interface, m.name, "not_in_use",
                                    m.paused, m.reason, False, m.penalty))
        elif isinstance(action, RemoveMember):
            del self.members[key]
            self.emit(MemberRemoved(*key))
        elif isinstance(action, SetPaused):
            old = self.members[key]
            self.emit(MemberUpdated(old.queue, old.interface, old.name, old.state,
                                    action.paused, action.reason, old.in_call, old.penalty))
        return True

    def emit(self, event: QueueEvent) -> None:
        if isinstance(event, MemberUpdated):
            self.members[(event.queue, event.interface)] = event
        assert self.engine is not None
        self.engine.event(event)

    def names(self, queue: str) -> set[str]:
        return {m.name for (q, _), m in self.members.items() if q == queue}


class FakePauses:
    def __init__(self) -> None:
        self.asked: dict[str, str] = {}
        self.gone: set[str] = set()
        self.wrapped: dict[str, float] = {}

    async def all(self) -> dict[str, str]:
        return dict(self.asked)

    async def away(self) -> set[str]:
        return set(self.gone)

    async def wrap_marks(self) -> dict[str, float]:
        return dict(self.wrapped)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def setup(tmp_path: Path) -> tuple[RosterEngine, FakeAsterisk, FakePauses, Clock]:
    store = RosterStore(roster_path(tmp_path))
    store.save(Roster(
        operators={n: Operator(n, "pw") for n in ("ani", "budi", "citra")},
        assignments=(Assignment(D, "ani", "morning", FIRE),
                     Assignment(D, "budi", "afternoon", FIRE))))
    asterisk, pauses = FakeAsterisk(), FakePauses()
    clock = Clock(datetime.combine(D, time(15, 59, 58), Roster().tz))
    engine = RosterEngine(store, asterisk, pauses, clock=clock, surge_after_s=10)
    asterisk.engine = engine
    return engine, asterisk, pauses, clock


async def test_login_applies_the_roster_from_scratch(tmp_path: Path) -> None:
    engine, asterisk, _, _ = setup(tmp_path)
    await engine.reconcile()
    assert asterisk.done == []  # not linked yet: nothing sent
    await engine.logged_in()
    assert all(asterisk.names(q) == {"ani"} for q in ("police", "fire", "emergency", "hotline"))
    asterisk.members.clear()  # Asterisk restarted: its queues are empty
    await engine.logged_in()
    assert asterisk.names("fire") == {"ani"}


async def test_a_boundary_switches_members_but_waits_for_a_call_to_end(tmp_path: Path) -> None:
    engine, asterisk, _, clock = setup(tmp_path)
    await engine.logged_in()
    on_call = asterisk.members[("fire", "PJSIP/ani")]
    asterisk.emit(MemberUpdated("fire", "PJSIP/ani", "ani", "in_use", False, "", True))
    clock.now += timedelta(seconds=3)  # 16:00:01, the afternoon shift
    await engine.reconcile()
    assert asterisk.names("fire") == {"ani", "budi"}
    assert asterisk.names("hotline") == {"ani", "budi"}
    asterisk.emit(on_call)  # the call ended
    await engine.reconcile()
    assert asterisk.names("fire") == {"budi"} and asterisk.names("hotline") == {"budi"}


async def test_pauses_follow_requests_and_surges_lift_them(tmp_path: Path) -> None:
    engine, asterisk, pauses, clock = setup(tmp_path)
    clock.now = datetime.combine(D, time(10, 0), Roster().tz)
    await engine.logged_in()
    pauses.asked["ani"] = "lunch"
    await engine.reconcile()
    assert all(m.paused and m.paused_reason == "lunch" for m in asterisk.members.values())
    asterisk.emit(CallerJoined("police", "c1", "0811", 1))
    clock.now += timedelta(seconds=9)
    await engine.reconcile()
    assert asterisk.members[("police", "PJSIP/ani")].paused
    clock.now += timedelta(seconds=1)  # the caller has waited 10 s: surge
    await engine.reconcile()
    assert not asterisk.members[("police", "PJSIP/ani")].paused
    assert asterisk.names("police") == {"ani", "budi", "citra"}
    assert asterisk.members[("fire", "PJSIP/ani")].paused  # other queues keep the pause
    asterisk.emit(CallerLeft("police", "c1"))
    await engine.reconcile()
    assert asterisk.names("police") == {"ani"}
    assert asterisk.members[("police", "PJSIP/ani")].paused


async def test_a_changed_roster_file_is_picked_up(tmp_path: Path) -> None:
    engine, asterisk, _, _ = setup(tmp_path)
    await engine.logged_in()
    roster = engine.store.load()
    engine.store.save(Roster(operators=roster.operators,
                             assignments=(Assignment(D, "citra", "morning", FIRE),)))
    await engine.reconcile()
    assert asterisk.names("fire") == {"citra"}


async def test_a_logged_out_operator_stays_out_until_logging_in(tmp_path: Path) -> None:
    engine, asterisk, pauses, clock = setup(tmp_path)
    clock.now = datetime.combine(D, time(10, 0), Roster().tz)
    await engine.logged_in()
    pauses.gone.add("ani")
    await engine.reconcile()
    assert asterisk.names("fire") == set()
    asterisk.emit(CallerJoined("fire", "c1", "0811", 1))
    clock.now += timedelta(seconds=11)  # a surge brings in everyone else, not her
    await engine.reconcile()
    assert asterisk.names("fire") == {"budi", "citra"}
    pauses.gone.clear()
    await engine.reconcile()
    assert "ani" in asterisk.names("police")


async def test_the_wrap_up_pause_runs_from_the_answer_to_the_code_or_the_limit(
        tmp_path: Path) -> None:
    engine, asterisk, pauses, clock = setup(tmp_path)
    engine.wrapup_s = 20
    clock.now = datetime.combine(D, time(10, 0), Roster().tz)
    await engine.logged_in()
    asterisk.emit(AgentAnswered("fire", "c1", "ani", "0811", 3))
    await engine.reconcile()
    assert all(m.paused_reason == "wrap-up" for m in asterisk.members.values())
    clock.now += timedelta(seconds=30)
    asterisk.emit(AgentDone("fire", "c1", "ani"))  # the call ends; 20 s to give the code
    clock.now += timedelta(seconds=19)
    await engine.reconcile()
    assert asterisk.members[("fire", "PJSIP/ani")].paused
    clock.now += timedelta(seconds=1)
    await engine.reconcile()
    assert not asterisk.members[("fire", "PJSIP/ani")].paused
    asterisk.emit(AgentAnswered("fire", "c2", "ani", "0812", 3))  # the next call
    clock.now += timedelta(seconds=5)
    asterisk.emit(AgentDone("fire", "c2", "ani"))
    await engine.reconcile()
    assert asterisk.members[("fire", "PJSIP/ani")].paused
    pauses.wrapped["ani"] = clock.now.timestamp()  # the code is saved
    await engine.reconcile()
    assert not asterisk.members[("fire", "PJSIP/ani")].paused


async def test_the_shift_follows_the_day_clock_and_waits_the_real_one(tmp_path: Path) -> None:
    """A simulated day (ivr/clock.py): the day clock says which shift is on; the real clock
    (``clock``) still times waits and surges."""
    engine, asterisk, _, clock = setup(tmp_path)
    day = Clock(datetime.combine(D, time(10, 0), Roster().tz))  # the morning, by the day
    engine.day_clock = day
    await engine.logged_in()
    assert asterisk.names("fire") == {"ani"}  # the real clock says 15:59:58, but it's 10:00
    day.now = datetime.combine(D, time(16, 30), Roster().tz)
    await engine.reconcile()
    assert asterisk.names("fire") == {"budi"}
