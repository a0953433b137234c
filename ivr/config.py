"""One typed settings object, read once at start from the environment and an optional file.

Every setting has an environment variable ``IVR_<NAME>`` (upper case) and may also be set in a
TOML file named by ``IVR_CONFIG``, in the sections of ``SECTIONS`` (``[web]`` ``port = 8081``
is ``web_port``; the flat ``web_port = 8081`` of older files still works). The environment wins
over the file; the file wins over the defaults below. A key or section we do not know is
refused with its name (and the nearest known one), so a typo never passes unnoticed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .satisfaction.rules import calling_hours

DEFAULT_DATA_DIR = "/var/lib/city-hotline"
DEFAULT_CACHE_DIR = "/var/cache/city-hotline"
# A cluster node's name: it starts every call's unique id (Asterisk's systemname).
NODE_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    cache_dir: Path = Path(DEFAULT_CACHE_DIR)
    # The Asterisk to run: "auto" (the host's if 20+, else the private root), "host", "private".
    asterisk: str = "auto"
    sip_host: str = "127.0.0.1"
    sip_port: int = 5060
    # Calls from these addresses are the PSTN trunk (comma-separated, CIDR allowed).
    trunk_match: str = "127.0.0.1"
    emergency_number: str = "112"
    hotline_number: str = "12345"
    # This Asterisk node's name in a cluster (README "Cluster"): Asterisk's systemname, so every
    # call's unique id starts with it. Empty: one node, unique ids as Asterisk makes them.
    node_name: str = ""
    # The cluster's shared redis (its node heartbeats); empty: no cluster watch.
    cluster_redis_url: str = ""
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    # FastAGI connections open at once; one more is closed and the dialplan's fallback queues
    # the call.
    agi_max_sessions: int = 500
    # FastAGI connections open at once from one address (0: as many as agi_max_sessions); set
    # it below agi_max_sessions when hosts other than Asterisk can reach the port, so none of
    # them can take every session.
    agi_max_sessions_per_address: int = 0
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    # Other hosts allowed to log in to AMI (comma-separated addresses or CIDR networks). Empty:
    # only this host (the loopback, and ami_host itself). Never widened by ami_host alone.
    ami_permit: str = ""
    ami_user: str = "hotline"
    # The port our services connect to for AMI (0: ami_port, where Asterisk listens). Set it
    # when they reach Asterisk's AMI through a tunnel or proxy on another port (stunnel,
    # ssh -L; the fault suite's link cutter).
    ami_connect_port: int = 0
    # Empty: generated on first run and kept in <data_dir>/secrets/ami_secret.
    ami_secret: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # The first web admin; empty: "admin" with a password generated on first run, printed once
    # to the web log and kept 0600 in <data_dir>/secrets/initial_admin_password.
    admin_user: str = ""
    admin_password: str = ""
    # The wallboard's own service-level threshold in seconds (beside NENA's 15 s and 20 s).
    service_level_seconds: int = 30
    # The hotline's service-level target: this percent of its calls answered within 15 s
    # (the 112 queues have NENA's: 90 % within 15 s, 95 % within 20 s). The wall screen.
    service_level_hotline_target: int = 80
    # Mark session cookies Secure (set when the web server is behind HTTPS).
    web_secure_cookies: bool = False
    # The largest request body the web service reads (JSON, CSV, forms); more is a 413.
    web_max_body_bytes: int = 1024 * 1024
    # Live event streams (/api/v1/events) open at once over all users; one more is a 503.
    web_max_streams: int = 200
    # Empty: a private redis-server is started on redis_port by `ivr run`.
    redis_url: str = ""
    redis_port: int = 6390
    # Empty: SQLite in <data_dir>/hotline.sqlite3.
    database_url: str = ""
    # Language of prompts when the caller has not chosen one (id or en).
    default_language: str = "id"
    # Seconds an emergency caller waits before every logged-in operator, paused or not,
    # is offered the call (the roster engine's surge).
    emergency_surge_after: float = 10.0
    # Seconds an operator stays out of new calls after a queue call to give its wrap-up code
    # (ended early by saving the code; 0: no wrap-up pause).
    wrapup_seconds: float = 30.0
    # Asterisk's own wrap-up (queues.conf wrapuptime): seconds after any queue call before a
    # member is offered the next one, whatever the console says.
    queue_wrapup_seconds: int = 15
    # A 112 caller who pressed no key this many seconds after arriving is marked silent.
    emergency_silent_after: float = 8.0
    # The prank lane: a number with this many calls marked "prank" within this many days
    # waits behind other 112 callers (it is still queued and answered, never refused).
    emergency_prank_calls: int = 3
    emergency_prank_days: float = 7.0
    # Callbacks of 112 callers who hung up before an operator answered: the first try this
    # many seconds after the hang-up, then one every `every` seconds, `tries` in all, each
    # ringing at most `ring` seconds. tries = 0: no callbacks.
    callback_first_after: float = 60.0
    callback_every: float = 120.0
    callback_tries: int = 3
    callback_ring: float = 30.0
    # Outbound calls (callbacks): the trunk's address (host:port; empty: no outbound trunk,
    # so no callbacks), the Dial string ({number} is the citizen's), calls in flight at most.
    outbound_trunk: str = ""
    outbound_dial: str = "PJSIP/{number}@outbound-trunk"
    outbound_max_in_flight: int = 4
    # `ivr run` restarts a service that died (off in some tests).
    restart_services: bool = True
    rtp_port_start: int = 10000
    rtp_port_end: int = 10999
    # Tickets: the city's time zone and office hours (deadlines of office-hours agencies).
    ticket_timezone: str = "Asia/Jakarta"
    office_hours: str = "08:00-16:00"
    # Digits put in front of every ticket number made on this host (hosts sharing a database).
    ticket_number_prefix: str = ""
    # Tickets due within this many hours are flagged "due soon" and escalated.
    ticket_due_soon_hours: float = 2.0
    # A citizen may reopen a resolved ticket from its tracking page within this many days.
    ticket_reopen_days: float = 14.0
    # Where a ticket an agency hands back goes, for the hotline to re-route it.
    ticket_default_agency: str = "citizen_service"
    # Seconds between escalation passes (overdue and due-soon tickets flagged and mailed).
    ticket_escalate_every: float = 60.0
    # Seconds between flushes of the spool (records written while the database was away).
    ticket_flush_every: float = 30.0
    # Open311 GeoReport v2: API keys allowed to POST (comma-separated; the api_keys table too).
    open311_api_keys: str = ""
    open311_jurisdiction: str = "city-hotline"
    open311_contact: str = ""
    # Escalation e-mail (ivr/notify): the SMTP server overdue tickets are mailed through (empty:
    # not configured, the mail waits in the outbox), its port, the From address, STARTTLS.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "hotline@localhost"
    smtp_starttls: bool = False
    # The SMTP login; from the environment only (ENV_ONLY), so no config file holds a password.
    smtp_user: str = ""
    smtp_password: str = ""
    # The hotline supervisors' address: told of every overdue ticket (empty: agencies only).
    escalation_email: str = ""
    # Citizens' notices (ivr/notify/citizen.py): the address the public reaches the web
    # service at, for the tracking links in SMS and e-mail (empty: links are paths only).
    notify_public_url: str = ""
    # SMS through an HTTP gateway (Kannel's sendsms, a carrier's API): the URL with $to and
    # $text (and $password) where the gateway wants them; empty: no SMS is queued.
    notify_sms_url: str = ""
    # "get" (the parameters in the URL, as Kannel) or "post" (sent as a form body).
    notify_sms_method: str = "get"
    # The gateway's password, put in place of $password; from the environment only.
    notify_sms_password: str = ""
    # Seconds between passes that queue the citizens' notices of new ticket history.
    notify_every: float = 5.0
    # Routing by language skill (ivr/roster/skill_rules.py): a 12345 caller who chose English
    # is offered to operators with the skill lang:en only, for this many seconds; then to all.
    routing_skill_widen_after: float = 20.0
    # Virtual hold for 12345 (ivr/outbound/virtual_hold.py): offered when the expected wait
    # passes `after` seconds (0: never), reckoning `handle` seconds a call; a callback rings
    # `ring` seconds a try, `tries` tries in all, `retry_after` seconds apart. Needs the
    # outbound trunk.
    vhold_after: float = 90.0
    vhold_handle: float = 180.0
    vhold_tries: int = 3
    vhold_ring: float = 30.0
    vhold_retry_after: float = 60.0
    # The satisfaction follow-up (ivr/satisfaction): a resolved phone ticket's citizen is
    # called `after` seconds after the resolution (tickets resolved within `within_days`),
    # only within the calling hours (city time), `tries` times `every` seconds apart, ringing
    # `ring` seconds, at most `max_in_flight` follow-up calls at once; tries = 0: no calls.
    # Needs the outbound trunk. Looked for every `check_every` seconds.
    survey_hours: str = "08:00-20:00"
    survey_after: float = 60.0
    survey_within_days: float = 7.0
    survey_tries: int = 2
    survey_every: float = 600.0
    survey_ring: float = 30.0
    survey_max_in_flight: int = 2
    survey_check_every: float = 15.0
    # Speech (ivr/speech): vosk model folders per language, "ko=/path,id=/path"; empty: no speech.
    speech_models: str = ""
    # Recognitions running at once; one more is answered "busy" and the menu takes keys.
    speech_workers: int = 2
    # A spoken menu choice counts only when each of its words is at least this sure (0..1).
    speech_min_confidence: float = 0.8
    # Emergency words per language, "ko=불이 났어요|화재*;en=fire|help"; empty: built-in lists.
    speech_emergency_words: str = ""
    # The FastAGI server's event loop: "asyncio" (the standard one) or "uvloop" (the `bench`
    # extra installs it; used only when installed, else the standard loop with a warning).
    event_loop: str = "asyncio"
    # The AMI client saves the live board at most once per this many ms (latest state wins;
    # ivr/ami/publisher.py); 0 saves it after every queue event (the old behaviour).
    board_coalesce_ms: int = 100

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hotline.sqlite3'}"

    @property
    def ami_client_port(self) -> int:
        """Where our AMI clients connect: ``ami_connect_port``, else Asterisk's ``ami_port``."""
        return self.ami_connect_port or self.ami_port

    @property
    def agi_url(self) -> str:
        return f"agi://{self.agi_host}:{self.agi_port}"

    def with_ami_secret(self) -> Settings:
        """The settings with the AMI secret filled in: from config, else the data folder's."""
        if self.ami_secret:
            return self
        return dataclasses.replace(self, ami_secret=read_or_create_secret(self.data_dir, "ami"))


