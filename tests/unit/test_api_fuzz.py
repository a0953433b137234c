"""Schemathesis over the whole documented API (issue 16, part 4): no 5xx, and every reply as
the document says (its status listed, its media type, its schema: errors the Error body).

Every route the app serves is in the document (test_web_access.py checks the router); all
are fuzzed but the endless event stream and /healthz (503 here: no Asterisk, AMI, redis).
The real web app runs on a loopback port in a thread with a real SQLite database (no Asterisk,
no redis: the board is ``web_fixtures.FakeBoardSource``), and each operation is fuzzed with
schemathesis' positive and negative cases as each role (an API token each) and as no one.
Derandomized so ``make test`` is repeatable; ``IVR_FUZZ_EXAMPLES=50`` digs deeper.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
import yarl
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from web_fixtures import ADMIN, FakeBoardSource, as_user, bearer, settings_for

from ivr.app import web_app
from ivr.web.keys import CREDENTIALS, OPERATORS, SOURCE, USERS
from ivr.web.openapi import document
from ivr.web.throttle import LoginThrottle

EXAMPLES = int(os.environ.get("IVR_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
ACCOUNTS = {"operator": ("fz-op", "operator-pass-1"), "supervisor": ("fz-sup", "super-pass-1"),
            "agency": ("fz-agency", "agency-pass-1")}
WHO = ["anonymous", "operator", "supervisor", "agency", "admin"]
SCHEMA = schemathesis.openapi.from_dict(document())
# The event stream never ends: its limits and errors are test_web_security_inputs.py's.
# /healthz is 503 here by design: no Asterisk, AMI or redis.
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())
              if op.path not in ("/api/v1/events", "/healthz")}


@dataclass
class LiveApp:
    """The web app served on a free loopback port by its own event loop in a thread."""

    app: web.Application
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        runner = web.AppRunner(self.app)
        started = threading.Event()

        async def serve() -> None:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            self.url = f"http://{host}:{port}"
            started.set()

        self.runner = runner
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(serve(), self.loop).result(timeout=60)
        assert started.is_set()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class MemoryPauses:
    """The operators' pauses without redis (``roster.pauses.PauseDesk``'s three calls)."""

    def __init__(self) -> None:
        self.asked: dict[str, str] = {}

    async def pause(self, username: str, reason: str) -> None:
        self.asked[username] = reason

    async def unpause(self, username: str) -> None:
        self.asked.pop(username, None)

    async def all(self) -> dict[str, str]:
        return dict(self.asked)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    served = LiveApp(web_app(settings_for(data), FakeBoardSource()))
    served.start()
    # The fuzzer's garbage credentials would lock 127.0.0.1 out for the roles' runs: no
    # back-off here (its own tests: test_web_security_throttle.py, test_service_limits.py).
    credentials = served.app[CREDENTIALS]
    credentials.throttle = LoginThrottle(credentials.throttle.clock, base_s=0.0, cap_s=0.0)
    desk = served.app[OPERATORS]  # the live state without redis, as the board's source
    desk.live, desk.pauses = served.app[SOURCE], MemoryPauses()
    users = served.app[USERS]
    for role, (name, password) in ACCOUNTS.items():
        users.add(name, role, password)
    users.set_agencies(ACCOUNTS["agency"][0], ["public_works"])
    for n in range(40):  # DELETE /api/v1/tokens/{id} is fuzzed: small ids are not ours
        users.issue_token(ADMIN[0], f"decoy {n}")
    names = {role: name for role, (name, _) in ACCOUNTS.items()} | {"admin": ADMIN[0]}
    served.tokens = {role: users.issue_token(name, "fuzz")[1] for role, name in names.items()}
    yield served
    served.stop()


def auth(live: LiveApp, who: str) -> dict[str, str]:
    return {} if who == "anonymous" else {"Authorization": f"Bearer {live.tokens[who]}"}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
@pytest.mark.parametrize("who", WHO)
def test_the_api_as_documented(live: LiveApp, who: str, label: str) -> None:
    operation = OPERATIONS[label]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE))
    headers = auth(live, who)

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate, Phase.shrink])
    def one(case: schemathesis.Case) -> None:
        response = case.call(base_url=live.url, headers=headers, timeout=20)
        case.validate_response(response, checks=CHECKS)
        if headers and operation.path != "/login":  # a role's own token gets past the door
            assert response.status_code not in (401, 429), response.text

    one()


async def test_redis_away_is_a_503_with_retry_after(client: TestClient) -> None:
    """What the fuzzer found first: the operators' states were a 500 while redis was away."""
    reply = await client.get("/api/v1/operators", headers=as_user("sri"))
    assert reply.status == 503
    assert reply.headers["Retry-After"] == "5"
    assert (await reply.json())["error_id"] == "live-unavailable"


@pytest.mark.parametrize("path", ["/open311/v2/requests/%0A.json",
                                  "/open311/v2/services/%C2%90%0A%C3%BC%09.xml"])
async def test_open311_paths_with_a_new_line_are_open311_s(client: TestClient,
                                                           path: str) -> None:
    """Found by the fuzzer: the access table's ``.*`` stopped at a new line, so the path
    needed an admin, and the refusal escaped Open311's error handling as a bare 500."""
    for headers in ({}, as_user("ani")):
        reply = await client.get(yarl.URL(path, encoded=True), headers=headers,
                                 allow_redirects=False)
        assert reply.status == 404, await reply.text()
    wrong = await client.get(yarl.URL(path, encoded=True), headers=bearer("not-a-token"))
    assert wrong.status == 401
    assert (await wrong.json())[0]["code"] == 401
