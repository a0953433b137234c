"""Take the README's screenshots from the live stack (run by hand: ``make screenshots``).

Starts ``ivr run`` with Asterisk, redis and the database (``tests/hotline.py``'s ``Hotline``,
in a temporary folder, on free ports), puts operator ``ani`` on shift with a SIPp phone,
and makes a short day of calls with SIPp callers: a police call answered in time, two fire
callers who give up waiting (fire misses NENA's target: red on the wall screen), then callers
left waiting in ambulance, fire and the hotline while ani's phone rings with one of them.
Then headless Chromium (playwright) saves the wall screen, the wallboard, ani's console and
the admin's home (after three tickets made over the API, for the wall screen's counts) to
``docs/screenshots/*.png`` (each checked under ``MAX_BYTES``).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hotline import (  # noqa: E402 - the tests' helpers, from the checkout
    Hotline,
    _media_port,
    free_tcp_and_udp_port,
    on_shift_now,
    wait_for_members,
    wait_until,
)
from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from sipp import Step  # noqa: E402
from sipp_operator import OperatorPhone  # noqa: E402

OPERATOR, PASSWORD = "ani", "screenshots-operator-1"
SKILLS = "police fire ambulance lang:id"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
MAX_BYTES = 300_000
# (file, page, who, viewport, what to wait for before the picture)
SHOTS = (
    ("wallscreen.png", "/wallscreen", "admin", (1920, 1080),
     '#ws-queues .ws-queue[data-queue="fire"][data-state="red"] svg.sparkline'),
    ("wallboard.png", "/wallboard", "admin", (1440, 900), "#waiting tbody tr"),
    ("console.png", "/console", OPERATOR, (1280, 800), "#call:not([hidden])"),
    ("home.png", "/", "admin", (1280, 800), "ul.cards li"),
)


def add_operator_login(stack: Hotline) -> None:
    login = f"{stack.env['IVR_ADMIN_USER']}:{stack.env['IVR_ADMIN_PASSWORD']}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.ports['web']}/api/v1/users", method="POST",
        data=json.dumps({"username": OPERATOR, "role": "operator",
                         "password": PASSWORD}).encode(),
        headers={"Authorization": "Basic " + base64.b64encode(login.encode()).decode(),
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status in (200, 201)


def a_short_day(stack: Hotline, work: Path, port: int, media: int
                ) -> tuple[OperatorPhone, list[subprocess.Popen[bytes]]]:
    """The calls: answered, abandoned, then left waiting (returned, still running)."""
    quick = OperatorPhone(OPERATOR, port, media, work, answer_after_ms=1000)
    quick.start(calls=1)
    answered = stack.call("112", "081200000001", [Step(1500, "1")], 6000, work)
    if answered.wait(60) != 0:
        raise SystemExit(f"the answered police call failed: see {work}/sipp-081200000001.log")
    quick.stop()
    givers_up = [stack.call("112", f"08120000001{n}", [Step(1500, "2")], 4000, work)
                 for n in range(2)]
    for call in givers_up:
        call.wait(60)
    for n, (kind, category, sub) in enumerate((("complaint", "roads", "dago"),
                                               ("handling_request", "roads", "sekeloa"),
                                               ("consultation", "roads", "dago"))):
        status, made = stack.post(f"/api/v1/calls/screenshots.{n}/ticket", {
            "kind": kind, "category": category, "subdistrict": sub,
            "description": "Pothole by the school", "caller_number": f"08120000004{n}"})
        if status != 201:
            raise SystemExit(f"a ticket for the wall screen was refused: {status} {made}")
    ringing = OperatorPhone(OPERATOR, port, media, work, answers=False)
    ringing.start(calls=1)
    waiting = [stack.call("112", "081200000021", [Step(1500, "3")], 120_000, work),
               stack.call("112", "081200000022", [Step(1500, "2")], 120_000, work),
               *(stack.call("12345", f"08120000003{n}", [Step(1500, "1"), Step(2500, "0")],
                            120_000, work) for n in range(2))]
    wait_until(lambda: sum(len(w) for w in stack.waiting().values()) >= 3, 60,
               "three callers waiting")
    return ringing, waiting


def take(browser: Browser, stack: Hotline, out: Path) -> list[Path]:
    passwords = {"admin": stack.env["IVR_ADMIN_PASSWORD"], OPERATOR: PASSWORD}
    users = {"admin": stack.env["IVR_ADMIN_USER"], OPERATOR: OPERATOR}
    saved = []
    for name, path, who, (width, height), ready in SHOTS:
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        page.set_default_timeout(30_000)
        page.goto(f"http://127.0.0.1:{stack.ports['web']}{path}")
        page.fill("#username", users[who])
        page.fill("#password", passwords[who])
        page.click("#submit")
        page.wait_for_url(re.compile(re.escape(path) + "$"))
        page.locator(ready).first.wait_for()
        time.sleep(1.5)  # the first poll's figures and a tick of the timers
        target = out / name
        page.screenshot(path=str(target))
        if target.stat().st_size > MAX_BYTES:
            raise SystemExit(f"{target} is {target.stat().st_size} bytes: over {MAX_BYTES}")
        saved.append(target)
        page.context.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hotline-screenshots-") as folder:
        work = Path(folder)
        port, media = free_tcp_and_udp_port(), _media_port()
        on_shift_now(work / "data", OPERATOR, SKILLS, f"sip:{OPERATOR}@127.0.0.1:{port}", 2)
        stack = Hotline(work / "data")
        stack.start()
        phone, waiting = None, []
        try:
            add_operator_login(stack)
            wait_for_members(stack, "fire", {OPERATOR}, 15)
            phone, waiting = a_short_day(stack, work, port, media)
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=FLAGS)
                for saved in take(browser, stack, out):
                    print(f"{saved}: {saved.stat().st_size} bytes")
                browser.close()
        finally:
            for call in waiting:
                call.terminate()
                call.wait(10)
            if phone is not None:
                phone.stop()
            stack.stop()


if __name__ == "__main__":
    main()
