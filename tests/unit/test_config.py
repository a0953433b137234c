"""Settings from defaults, an IVR_CONFIG TOML file and IVR_* variables."""

import stat
from dataclasses import fields
from pathlib import Path

import pytest

from ivr.config import (
    ENV_ONLY,
    SECTIONS,
    ConfigError,
    Settings,
    load_settings,
    read_or_create_secret,
    section_key,
)


def test_defaults_without_environment() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.data_dir == Path("/var/lib/city-hotline")
    assert (settings.emergency_number, settings.hotline_number) == ("112", "12345")
    assert (settings.agi_port, settings.ami_port, settings.web_port) == (4573, 5038, 8080)
    assert settings.asterisk == "auto"
    assert settings.restart_services is True
    assert settings.effective_redis_url == "redis://127.0.0.1:6390/0"
    assert settings.effective_database_url == "sqlite:////var/lib/city-hotline/hotline.sqlite3"
    assert settings.agi_url == "agi://127.0.0.1:4573"


@pytest.mark.parametrize(
    ("variable", "raw", "name", "value"),
    [
        ("IVR_WEB_PORT", "8081", "web_port", 8081),
        ("IVR_AGI_PORT", " 4600 ", "agi_port", 4600),
        ("IVR_EMERGENCY_SURGE_AFTER", "2.5", "emergency_surge_after", 2.5),
        ("IVR_RESTART_SERVICES", "no", "restart_services", False),
        ("IVR_RESTART_SERVICES", "Off", "restart_services", False),
        ("IVR_RESTART_SERVICES", "1", "restart_services", True),
        ("IVR_RESTART_SERVICES", "yes", "restart_services", True),
        ("IVR_DATA_DIR", "/srv/hotline", "data_dir", Path("/srv/hotline")),
        ("IVR_EMERGENCY_NUMBER", "911", "emergency_number", "911"),
        ("IVR_ASTERISK", "private", "asterisk", "private"),
    ],
)
def test_environment_overrides_with_types(variable: str, raw: str, name: str,
                                          value: object) -> None:
    settings = load_settings({variable: raw})
    assert getattr(settings, name) == value
    assert type(getattr(settings, name)) is type(value)


