"""Password hashes (scrypt from the standard library) and the threads that compute them.

A hash is ``scrypt$N$r$p$salt$digest`` (hex): it records its own parameters, so hashes made
with the older N = 2**14 still verify after N was raised, and ``needs_rehash`` says when a
successful login should store a fresh one.

scrypt is slow on purpose (tens of milliseconds of one core). It runs on ``PasswordWork``'s
own two threads, never on the event loop's default executor: a flood of wrong passwords then
queues behind itself and does not delay the database calls of the other requests.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAXMEM = 64 * 2**20  # N=2**15, r=8 needs 32 MiB; OpenSSL's default limit is 32 MiB
HASH_WORKERS = 2
MAX_WAITING = 64  # password checks queued beyond this are refused (busy) at once

T = TypeVar("T")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex), the parameters kept so they can change later."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=SCRYPT_MAXMEM)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` is the one ``stored`` was made from (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        mine = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                              p=int(p), maxmem=SCRYPT_MAXMEM)
    except ValueError:
        return False
    return hmac.compare_digest(mine.hex(), digest)


def needs_rehash(stored: str) -> bool:
    """A hash made with other parameters than today's (checked after a successful login)."""
    return not stored.startswith(f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")


@functools.cache
def dummy_hash() -> str:
    """Made once per process (call it at start so the first unknown user costs no more)."""
    return hash_password(os.urandom(16).hex())


def check_nobody(password: str) -> None:
    """The cost of one real check, for an unknown or disabled user: timing tells no names."""
    check_password(password, dummy_hash())


class Busy(Exception):
    """Too many password checks are already waiting: try again in a moment."""


class PasswordWork:
    """A small executor of its own for scrypt, with a bound on the checks waiting for it."""

    def __init__(self, workers: int = HASH_WORKERS, max_waiting: int = MAX_WAITING) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scrypt")
        self.max_waiting = max_waiting
        self.waiting = 0

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on the scrypt threads; ``Busy`` when the queue is full."""
        if self.waiting >= self.max_waiting:
            raise Busy
        self.waiting += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, functools.partial(fn, *args))
        finally:
            self.waiting -= 1

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
