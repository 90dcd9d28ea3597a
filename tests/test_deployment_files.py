"""Checks of the deployment files: docker-compose.yml, .env.example, Dockerfile, lock files.

There is no container engine on the CI machines, so the compose file is checked by parsing it.
None of these tests touches the database.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS_FILE = ROOT / "portal" / "settings.py"

REQUIRED_SERVICES = ("web", "worker", "beat", "db", "redis", "cache", "mailpit")
APP_SERVICES = ("web", "worker", "beat")

# env.string("NAME", ...), env.boolean(\n    "NAME", ...) and so on in portal/settings.py.
ENV_READ = re.compile(r"""\benv\.([a-z_]+)\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def load_compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def services() -> dict[str, dict[str, Any]]:
    return load_compose()["services"]


def env_example() -> dict[str, str]:
    """The assignments of .env.example, as compose reads them (comments skipped, quotes off)."""
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f".env.example has a line that is no NAME=value assignment: {line!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def settings_variables() -> set[str]:
    return {name for _method, name in ENV_READ.findall(SETTINGS_FILE.read_text(encoding="utf-8"))}


def env_file_paths(service: dict[str, Any]) -> list[str]:
    """The env_file entries of a service: a string, a list of strings, or a list of mappings."""
    entries = service.get("env_file") or []
    if isinstance(entries, str | dict):
        entries = [entries]
    return [entry["path"] if isinstance(entry, dict) else entry for entry in entries]


def environment_names(service: dict[str, Any]) -> set[str]:
    """Names set on a service, directly or via env_file (.env.example stands in for .env)."""
    environment = service.get("environment") or {}
    if isinstance(environment, dict):
        names = set(environment)
    else:
        names = {item.partition("=")[0] for item in environment}
    for path in env_file_paths(service):
        if Path(path).name in {".env", ".env.example"}:
            names |= {name for name, value in env_example().items() if value}
    return names


def one_shot_services(all_services: dict[str, dict[str, Any]]) -> set[str]:
    """Services others wait for to *finish* (e.g. migrate): a healthcheck means nothing there."""
    finished: set[str] = set()
    for service in all_services.values():
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, dict):
            for name, condition in depends_on.items():
                if (condition or {}).get("condition") == "service_completed_successfully":
                    finished.add(name)
    return finished


def test_compose_file_defines_web_worker_beat_db_redis_cache_and_mailpit():
    missing = set(REQUIRED_SERVICES) - set(services())
    assert not missing, f"docker-compose.yml lacks the services {sorted(missing)}"


def test_every_compose_service_has_a_healthcheck():
    all_services = services()
    exempt = one_shot_services(all_services) - set(REQUIRED_SERVICES)
    without = [
        name
        for name, service in all_services.items()
        if name not in exempt
        and (
            not (service.get("healthcheck") or {}).get("test")
            or service["healthcheck"].get("disable")
        )
    ]
    assert not without, f"services without a healthcheck: {without}"


def test_every_dependency_waits_for_a_healthy_or_completed_service():
    allowed = {"service_healthy", "service_completed_successfully"}
    for name, service in services().items():
        depends_on = service.get("depends_on")
        if depends_on is None:
            continue
        # The short list form would only wait for the container to start.
        assert isinstance(depends_on, dict), f"{name}: depends_on must name a condition"
        for dependency, spec in depends_on.items():
            assert (spec or {}).get("condition") in allowed, (
                f"{name} starts before {dependency} is healthy"
            )


def test_web_waits_for_migrations_database_and_redis():
    depends_on = services()["web"]["depends_on"]
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    migrations_first = any(
        spec.get("condition") == "service_completed_successfully" for spec in depends_on.values()
    )
    command = services()["web"].get("command") or services()["web"].get("entrypoint") or ""
    assert migrations_first or "migrate" in str(command), "web starts without running migrations"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_web_worker_and_beat_get_database_url_and_redis_url(service):
    names = environment_names(services()[service])
    assert {"DATABASE_URL", "REDIS_URL"} <= names, f"{service} gets only {sorted(names)}"


def test_env_example_lists_every_variable_that_settings_reads():
    read = settings_variables()
    assert len(read) > 10, "the pattern no longer finds the env.<method>(...) calls in settings.py"
    missing = read - set(env_example())
    assert not missing, f".env.example does not list {sorted(missing)}"


def test_env_example_ships_no_secret_key_and_no_debug():
    values = env_example()
    assert values["DJANGO_SECRET_KEY"] == "", "a secret key in .env.example would end up in use"
    assert values["DJANGO_DEBUG"].lower() in {"false", "0", "no", "off"}
    assert values["PORTAL_BENCHMARK_VIEWS"].lower() in {"false", "0", "no", "off"}


def test_env_example_database_url_matches_the_postgres_service_credentials():
    values = env_example()
    expected = (
        f"postgres://{values['POSTGRES_USER']}:{values['POSTGRES_PASSWORD']}"
        f"@db:5432/{values['POSTGRES_DB']}"
    )
    assert values["DATABASE_URL"] == expected


