"""The console's attended transfer to another operator and blind transfer to an agency's
number, on the live stack (`ivr run`: Asterisk, our dialplan, AMI, roster, web), with SIPp
phones (issue 15: "transfer a call, blind or attended, to another queue, another operator or
an agency number"; the transfer to a queue is in test_operator_day_browser.py).

`ani` takes 112 calls; `budi` is on a break (paused in every queue), so a 112 caller reaches
him only by ani's transfer. The agency's number is a SIPp phone behind the outbound trunk.
The console is driven over its API as ani (HTTP Basic), as console.js drives it.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hotline import (
    Hotline,
    free_tcp_and_udp_port,
    media_port,
    queue_members,
    run_ivr,
    wait_for_members,
    wait_until,
)
from sipp_operator import OperatorPhone
from test_console_browser import add_web_user
from test_supervise import asterisk_cli

pytestmark = pytest.mark.integration

ANI, BUDI, AGENCY = "ani", "budi", "agency"
ANI_PASSWORD = "transfer-pass-1"
AGENCY_NUMBER = "0215550100"


def roster_now(data_dir: Path, ports: dict[str, tuple[int, int]]) -> None:
    from ivr.roster.model import Assignment, Operator, Roster, Shift, Skills
    from ivr.roster.store import RosterStore, roster_path

    skills = {ANI: Skills.parse("police fire ambulance lang:id"),
              BUDI: Skills.parse("police fire ambulance lang:id")}
    operators = {name: Operator(name, f"sip-secret-{name}", name.title(), skills[name],
                                f"sip:{name}@127.0.0.1:{ports[name][0]}") for name in skills}
    zone = Roster().tz
    now = datetime.now(UTC).astimezone(zone).replace(microsecond=0)
    begins, ends = now - timedelta(hours=1), now + timedelta(hours=2)
    RosterStore(roster_path(data_dir)).save(Roster(
        shifts={"now": Shift("now", begins.time(), ends.time())}, operators=operators,
        assignments=tuple(Assignment(begins.date(), name, "now", skills[name])
                          for name in skills),
        timezone=Roster().timezone))


@pytest.fixture(scope="module")
def ports() -> dict[str, tuple[int, int]]:
    return {name: (free_tcp_and_udp_port(), media_port()) for name in (ANI, BUDI, AGENCY)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          ports: dict[str, tuple[int, int]]) -> Iterator[Hotline]:
    data_dir = tmp_path_factory.mktemp("console-transfers")
    roster_now(data_dir, ports)
    hotline = Hotline(data_dir, IVR_EMERGENCY_SURGE_AFTER="600", IVR_VHOLD_AFTER="0",
                      IVR_OUTBOUND_TRUNK=f"127.0.0.1:{ports[AGENCY][0]}")
    hotline.start()
    try:
        add_web_user(hotline, ANI, "operator", ANI_PASSWORD)
        wait_for_members(hotline, "police", {ANI, BUDI}, 15)
        # Budi takes no queue call here (a break): he is reached only by ani's transfer.
        run_ivr(hotline, "operator", "pause", BUDI, "--reason", "break")
        wait_until(lambda: queue_members(hotline)["police"][BUDI]["paused"], 10, "budi paused")
        yield hotline
    finally:
        hotline.stop()


def phone(name: str, ports: dict[str, tuple[int, int]], workdir: Path,
          **behaviour: Any) -> OperatorPhone:
    return OperatorPhone(name, *ports[name], workdir, **behaviour)


def as_ani(stack: Hotline, path: str, body: dict[str, str]) -> tuple[int, Any]:
    """A console request signed in as ani (HTTP Basic), as her browser makes it."""
    login = base64.b64encode(f"{ANI}:{ANI_PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.ports['web']}{path}", method="POST",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Basic {login}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def bridges(stack: Hotline) -> list[set[str]]:
    """Asterisk's bridges, each as the names of the channels in it."""
    found: dict[str, set[str]] = {}
    for line in asterisk_cli(stack, "core show channels concise").splitlines():
        fields = line.split("!")
        if len(fields) > 12 and fields[12]:
            found.setdefault(fields[12], set()).add(fields[0])
    return list(found.values())


