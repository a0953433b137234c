"""The follow-up call's FastAGI route (``agi://…/survey``, from ``[satisfaction-survey]``).

The citizen hears that the hotline calls about their resolved report and is asked for a
rating, one key from 1 to 5. A wrong key or none is explained and asked again, three times
in all; then the call ends politely with no rating. After a rating the citizen may leave a
spoken comment (after the tone, ended by # or silence; # during its question skips it).
The rating is kept through the ticket desk, which spools it while the database is away,
also when the citizen hangs up during the comment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ..agi.protocol import AgiHangup
from ..agi.route import Route
from ..clock import day_now
from ..dialplan_vars import HOTLINE_LANGUAGE, HOTLINE_TICKET
from ..flows.ports import CallChannel
from ..flows.prompts import Prompts
from ..tickets.numbers import is_valid, normalize
from ..tickets.records import Rating
from .rules import rating_of

log = logging.getLogger(__name__)

ASKS = 3  # a rating is asked this many times at most
KEY_WAIT_MS = 6000
COMMENT_MAX_S = 60
COMMENT_SILENCE_S = 4
WAV_HEADER_BYTES = 44  # a recording of nothing is only its header


class RatingDesk(Protocol):
    async def rate(self, rating: Rating) -> bool: ...


class SurveyChannel(CallChannel, Protocol):
    async def get_variable(self, name: str) -> str: ...


async def ask_rating(channel: SurveyChannel, prompts: Prompts, language: str) -> int | None:
    """The rating the citizen keys in, asking up to ``ASKS`` times; None if none came."""
    for _ in range(ASKS):
        keys = await channel.get_data(prompts.path("survey-ask", language), KEY_WAIT_MS, 1)
        rating = rating_of(keys)
        if rating is not None:
            return rating
        await channel.stream_file(prompts.path("invalid-choice" if keys else "no-input",
                                               language))
    return None


async def record_comment(channel: SurveyChannel, prompts: Prompts, language: str,
                         base: Path) -> tuple[str | None, bool]:
    """The comment's WAV (None if nothing was said) and whether the citizen hung up."""
    hung_up = False
    try:
        if await channel.stream_file(prompts.path("survey-comment", language), "#") != "#":
            await channel.record_file(base, COMMENT_MAX_S, COMMENT_SILENCE_S)
    except AgiHangup:
        hung_up = True
    wav = base.parent / f"{base.name}.wav"
    said = wav.exists() and wav.stat().st_size > WAV_HEADER_BYTES
    return (str(wav) if said else None), hung_up


def survey_route(desk: RatingDesk, prompts: Prompts, recordings_dir: Path,
                 clock: Callable[[], datetime] | None = None) -> Route:
    now = clock or day_now  # calling hours follow the day clock (ivr/clock.py)

    async def survey(channel: SurveyChannel) -> None:
        number = normalize(await channel.get_variable(HOTLINE_TICKET))
        language = await channel.get_variable(HOTLINE_LANGUAGE) or prompts.default_language
        if not is_valid(number):
            log.error("follow-up call %s: no valid ticket number (%r)", channel.unique_id,
                      number)
            return
        rating = await ask_rating(channel, prompts, language)
        if rating is None:
            log.info("follow-up of ticket %s: no rating given", number)
            await channel.stream_file(prompts.path("survey-goodbye", language))
            return
        folder = recordings_dir / "comments"
        folder.mkdir(parents=True, exist_ok=True)
        comment, hung_up = await record_comment(channel, prompts, language, folder / number)
        await desk.rate(Rating(number, rating, "call", now(), comment))
        log.info("follow-up of ticket %s: rated %d%s", number, rating,
                 " with a comment" if comment else "")
        if hung_up:
            raise AgiHangup(f"caller hung up after rating ticket {number} (kept)")
        await channel.stream_file(prompts.path("survey-thanks", language))

    return survey
