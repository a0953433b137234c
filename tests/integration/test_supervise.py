"""Routing by language skill and the supervisor's tools on the live stack (`ivr run` with
Asterisk, redis and the database), with SIPp phones and callers and headless Chromium.

One stack: `eka` speaks English (lang:en), `budi` does not; both are on shift in `hotline`.
`spv` is a phone account of the roster kept for the supervisor (on no shift, in no queue).
IVR_ROUTING_SKILL_WIDEN_AFTER is 4 s: an English caller is offered to `eka` only for 4 s,
then to everyone. The supervisor listens in from `spv`; the operators' page shows the
handled call and the pause given from the wallboard.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hotline import Hotline, free_tcp_and_udp_port, media_port, wait_for_members, wait_until
from sipp import Step
from sipp_operator import OperatorPhone
from test_console_browser import CHROMIUM, CHROMIUM_FLAGS

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.integration

ENGLISH, INDONESIAN, SUPERVISOR = "eka", "budi", "spv"
WIDEN_AFTER_S = 4
TO_OPERATOR_EN = [Step(1500, "2"), Step(2000, "0")]  # English; an operator
TO_OPERATOR_ID = [Step(1500, "1"), Step(2000, "0")]  # Indonesian; an operator


def roster_now(data_dir: Path, phones: dict[str, int]) -> None:
    """eka (lang:en) and budi (lang:id) on a shift that runs from an hour ago; spv's phone
    account on no shift. Each phone has a fixed contact on its SIPp port."""
    from ivr.roster.model import Assignment, Operator, Roster, Shift, Skills
    from ivr.roster.store import RosterStore, roster_path

    skills = {ENGLISH: Skills.parse("lang:en lang:id"), INDONESIAN: Skills.parse("lang:id"),
              SUPERVISOR: Skills()}
    operators = {name: Operator(name, f"sip-secret-{name}", name.title(), skills[name],
                                f"sip:{name}@127.0.0.1:{port}") for name, port in phones.items()}
    zone = Roster().tz
    now = datetime.now(UTC).astimezone(zone).replace(microsecond=0)
    begins, ends = now - timedelta(hours=1), now + timedelta(hours=2)
    RosterStore(roster_path(data_dir)).save(Roster(
        shifts={"now": Shift("now", begins.time(), ends.time())}, operators=operators,
        assignments=tuple(Assignment(begins.date(), name, "now", skills[name])
                          for name in (ENGLISH, INDONESIAN)),
        timezone=Roster().timezone))


@pytest.fixture(scope="module")
def ports() -> dict[str, tuple[int, int]]:
    return {name: (free_tcp_and_udp_port(), media_port())
            for name in (ENGLISH, INDONESIAN, SUPERVISOR)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          ports: dict[str, tuple[int, int]]) -> Iterator[Hotline]:
    data_dir = tmp_path_factory.mktemp("supervise")
    roster_now(data_dir, {name: port for name, (port, _) in ports.items()})
    hotline = Hotline(data_dir, IVR_ROUTING_SKILL_WIDEN_AFTER=str(WIDEN_AFTER_S),
                      IVR_VHOLD_AFTER="0")
    hotline.start()
    wait_for_members(hotline, "hotline", {ENGLISH, INDONESIAN}, 15)
    yield hotline
    hotline.stop()


def phone(name: str, ports: dict[str, tuple[int, int]], workdir: Path,
          **behaviour: object) -> OperatorPhone:
    return OperatorPhone(name, *ports[name], workdir, **behaviour)  # type: ignore[arg-type]


def first_offer(phones: list[OperatorPhone], caller: str, timeout_s: float
                ) -> dict[str, float]:
    """When each phone was first offered ``caller``'s call (monotonic s), polled together."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    while len(seen) < len(phones) and time.monotonic() < deadline:
        for one in phones:
            if one.username not in seen and caller in one.offered():
                seen[one.username] = time.monotonic()
        time.sleep(0.1)
    return seen


