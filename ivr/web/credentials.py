"""Checking what a request presents: passwords (throttled, cached), API tokens, sessions.

Passwords go through ``LoginThrottle`` first (429 while refused, before any scrypt run), then
``PasswordWork``'s own threads. Scripts and wall screens send HTTP Basic on every request,
so a success is remembered for ``BASIC_CACHE_S`` under an HMAC of the credentials with a key
made per process (never the password itself); a remembered success counts only while the
user's session epoch is the same, so a password change, disable or logout forgets it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
from collections import OrderedDict
from collections.abc import Callable

from ..accounts import User, UserStore
from ..passwords import PasswordWork
from .sessions import Session
from .throttle import LoginThrottle, address_key, user_key

BASIC_CACHE_S = 60.0
BASIC_CACHE_ENTRIES = 1000


class BadCredentials(Exception):
    """Credentials were given and are wrong: 401 even where the route is open."""


class Throttled(Exception):
    """Too many failures from this address or for this user: 429 with ``Retry-After``."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class BasicCache:
    """Recent successful password checks: (user, epoch) by HMAC of the credentials."""

    def __init__(self, clock: Callable[[], float], ttl_s: float = BASIC_CACHE_S,
                 max_entries: int = BASIC_CACHE_ENTRIES) -> None:
        self.clock, self.ttl_s, self.max_entries = clock, ttl_s, max_entries
        self.key = os.urandom(32)
        self.entries: OrderedDict[bytes, tuple[int, float]] = OrderedDict()

    def _id(self, username: str, password: str) -> bytes:
        message = username.encode() + b"\0" + password.encode()
        return hmac.new(self.key, message, hashlib.sha256).digest()

    def epoch(self, username: str, password: str) -> int | None:
        """The epoch these credentials were last found good under, if that was recent."""
        entry = self.entries.get(self._id(username, password))
        if entry is None or self.clock() - entry[1] > self.ttl_s:
            return None
        return entry[0]

    def remember(self, username: str, password: str, epoch: int) -> None:
        key = self._id(username, password)
        self.entries.pop(key, None)
        self.entries[key] = (epoch, self.clock())
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


class Credentials:
    def __init__(self, users: UserStore, work: PasswordWork, throttle: LoginThrottle,
                 cache: BasicCache) -> None:
        self.users, self.work, self.throttle, self.cache = users, work, throttle, cache

    def _check_throttle(self, keys: tuple[str, ...]) -> None:
        wait = self.throttle.retry_after_header(keys)
        if wait > 0:
            raise Throttled(wait)

    async def by_password(self, address: str, username: str, password: str,
                          remember: bool = False) -> User:
        """The user, or ``Throttled`` / ``BadCredentials`` / ``passwords.Busy``."""
        keys = (address_key(address), user_key(username))
        self._check_throttle(keys)
        epoch = self.cache.epoch(username, password) if remember else None
        if epoch is not None:
            user = await asyncio.to_thread(self.users.user, username)
            if user is not None and user.epoch == epoch:
                return user
        found = await self.work.run(self.users.authenticate, username, password)
        if found is None:
            self.throttle.failed(keys)
            raise BadCredentials
        self.throttle.succeeded(username)
        if remember:
            self.cache.remember(username, password, found.epoch)
        return found

    async def by_token(self, address: str, token: str) -> User:
        """Tokens are long random strings: throttled per address only, against floods."""
        keys = (address_key(address),)
        self._check_throttle(keys)
        user = await asyncio.to_thread(self.users.token_user, token)
        if user is None:
            self.throttle.failed(keys)
            raise BadCredentials
        return user

    async def by_session(self, session: Session) -> User | None:
        """The session's user while the account is enabled and the epoch unchanged."""
        user = await asyncio.to_thread(self.users.user, session.username)
        return user if user is not None and user.epoch == session.epoch else None
