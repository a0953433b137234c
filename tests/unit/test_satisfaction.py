"""The satisfaction follow-up: its rules (pure), its rows and the AMI service's calls on a
real database (SQLite and PostgreSQL) with the real outbound engine and a scripted dialler,
the FastAGI route with a scripted channel, and the rating through the spool."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from schema_fixtures import upgraded
from sqlalchemy import select
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)

from ivr.agi.protocol import AgiHangup
from ivr.config import ConfigError, Settings, load_settings
from ivr.flows.prompts import Prompts
from ivr.outbound.engine import OutboundEngine
from ivr.outbound.model import CallRequest, TryResult
from ivr.reports.periods import month_period
from ivr.reports.scorecard import scorecard_lines
from ivr.satisfaction import store
from ivr.satisfaction.agi import survey_route
from ivr.satisfaction.calls import SURVEY, SatisfactionCalls
from ivr.satisfaction.rules import CallingHours, calling_hours, rating_of, satisfaction_rate
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.models import OutboxMessage
from ivr.tickets.records import NewTicket, Rating

# --- the rules -------------------------------------------------------------------------------


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 4, hour, minute)


def test_calling_hours_include_the_opening_and_exclude_the_closing() -> None:
    hours = calling_hours("08:00-20:00")
    assert hours == CallingHours(8 * 60, 20 * 60)
    assert [hours.allow(at(h, m)) for h, m in ((7, 59), (8, 0), (19, 59), (20, 0))] == [
        False, True, True, False]


def test_calling_hours_may_pass_midnight_or_end_at_24() -> None:
    night = calling_hours("20:00-02:00")
    assert [night.allow(at(h)) for h in (19, 20, 23, 1, 2)] == [False, True, True, True, False]
    assert calling_hours("18:30-24:00").allow(at(23, 59))
    assert not calling_hours("18:30-24:00").allow(at(0, 0))
    assert all(calling_hours("00:00-24:00").allow(at(h, 59)) for h in range(24))


@pytest.mark.parametrize("text", ["8-20", "08:00", "25:00-26:00", "08:00-08:00", "08:00-24:30"])
def test_calling_hours_that_cannot_be_read_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="08:00-20:00|same time|24:00"):
        calling_hours(text)


def test_a_bad_calling_hours_setting_stops_the_start_with_its_name() -> None:
    with pytest.raises(ConfigError, match="IVR_SURVEY_HOURS"):
        load_settings({"IVR_SURVEY_HOURS": "morning"})


@pytest.mark.parametrize(("keys", "rating"), [
    ("1", 1), ("5", 5), (" 4", 4), ("0", None), ("6", None), ("", None), ("#", None),
    ("45", None), ("٣", None)])
def test_a_rating_is_one_key_from_1_to_5(keys: str, rating: int | None) -> None:
    assert rating_of(keys) == rating


def test_the_satisfaction_rate_is_the_share_of_4_and_5() -> None:
    assert satisfaction_rate([5, 4, 3, 1]) == 0.5
    assert satisfaction_rate([]) is None


# --- a real database -------------------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def desk(database_url, tmp_path):  # noqa: F811
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))
    assert await desk.prepare()
    yield desk
    desk.close()


async def resolved_ticket(desk, caller: str, channel: str = "phone",
                          language: str = "id") -> str:
    number = await desk.submit(NewTicket(
        number="", token=f"tok-{caller}-{channel}-{language}", channel=channel, category="roads",
        received_at=datetime.now(UTC), caller_number=caller, language=language,
        description="pothole"), actor="test")
    await desk.change_status(number, "in_progress", "agency:pw", "on it")
    await desk.change_status(number, "resolved", "agency:pw", "patched", "Patched.")
    return number


def in_session(desk, fn, *args):
    with desk.service.sessions.begin() as session:
        return fn(session, *args)


def due_now(desk, busy=(), limit=10) -> list[str]:
    now = datetime.now(UTC)
    found = in_session(desk, store.due, now - timedelta(days=1), now + timedelta(minutes=1),
                       set(busy), limit)
    return [d.number for d in found]


async def test_resolved_phone_tickets_are_due_once_per_number_and_not_to_busy_ones(desk):
    first = await resolved_ticket(desk, "081200000001")
    await resolved_ticket(desk, "081200000001", channel="web")  # not a phone ticket
    again = await resolved_ticket(desk, "081200000001", language="en")  # same number
    other = await resolved_ticket(desk, "081200000002")
    assert due_now(desk) == [first, other]
    assert due_now(desk, limit=1) == [first]
    assert due_now(desk, busy={"081200000001"}) == [other]
    assert in_session(desk, store.mark, first, store.ANSWERED, NOW)
    assert due_now(desk) == [again, other]  # asked once: answered is never due again
    assert in_session(desk, store.mark, other, store.CALLING, NOW)
    assert due_now(desk) == [again, other]  # still calling (a restart): due again


async def test_the_first_rating_stands_and_a_spooled_one_lands_once(desk, tmp_path):
    number = await resolved_ticket(desk, "081200000003")
    assert await desk.rate(Rating(number, 4, "call", NOW))
    assert not in_session(desk, store.rate, Rating(number, 1, "web", NOW))
    record = await desk.ticket(number)
    assert (record.follow_up, record.rating, record.rated_by) == ("rated", 4, "call")
    assert not in_session(desk, store.rate, Rating("99999999", 3, "web", NOW))  # no ticket
    with pytest.raises(ValueError):
        in_session(desk, store.rate, Rating(number, 7, "web", NOW))

    later = await resolved_ticket(desk, "081200000004")
    desk.spool.append(Rating(later, 2, "call", NOW, str(tmp_path / "c.wav")))  # DB was away
    desk.spool.append(Rating(later, 2, "call", NOW, str(tmp_path / "c.wav")))  # offered twice
    assert await desk.flush_spool() == 2
    record = await desk.ticket(later)
    assert (record.rating, record.rated_by) == (2, "call")
    assert desk.spool.records() == []


async def test_ratings_make_the_agency_s_satisfaction_rate_in_their_month(desk):
    happy, unhappy, unrated = [await resolved_ticket(desk, f"0812000001{n}") for n in range(3)]
    for number, rating in ((happy, 5), (unhappy, 2)):
        assert await desk.rate(Rating(number, rating, "web", NOW))
    period = month_period(NOW.strftime("%Y-%m"), "UTC", NOW)
    agencies, facts = await desk.score_facts(period.start, period.end)
    [line] = [x for x in scorecard_lines(facts, agencies, period, NOW)
              if x.agency == "public_works"]
    assert (line.ratings, line.satisfied, line.satisfaction) == (2, 1, 0.5)
    assert unrated  # resolved, not rated: no part of the rate
    previous = month_period((NOW.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"), "UTC",
                            NOW)
    agencies, facts = await desk.score_facts(previous.start, previous.end)
    assert all(x.ratings == 0 and x.satisfaction is None
               for x in scorecard_lines(facts, agencies, previous, NOW))


# --- the calls (AMI service) -----------------------------------------------------------------


class Dialler:
    """The engine's dialler: each try is recorded and ends as scripted."""

    def __init__(self, answers: bool) -> None:
        self.answers = answers
        self.tries: list[CallRequest] = []

    async def dial(self, request: CallRequest) -> TryResult:
        self.tries.append(request)
        return TryResult(True, "answered") if self.answers else TryResult(False, "no answer")


