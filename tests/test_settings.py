from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal.env import ConfigError, Env

PROJECT_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "kV3x9-Qe7LmZ2pR8tW1yB4nH6jD0sF5gA_cX-uE3iO7kP9lM2qS4vT6wY8zN1bC",
    "DJANGO_ALLOWED_HOSTS": "portal.kommunen-netzwerk.example",
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_HOST": "smtp.internal",
    "PORTAL_BASE_URL": "https://portal.kommunen-netzwerk.example",
    "PATH": os.environ["PATH"],
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_reads_booleans_strictly():
    env = Env({"A": "yes", "B": "0", "C": "maybe"})
    assert env.boolean("A", default=False) is True
    assert env.boolean("B", default=True) is False
    assert env.boolean("MISSING", default=True) is True
    with pytest.raises(ConfigError, match="C must be one of"):
        env.boolean("C", default=False)


def test_it_names_the_variable_of_a_bad_number():
    with pytest.raises(ConfigError, match="EMAIL_PORT must be a whole number"):
        Env({"EMAIL_PORT": "smtp"}).integer("EMAIL_PORT", 25)
    with pytest.raises(ConfigError, match="at least 1"):
        Env({"EMAIL_PORT": "0"}).integer("EMAIL_PORT", 25, minimum=1)


def test_it_rejects_a_database_url_of_the_wrong_kind():
    with pytest.raises(ConfigError, match="DATABASE_URL must be a URL starting with"):
        Env({"DATABASE_URL": "mysql://db/portal"}).url("DATABASE_URL", ("postgres", "sqlite"))
    with pytest.raises(ConfigError, match="must name a host"):
        Env({"DATABASE_URL": "postgres:///portal"}).url("DATABASE_URL", ("postgres",))


def test_it_splits_lists_and_ignores_blanks():
    assert Env({"HOSTS": " a.example, ,b.example "}).strings("HOSTS") == ["a.example", "b.example"]
    assert Env({}).strings("HOSTS", ["localhost"]) == ["localhost"]


def test_it_requires_a_secret_key_without_debug():
    env = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_rejects_a_guessable_secret_key():
    result = run_manage("check", env={**PRODUCTION, "DJANGO_SECRET_KEY": "a" * 60})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be a random value" in result.stderr


def test_it_stops_start_up_on_a_bad_value_and_names_the_variable():
    result = run_manage("check", env={**PRODUCTION, "REDIS_URL": "localhost:6379"})
    assert result.returncode != 0
    assert "REDIS_URL must be a URL" in result.stderr


def test_without_debug_start_up_stops_until_the_public_https_address_is_set():
    env = {key: value for key, value in PRODUCTION.items() if key != "PORTAL_BASE_URL"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "PORTAL_BASE_URL must be set to the portal's public https:// address" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("http://portal.kommunen-netzwerk.example", "PORTAL_BASE_URL must start with https://"),
        ("https://localhost:8000", "PORTAL_BASE_URL must name the portal's public host"),
        ("https://127.0.0.1", "PORTAL_BASE_URL must name the portal's public host"),
        ("https://[::1]:8443/", "PORTAL_BASE_URL must name the portal's public host"),
        ("https://0.0.0.0", "PORTAL_BASE_URL must name the portal's public host"),
        ("https://portal.localhost", "PORTAL_BASE_URL must name the portal's public host"),
        ("portal.kommunen-netzwerk.example", "PORTAL_BASE_URL must be an absolute address"),
        ("https://portal.example/?x=1", "PORTAL_BASE_URL must not have a query"),
    ],
)
def test_without_debug_the_public_address_must_be_https_on_a_real_host(value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Env({"PORTAL_BASE_URL": value}).public_address(
            "PORTAL_BASE_URL", "http://localhost:8000", production=True
        )


def test_with_debug_the_public_address_may_be_the_developers_machine():
    env = Env({"PORTAL_BASE_URL": "http://127.0.0.1:8200/"})
    address = env.public_address("PORTAL_BASE_URL", "http://localhost:8000", production=False)
    assert address == "http://127.0.0.1:8200"
    unset = Env({}).public_address("PORTAL_BASE_URL", "http://localhost:8000", production=False)
    assert unset == "http://localhost:8000"
    production = Env({"PORTAL_BASE_URL": "https://portal.kommunen-netzwerk.example/"})
    assert production.public_address("PORTAL_BASE_URL", "", production=True) == (
        "https://portal.kommunen-netzwerk.example"
    )


def test_deploy_check_is_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_newcomer_defaults_need_no_variables(tmp_path):
    env = {"PATH": os.environ["PATH"], "PORTAL_VAR_DIR": str(tmp_path)}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, "
        "s.DEBUG)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.filebased.EmailBackend",
        "True",
    ]


def test_a_database_url_alone_switches_debug_off():
    unset = {"DJANGO_SECRET_KEY", "DJANGO_DEBUG"}
    env = {key: value for key, value in PRODUCTION.items() if key not in unset}
    result = run_manage("check", env=env)
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def _cache_settings(env: dict[str, str]) -> list[str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "c = s.CACHES['default']; "
        "print(c['BACKEND'], c.get('OPTIONS', {}).get('IGNORE_EXCEPTIONS'), "
        "s.PORTAL_PAGE_CACHE_SECONDS)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


def test_the_cache_is_django_redis_ignoring_an_absent_redis_only_with_its_own_url():
    assert _cache_settings(PRODUCTION) == [
        "django.core.cache.backends.locmem.LocMemCache",
        "None",
        "60",
    ]
    own = {**PRODUCTION, "REDIS_CACHE_URL": "redis://cache.internal:6379/0"}
    assert _cache_settings({**own, "PORTAL_PAGE_CACHE_SECONDS": "0"}) == [
        "portal.caching.FailOpenRedisCache",
        "True",
        "0",
    ]