def read_or_create_secret(data_dir: Path, name: str) -> str:
    """A random secret kept 0600 in <data_dir>/secrets/<name>_secret, made on first use."""
    path = data_dir / "secrets" / f"{name}_secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    import secrets  # here, not at the top: a classic-AGI process per call never needs it

    value = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value


def _convert(name: str, raw: Any, kind: Any) -> Any:
    try:
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
        if kind in (bool, "bool"):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"expected yes/no, got {raw!r}")
        if kind in (Path, "Path"):
            return Path(str(raw)).expanduser().absolute()
        return str(raw)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"setting {name} (IVR_{name.upper()}): {exc}") from exc


# The sections of the TOML file and the settings in each. A key inside a section is the
# setting's name without the section's prefix: [web] port is web_port, [tickets] timezone is
# ticket_timezone, [web] admin_user is admin_user.
SECTIONS: dict[str, tuple[str, ...]] = {
    "hotline": ("data_dir", "cache_dir", "asterisk", "emergency_number", "hotline_number",
                "default_language", "restart_services", "event_loop", "node_name",
                "wrapup_seconds", "queue_wrapup_seconds"),
    "sip": ("sip_host", "sip_port", "trunk_match", "rtp_port_start", "rtp_port_end"),
    "agi": ("agi_host", "agi_port", "agi_max_sessions", "agi_max_sessions_per_address"),
    "ami": ("ami_host", "ami_port", "ami_permit", "ami_user", "ami_connect_port",
            "ami_secret", "board_coalesce_ms"),
    "web": ("web_host", "web_port", "web_secure_cookies", "web_max_body_bytes",
            "web_max_streams", "admin_user", "admin_password",
            "service_level_seconds", "service_level_hotline_target"),
    "redis": ("redis_url", "redis_port", "cluster_redis_url"),
    "database": ("database_url",),
    "emergency": ("emergency_surge_after", "emergency_silent_after", "emergency_prank_calls",
                  "emergency_prank_days"),
    "callback": ("callback_first_after", "callback_every", "callback_tries", "callback_ring"),
    "outbound": ("outbound_trunk", "outbound_dial", "outbound_max_in_flight"),
    "tickets": ("ticket_timezone", "office_hours", "ticket_number_prefix",
                "ticket_due_soon_hours", "ticket_reopen_days", "ticket_default_agency",
                "ticket_escalate_every", "ticket_flush_every", "escalation_email"),
    "smtp": ("smtp_host", "smtp_port", "smtp_from", "smtp_starttls"),
    "notify": ("notify_public_url", "notify_sms_url", "notify_sms_method", "notify_every"),
    "routing": ("routing_skill_widen_after",),
    "vhold": ("vhold_after", "vhold_handle", "vhold_tries", "vhold_ring", "vhold_retry_after"),
    "survey": ("survey_hours", "survey_after", "survey_within_days", "survey_tries",
               "survey_every", "survey_ring", "survey_max_in_flight", "survey_check_every"),
    "open311": ("open311_api_keys", "open311_jurisdiction", "open311_contact"),
    "speech": ("speech_models", "speech_workers", "speech_min_confidence",
               "speech_emergency_words"),
}
_PREFIX = {"tickets": "ticket_"}
# Secrets read from IVR_* variables only: a config file is often world-readable or committed.
ENV_ONLY: tuple[str, ...] = ("smtp_user", "smtp_password", "notify_sms_password")