def test_web_and_worker_share_the_media_volume():
    all_services = services()

    def media_mounts(name):
        return {
            volume.split(":")[0]
            for volume in all_services[name].get("volumes", [])
            if isinstance(volume, str) and volume.split(":")[1] == "/app/var/media"
        }

    shared = media_mounts("web") & media_mounts("worker")
    assert shared, "web and worker must mount the same volume at /app/var/media"
    assert shared <= set(load_compose().get("volumes") or {}), "media must be a named volume"


def test_database_and_redis_publish_no_ports():
    for name in ("db", "redis", "cache"):
        assert not services()[name].get("ports"), f"{name} must stay inside the compose network"


def test_published_ports_are_bound_to_loopback():
    for name, service in services().items():
        for port in service.get("ports") or []:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} to all hosts"


def test_requirements_and_package_lock_name_no_download_address():
    files = [path for path in (ROOT / "requirements").iterdir() if path.is_file()]
    files.append(ROOT / "package-lock.json")
    assert len(files) > 1
    offending = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "http://" in line or "https://" in line
    ]
    assert not offending, f"registry addresses must not be committed: {offending}"


def test_dockerfile_installs_hashed_requirements_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes" in dockerfile
    assert "requirements/base.txt" in dockerfile
    assert "npm ci --omit=dev" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "EXPOSE 8000" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users, "the image must not run as root"
    assert users[-1] not in {"root", "0"}


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", "node_modules", "var", ".git"} <= ignored


def _option(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def test_the_cache_has_a_redis_of_its_own_that_evicts_and_the_broker_never_does():
    cache, broker = services()["cache"]["command"], services()["redis"]["command"]
    assert _option(cache, "--maxmemory")
    assert _option(cache, "--maxmemory-policy") == "allkeys-lru"
    assert _option(broker, "--maxmemory-policy") in {None, "noeviction"}
    values = env_example()
    assert values["REDIS_CACHE_URL"].startswith("redis://cache:")
    assert values["REDIS_URL"].startswith("redis://redis:")


def test_the_backup_service_backs_up_nightly_with_retention_into_its_own_volume():
    backup = services()["backup"]
    command = " ".join(backup["command"])
    assert "manage.py backup_portal /app/backups --keep-daily 14 --keep-weekly 8" in command
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in backup["volumes"]}
    assert mounts == {
        "media": "/app/var/media",
        "backups": "/app/backups",
        "erasure-log": "/app/var/erasures",
    }
    assert set(load_compose()["volumes"]) >= {"backups", "erasure-log"}


def test_the_erasure_log_lives_on_a_volume_of_web_that_no_backup_holds():
    web = services()["web"]["volumes"]
    assert "erasure-log:/app/var/erasures" in web
    # settings' default path lies in that volume, not under media or the backups.
    assert 'VAR_DIR / "erasures" / "erasures.jsonl"' in SETTINGS_FILE.read_text(encoding="utf-8")


def test_the_image_has_the_postgresql_client_of_the_servers_major_version():
    server = services()["db"]["image"].split(":")[1].split("-")[0]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"FROM postgres:{server}-bookworm AS postgres-client" in dockerfile
    assert f"/usr/lib/postgresql/{server}/bin/pg_dump" in dockerfile


# --- The public address ----------------------------------------------------------------------


def test_compose_stops_without_the_public_address_and_the_example_sets_an_https_one():
    for name in APP_SERVICES:
        value = str((services()[name].get("environment") or {}).get("PORTAL_BASE_URL"))
        assert value.startswith("${PORTAL_BASE_URL:?"), f"{name} starts without PORTAL_BASE_URL"
    assert env_example()["PORTAL_BASE_URL"].startswith("https://")


FAKE_LIB = """
PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$PROJECT_DIR/python"
say() { :; }
ensure_python_env() { :; }
ensure_node_modules() { :; }
build_stylesheet() { :; }
"""
# Notes each call of manage.py with the address the portal would put into its mails.
FAKE_PYTHON = """#!/bin/sh
echo "$PORTAL_BASE_URL $2" >> "$(dirname "$0")/calls"
"""


def _dev_calls(tmp_path: Path, **env: str) -> list[str]:
    """Runs scripts/dev with installation, manage.py and the server replaced by stand-ins."""
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "dev"
    script.write_text((ROOT / "scripts" / "dev").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "scripts" / "lib.sh").write_text(FAKE_LIB, encoding="utf-8")
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON, encoding="utf-8")
    python.chmod(0o755)
    subprocess.run(  # noqa: S603 - bash with our own script
        ["/bin/bash", str(script)],
        env={"PATH": os.environ["PATH"], **env},
        check=True,
        timeout=30,
        capture_output=True,
    )
    return (tmp_path / "calls").read_text(encoding="utf-8").splitlines()


def test_scripts_dev_writes_mail_links_to_the_port_it_serves_on(tmp_path):
    calls = _dev_calls(tmp_path, PORT="8200")
    assert calls[-1] == "http://127.0.0.1:8200 runserver"
    assert {call.split()[0] for call in calls} == {"http://127.0.0.1:8200"}, "also the demo's mails"


def test_scripts_dev_keeps_a_public_address_given_to_it(tmp_path):
    calls = _dev_calls(tmp_path, PORT="8200", PORTAL_BASE_URL="https://dev.kommune.example")
    assert {call.split()[0] for call in calls} == {"https://dev.kommune.example"}
