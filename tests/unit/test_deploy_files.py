"""The deployment files, checked by the real tools: systemd's own verifier, docker-compose.

- ``deploy/systemd``: ``systemd-analyze verify`` loads every unit as systemd would and checks
  that each ExecStart binary exists. The units name the install paths
  (``/opt/city-hotline/.venv``, ``/usr/sbin/asterisk``); a copy is verified in which those
  point at the binaries that exist here: this checkout's venv, and the host's Asterisk or
  else the private root's (with the ``asterisk-private-root.conf`` drop-in loaded). Any
  warning (an unknown key, a bad value) fails the test. ``systemd-analyze security
  --offline`` must rate each unit's exposure low.
- ``docker-compose.yml``: ``docker-compose config`` (no engine needed) with ``.env.example``
  must accept it once the secrets are given, and refuse it without them; then what it
  promises: every service is health-checked or waits for one that is, ports and secrets come
  from ``.env``, and every image is built from a Dockerfile of this repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALL_BIN = "/opt/city-hotline/.venv/bin/"
HOST_ASTERISK = Path("/usr/sbin/asterisk")
PRIVATE_ROOT = Path(os.environ.get("IVR_CACHE_DIR", "/var/cache/city-hotline")) / "asterisk-root"
SERVICES = ("setup", "redis", "asterisk", "fastagi", "ami", "roster", "web")
TEST_SECRETS = {"POSTGRES_PASSWORD": "pg-test", "IVR_AMI_SECRET": "ami-test",
                "IVR_ADMIN_PASSWORD": "admin-test", "IVR_TRUNK_MATCH": "192.0.2.10"}


# --- systemd ------------------------------------------------------------------------------

def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of a unit file, repeated keys kept, in order."""
    entries, section = [], ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key, value))
    return entries


def values(path: Path, key: str) -> list[str]:
    return [value for _, k, value in unit_entries(path) if k == key]


def service_file(name: str) -> Path:
    return UNITS / f"city-hotline-{name}.service"