def section_key(section: str, name: str) -> str:
    """The key of setting ``name`` inside ``[section]``: ``web_port`` in [web] is ``port``."""
    prefix = _PREFIX.get(section, section + "_")
    return name.removeprefix(prefix)


def _refuse_unknown(what: str, name: str, known: list[str]) -> ConfigError:
    import difflib  # only for a misspelt setting

    near = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return ConfigError(f"IVR_CONFIG: unknown {what} {name!r}{hint}")


def file_values(document: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a parsed TOML document names, by setting name; unknown keys refused."""
    flat = {f.name for f in fields(Settings)} - set(ENV_ONLY)
    values: dict[str, Any] = {}
    for key, raw in document.items():
        if key in ENV_ONLY:
            raise ConfigError(f"IVR_CONFIG: {key} is read from IVR_{key.upper()} only")
        if key in SECTIONS and isinstance(raw, Mapping):
            by_key = {section_key(key, name): name for name in SECTIONS[key]}
            for inner, value in raw.items():
                if inner not in by_key:
                    raise _refuse_unknown(f"key in [{key}]", inner, list(by_key))
                values[by_key[inner]] = value
        elif key in flat:
            values[key] = raw
        else:
            raise _refuse_unknown("setting or section", key, [*SECTIONS, *flat])
    return values


def _read_file(config_file: str) -> dict[str, Any]:
    try:
        with open(config_file, "rb") as fh:
            return file_values(tomllib.load(fh))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"IVR_CONFIG={config_file}: {exc}") from exc


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from defaults, then the IVR_CONFIG file, then IVR_* variables."""
    env = os.environ if environ is None else environ
    known = {f.name: f for f in fields(Settings)}
    config_file = env.get("IVR_CONFIG")
    raw = _read_file(config_file) if config_file else {}
    for name in known:
        if f"IVR_{name.upper()}" in env:
            raw[name] = env[f"IVR_{name.upper()}"]
    settings = Settings(**{name: _convert(name, value, known[name].type)
                           for name, value in raw.items()})
    check(settings)
    return settings


def check(settings: Settings) -> None:
    """Refuse values of the right type that we still cannot use; the error names the setting."""
    if settings.asterisk not in ("auto", "host", "private"):
        raise ConfigError("setting asterisk (IVR_ASTERISK): use auto, host or private")
    if settings.event_loop not in ("asyncio", "uvloop"):
        raise ConfigError("setting event_loop (IVR_EVENT_LOOP): use asyncio or uvloop")
    if not 0 <= settings.board_coalesce_ms <= 5000:
        raise ConfigError("setting board_coalesce_ms (IVR_BOARD_COALESCE_MS): 0 to 5000")
    if settings.agi_max_sessions < 1:
        raise ConfigError("setting agi_max_sessions (IVR_AGI_MAX_SESSIONS): at least 1")
    if settings.agi_max_sessions_per_address < 0:
        raise ConfigError("setting agi_max_sessions_per_address "
                          "(IVR_AGI_MAX_SESSIONS_PER_ADDRESS): 0 (no own cap) or more")
    if settings.web_max_body_bytes < 1024:
        raise ConfigError("setting web_max_body_bytes (IVR_WEB_MAX_BODY_BYTES): at least 1024")
    if not 0 < settings.service_level_hotline_target <= 100:
        raise ConfigError("setting service_level_hotline_target "
                          "(IVR_SERVICE_LEVEL_HOTLINE_TARGET): a percent, 1 to 100")
    if settings.web_max_streams < 1:
        raise ConfigError("setting web_max_streams (IVR_WEB_MAX_STREAMS): at least 1")
    ami_permit_networks(settings.ami_permit)
    if settings.node_name and not NODE_NAME.fullmatch(settings.node_name):
        raise ConfigError("setting node_name (IVR_NODE_NAME): lower-case letters, digits and "
                          "'-', at most 32, e.g. node-a")
    if settings.notify_sms_method not in ("get", "post"):
        raise ConfigError("setting notify_sms_method (IVR_NOTIFY_SMS_METHOD): use get or post")
    if settings.notify_sms_url and "$to" not in settings.notify_sms_url \
            and settings.notify_sms_method == "get":
        raise ConfigError("setting notify_sms_url (IVR_NOTIFY_SMS_URL): put $to and $text "
                          "where the gateway wants the number and the message")
    if not settings.notify_every > 0:
        raise ConfigError("setting notify_every (IVR_NOTIFY_EVERY): seconds, above 0")
    if not settings.ticket_flush_every > 0:
        raise ConfigError("setting ticket_flush_every (IVR_TICKET_FLUSH_EVERY): seconds, above 0")
    try:
        calling_hours(settings.survey_hours)
    except ValueError as exc:
        raise ConfigError(f"setting survey_hours (IVR_SURVEY_HOURS): {exc}") from exc
    if settings.queue_wrapup_seconds < 0:
        raise ConfigError("setting queue_wrapup_seconds (IVR_QUEUE_WRAPUP_SECONDS): 0 or more")
    if settings.vhold_after < 0 or settings.vhold_tries < 1 or not settings.vhold_ring > 0:
        raise ConfigError("settings vhold_after (IVR_VHOLD_AFTER, seconds, 0 for off), "
                          "vhold_tries (IVR_VHOLD_TRIES, at least 1) and vhold_ring "
                          "(IVR_VHOLD_RING, seconds above 0)")
    if not 1 <= settings.routing_skill_widen_after <= 3600:
        raise ConfigError("setting routing_skill_widen_after (IVR_ROUTING_SKILL_WIDEN_AFTER): "
                          "seconds, 1 to 3600")
    if settings.survey_max_in_flight < 1 or not settings.survey_check_every > 0:
        raise ConfigError("settings survey_max_in_flight (IVR_SURVEY_MAX_IN_FLIGHT, at least "
                          "1) and survey_check_every (IVR_SURVEY_CHECK_EVERY, seconds above 0)")
    try:
        ZoneInfo(settings.ticket_timezone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ConfigError(f"setting ticket_timezone (IVR_TICKET_TIMEZONE): no time zone "
                          f"{settings.ticket_timezone!r} (e.g. Asia/Jakarta)") from exc


def ami_permit_networks(text: str) -> list[IPv4Network | IPv6Network]:
    """The networks of an ``ami_permit`` setting; ConfigError names a bad or /0 entry.

    A /0 (every address) is refused: AMI must name its clients.
    """
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            network = ip_network(item, strict=False)
        except ValueError as exc:
            raise ConfigError(f"setting ami_permit (IVR_AMI_PERMIT): {exc}") from exc
        if network.prefixlen == 0:
            raise ConfigError(f"setting ami_permit (IVR_AMI_PERMIT): {item} would let every "
                              "address log in to AMI; name the clients' addresses")
        networks.append(network)
    return networks
