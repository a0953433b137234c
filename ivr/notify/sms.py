"""Sending the outbox's SMS through an HTTP gateway (Kannel's ``sendsms``, a carrier's API).

``IVR_NOTIFY_SMS_URL`` is the gateway's URL with ``$to``, ``$text`` and ``$password`` where it
wants them, e.g. ``http://127.0.0.1:13013/cgi-bin/sendsms?username=hotline&password=$password
&to=$to&text=$text``. With ``get`` the values go into the URL (encoded); with ``post`` the
URL's query becomes a form body, filled in the same way. A 2xx answer is a message the
gateway accepted (Kannel: 202 "Accepted for delivery"); anything else, or no answer, is a
failure the outbox tries again later.
"""

from __future__ import annotations

from string import Template
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import aiohttp

from .outbox import Queued

SEND_TIMEOUT_S = 15.0


class SmsRefused(OSError):
    """The gateway refused the message or could not be reached."""


def filled(template: str, values: dict[str, str], encode: bool) -> str:
    return Template(template).safe_substitute(
        {k: quote(v, safe="") if encode else v for k, v in values.items()})


def request_of(url: str, method: str, to: str, text: str, password: str
               ) -> tuple[str, dict[str, str] | None]:
    """The URL to call and, for ``post``, the form body (pure)."""
    values = {"to": to, "text": text, "password": password}
    if method == "get":
        return filled(url, values, encode=True), None
    parts = urlsplit(url)
    form = {k: filled(v, values, encode=False) for k, v in parse_qsl(parts.query)}
    return urlunsplit(parts._replace(query="")), form


class HttpSmsSender:
    def __init__(self, url: str, method: str, password: str,
                 timeout: float = SEND_TIMEOUT_S) -> None:
        self.url, self.method, self.password = url, method, password
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, message: Queued) -> None:
        """Returns once the gateway accepted the message; SmsRefused otherwise."""
        url, form = request_of(self.url, self.method, message.recipient, message.body,
                               self.password)
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session, \
                    session.request("GET" if form is None else "POST", url,
                                    data=form) as reply:
                answer = (await reply.text())[:200]
                if not 200 <= reply.status < 300:
                    raise SmsRefused(f"gateway answered {reply.status}: {answer}")
        except aiohttp.ClientError as exc:
            raise SmsRefused(f"gateway unreachable ({exc.__class__.__name__})") from exc
