"""Every page a visitor can reach, for each role, in Chromium: axe-core, the Nu HTML Checker
(vnu), one h1, a title and a language on each; and no GET request writes to the database.

The crawl starts at the home page and the member's area (and Django admin for staff) and
follows the page's own links, so pages that land later are checked without changing this
file. See docs/quality.md, section "Accessibility and HTML".
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib import admin
from django.core.signals import request_finished, request_started
from django.db import connections
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.conftest import AXE_SCRIPT, axe_violations, log_in_browser
from tests.support.crawl_network import build_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"

PAGES_PER_ROLE = 80
PAGES_FOR_ADMIN = 110  # the index, each changelist and add page, one change page per model
PAGES_PER_PATTERN = 3

# Links that lead to files, not pages: by the name of the view they resolve to ...
FILE_VIEWS = {
    "members:practice_image",
    "members:attachment_download",
    "meetings:event_ics",
    "meetings:document",
    "meetings:library_file",
    "meetings:registration_ics",
    "meetings:feed",
    "meetings:guest_ics",
    "declarations:signature_pdf",
    "declarations:blank_form",
    "personal_data_export",
    "access:video",
    "access:captions",
}
FILE_ADMIN_VIEWS = re.compile(r"_(pdf|csv|xlsx|scan|attachment|export|blank_form)$")
# ... and by their address, for links no view of ours resolves.
FILE_PATHS = re.compile(
    r"(\.(pdf|ics|csv|xlsx|json|zip|png|jpe?g|svg|vtt|mp4|webm)$|/datei/|/bild/)", re.I
)
# Leaving, switching the language or logging out ends the role's crawl or changes nothing
# worth checking twice.
NOT_FOLLOWED_VIEWS = {"account_logout", "set_language", "admin:logout", "health"}

# Messages of the Nu HTML Checker that are not errors of ours, each with the pages it may
# appear on (a regular expression of the path) and why; docs/quality.md explains them too.
# Writes that a GET request may make without changing what anybody sees or did.
ALLOWED_GET_WRITES = [
    # The address of a person's calendar feed is made the first time a page shows it.
    re.compile(r'^INSERT INTO "meetings_calendarfeed"'),
]


# --- The crawl -------------------------------------------------------------------------------


@dataclass
class Crawl:
    """What the crawl of all roles saw."""

    folder: Path
    pages: dict[str, list[str]] = field(default_factory=dict)  # role: paths
    views: dict[str, set[str]] = field(default_factory=dict)  # role: view names
    files: dict[Path, str] = field(default_factory=dict)  # saved HTML: "role path"
    problems: list[str] = field(default_factory=list)


def view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def pattern(name: str | None, path: str) -> tuple[str, int]:
    """The group a page counts in, and how many pages of the group one role checks."""
    if name is None:
        return path, 1
    if name.startswith("admin:"):
        # One changelist, add and change page per model; of the pages that look the same
        # for every model (history, delete, password), one in all.
        for suffix in ("_history", "_delete", "_password_change"):
            if name.endswith(suffix):
                return f"admin:*{suffix}", 1
        return name, 1
    return name, PAGES_PER_PATTERN


def normalised(url: str, origin: str) -> str | None:
    """The path and sorted query of a same-origin page link; None for links not followed."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    if FILE_PATHS.search(parts.path):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def followed(path: str) -> bool:
    name = view_name(path.split("?", 1)[0])
    if name in FILE_VIEWS or name in NOT_FOLLOWED_VIEWS:
        return False
    return not (name and name.startswith("admin:") and FILE_ADMIN_VIEWS.search(name))


PAGE_FACTS = """() => ({
    h1: document.querySelectorAll('h1').length,
    title: document.title.trim(),
    lang: document.documentElement.getAttribute('lang') || '',
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
})"""


def crawl_role(
    page: Page, origin: str, role: str, starts: list[str], limit: int, crawl: Crawl
) -> None:
    """Breadth first from the start pages; the admin crawl stays in admin, the others out."""
    in_admin = starts == ["/admin/"]
    queue = deque(starts)
    seen = set(starts)
    counted: Counter[str] = Counter()
    visited = crawl.pages.setdefault(role, [])
    names = crawl.views.setdefault(role, set())
    while queue and len(visited) < limit:
        path = queue.popleft()
        name = view_name(path.split("?", 1)[0])
        group, cap = pattern(name, path)
        if counted[group] >= cap:
            continue
        try:
            response = page.goto(origin + path)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file behind a link that looked like a page
            raise
        assert response is not None
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        final = normalised(page.url, origin) or path
        if final != path and final in seen and final not in starts:
            continue  # a redirect to a page that is checked anyway
        seen.add(final)
        counted[group] += 1
        visited.append(path)
        if name:
            names.add(name)
        where = f"{role} {path}"
        if response.status >= 400:
            crawl.problems.append(f"{where}: HTTP {response.status} (a link to a broken page)")

        html = response.text()
        facts = page.evaluate(PAGE_FACTS)
        if facts["h1"] != 1:
            crawl.problems.append(f"{where}: {facts['h1']} h1 elements instead of one")
        if not facts["title"]:
            crawl.problems.append(f"{where}: empty <title>")
        if not facts["lang"]:
            crawl.problems.append(f"{where}: no lang on <html>")
        for violation in axe_violations(page, loaded=True):
            crawl.problems.append(f"{where}: {violation}")
        saved = crawl.folder / f"{len(crawl.files):04d}.html"
        saved.write_text(html, encoding="utf-8")
        crawl.files[saved] = where

        for link in facts["links"]:
            target = normalised(urljoin(page.url, link), origin)
            if (
                target
                and target not in seen
                and target.startswith("/admin/") == in_admin
                and followed(target)
            ):
                seen.add(target)
                queue.append(target)