def test_an_english_caller_is_offered_to_lang_en_first_then_to_everyone_after_n_s(
        stack: Hotline, ports: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    english = phone(ENGLISH, ports, tmp_path, busy=True)  # on another line: refuses
    other = phone(INDONESIAN, ports, tmp_path, answer_after_ms=500)
    english.start(calls=50)
    other.start(calls=1)
    caller = "081288800201"
    try:
        call = stack.call("12345", caller, TO_OPERATOR_EN, 14_000, tmp_path)
        offers = first_offer([english, other], caller, 30)
        assert set(offers) == {ENGLISH, INDONESIAN}, offers
        # eka first (budi's penalty is lower: an Indonesian caller would go to him first);
        # budi only once the rule widened the offer, N s after the caller joined.
        assert WIDEN_AFTER_S - 1.5 <= offers[INDONESIAN] - offers[ENGLISH] <= WIDEN_AFTER_S + 4
        assert call.wait(timeout=30) == 0
    finally:
        english.stop()
        other.stop()
    assert english.offered().count(caller) >= 2  # tried again each retry until widened


def asterisk_cli(stack: Hotline, command: str) -> str:
    """An Asterisk CLI command on this hotline's Asterisk, as an admin at its console would
    (``asterisk -rx`` inside its mount namespace and root: ``nsenter -m -r``)."""
    marker = f"IVR_DATA_DIR={stack.data_dir}".encode()
    for proc in Path("/proc").iterdir():
        try:
            words = (proc / "cmdline").read_bytes().split(b"\0")
            ours = marker in (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if ours and words[0].endswith(b"asterisk") and b"-C" in words:
            conf = words[words.index(b"-C") + 1].decode()
            done = subprocess.run(["nsenter", "-t", proc.name, "-m", "-r", "--",
                                   "/usr/sbin/asterisk", "-C", conf, "-rx", command],
                                  capture_output=True, text=True, timeout=20)
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout
    raise AssertionError("no Asterisk process of this hotline")


def spy_channels(stack: Hotline) -> list[str]:
    """The ``core show channels concise`` lines of channels running ChanSpy."""
    return [line for line in asterisk_cli(stack, "core show channels concise").splitlines()
            if "!ChanSpy!" in line]


def test_a_supervisors_listen_rings_their_phone_and_joins_the_call_muted(
        stack: Hotline, ports: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    operator = phone(ENGLISH, ports, tmp_path, answer_after_ms=300)
    supervisor = phone(SUPERVISOR, ports, tmp_path, answer_after_ms=300)
    operator.start(calls=1)
    supervisor.start(calls=1)
    caller = "081288800202"
    try:
        call = stack.call("12345", caller, TO_OPERATOR_EN, 14_000, tmp_path)
        wait_until(lambda: caller in operator.offered(), 20, "eka answering the caller")
        time.sleep(1.0)  # answered (300 ms) and bridged
        status, body = stack.post(f"/api/v1/operators/{ENGLISH}/spy",
                                  {"mode": "listen", "phone": SUPERVISOR})
        assert status == 202, body
        wait_until(lambda: supervisor.offered(), 10, "the supervisor's phone ringing")
        [spy] = wait_until(lambda: spy_channels(stack), 10, "a ChanSpy channel")
        assert spy.startswith(f"PJSIP/{SUPERVISOR}-"), spy
        assert f"!ChanSpy!PJSIP/{ENGLISH}-,qE!" in spy, spy  # q: quiet, listen only
        refused, body = stack.post(f"/api/v1/operators/{ENGLISH}/spy",
                                   {"mode": "listen", "phone": "nobody"})
        assert refused == 422 and body["error_id"] == "spy-refused", body
        assert call.wait(timeout=40) == 0
        wait_until(lambda: not spy_channels(stack), 10, "ChanSpy ending with the call (E)")
    finally:
        operator.stop()
        supervisor.stop()


def test_the_operators_page_shows_the_handled_call_and_the_pause_from_the_wallboard(
        stack: Hotline, ports: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    operator = phone(INDONESIAN, ports, tmp_path, answer_after_ms=300)
    operator.start(calls=1)
    caller = "081288800203"
    web = f"http://127.0.0.1:{stack.ports['web']}"
    try:
        call = stack.call("12345", caller, TO_OPERATOR_ID, 9000, tmp_path)
        with playwright.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_FLAGS)
            page = browser.new_context().new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{web}/wallboard")
            page.fill("#username", stack.env["IVR_ADMIN_USER"])
            page.fill("#password", stack.env["IVR_ADMIN_PASSWORD"])
            page.click("#submit")
            page.wait_for_url(re.compile(r"/wallboard$"))
            assert call.wait(timeout=30) == 0  # budi answered; the caller hung up
            page.wait_for_selector(f'#supervise-operator option[value="{ENGLISH}"]',
                                   state="attached")
            page.select_option("#supervise-operator", ENGLISH)
            page.fill("#supervise-reason", "break")
            page.click('#supervise button[data-action="pause"]')
            page.locator("#supervise-status", has_text="pause: eka").wait_for()
            page.locator('#operators td', has_text="break").wait_for()  # Asterisk paused
            time.sleep(2.0)
            page.click('#supervise button[data-action="unpause"]')
            page.locator("#supervise-status", has_text="unpause: eka").wait_for()
            wait_until(lambda: page.locator('#operators td', has_text="break").count() == 0,
                       10, "eka unpaused")
            page.goto(f"{web}/reports/operators")
            row = page.locator(f'tr.operator-figures[data-operator="{INDONESIAN}"]')
            row.wait_for()
            assert int(row.locator(".handled").inner_text()) >= 1
            eka = page.locator(f'tr.operator-figures[data-operator="{ENGLISH}"]')
            assert "break" in eka.locator(".reasons").inner_text()
            assert eka.locator(".paused").inner_text() not in ("0s", "1s")
            eka.locator("a").click()  # the operator's own page
            page.wait_for_url(re.compile(rf"operator={ENGLISH}$"))
            assert page.locator("tr.operator-figures").count() == 1
            browser.close()
        status, figures = stack.get(f"/api/v1/reports/operators?operator={ENGLISH}")
        assert status == 200, figures
        [line] = figures["lines"]
        assert line["pause_s_by_reason"]["break"] >= 2.0
    finally:
        operator.stop()
