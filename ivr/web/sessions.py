"""Signed session cookies and CSRF tokens.

A session cookie is ``base64(json).hmac`` signed with a secret made on first run
(``<data_dir>/secrets/web_session_secret``), so every web process accepts every other's
cookies. It names the user, a random nonce (the seed of the page's CSRF token), when it was
issued (valid 12 h) and the user's session epoch then: ``UserStore`` moves the epoch on at
logout, password change and disable, which ends every older cookie of that user at once.
Cookies without an epoch (made before it existed) are refused: their owners log in again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

SESSION_COOKIE = "hotline_session"
LOGIN_COOKIE = "hotline_login"
SESSION_MAX_AGE_S = 12 * 3600


@dataclass(frozen=True)
class Session:
    username: str
    nonce: str
    epoch: int


class Signer:
    """Signs and checks session cookies and CSRF tokens with one secret."""

    def __init__(self, secret: str) -> None:
        self.key = secret.encode()

    def _mac(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def session_cookie(self, username: str, epoch: int, now: float) -> str:
        body = json.dumps({"u": username, "n": secrets.token_hex(8), "t": int(now),
                           "e": epoch})
        encoded = base64.urlsafe_b64encode(body.encode()).decode()
        return f"{encoded}.{self._mac(encoded)}"

    def read_session(self, cookie: str, now: float) -> Session | None:
        """The session of a valid, unexpired cookie; None otherwise (the epoch is the
        caller's to compare with the user's)."""
        encoded, _, mac = cookie.partition(".")
        if not _same(mac, self._mac(encoded)):
            return None
        try:
            body = json.loads(base64.urlsafe_b64decode(encoded.encode()))
            session = Session(str(body["u"]), str(body["n"]), int(body["e"]))
            issued = float(body["t"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        return session if 0 <= now - issued <= SESSION_MAX_AGE_S else None

    def csrf_token(self, nonce: str) -> str:
        return self._mac("csrf|" + nonce)[:40]

    def csrf_ok(self, nonce: str, token: str) -> bool:
        return bool(nonce) and _same(token, self.csrf_token(nonce))


def _same(given: str, expected: str) -> bool:
    """Constant-time compare; ``compare_digest`` raises on non-ASCII text, a client's
    header may hold any."""
    return given.isascii() and hmac.compare_digest(given, expected)
