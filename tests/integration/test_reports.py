"""Reports end to end: a real 112 caller abandons in fire; the AMI process records the call
and the calls report for today (city time) shows it."""

from __future__ import annotations

import base64
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hotline import Hotline
from sipp import Step

pytestmark = pytest.mark.integration

CALLER = "081277788801"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    """A hotline of our own: the counts below must be this test's calls only."""
    hotline = Hotline(tmp_path_factory.mktemp("reports"))
    hotline.start()
    yield hotline
    hotline.stop()


def fire_line(stack: Hotline, today: str) -> dict[str, int] | None:
    status, body = stack.get(f"/api/v1/reports/calls?from={today}&to={today}&by=queue")
    assert status == 200, body
    return next((line for line in body["lines"] if line["key"] == "fire"), None)


def test_an_abandoned_112_call_is_in_the_calls_report(stack: Hotline, tmp_path: Path) -> None:
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    call = stack.call("112", CALLER, [Step(1500, "2")], 6000, tmp_path)
    assert stack.wait_for_caller(CALLER, 5, "fire")[0] == "fire"
    assert call.wait(timeout=60) == 0  # hung up while waiting: nobody answered
    deadline = time.monotonic() + 10
    line = fire_line(stack, today)
    while (line is None or line["abandoned"] < 1) and time.monotonic() < deadline:
        time.sleep(0.2)
        line = fire_line(stack, today)
    assert line is not None
    assert (line["offered"], line["answered"], line["abandoned"]) == (1, 0, 1)
    assert line["service_level_15s"] == 0.0  # an abandoned call counts against the level
    status, day = stack.get(f"/api/v1/reports/calls?from={today}&to={today}&by=day")
    assert status == 200 and day["lines"] == [{**day["lines"][0], "key": today}]
    assert day["total"]["abandoned"] == 1

    # The same as CSV, as a spreadsheet would fetch it.
    url = (f"http://127.0.0.1:{stack.ports['web']}/api/v1/reports/calls"
           f"?from={today}&to={today}&by=queue&format=csv")
    request = urllib.request.Request(url, headers={"Authorization": basic_admin(stack)})
    with urllib.request.urlopen(request, timeout=5) as reply:
        text = reply.read().decode()
    assert text.splitlines()[0].startswith("key,offered,answered,abandoned")
    assert "fire,1,0,1," in text


def basic_admin(stack: Hotline) -> str:
    login = f"{stack.env['IVR_ADMIN_USER']}:{stack.env['IVR_ADMIN_PASSWORD']}"
    return "Basic " + base64.b64encode(login.encode()).decode()
