"""The satisfaction follow-up in a period: how far the follow-ups got, and the ratings (pure).

Two questions, each counted by its own moment:

- **Follow-ups of the tickets resolved in the period** (a follow-up starts shortly after its
  ticket's resolution, ``IVR_SURVEY_AFTER``, within the calling hours): *started*, still
  *calling*, *answered* (a follow-up call was answered: ``answered``, or rated by call),
  *SMS surveys* (every try unanswered, the SMS with the rating link queued), *unreached*
  (no answer and no SMS). A rating on the tracking page with no call or SMS before it is a
  rating, not a follow-up; so is a follow-up that ended unreached and was rated on the
  tracking page later (its row keeps only the rating).
- **Ratings given in the period** (as the scorecard counts them, ``reports/scorecard.py``):
  how many, by call and by web, the average (1 to 5) and the satisfied share (4 or 5).
  Per agency, the scorecard's own lines are shown (not counted again here).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..satisfaction.rules import satisfied
from ..satisfaction.store import ANSWERED, CALLING, RATED, SMS_SENT, UNREACHED
from .periods import Period

BY_CALL, BY_WEB = "call", "web"


@dataclass(frozen=True)
class SurveyFact:
    """One ticket's follow-up row (``ticket_surveys``) as the reports see it."""

    ticket: str
    agency: str
    resolved_at: datetime | None
    state: str  # calling, answered, sms, unreached, rated
    rating: int | None = None
    rated_by: str = ""  # call, web
    rated_at: datetime | None = None
    sms_survey: bool = False  # the SMS survey was queued for it

    @property
    def followed_up(self) -> bool:
        """A call was placed (a row that is not only a web rating)."""
        return self.state != RATED or self.rated_by == BY_CALL or self.sms_survey


@dataclass(frozen=True)
class SatisfactionFigures:
    started: int = 0
    calling: int = 0
    answered: int = 0
    sms_surveys: int = 0
    unreached: int = 0
    ratings: int = 0
    by_call: int = 0
    by_web: int = 0
    rating_sum: int = 0
    satisfied: int = 0

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


def satisfaction_figures(facts: Iterable[SurveyFact], period: Period) -> SatisfactionFigures:
    tally = dict.fromkeys(SatisfactionFigures.__dataclass_fields__, 0)
    for fact in facts:
        if fact.followed_up and fact.resolved_at is not None \
                and period.contains(fact.resolved_at):
            tally["started"] += 1
            tally["calling"] += fact.state == CALLING
            tally["answered"] += fact.state == ANSWERED or fact.rated_by == BY_CALL
            tally["sms_surveys"] += fact.sms_survey or fact.state == SMS_SENT
            tally["unreached"] += fact.state == UNREACHED
        if fact.rating is not None and fact.rated_at is not None \
                and period.contains(fact.rated_at):
            tally["ratings"] += 1
            tally["by_call"] += fact.rated_by == BY_CALL
            tally["by_web"] += fact.rated_by == BY_WEB
            tally["rating_sum"] += fact.rating
            tally["satisfied"] += satisfied(fact.rating)
    return SatisfactionFigures(**tally)
