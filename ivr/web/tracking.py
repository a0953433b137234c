"""The citizen's tracking link: ``GET /t/<token>`` (anyone with the link) shows the ticket's
status, history, public notes, agency and deadline in the ticket's language, with no personal
data; ``POST /t/<token>/reopen`` (a form on that page) reopens a resolved ticket within
``IVR_TICKET_REOPEN_DAYS`` days; ``POST /t/<token>/stop`` (a form too) puts the ticket's
number and e-mail on the notices' opt-out list; ``POST /t/<token>/rate`` keeps the citizen's
satisfaction rating (1 to 5) of a resolved report, once: the follow-up's web form, which the
SMS survey links to when the follow-up call was not answered. The token is the ticket's
128-bit Open311 token.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

from aiohttp import web

from ..clock import day_now
from ..satisfaction.rules import RATINGS, rating_of
from ..tickets.errors import NoSuchTicket, StoreUnavailable, TicketError
from ..tickets.records import Rating
from ..tickets.tracking import TrackingView, may_rate, texts, tracking_view
from .inputs import form_of
from .keys import SETTINGS, SIGNER, TICKETS

PAGE = Template((Path(__file__).parent / "templates" / "track.html").read_text("utf-8"))
TOKEN_MAX = 64


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def rating_html(view: TrackingView, token: str, csrf: str) -> str:
    """The rating form of a resolved report not rated yet; the rating once it is."""
    words = texts(view.language)
    if view.rating is not None:
        return f'<p id="rating">{_e(words["rated"].format(rating=view.rating))}</p>'
    if not view.can_rate or not csrf:
        return ""
    choices = "".join(f'<label class="rate-choice"><input type="radio" name="rating" '
                      f'value="{n}" required> {n}</label>' for n in RATINGS)
    return (f'<form method="post" action="/t/{_e(token)}/rate" id="rate">'
            f'<h2>{_e(words["rate"])}</h2><p>{_e(words["rate_scale"])}</p>'
            f'<fieldset id="rate-choices">{choices}</fieldset>'
            f'<input type="hidden" name="csrf_token" value="{_e(csrf)}">'
            f'<button id="rate-send">{_e(words["rate_send"])}</button></form>')


def page_html(view: TrackingView, token: str, csrf: str, message: str = "",
              stop_csrf: str = "", rate_csrf: str = "") -> str:
    words = texts(view.language)
    steps = "".join(
        f'<li><time>{_e(_when(s.at))}</time> {_e(s.status)}'
        + (f'<p class="note">{_e(s.public_note)}</p>' if s.public_note else "") + "</li>"
        for s in view.steps)
    reopen = rating_html(view, token, rate_csrf)
    if view.can_reopen:
        reopen += (f'<form method="post" action="/t/{_e(token)}/reopen" id="reopen">'
                  f'<h2>{_e(words["reopen"])}</h2>'
                  f'<label>{_e(words["reason"])} <textarea name="reason" id="reason" '
                  f'required maxlength="1000"></textarea></label>'
                  f'<input type="hidden" name="csrf_token" value="{_e(csrf)}">'
                  f'<button id="send">{_e(words["send"])}</button></form>')
    if stop_csrf:
        reopen += (f'<form method="post" action="/t/{_e(token)}/stop" id="stop">'
                   f'<p>{_e(words["stop"])}</p>'
                   f'<input type="hidden" name="csrf_token" value="{_e(stop_csrf)}">'
                   f'<button id="stop-send">{_e(words["stop_send"])}</button></form>')
    return PAGE.substitute(
        lang=_e(view.language), title=_e(words["title"]), number=_e(view.number),
        number_label=_e(words["number"]), status_label=_e(words["status"]),
        agency_label=_e(words["agency"]), due_label=_e(words["due"]),
        history_label=_e(words["history"]), status=_e(view.status), agency=_e(view.agency),
        due=_e(_when(view.due_at)), steps=steps, reopen=reopen,
        performance_label=_e(words["performance"]),
        public_note=f'<p id="public-note">{_e(view.public_note)}</p>' if view.public_note
        else "",
        message=f'<p id="message" role="status">{_e(message)}</p>' if message else "")


def _token(request: web.Request) -> str:
    token = request.match_info["token"]
    if not token or len(token) > TOKEN_MAX:
        raise web.HTTPNotFound(text="no such report")
    return token


async def _page(request: web.Request, token: str, message: str = "",
                status: int = 200) -> web.Response:
    try:
        record = await request.app[TICKETS].ticket_by_token(token, with_history=True)
    except (StoreUnavailable, TimeoutError):  # the database is away
        raise web.HTTPServiceUnavailable(text="the report cannot be read just now: try again "
                                         "in a minute", headers={"Retry-After": "60"}) from None
    if record is None:
        raise web.HTTPNotFound(text="no such report")
    settings = request.app[SETTINGS]
    view = tracking_view(record, day_now(), settings.ticket_reopen_days,
                         ZoneInfo(settings.ticket_timezone))
    signer = request.app[SIGNER]
    body = page_html(view, token, signer.csrf_token("reopen|" + token), message,
                     signer.csrf_token("stop|" + token), signer.csrf_token("rate|" + token))
    return web.Response(text=body, content_type="text/html", status=status,
                        headers={"Cache-Control": "no-store"})


async def track(request: web.Request) -> web.Response:
    return await _page(request, _token(request))


async def reopen(request: web.Request) -> web.Response:
    token = _token(request)
    form = await form_of(request)
    signer = request.app[SIGNER]
    if not signer.csrf_ok("reopen|" + token, str(form.get("csrf_token", ""))):
        raise web.HTTPForbidden(text="this form has expired: open the link again")
    desk, settings = request.app[TICKETS], request.app[SETTINGS]
    try:
        record = await desk.reopen_by_citizen(token, str(form.get("reason", "")),
                                              settings.ticket_reopen_days)
    except NoSuchTicket:
        raise web.HTTPNotFound(text="no such report") from None
    except TicketError as exc:
        return await _page(request, token, exc.message, status=409)
    return await _page(request, token, texts(record.language)["done"])


async def stop(request: web.Request) -> web.Response:
    """POST /t/<token>/stop: no more notices to this ticket's number and e-mail."""
    token = _token(request)
    form = await form_of(request)
    if not request.app[SIGNER].csrf_ok("stop|" + token, str(form.get("csrf_token", ""))):
        raise web.HTTPForbidden(text="this form has expired: open the link again")
    try:
        record = await request.app[TICKETS].stop_notices(token)
    except (StoreUnavailable, TimeoutError):
        raise web.HTTPServiceUnavailable(text="this cannot be saved just now: try again "
                                         "in a minute", headers={"Retry-After": "60"}) from None
    if record is None:
        raise web.HTTPNotFound(text="no such report")
    return await _page(request, token, texts(record.language)["stopped"])