@pytest.fixture(scope="module")
def units_here(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the units whose binaries are the ones installed on this machine."""
    systemd_analyze = shutil.which("systemd-analyze")
    assert systemd_analyze, "systemd-analyze is missing: scripts/setup-host.sh installs systemd"
    venv_bin = Path(sys.executable).parent
    assert (venv_bin / "ivr").exists(), f"no ivr command in {venv_bin}"
    folder = tmp_path_factory.mktemp("units")
    for unit in [*UNITS.glob("*.service"), *UNITS.glob("*.target")]:
        text = unit.read_text().replace(INSTALL_BIN, f"{venv_bin}/")
        (folder / unit.name).write_text(text)
    if not HOST_ASTERISK.exists():
        private = PRIVATE_ROOT / "usr" / "sbin" / "asterisk"
        assert private.exists(), "no Asterisk here: run scripts/setup-host.sh (make test does)"
        unit = folder / "city-hotline-asterisk.service"
        unit.write_text(unit.read_text().replace(f"{HOST_ASTERISK} ", f"{private} "))
        dropin = folder / "city-hotline-asterisk.service.d"
        dropin.mkdir()
        shutil.copyfile(UNITS / "asterisk-private-root.conf", dropin / "private-root.conf")
    return folder


def analyze(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SYSTEMD_UNIT_PATH": f"{folder}:",
           "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""}
    return subprocess.run(["systemd-analyze", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=60)


def test_systemd_verifies_every_unit_without_a_warning(units_here: Path) -> None:
    names = sorted(p.name for p in units_here.iterdir() if p.is_file())
    assert len(names) == len(SERVICES) + 1
    done = analyze(units_here, "verify", "--man=no", *names)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_verify_would_catch_a_mistake(units_here: Path, tmp_path: Path) -> None:
    """The check above is not empty: a typo or a missing binary is reported."""
    broken = (units_here / "city-hotline-web.service").read_text()
    broken = broken.replace("Restart=always", "Restat=always").replace("/ivr ", "/ivr-gone ")
    (tmp_path / "city-hotline-web.service").write_text(broken)
    done = analyze(tmp_path, "verify", "--man=no", "city-hotline-web.service")
    assert "Unknown key 'Restat'" in done.stderr and "ivr-gone" in done.stderr


@pytest.mark.parametrize(("name", "most"), [(name, 3.0 if name == "asterisk" else 1.5)
                                            for name in SERVICES])
def test_every_service_is_hardened(units_here: Path, name: str, most: float) -> None:
    done = analyze(units_here, "security", "--offline=yes", "--no-pager",
                   f"city-hotline-{name}.service")
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found.group(1)) <= most


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_runs_as_the_hotline_user_in_the_target(name: str) -> None:
    unit = service_file(name)
    assert values(unit, "User") == ["city-hotline"]
    assert values(unit, "PartOf") == ["city-hotline.target"]
    assert values(unit, "WantedBy") == ["city-hotline.target"]
    for key, value in [("ProtectSystem", "strict"), ("ReadWritePaths", "/var/lib/city-hotline"),
                       ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"),
                       ("ProtectHome", "yes"), ("UMask", "0077")]:
        assert values(unit, key) == [value], key
    kind = values(unit, "Type")
    assert values(unit, "Restart") == ([] if kind == ["oneshot"] else ["always"])


def test_the_target_wants_every_service_and_they_wait_for_setup() -> None:
    wanted = " ".join(values(UNITS / "city-hotline.target", "Wants")).split()
    assert sorted(wanted) == sorted(f"city-hotline-{name}.service" for name in SERVICES)
    for name in ("asterisk", "fastagi", "ami", "roster", "web"):
        assert "city-hotline-setup.service" in values(service_file(name), "Requires")
        assert "city-hotline-setup.service" in " ".join(values(service_file(name), "After"))
    for name in ("ami", "roster"):
        assert "city-hotline-asterisk.service" in " ".join(values(service_file(name), "After"))


# --- docker compose -----------------------------------------------------------------------

def compose_command() -> list[str]:
    """docker-compose (Debian's package, works without an engine), else the docker plugin."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"],
                                                 capture_output=True).returncode == 0:
        return ["docker", "compose"]
    pytest.fail("no docker-compose here: scripts/setup-host.sh installs it")


def compose_config(secrets: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **secrets}
    return subprocess.run([*compose_command(), "--env-file", ".env.example",
                           "-f", "docker-compose.yml", "config"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """docker-compose.yml as the compose tool resolves it with .env.example and the secrets."""
    done = compose_config(TEST_SECRETS)
    assert done.returncode == 0, done.stderr
    resolved: dict[str, Any] = yaml.safe_load(done.stdout)
    return resolved


def test_compose_refuses_to_start_without_each_secret() -> None:
    for name in TEST_SECRETS:
        done = compose_config({k: v for k, v in TEST_SECRETS.items() if k != name})
        assert done.returncode != 0 and f"set {name} in .env" in done.stderr, name


def test_env_example_holds_no_secret() -> None:
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    for name in TEST_SECRETS:
        assert example[name] == "", name
    used = set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    assert used <= set(example), f"not in .env.example: {sorted(used - set(example))}"


def test_every_service_is_health_checked_or_waits_for_one(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "setup", "asterisk", "fastagi", "ami", "roster", "web"} \
        <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service or "depends_on" in service, name
        for needed, how in service.get("depends_on", {}).items():
            wanted = ("service_completed_successfully" if needed == "setup"
                      else "service_healthy")
            assert how["condition"] == wanted, (name, needed)
            if wanted == "service_healthy":
                assert "healthcheck" in services[needed], needed
    assert services["web"]["healthcheck"]["test"] == ["CMD", "ivr", "health", "web"]


def test_secrets_and_ports_come_from_env() -> None:
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in raw["services"].items():
        env = service.get("environment", {})
        for key, value in (env.items() if isinstance(env, dict) else []):
            if re.search(r"SECRET|PASSWORD", key) or "@" in str(value):
                assert re.search(r"\$\{\w+", str(value)), (name, key)
        for port in service.get("ports", []):
            assert re.fullmatch(r"\$\{\w+:-[0-9.]+\}:\$\{\w+:-\d+\}.*", port), (name, port)


def test_images_are_built_here_and_services_listen_on_the_network(
        compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("setup", "asterisk", "fastagi", "ami", "roster", "web"):
        assert (ROOT / services[name]["build"]["dockerfile"]).is_file(), name
    assert services["fastagi"]["environment"]["IVR_AGI_HOST"] == "0.0.0.0"
    assert services["web"]["environment"]["IVR_WEB_HOST"] == "0.0.0.0"
    setup = services["setup"]["environment"]
    assert (setup["IVR_AMI_HOST"], setup["IVR_SIP_HOST"]) == ("0.0.0.0", "0.0.0.0")
    assert setup["IVR_AMI_PERMIT"] == compose["networks"]["hotline"]["ipam"]["config"][0][
        "subnet"]
    assert setup["IVR_AGI_HOST"] == "fastagi"
    for name in ("ami", "roster"):
        assert services[name]["environment"]["IVR_AMI_HOST"] == "asterisk"
