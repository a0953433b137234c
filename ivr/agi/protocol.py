"""The AGI wire protocol: reply lines in, typed results and errors out (pure code).

Replies Asterisk sends to a command (one line each, after an optional ``100 Trying...``)::

    200 result=0
    200 result=49                   GET DATA / WAIT FOR DIGIT: the key's ASCII code or digits
    200 result=123 (timeout)        GET DATA: digits typed before the time-out
    200 result= (timeout)           GET DATA: nothing typed
    200 result=-1                   the application failed or the caller hung up
    510 Invalid or unknown command
    511 Command Not Permitted on a dead channel or intercept routine
    520-Invalid command syntax.  Proper usage follows:
    HANGUP                          sent once when the caller hangs up
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..dialplan_vars import DTMF_KEYS

# The note runs to the LAST ')' on the line: a variable's value may itself hold parentheses.
_RESULT = re.compile(r"^200 result=(?P<value>\S*)(?:\s+\((?P<data>.*)\))?(?P<rest>[^)]*)$")


class AgiError(Exception):
    """Asterisk refused a command or the session broke."""


class AgiHangup(AgiError):
    """The caller hung up; the flow must stop."""


class AgiCommandError(AgiError):
    """Asterisk answered a command with an error code (510, 511, 520)."""


class AgiHeaderError(AgiError):
    """The ``agi_*`` header block is not what Asterisk sends: the session is refused.

    ``unique_id`` is the call's ``agi_uniqueid`` when it was read before the problem, for
    the log line.
    """

    def __init__(self, message: str, unique_id: str = "") -> None:
        super().__init__(message)
        self.unique_id = unique_id


@dataclass(frozen=True)
class AgiResult:
    """A ``200 result=...`` reply: the value and the optional note in parentheses."""

    value: str
    data: str = ""

    @property
    def timed_out(self) -> bool:
        return self.data == "timeout"


def parse_reply(line: str) -> AgiResult:
    """One reply line to an :class:`AgiResult`, or raise the matching error."""
    line = line.rstrip("\r\n")
    if line.startswith("HANGUP"):
        raise AgiHangup("caller hung up")
    match = _RESULT.match(line)
    if match is None:
        raise AgiCommandError(line or "empty reply (session closed)")
    value, data = match.group("value"), match.group("data") or ""
    if value == "-1":
        raise AgiHangup(f"command failed or caller hung up: {line}")
    if data == "hangup":
        raise AgiHangup(line)
    return AgiResult(value=value, data=data)


def parse_headers(lines: list[str]) -> dict[str, str]:
    """The ``agi_name: value`` lines Asterisk sends first, as a dict.

    Asterisk sends each name once; a name given twice (``agi_network_script`` naming two
    routes, two ``agi_callerid``) is not Asterisk speaking, so it raises
    :class:`AgiHeaderError` rather than letting either value win.
    """
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(": ")
        if not (sep and name.startswith("agi_")):
            continue
        if name in headers:
            raise AgiHeaderError(f"header {name} given twice",
                                 unique_id=headers.get("agi_uniqueid", ""))
        headers[name] = value
    return headers


def quote(argument: str) -> str:
    """An AGI command argument, double-quoted so spaces and empty strings survive."""
    cleaned = argument.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{cleaned}"'


# A value MSet() takes as it is: no separator (``,`` ``|``), quote, backslash, space or ``$``.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.:@+#*-]*")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def mset_argument(values: Mapping[str, str]) -> str | None:
    """``values`` as the argument of one ``MSet(A=1,B=2)`` (set left to right), or None
    when a name or value holds what MSet would read as syntax: those go one ``SET VARIABLE``
    each (MSet splits on ``,`` and ``|`` and strips quotes)."""
    if not all(_VARIABLE_NAME.fullmatch(name) and _PLAIN_VALUE.fullmatch(value)
               for name, value in values.items()):
        return None
    return ",".join(f"{name}={value}" for name, value in values.items())


def key_from(result: AgiResult) -> str:
    """The key a STREAM FILE or RECORD FILE was stopped with: ``200 result=35`` is ``#``.

    The value is the key's ASCII code (0: none). Anything else (``abc``, ``99999999999``,
    a code that is no phone key) is no key, not a crash of the flow.
    """
    value = result.value
    if not (value.isascii() and value.isdigit()) or len(value) > 3:
        return ""
    key = chr(int(value))
    return key if key in DTMF_KEYS else ""


def digits_from(result: AgiResult) -> str:
    """The keys a GET DATA returned ('' on time-out with nothing typed)."""
    value = result.value
    return value if value and set(value) <= set(DTMF_KEYS) else ""
