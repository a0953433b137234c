"""Failed logins back off, unknown names cost what known ones do, scrypt has threads of its
own and Basic successes are remembered (issue 19, item 8)."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import ADMIN, USERS_, basic, bearer, issue_token, start_client

from ivr.passwords import Busy, PasswordWork, check_password, needs_rehash
from ivr.web.credentials import BasicCache
from ivr.web.keys import CREDENTIALS
from ivr.web.throttle import LoginThrottle, address_key, delay_s, user_key

ANI = ("ani", USERS_["ani"][1])


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await start_client(tmp_path)
    yield client
    await client.close()


@pytest.fixture
def clock(client: TestClient) -> Clock:
    """The server's throttle and Basic cache on a clock the test moves."""
    fake = Clock()
    credentials = client.server.app[CREDENTIALS]
    credentials.throttle.clock = fake
    credentials.cache.clock = fake
    return fake


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread name of every scrypt run from now on."""
    calls: list[str] = []
    real = hashlib.scrypt

    def counted(*args: Any, **kwargs: Any) -> bytes:
        calls.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    return calls


# -- the backoff, pure -------------------------------------------------------------------------

@pytest.mark.parametrize(("failures", "free", "expected"), [
    (0, 5, 0.0), (4, 5, 0.0), (5, 5, 1.0), (6, 5, 2.0), (7, 5, 4.0), (13, 5, 256.0),
    (14, 5, 300.0), (10_000, 5, 300.0), (19, 20, 0.0), (20, 20, 1.0),
])
def test_delay_doubles_after_the_free_failures_up_to_the_cap(failures: int, free: int,
                                                             expected: float) -> None:
    assert delay_s(failures, free) == expected


def test_a_user_is_refused_after_five_failures_and_a_success_clears_only_the_user() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    keys = (address_key("10.0.0.1"), user_key("ani"))
    for _ in range(5):
        assert throttle.retry_after(keys) == 0
        throttle.failed(keys)
    assert throttle.retry_after(keys) == 1.0
    assert throttle.retry_after_header([user_key("ani")]) == 1
    clock.now += 0.5
    assert throttle.retry_after(keys) == 0.5
    clock.now += 0.5
    assert throttle.retry_after(keys) == 0
    throttle.failed(keys)
    assert throttle.retry_after(keys) == 2.0
    throttle.succeeded("ani")
    assert throttle.retry_after([user_key("ani")]) == 0
    assert throttle.failures[address_key("10.0.0.1")].count == 6  # the address keeps its count


def test_an_address_may_fail_twenty_times_over_many_names() -> None:
    throttle = LoginThrottle(Clock())
    for n in range(20):
        throttle.failed((address_key("10.0.0.2"), user_key(f"u{n}")))
    assert throttle.retry_after([address_key("10.0.0.2"), user_key("fresh")]) == 1.0
    assert throttle.retry_after([address_key("10.0.0.3"), user_key("fresh")]) == 0


def test_old_failures_are_forgotten_and_memory_is_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock, max_keys=3)
    for _ in range(9):
        throttle.failed([user_key("ani")])
    clock.now += 3601
    assert throttle.retry_after([user_key("ani")]) == 0
    for n in range(10):
        throttle.failed([user_key(f"u{n}")])
    assert list(throttle.failures) == ["user:u7", "user:u8", "user:u9"]
    assert user_key("x" * 10_000) == "user:" + "x" * 65


def test_the_basic_cache_keeps_no_password_and_expires() -> None:
    clock = Clock()
    cache = BasicCache(clock, ttl_s=60, max_entries=2)
    cache.remember("ani", "secret-pass", 4)
    assert cache.epoch("ani", "secret-pass") == 4
    assert cache.epoch("ani", "other-pass") is None
    assert all(b"secret-pass" not in key for key in cache.entries)
    clock.now += 61
    assert cache.epoch("ani", "secret-pass") is None
    for n in range(3):
        cache.remember(f"u{n}", "p", 0)
    assert len(cache.entries) == 2


# -- through the server ------------------------------------------------------------------------

async def test_basic_backs_off_after_five_failures_even_for_the_right_password(
        client: TestClient, clock: Clock) -> None:
    for _ in range(5):
        assert (await client.get("/api/v1/console", headers=basic("ani", "wrong"))
                ).status == 401
    refused = await client.get("/api/v1/console", headers=basic(*ANI))
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "1"
    assert (await refused.json())["error_id"] == "too-many-failures"
    clock.now += 1.0
    assert (await client.get("/api/v1/console", headers=basic(*ANI))).status == 200
    assert (await client.get("/api/v1/console", headers=basic("ani", "wrong"))).status == 401


async def test_the_login_form_backs_off_too(client: TestClient, clock: Clock) -> None:
    statuses, retry = [], ""
    for _ in range(6):
        page = await client.get("/login")
        csrf = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
        reply = await client.post("/login", data={"username": "sri", "password": "wrong-one",
                                                  "csrf_token": csrf}, allow_redirects=False)
        statuses.append(reply.status)
        retry = reply.headers.get("Retry-After", "")
    assert statuses == [401] * 5 + [429]
    assert retry == "1"


async def test_one_address_trying_many_names_is_refused(client: TestClient,
                                                        clock: Clock) -> None:
    for n in range(20):
        await client.get("/api/v1/console", headers=basic(f"guess{n}", "wrong"))
    assert (await client.get("/api/v1/console", headers=basic(*ANI))).status == 429


async def test_an_unknown_user_costs_one_scrypt_like_a_known_one(
        client: TestClient, scrypt_calls: list[str]) -> None:
    assert (await client.get("/api/v1/queues", headers=basic("nobody", "wrong"))).status == 401
    unknown = len(scrypt_calls)
    assert (await client.get("/api/v1/queues", headers=basic("ani", "wrong"))).status == 401
    assert unknown == 1 and len(scrypt_calls) == 2


async def test_a_good_basic_login_is_remembered_until_the_password_changes(
        client: TestClient, scrypt_calls: list[str]) -> None:
    for _ in range(3):
        assert (await client.get("/api/v1/console", headers=basic(*ANI))).status == 200
    assert len(scrypt_calls) == 1
    assert all(name.startswith("scrypt") for name in scrypt_calls)
    reset = await client.post("/api/v1/users/ani/password", json={"password": "other-pass-9"},
                              headers=basic(*ADMIN))
    assert reset.status == 200
    assert (await client.get("/api/v1/console", headers=basic(*ANI))).status == 401


async def test_password_checks_do_not_hold_up_other_worker_threads(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight wrong logins stuck in scrypt; a token request (a plain worker thread) answers."""
    _, token = await issue_token(client, "sri")
    gate, inside = threading.Event(), []
    real = hashlib.scrypt

    def stuck(*args: Any, **kwargs: Any) -> bytes:
        inside.append(threading.current_thread().name)
        gate.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", stuck)
    logins = [asyncio.create_task(client.get("/api/v1/queues", headers=basic(f"x{n}", "bad")))
              for n in range(8)]
    try:
        async with asyncio.timeout(10):
            while len(inside) < 2:
                await asyncio.sleep(0.01)
        reply = await asyncio.wait_for(client.get("/api/v1/wallboard", headers=bearer(token)),
                                       5)
        assert reply.status == 200
        assert len(inside) == 2 and all(n.startswith("scrypt") for n in inside)
    finally:
        gate.set()
        await asyncio.gather(*logins)


async def test_password_work_refuses_when_too_many_wait() -> None:
    work = PasswordWork(workers=1, max_waiting=2)
    gate = threading.Event()
    try:
        waiting = [asyncio.create_task(work.run(gate.wait, 10)) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(Busy):
            await work.run(gate.wait, 10)
        gate.set()
        assert await asyncio.gather(*waiting) == [True, True]
    finally:
        gate.set()
        work.close()


def test_hashes_made_with_the_older_n_still_verify() -> None:
    old = ("scrypt$16384$8$1$" + "00" * 16 + "$"
           + hashlib.scrypt(b"pass-word-1", salt=bytes(16), n=2**14, r=8, p=1).hex())
    assert check_password("pass-word-1", old)
    assert not check_password("pass-word-2", old)
    assert needs_rehash(old)