def settings_for(tmp_path: Path, **changes: object) -> Settings:
    base = dict(data_dir=tmp_path, outbound_trunk="127.0.0.1:5999", survey_after=0.0,
                survey_every=0.0, survey_tries=2, survey_max_in_flight=1,
                survey_hours="00:00-24:00", notify_sms_url="http://127.0.0.1:1/?to=$to&t=$text",
                notify_public_url="https://hotline.example/")
    base.update(changes)
    return Settings(**base)  # type: ignore[arg-type]


async def run_calls(desk, tmp_path: Path, answers: bool, clock=None, **changes: object
                    ) -> tuple[SatisfactionCalls, Dialler]:
    dialler = Dialler(answers)
    engine = OutboundEngine(dialler.dial, max_in_flight=4)
    calls = SatisfactionCalls(settings_for(tmp_path, **changes), desk, engine, clock=clock)
    engine.on_change = calls.on_job
    runner = asyncio.create_task(engine.run())
    try:
        started = await calls.one_pass()
        for _ in range(100):  # until the jobs end and their ends are noted
            await asyncio.sleep(0.02)
            if not calls.active() and not calls._tasks._tasks:
                break
        assert started == len({r.job_id for r in dialler.tries})
    finally:
        engine.stop()
        runner.cancel()
    return calls, dialler


async def test_an_answered_follow_up_call_goes_to_the_survey_context_from_12345(desk, tmp_path):
    number = await resolved_ticket(desk, "081200000021", language="en")
    _, dialler = await run_calls(desk, tmp_path, answers=True)
    [request] = dialler.tries
    assert (request.number, request.purpose, request.context) == (
        "081200000021", SURVEY, "satisfaction-survey")
    assert request.variables == {"HOTLINE_TICKET": number, "HOTLINE_LANGUAGE": "en"}
    assert request.caller_id == '"12345" <12345>'
    assert (await desk.ticket(number)).follow_up == "answered"
    _, again = await run_calls(desk, tmp_path, answers=True)
    assert again.tries == []  # asked once


async def test_no_more_follow_ups_at_once_than_the_setting(desk, tmp_path):
    for n in range(3):
        await resolved_ticket(desk, f"08120000003{n}")
    _, dialler = await run_calls(desk, tmp_path, answers=True)  # max in flight: 1
    assert len(dialler.tries) == 1


