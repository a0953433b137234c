"""Operators as PJSIP endpoints: the text of ``pjsip_operators.conf``.

``ivr render`` (and ``ivr run``) writes it next to ``pjsip.conf``, which includes it with
``#tryinclude``. Each operator gets an endpoint, an auth (the softphone registers with the
username and password) and an aor; a fixed ``contact`` replaces registration for desk
phones and tests. Calls from an operator's phone go to the ``operators`` dialplan context.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..config import Settings
from .model import Operator
from .store import RosterStore, roster_path

OPERATORS_CONF = "pjsip_operators.conf"
OPERATORS_CONTEXT = "operators"


def endpoint_sections(operator: Operator) -> str:
    user = operator.username
    caller_id = f'"{operator.name or user}" <{user}>'
    aor = [f"[{user}]", "type = aor", "max_contacts = 1", "remove_existing = yes",
           "qualify_frequency = 0" if operator.contact else "qualify_frequency = 30"]
    if operator.contact:
        aor.append(f"contact = {operator.contact}")
    return "\n".join([
        f"[{user}]", "type = endpoint", "transport = transport-udp",
        f"context = {OPERATORS_CONTEXT}", "disallow = all", "allow = ulaw,alaw",
        "direct_media = no", "dtmf_mode = rfc4733", "rtp_symmetric = yes",
        "rewrite_contact = yes", f"auth = {user}", f"aors = {user}",
        f"callerid = {caller_id}", "",
        f"[{user}]", "type = auth", "auth_type = userpass", f"username = {user}",
        f"password = {operator.password}", "",
        *aor, "",
    ])


def operators_conf(operators: Iterable[Operator]) -> str:
    sections = [endpoint_sections(o) for o in sorted(operators, key=lambda o: o.username)]
    return "; Operators' phones, written from the roster by `ivr render`.\n\n" + "\n".join(sections)


def extra_config_files(settings: Settings) -> dict[str, str]:
    """Config files made from data rather than templates: file name → text."""
    roster = RosterStore(roster_path(settings.data_dir)).load()
    return {OPERATORS_CONF: operators_conf(roster.operators.values())}
