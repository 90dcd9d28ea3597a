"""Small helpers of benchmarks/run that are easier in Python than in bash.

    probe.py wait URL                 wait until the server answers (any HTTP status)
    probe.py check URL [COOKIE]       exit 1 unless URL answers 200 (no redirect followed)
    probe.py session EMAIL            print a Cookie header value of a logged-in session

`session` is the hook for logged-in pages: it logs the account in the way Django's test
client does (no password, no second factor), against the database of the benchmark run.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is reported as such, not followed


def _only_loopback(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        sys.exit(f"refusing {url}: the benchmark only ever targets 127.0.0.1")


def _status(url: str, cookie: str = "") -> tuple[int, str]:
    _only_loopback(url)
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http://127.0.0.1 only
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        location = error.headers.get("Location", "")
        body = " ".join(error.read(400).decode("utf-8", "replace").split())
        return error.code, f"Location: {location}" if location else f"Body: {body[:200]}"


def wait(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            _status(url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                sys.exit(f"{url} did not answer within {seconds:.0f} s")
            time.sleep(0.2)


def check(url: str, cookie: str = "") -> None:
    try:
        status, detail = _status(url, cookie)
    except (urllib.error.URLError, OSError) as error:  # e.g. gunicorn stopped by Ctrl-C
        sys.exit(f"{url} cannot be reached: {error}")
    if status != 200:
        sys.exit(
            f"{url} answered {status}, not 200: benchmarking it would be meaningless. {detail}"
        )


def session(email: str) -> None:
    # Run as a script from benchmarks/, so the project itself is not on the path yet.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(email__iexact=email)
    client = Client()
    client.force_login(user)
    print(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")


def main(argv: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {"wait": wait, "check": check, "session": session}
    if len(argv) < 2 or argv[0] not in commands:
        sys.exit(__doc__)
    commands[argv[0]](*argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
