"""Backoff after failed logins, per address and per user name (pure: the clock is passed in).

A key (``addr:<ip>`` or ``user:<name>``) may fail ``free`` times; after that it is refused for
``base_s * 2**(failures - free)`` seconds from its last failure, capped at ``cap_s``: with the
defaults 5 free failures, then 1 s, 2 s, 4 s ... up to 5 minutes. A success clears the user's
count (not the address's: a caller's own account must not wash an address clean). Keys
forgotten after ``forget_s`` without a failure; at most ``max_keys`` are kept (the oldest go
first), so a spray of names or addresses cannot grow memory without end.

A refused request is answered 429 with ``Retry-After`` before any password is checked, so a
guess made while refused tells nothing. The price: someone failing on purpose for a user
name delays that user's password logins too (API tokens are not throttled per user).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

FREE_FAILURES_PER_USER = 5
FREE_FAILURES_PER_ADDRESS = 20  # many people may share an address (an office, a proxy)
BASE_DELAY_S = 1.0
MAX_DELAY_S = 300.0
FORGET_AFTER_S = 3600.0
MAX_KEYS = 10_000


@dataclass
class Failures:
    count: int
    last: float


def delay_s(failures: int, free: int, base_s: float = BASE_DELAY_S,
            cap_s: float = MAX_DELAY_S) -> float:
    """How long a key with ``failures`` must wait after its last one (0 while still free)."""
    if failures < free:
        return 0.0
    return min(cap_s, base_s * 2.0 ** min(failures - free, 64))


def address_key(address: str) -> str:
    return "addr:" + address


def user_key(username: str) -> str:
    """Names are at most 64 characters: a longer one (never a user) is cut, to bound memory."""
    return "user:" + username[:65]


class LoginThrottle:
    def __init__(self, clock: Callable[[], float], base_s: float = BASE_DELAY_S,
                 cap_s: float = MAX_DELAY_S, forget_s: float = FORGET_AFTER_S,
                 max_keys: int = MAX_KEYS) -> None:
        self.clock = clock
        self.base_s, self.cap_s, self.forget_s, self.max_keys = base_s, cap_s, forget_s, max_keys
        self.failures: OrderedDict[str, Failures] = OrderedDict()

    @staticmethod
    def free(key: str) -> int:
        return FREE_FAILURES_PER_ADDRESS if key.startswith("addr:") else FREE_FAILURES_PER_USER

    def retry_after(self, keys: Iterable[str]) -> float:
        """Seconds until these keys may try again; 0 when they may now."""
        now, wait = self.clock(), 0.0
        for key in keys:
            seen = self.failures.get(key)
            if seen is None:
                continue
            if now - seen.last > self.forget_s:
                del self.failures[key]
                continue
            until = seen.last + delay_s(seen.count, self.free(key), self.base_s, self.cap_s)
            wait = max(wait, until - now)
        return wait

    def retry_after_header(self, keys: Iterable[str]) -> int:
        """``retry_after`` in whole seconds, rounded up (0 when allowed)."""
        return math.ceil(self.retry_after(keys))

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        for key in keys:
            seen = self.failures.pop(key, None)
            count = 1 if seen is None or now - seen.last > self.forget_s else seen.count + 1
            self.failures[key] = Failures(count, now)  # moved to the newest end
        while len(self.failures) > self.max_keys:
            self.failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        self.failures.pop(user_key(username), None)
