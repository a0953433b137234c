"""SIPp as an operator's phone: a UAS that rings, answers after N ms and holds until hung up.

The operator's PJSIP aor gets a fixed ``contact`` (sip:USER@127.0.0.1:PORT) pointing at this
SIPp, so no registration is needed; or, with ``registers`` (Asterisk's SIP port and the
phone's password), the phone registers as a softphone does and answers Asterisk's OPTIONS.
Every SIP message is traced to a file, which tells the
tests which callers' calls the phone was offered (the caller's number is in the From header).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sipp_scenarios import (
    answer_and_hang_up_scenario,
    answer_and_press_scenario,
    busy_scenario,
    operator_scenario,
    register_scenario,
    registered_phone_scenario,
    unanswered_scenario,
)

REGISTERED_FOR_MS = 600_000  # a registering phone stays up until stopped

_FROM_USER = re.compile(r"^From:[^<]*<sip:([^@>;]+)@", re.MULTILINE | re.IGNORECASE)


@dataclass
class OperatorPhone:
    """One operator's phone, listening on ``port`` for the queue's calls."""

    username: str
    port: int
    media_port: int
    workdir: Path
    answer_after_ms: int = 1000
    answers: bool = True  # False: it rings until the caller gives up (a citizen not there)
    busy: bool = False  # True: it refuses every call with 486 Busy Here
    hangs_up_after_ms: int = 0  # > 0: once answered it hangs up itself after this long
    # Once answered, DTMF captures to play, each after its pause (ms, pcap); then it stays on.
    presses: tuple[tuple[int, str], ...] = ()
    # (the registrar's SIP port on ``address``: Asterisk's or Kamailio's, password): REGISTER
    registers: tuple[int, str] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    address: str = "127.0.0.1"  # where the phone listens

    @property
    def contact(self) -> str:
        return f"sip:{self.username}@{self.address}:{self.port}"

    @property
    def trace(self) -> Path:
        return self.workdir / f"phone-{self.username}-messages.log"

    def start(self, calls: int = 5, at_once: int = 1) -> None:
        """Answer up to ``calls`` calls, ``at_once`` at a time."""
        scenario = self.workdir / f"phone-{self.username}.xml"
        if self.registers is not None:
            self._start_registered(scenario)
            return
        if self.busy:
            text = busy_scenario()
        elif not self.answers:
            text = unanswered_scenario()
        elif self.presses:
            text = answer_and_press_scenario(self.answer_after_ms, self.presses)
        elif self.hangs_up_after_ms:
            text = answer_and_hang_up_scenario(self.answer_after_ms, self.hangs_up_after_ms)
        else:
            text = operator_scenario(self.answer_after_ms)
        scenario.write_text(text)
        log = open(self.workdir / f"phone-{self.username}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["sipp", "-sf", str(scenario), "-i", self.address, "-p", str(self.port),
             "-mp", str(self.media_port), "-m", str(calls), "-l", str(at_once), "-nostdin",
             "-trace_msg", "-message_file", str(self.trace),
             "-trace_err", "-error_file", str(self.workdir / f"phone-{self.username}-err.log")],
            cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)

    def _start_registered(self, scenario: Path) -> None:
        """Register with digest auth (main scenario); calls and OPTIONS are out-of-call."""
        assert self.registers is not None
        port, password = self.registers
        register = self.workdir / f"register-{self.username}.xml"
        register.write_text(register_scenario(self.username, REGISTERED_FOR_MS))
        scenario.write_text(registered_phone_scenario(self.answer_after_ms))
        log = open(self.workdir / f"phone-{self.username}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["sipp", f"{self.address}:{port}", "-sf", str(register), "-oocsf", str(scenario),
             "-au", self.username, "-ap", password, "-i", self.address, "-p", str(self.port),
             "-mp", str(self.media_port), "-m", "1", "-nostdin",
             "-trace_msg", "-message_file", str(self.trace),
             "-trace_err", "-error_file", str(self.workdir / f"phone-{self.username}-err.log")],
            cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)

    def refused(self) -> str:
        """The registrar's refusal of the authenticated REGISTER (its status line), if any."""
        if not self.trace.exists():
            return ""
        text = self.trace.read_text(errors="replace")
        for block in re.split(r"^-{10,}.*$", text, flags=re.MULTILINE):
            found = re.search(r"^SIP/2.0 (40[13]) .*$", block, re.MULTILINE)
            if "received" in block and found and re.search(r"^CSeq: *2 REGISTER", block,
                                                          re.MULTILINE | re.IGNORECASE):
                return found.group(0).strip()
        return ""

    def registered(self) -> bool:
        """Has the registrar accepted the registration (200 OK to the REGISTER)?"""
        if not self.trace.exists():
            return False
        text = self.trace.read_text(errors="replace")
        return any("received" in block and "SIP/2.0 200 OK" in block and "REGISTER" in block
                   for block in re.split(r"^-{10,}.*$", text, flags=re.MULTILINE))

    def offered(self) -> list[str]:
        """The callers' numbers of the INVITEs this phone received, in order."""
        if not self.trace.exists():
            return []
        text = self.trace.read_text(errors="replace")
        callers = []
        for block in re.split(r"^-{10,}.*$", text, flags=re.MULTILINE):
            if "received" in block and re.search(r"^INVITE sip:", block, re.MULTILINE):
                found = _FROM_USER.search(block)
                callers.append(found.group(1) if found else "")
        return callers

    def dialled(self) -> list[str]:
        """The numbers the INVITEs this phone received were for (request URI), one per call
        (retransmissions of an INVITE are counted once)."""
        if not self.trace.exists():
            return []
        text = self.trace.read_text(errors="replace")
        seen: dict[str, str] = {}
        for block in re.split(r"^-{10,}.*$", text, flags=re.MULTILINE):
            invite = re.search(r"^INVITE sip:([^@;>]+)@", block, re.MULTILINE)
            call_id = re.search(r"^Call-ID:\s*(\S+)", block, re.MULTILINE | re.IGNORECASE)
            if "received" in block and invite and call_id:
                seen.setdefault(call_id.group(1), invite.group(1))
        return list(seen.values())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