def test_relative_data_dir_becomes_absolute(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings({"IVR_DATA_DIR": "state"}).data_dir == tmp_path / "state"


def test_settings_from_file(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text(
        'web_port = 8082\nemergency_number = "110"\nrestart_services = false\n'
        f'data_dir = "{tmp_path}"\nemergency_surge_after = 3\n'
    )
    settings = load_settings({"IVR_CONFIG": str(config)})
    assert settings.web_port == 8082
    assert settings.emergency_number == "110"
    assert settings.restart_services is False
    assert settings.data_dir == tmp_path
    assert settings.emergency_surge_after == 3.0


def test_settings_from_file_sections(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text(
        '[web]\nport = 8083\nadmin_user = "chief"\n'
        '[tickets]\ntimezone = "Asia/Makassar"\n'
        '[hotline]\nemergency_number = "110"\n'
        '[ami]\npermit = "10.0.0.5"\n'
    )
    settings = load_settings({"IVR_CONFIG": str(config)})
    assert (settings.web_port, settings.admin_user) == (8083, "chief")
    assert settings.ticket_timezone == "Asia/Makassar"
    assert settings.emergency_number == "110"
    assert settings.ami_permit == "10.0.0.5"


@pytest.mark.parametrize(("body", "words"), [
    ('site_name = "Kota"\n', "unknown setting or section 'site_name'"),
    ("web_prot = 8081\n", "'web_prot' (did you mean 'web_port'?)"),
    ("[web]\nprot = 8081\n", "unknown key in [web] 'prot' (did you mean 'port'?)"),
    ("[webb]\nport = 8081\n", "'webb' (did you mean 'web'?)"),
    ("[web]\nweb_port = 8081\n", "unknown key in [web] 'web_port'"),
])
def test_unknown_keys_are_refused_with_their_name(tmp_path: Path, body: str, words: str) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text(body)
    with pytest.raises(ConfigError) as caught:
        load_settings({"IVR_CONFIG": str(config)})
    assert words in str(caught.value)


def test_every_setting_is_in_exactly_one_section() -> None:
    placed = [name for names in SECTIONS.values() for name in names] + list(ENV_ONLY)
    assert sorted(placed) == sorted(f.name for f in fields(Settings))
    for section, names in SECTIONS.items():
        keys = [section_key(section, name) for name in names]
        assert len(set(keys)) == len(keys), section


def test_environment_wins_over_file(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text("web_port = 8082\nami_port = 5039\n")
    settings = load_settings({"IVR_CONFIG": str(config), "IVR_WEB_PORT": "9000"})
    assert (settings.web_port, settings.ami_port) == (9000, 5039)


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"IVR_WEB_PORT": "eighty"}, "web_port (IVR_WEB_PORT)"),
        ({"IVR_AMI_PORT": "5038.5"}, "ami_port (IVR_AMI_PORT)"),
        ({"IVR_EMERGENCY_SURGE_AFTER": "soon"}, "emergency_surge_after"),
        ({"IVR_RESTART_SERVICES": "maybe"}, "restart_services (IVR_RESTART_SERVICES)"),
        ({"IVR_ASTERISK": "docker"}, "asterisk (IVR_ASTERISK)"),
        ({"IVR_ASTERISK": ""}, "asterisk (IVR_ASTERISK)"),
        ({"IVR_TICKET_TIMEZONE": "Asia/Jakart"}, "ticket_timezone (IVR_TICKET_TIMEZONE)"),
        ({"IVR_TICKET_TIMEZONE": "../etc"}, "ticket_timezone (IVR_TICKET_TIMEZONE)"),
        ({"IVR_WEB_MAX_BODY_BYTES": "10"}, "web_max_body_bytes (IVR_WEB_MAX_BODY_BYTES)"),
        ({"IVR_WEB_MAX_STREAMS": "0"}, "web_max_streams (IVR_WEB_MAX_STREAMS)"),
        ({"IVR_AGI_MAX_SESSIONS_PER_ADDRESS": "-1"}, "IVR_AGI_MAX_SESSIONS_PER_ADDRESS"),
        ({"IVR_TICKET_FLUSH_EVERY": "0"}, "ticket_flush_every (IVR_TICKET_FLUSH_EVERY)"),
    ],
)
def test_bad_values_name_the_setting(environ: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert words in str(caught.value)


def test_ami_clients_connect_to_asterisks_port_unless_a_proxy_port_is_set() -> None:
    assert load_settings({"IVR_AMI_PORT": "5039"}).ami_client_port == 5039
    both = load_settings({"IVR_AMI_PORT": "5039", "IVR_AMI_CONNECT_PORT": "15039"})
    assert (both.ami_port, both.ami_client_port) == (5039, 15039)


def test_bad_value_in_file_names_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text('web_port = "eighty"\n')
    with pytest.raises(ConfigError, match="web_port"):
        load_settings({"IVR_CONFIG": str(config)})


@pytest.mark.parametrize("body", [None, "web_port = \n"])
def test_missing_or_broken_file_is_a_config_error(tmp_path: Path, body: str | None) -> None:
    config = tmp_path / "hotline.toml"
    if body is not None:
        config.write_text(body)
    with pytest.raises(ConfigError, match="IVR_CONFIG="):
        load_settings({"IVR_CONFIG": str(config)})


def test_secret_is_created_once_and_private(tmp_path: Path) -> None:
    first = read_or_create_secret(tmp_path, "ami")
    path = tmp_path / "secrets" / "ami_secret"
    assert len(first) >= 24
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == first + "\n"
    assert read_or_create_secret(tmp_path, "ami") == first
    assert read_or_create_secret(tmp_path, "web") != first


def test_with_ami_secret_fills_in_only_when_empty(tmp_path: Path) -> None:
    settings = load_settings({"IVR_DATA_DIR": str(tmp_path)})
    filled = settings.with_ami_secret()
    assert filled.ami_secret == read_or_create_secret(tmp_path, "ami")
    given = load_settings({"IVR_DATA_DIR": str(tmp_path), "IVR_AMI_SECRET": "s3cret"})
    assert given.with_ami_secret().ami_secret == "s3cret"


def test_wrong_toml_type_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text("web_port = [8081]\n")
    with pytest.raises(ConfigError, match="web_port"):
        load_settings({"IVR_CONFIG": str(config)})


def test_smtp_settings_and_the_login_from_the_environment_only(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text('[smtp]\nhost = "mail.city.example"\nstarttls = true\n'
                      '[tickets]\nescalation_email = "duty@city.example"\n')
    settings = load_settings({"IVR_CONFIG": str(config), "IVR_SMTP_PASSWORD": "s3cret"})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "mail.city.example", 25, True)
    assert (settings.escalation_email, settings.smtp_password) == ("duty@city.example", "s3cret")
    config.write_text('smtp_password = "s3cret"\n')
    with pytest.raises(ConfigError, match="IVR_SMTP_PASSWORD only"):
        load_settings({"IVR_CONFIG": str(config)})