def vnu_errors(crawl: Crawl) -> list[str]:
    """All errors of one run of the Nu HTML Checker over every saved page."""
    if not crawl.files:
        return []
    java = shutil.which("java")
    assert java, "the Nu HTML Checker needs Java (Debian: openjdk-17-jre-headless)"
    assert VNU_JAR.exists(), "the Nu HTML Checker is missing: npm ci"
    run = subprocess.run(  # noqa: S603 - fixed arguments, files of this test
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, crawl.files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = []
    for message in messages:
        if message.get("type") not in {"error", "non-document-error"}:
            continue
        where = crawl.files.get(Path(urlsplit(message.get("url", "")).path), "? ?")
        text = message.get("message", "")
        errors.append(f"{where} line {message.get('lastLine', '?')}: {text}")
    return errors


class GetWrites:
    """Records SQL writes the live server makes while it answers GET or HEAD requests."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._local = threading.local()

    def _record(self, execute, sql, params, many, context):
        if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", sql, re.I) and not any(
            allowed.search(sql) for allowed in ALLOWED_GET_WRITES
        ):
            self.found.append(f"{self._local.path}: {sql[:160]}")
        return execute(sql, params, many, context)

    def started(self, sender, environ, **kwargs) -> None:
        if environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            self._local.path = environ.get("PATH_INFO", "")
            connections["default"].execute_wrappers.append(self._record)

    def finished(self, sender, **kwargs) -> None:
        wrappers = connections["default"].execute_wrappers
        if self._record in wrappers:
            wrappers.remove(self._record)

    def __enter__(self) -> GetWrites:
        request_started.connect(self.started)
        request_finished.connect(self.finished)
        return self

    def __exit__(self, *exc) -> None:
        request_started.disconnect(self.started)
        request_finished.disconnect(self.finished)


def test_every_reachable_page_passes_axe_and_vnu_for_every_role(
    page: Page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    network = build_network()
    # axe once per page load, without sending its script again for every page.
    page.context.add_init_script(path=str(AXE_SCRIPT))
    home = ["/", "/mein-bereich/"]
    # The past event with its documents is linked below the coming ones, after the cap.
    past = f"/veranstaltungen/{network.past_event.pk}/"
    roles = [
        ("anonymous", None, [*home, past]),
        ("without organisation", network.user_without_organisation, home),
        ("contact of member A", network.contact_a, [*home, past]),
        ("head of member A", network.head_a, home),
        ("contact of applicant B", network.contact_b, home),
        ("staff", network.staff, home),
        ("staff in admin", network.staff, ["/admin/"]),
    ]
    crawl = Crawl(folder=tmp_path)
    started = time.monotonic()
    with GetWrites() as writes:
        for role, user, starts in roles:
            page.context.clear_cookies()
            if user is not None:
                log_in_browser(page, live_server, user)
            limit = PAGES_FOR_ADMIN if starts == ["/admin/"] else PAGES_PER_ROLE
            crawl_role(page, live_server.url, role, starts, limit, crawl)
    errors = vnu_errors(crawl)
    summary = ", ".join(f"{role}: {len(paths)}" for role, paths in crawl.pages.items())
    print(f"\nPages per role: {summary}; {time.monotonic() - started:.0f} s with vnu")

    # The crawl went through the whole network, not around it.
    anonymous = crawl.views["anonymous"]
    assert {"members:profile", "meetings:event_detail", "meetings:library_detail"} <= anonymous
    assert {
        "members:archive_detail",
        "meetings:registration",
        "members:people",
        "members:profile_edit",
        "members:survey",
    } <= crawl.views["contact of member A"]
    assert "declarations:signature" in crawl.views["head of member A"]
    assert "members:application_detail" in crawl.views["contact of applicant B"]
    admin_views = crawl.views["staff in admin"]
    assert {"admin:members_application_change", "admin:meetings_event_add"} <= admin_views
    assert len([name for name in admin_views if name.endswith("_changelist")]) == len(
        admin.site._registry
    )

    assert crawl.problems == [], "\n".join(crawl.problems)
    assert errors == [], f"{len(errors)} HTML errors:\n" + "\n".join(errors)
    assert writes.found == [], "GET requests wrote to the database:\n" + "\n".join(writes.found)