async def rate(request: web.Request) -> web.Response:
    """POST /t/<token>/rate: the citizen's rating of a resolved report, 1 to 5, once."""
    token = _token(request)
    form = await form_of(request)
    if not request.app[SIGNER].csrf_ok("rate|" + token, str(form.get("csrf_token", ""))):
        raise web.HTTPForbidden(text="this form has expired: open the link again")
    desk = request.app[TICKETS]
    try:
        record = await desk.ticket_by_token(token)
    except (StoreUnavailable, TimeoutError):
        raise web.HTTPServiceUnavailable(text="this cannot be saved just now: try again "
                                         "in a minute", headers={"Retry-After": "60"}) from None
    if record is None:
        raise web.HTTPNotFound(text="no such report")
    rating = rating_of(str(form.get("rating", "")))
    words = texts(record.language)
    if rating is None or not may_rate(record):
        return await _page(request, token, words["rate"], status=409)
    await desk.rate(Rating(record.number, rating, "web", day_now()))
    return await _page(request, token, words["rate_thanks"])


def add_tracking_routes(app: web.Application) -> None:
    app.router.add_get("/t/{token}", track)
    app.router.add_post("/t/{token}/reopen", reopen)
    app.router.add_post("/t/{token}/stop", stop)
    app.router.add_post("/t/{token}/rate", rate)
