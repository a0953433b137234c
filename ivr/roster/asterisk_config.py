"""Operators as PJSIP endpoints: the text of ``pjsip_operators.conf``.

``ivr render`` (and ``ivr run``) writes it next to ``pjsip.conf``, which includes it with
``#tryinclude``. Each operator gets an endpoint, an auth (the softphone registers with the
username and password) and an aor; a fixed ``contact`` replaces registration for desk
phones and tests. In a cluster (README "Cluster"), ``IVR_OPERATOR_PROXY`` names Kamailio, the
operators' registrar: every operator without a fixed contact is then reached at
``sip:USER@<proxy>``, and Kamailio relays the call to wherever the phone registered. Calls
from an operator's phone go to the ``operators`` dialplan context.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..config import Settings
from .model import Operator
from .store import RosterStore, roster_path

OPERATORS_CONF = "pjsip_operators.conf"
OPERATORS_CONTEXT = "operators"


def proxy_contact(proxy: str, username: str) -> str:
    """The operator's AOR at the proxy (``IVR_OPERATOR_PROXY``, ``sip:HOST[:PORT]``).

    >>> proxy_contact("sip:10.77.0.1:5060", "ani")
    'sip:ani@10.77.0.1:5060'
    """
    return f"sip:{username}@{proxy.removeprefix('sip:')}"


def endpoint_sections(operator: Operator, proxy: str = "") -> str:
    """``proxy``: reach an operator without a fixed contact through it (no qualify: the proxy
    answers for the phone, 404 when it has not registered). The phone's Contact is then kept
    as it is (``rewrite_contact = no``): rewritten to where the answer came from, it would
    name the proxy, and the ACK and BYE would loop there instead of reaching the phone."""
    user = operator.username
    caller_id = f'"{operator.name or user}" <{user}>'
    proxied = bool(proxy and not operator.contact)
    contact = operator.contact or (proxy_contact(proxy, user) if proxy else "")
    aor = [f"[{user}]", "type = aor", "max_contacts = 1", "remove_existing = yes",
           "qualify_frequency = 0" if contact else "qualify_frequency = 30"]
    if contact:
        aor.append(f"contact = {contact}")
    return "\n".join([
        f"[{user}]", "type = endpoint", "transport = transport-udp",
        f"context = {OPERATORS_CONTEXT}", "disallow = all", "allow = ulaw,alaw",
        "direct_media = no", "dtmf_mode = rfc4733", "rtp_symmetric = yes",
        "rewrite_contact = no" if proxied else "rewrite_contact = yes",
        f"auth = {user}", f"aors = {user}",
        f"callerid = {caller_id}", "",
        f"[{user}]", "type = auth", "auth_type = userpass", f"username = {user}",
        f"password = {operator.password}", "",
        *aor, "",
    ])


def operators_conf(operators: Iterable[Operator], proxy: str = "") -> str:
    sections = [endpoint_sections(o, proxy)
                for o in sorted(operators, key=lambda o: o.username)]
    return "; Operators' phones, written from the roster by `ivr render`.\n\n" + "\n".join(sections)


def extra_config_files(settings: Settings) -> dict[str, str]:
    """Config files made from data rather than templates: file name → text."""
    roster = RosterStore(roster_path(settings.data_dir)).load()
    return {OPERATORS_CONF: operators_conf(roster.operators.values(), settings.operator_proxy)}