async def test_an_unanswered_follow_up_is_tried_again_then_sends_the_sms_survey(desk, tmp_path):
    number = await resolved_ticket(desk, "081200000041", language="id")
    _, dialler = await run_calls(desk, tmp_path, answers=False)
    assert [r.attempt for r in dialler.tries] == [1, 2]
    assert (await desk.ticket(number)).follow_up == "sms"
    with desk.service.sessions.begin() as session:
        [sms] = session.scalars(select(OutboxMessage)).all()
        assert (sms.channel, sms.recipient) == ("sms", "081200000041")
        assert "https://hotline.example/t/tok-081200000041-phone-id" in sms.body
        assert "Beri nilai 1 sampai 5" in sms.body
    _, again = await run_calls(desk, tmp_path, answers=False)
    assert again.tries == []


async def test_without_an_sms_gateway_an_unanswered_follow_up_is_unreached(desk, tmp_path):
    number = await resolved_ticket(desk, "081200000051")
    await run_calls(desk, tmp_path, answers=False, notify_sms_url="")
    assert (await desk.ticket(number)).follow_up == "unreached"


async def test_outside_the_calling_hours_nobody_is_called(desk, tmp_path):
    number = await resolved_ticket(desk, "081200000061")
    late = datetime(2026, 12, 4, 21, 30, tzinfo=UTC)  # 21:30 UTC
    _, dialler = await run_calls(desk, tmp_path, answers=True, clock=lambda: late,
                                 survey_hours="08:00-20:00", ticket_timezone="UTC",
                                 survey_within_days=100000.0)
    assert dialler.tries == [] and (await desk.ticket(number)).follow_up == ""


# --- the FastAGI route -----------------------------------------------------------------------

SOUNDS = Path("/sounds")


class SurveyChannel:
    """A follow-up call's channel: scripted keys; records what was played."""

    def __init__(self, keys: list[str], ticket: str, hang_up_in_comment: bool = False,
                 says: bytes = b"RIFF" + bytes(2000)) -> None:
        self.keys, self.ticket, self.says = list(keys), ticket, says
        self.hang_up_in_comment = hang_up_in_comment
        self.unique_id, self.caller_number = "1733.7", "081200000071"
        self.heard: list[str] = []

    async def get_variable(self, name: str) -> str:
        return {"HOTLINE_TICKET": self.ticket, "HOTLINE_LANGUAGE": "en"}.get(name, "")

    async def get_data(self, prompt: Path | str, timeout_ms: int, max_digits: int) -> str:
        self.heard.append(Path(prompt).name)
        return self.keys.pop(0)

    async def stream_file(self, prompt: Path | str, escape_digits: str = "") -> str:
        self.heard.append(Path(prompt).name)
        return ""

    async def record_file(self, path: Path | str, max_seconds: int, silence_seconds: int,
                          escape_digits: str = "#", beep: bool = True) -> str:
        self.heard.append("(recording)")
        Path(f"{path}.wav").write_bytes(self.says)
        if self.hang_up_in_comment:
            raise AgiHangup("HANGUP")
        return "#"

    async def set_variable(self, name: str, value: str) -> None:
        pass


async def test_the_survey_guides_a_wrong_key_then_keeps_the_rating_and_comment(desk, tmp_path):
    number = await resolved_ticket(desk, "081200000071")
    route = survey_route(desk, Prompts(SOUNDS, "id"), tmp_path)
    channel = SurveyChannel(["9", "", "4"], number)
    await route(channel)  # type: ignore[arg-type]
    assert channel.heard == ["survey-ask", "invalid-choice", "survey-ask", "no-input",
                             "survey-ask", "survey-comment", "(recording)", "survey-thanks"]
    record = await desk.ticket(number)
    assert (record.rating, record.rated_by, record.follow_up) == (4, "call", "rated")
    with desk.service.sessions.begin() as session:
        assert store.view(session, number).comment


async def test_a_citizen_who_hangs_up_during_the_comment_keeps_the_rating(desk, tmp_path):
    number = await resolved_ticket(desk, "081200000072")
    channel = SurveyChannel(["2"], number, hang_up_in_comment=True, says=b"RIFF")
    with pytest.raises(AgiHangup):
        await survey_route(desk, Prompts(SOUNDS, "id"), tmp_path)(channel)  # type: ignore[arg-type]
    record = await desk.ticket(number)
    assert record.rating == 2
    with desk.service.sessions.begin() as session:
        assert not store.view(session, number).comment  # nothing was said


async def test_three_wrong_answers_end_the_survey_politely_with_no_rating(desk, tmp_path):
    number = await resolved_ticket(desk, "081200000073")
    channel = SurveyChannel(["7", "8", "0"], number)
    await survey_route(desk, Prompts(SOUNDS, "id"), tmp_path)(channel)  # type: ignore[arg-type]
    assert channel.heard[-1] == "survey-goodbye"
    assert (await desk.ticket(number)).rating is None
