"""New, changed and removed operators' phone accounts reach Asterisk without a restart.

The roster service owns this, because it already watches the roster file and holds an AMI
link: after each pass it compares ``pjsip_operators.conf`` with the roster's operators
(``asterisk_config.operators_conf``), rewrites the file when they differ and asks Asterisk to
reload PJSIP. The web service has no AMI login and needs none: it only saves the roster.

The reload goes through its own AMI user, ``<IVR_AMI_USER>-reload`` (``manager.conf``), whose
only write class is ``system``: the ``Reload`` action (``Module: res_pjsip.so``) needs
``system`` or ``config``. ``config`` could rewrite any config file (``UpdateConfig``) and
``command`` (for ``pjsip reload``) runs any CLI command, so neither is given. Wire::

    Action: Reload
    Module: res_pjsip.so

    Response: Success
    Message: Module Reloaded
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from ..ami.client import AmiClient
from ..config import Settings
from .asterisk_config import OPERATORS_CONF, operators_conf
from .model import Roster

log = logging.getLogger(__name__)

RELOAD_USER_SUFFIX = "-reload"
RELOAD_PJSIP = {"Action": "Reload", "Module": "res_pjsip.so"}
RELOAD_TIMEOUT_S = 10.0


def operators_conf_path(settings: Settings) -> Path:
    """Where ``ivr render`` writes the operators' PJSIP file (``pjsip.conf`` includes it)."""
    return settings.run_dir / "etc" / "asterisk" / OPERATORS_CONF


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` whole (0600: it holds SIP passwords)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


class PhoneAccounts:
    """Keeps the operators' PJSIP file equal to the roster; reloads PJSIP after a change
    (and again on the next pass while a reload failed)."""

    def __init__(self, path: Path, reload: Callable[[], Awaitable[bool]],
                 proxy: str = "") -> None:
        self.path = path
        self.proxy = proxy  # IVR_OPERATOR_PROXY (asterisk_config.endpoint_sections)
        self.reload = reload
        self._written: str | None = None
        self._reload_owed = False

    def _current(self) -> str:
        if self._written is None:
            try:
                self._written = self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                self._written = ""
        return self._written

    async def sync(self, roster: Roster) -> None:
        if not self.path.parent.is_dir():  # Asterisk's config is not rendered here
            if self._written is None:
                log.warning("no %s: operators' phone accounts are not reloaded from here",
                            self.path.parent)
                self._written = ""
            return
        text = operators_conf(roster.operators.values(), self.proxy)
        if text != self._current():
            write_private(self.path, text)
            self._written = text
            self._reload_owed = True
            log.info("operators' phone accounts changed (%d operators): %s rewritten",
                     len(roster.operators), self.path)
        if self._reload_owed:
            self._reload_owed = not await self.reload()


class PjsipReload:
    """The reload AMI login: one action, no events."""

    def __init__(self, settings: Settings) -> None:
        reload_user = settings.ami_user + RELOAD_USER_SUFFIX
        self.ami = AmiClient(dataclasses.replace(settings, ami_user=reload_user), events=())

    def start(self) -> None:
        self.ami.connect()

    def stop(self) -> None:
        self.ami.close()

    async def __call__(self) -> bool:
        """Reload PJSIP; False (logged) when Asterisk refused or did not answer."""
        try:
            reply = await self.ami.send(RELOAD_PJSIP, RELOAD_TIMEOUT_S)
        except (TimeoutError, ConnectionError) as exc:
            log.warning("PJSIP reload: no reply (%s); trying again", exc.__class__.__name__)
            return False
        if not reply.success:
            log.warning("PJSIP reload refused: %s; trying again", reply.message)
            return False
        log.info("PJSIP reloaded: operators' phone accounts are live (%s)", reply.message)
        return True