def talking(stack: Hotline, one: str, other: str) -> bool:
    """Whether a channel named ``one…`` and one named ``other…`` hear each other: in one
    bridge, or in two bridged through the two halves of a Local channel (the transfer's)."""
    def ends(bridge: set[str], prefix: str) -> bool:
        return any(name.startswith(prefix + "-") for name in bridge)

    now = bridges(stack)
    if any(ends(b, one) and ends(b, other) for b in now):
        return True
    halves = {name.rsplit(";", 1)[0] for b in now for name in b if name.startswith("Local/")}
    return any(ends(a, one) and ends(b, other) and f"{local};1" in a | b and f"{local};2" in a | b
               for local in halves for a in now for b in now if a is not b)


def nobody_talks_with(stack: Hotline, prefix: str) -> bool:
    return not any(name.startswith(prefix + "-") for b in bridges(stack) for name in b)


def transfer_when_connected(stack: Hotline, body: dict[str, str]) -> tuple[int, Any]:
    """The transfer, asked again while the console does not yet see ani's call connected
    (``no-call``: the offer reaches the web service's feed a moment after the answer)."""
    reply: tuple[int, Any] = (0, None)

    def sent() -> bool:
        nonlocal reply
        reply = as_ani(stack, "/api/v1/console/transfer", body)
        return (reply[1] or {}).get("error_id") != "no-call"
    wait_until(sent, 15, "ani's call connected at the console", every_s=0.5)
    return reply


def test_an_attended_transfer_rings_budi_and_joins_the_caller_to_him_when_ani_hangs_up(
        stack: Hotline, ports: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    ani = phone(ANI, ports, tmp_path, answer_after_ms=500, hangs_up_after_ms=9000)
    budi = phone(BUDI, ports, tmp_path, answer_after_ms=500)
    ani.start(calls=1)
    budi.start(calls=1)
    caller = "081299900301"
    try:
        call = stack.call("112", caller, [], 30_000, tmp_path)
        wait_until(lambda: caller in ani.offered(), 20, "ani offered the caller")
        status, body = transfer_when_connected(
            stack, {"mode": "attended", "to": "operator", "target": BUDI})
        assert status == 200, body
        # Budi's phone rings from ani's side while the caller waits on hold.
        wait_until(lambda: budi.offered(), 10, "budi's phone ringing")
        assert caller not in ani.offered()[1:]
        # Ani hangs up (her phone does after 9 s): Asterisk joins the caller to budi.
        wait_until(lambda: talking(stack, "PJSIP/pstn-trunk", f"PJSIP/{BUDI}"), 20,
                   "the caller bridged with budi")
        assert nobody_talks_with(stack, f"PJSIP/{ANI}")
        assert call.wait(timeout=40) == 0  # the caller stayed on until their own hang-up
    finally:
        ani.stop()
        budi.stop()


def test_a_blind_transfer_to_an_agency_number_dials_it_over_the_trunk(
        stack: Hotline, ports: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    ani = phone(ANI, ports, tmp_path, answer_after_ms=500)
    agency = phone(AGENCY, ports, tmp_path, answer_after_ms=500)
    ani.start(calls=1)
    agency.start(calls=1)
    caller = "081299900302"
    try:
        call = stack.call("112", caller, [], 20_000, tmp_path)
        wait_until(lambda: caller in ani.offered(), 20, "ani offered the caller")
        refused, body = transfer_when_connected(
            stack, {"mode": "blind", "to": "number", "target": "12ab"})
        assert refused == 400 and body["details"]["field"] == "target", body
        status, body = as_ani(stack, "/api/v1/console/transfer",
                              {"mode": "blind", "to": "number", "target": AGENCY_NUMBER})
        assert status == 200, body
        wait_until(lambda: AGENCY_NUMBER in agency.dialled(), 10,
                   "the agency's number dialled over the trunk")
        wait_until(lambda: talking(stack, "PJSIP/pstn-trunk", "PJSIP/outbound-trunk"), 10,
                   "the caller bridged with the agency")
        assert nobody_talks_with(stack, f"PJSIP/{ANI}")
        assert call.wait(timeout=30) == 0
    finally:
        ani.stop()
        agency.stop()
