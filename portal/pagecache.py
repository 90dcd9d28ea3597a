"""Public pages as anonymous visitors see them, kept in the cache.

The home page, the directory, the map, the event list … are the same for every visitor who
is not logged in, and they are what crawlers and the public ask for most. `public_page`
keeps such a response in the cache, per address, language and kind of request (full page or
htmx partial), and serves it again as long as nothing has changed since.

"Nothing has changed" is one number in the cache, the content version. A wrapper around
every database connection raises it after each INSERT, UPDATE or DELETE of a table that holds
content (the busy bookkeeping tables in UNTRACKED_TABLES do not count): at once, and again
when the transaction commits, so that a page cached by a concurrent reader in between is
not kept. Watching the SQL instead of model signals also catches QuerySet.update() and bulk
writes. Entries carry the version they were made at, and a hit is served only at that
version; each process keeps its last pages, so a hit usually asks Redis for the version alone.

A process serving anonymous visitors trusts the version it read for VERSION_TRUST_SECONDS,
so that most hits need no round trip to Redis at all; a change made by another process
reaches them at most that late, one made in this process at once.

If the cache cannot be reached the page is made afresh: the cache backend
(portal.cache.ResilientRedisCache) answers as an empty cache, and only the version's incr,
which that backend lets fail, is caught here.

Every page carries the visitor's CSRF token (the htmx header on <body>, the language form).
The stored copy holds a placeholder instead, and each visitor gets their own token filled
in, so forms on cached pages post as on fresh ones.

`personal_page` does the same for the pages of logged-in people (their dashboard, the
archive, their surveys), per session: the key holds the session's whole content, so a
logout, a new login, a changed password hash or anything else the session records makes a
different key, and the session must still exist to be found. Access rules depend on rows
(memberships, roles, the user's active flag), and a change to any of them raises the same
content version. Personal entries live a minute only, so that what depends on the clock (a
survey that opens) is at most that late.

A page whose making read one of the UNTRACKED_TABLES is not kept: writes there do not raise
the version, so its copy could not be trusted to go stale.

Never cached: requests with a pending message, responses that set cookies of their own,
anything but 200, and anything but GET/HEAD; `public_page` also leaves out everyone with a
session cookie.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, NamedTuple

import redis
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from portal import gzip_parts

VERSION_KEY = "pagecache:version"
TIMEOUT_SECONDS = 600
PERSONAL_TIMEOUT_SECONDS = 60
VERSION_TRUST_SECONDS = 1.0
# Rows written by the machinery, not content: sessions, the outbox, admin's log, allauth's
# and Celery's bookkeeping. Counting them would empty the cache at every login or mail.
UNTRACKED_TABLES = frozenset(
    {
        "django_session",
        "django_admin_log",
        "portal_outboundemail",
        "portal_outboundemailattachment",
        "portal_mailingrecipient",
        "account_emailconfirmation",
        "mfa_authenticator",
    }
)
READS_UNTRACKED = re.compile(r'"(?:' + "|".join(sorted(UNTRACKED_TABLES)) + r')"')
WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Logging in stamps last_login on the user: not content either.
LAST_LOGIN = re.compile(r'\s*UPDATE\s+"?portal_user"?\s+SET\s+"?last_login"?\s*=[^,]*WHERE', re.I)
# Headers worth keeping with the body; the middleware adds the security headers anew.
KEPT_HEADERS = (
    "Content-Type",
    "Vary",
    "Content-Language",
    "Cache-Control",
    "Content-Disposition",
)

logger = logging.getLogger(__name__)
CACHE_DOWN = (redis.RedisError, OSError)
View = Callable[..., HttpResponse]
HTMX_HEADERS = (
    "HX-Request",
    "HX-Boosted",
    "HX-History-Restore-Request",
    "HX-Target",
    "HX-Trigger",
    "HX-Trigger-Name",
)
TOKEN_PLACEHOLDER = b"@@csrf-token-of-this-visitor@@"
# Where base.html puts the token on every page, or a form's hidden field (admin's pages); a
# page that asked for a token is cached only if one is found.
TOKEN_IN_PAGE = re.compile(
    rb'"X-CSRFToken": "([A-Za-z0-9]{64})"|name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"'
)


def public_page(view: View) -> View:
    """Serve anonymous GET requests of this view from the cache when the content is unchanged."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        def make() -> HttpResponse:
            return view(request, *args, **kwargs)

        if not _cacheable_request(request) or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return make()
        key = _key(request, "page")
        return _cached(request, key, TIMEOUT_SECONDS, make, compressed=True, public=True)

    return wrapper


def personal_page(view: View) -> View:
    """Serve a logged-in person's GET requests of this view from the cache, per session."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return personal_response(request, lambda: view(request, *args, **kwargs))

    return wrapper


def personal_response(
    request: HttpRequest, make: Callable[[], HttpResponse], *, minute_old_bookkeeping: bool = False
) -> HttpResponse:
    """`make()`'s response, or its copy from the cache kept for this session.

    `minute_old_bookkeeping`: the page may show figures from UNTRACKED_TABLES (a mailing's
    progress) up to PERSONAL_TIMEOUT_SECONDS old; otherwise reading them keeps it out.
    """
    session = _session_content(request) if _cacheable_request(request) else None
    if session is None:
        return make()
    key = _key(request, "personal", session)
    return _cached(request, key, PERSONAL_TIMEOUT_SECONDS, make, any_tables=minute_old_bookkeeping)


def _cached(
    request: HttpRequest,
    key: str,
    timeout: int,
    make: Callable[[], HttpResponse],
    *,
    any_tables: bool = False,
    compressed: bool = False,
    public: bool = False,
) -> HttpResponse:
    """`compressed`: keep the page gzipped too, for visitors whose browser accepts it. Only for
    pages without anything personal: a compressed page's size can betray what it holds.
    `public`: the page is the same for every anonymous visitor, who may get it up to
    VERSION_TRUST_SECONDS after another process changed content."""
    version, entry = _lookup(key, timeout, trust_seconds=VERSION_TRUST_SECONDS if public else 0)
    if entry is not None:
        return _response_from(request, entry)
    with _noting_untracked_reads() as untracked_reads:
        response = make()
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.render()  # class-based views answer with a TemplateResponse
    if _cacheable_response(request, response) and (any_tables or not untracked_reads):
        content = _without_token(request, response.content)
        if content is not None:
            headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            parts = tuple(content.split(TOKEN_PLACEHOLDER))
            packed = gzip_parts.deflate(parts) if compressed else None
            made = Entry(version, parts, headers, packed, time.time())
            cache.set(key, made, timeout)
            _remember(key, made)
    if compressed:
        patch_vary_headers(response, ["Accept-Encoding"])
    return response


class Entry(NamedTuple):
    version: int
    # The page split where the visitor's CSRF token goes: split once, not at every hit.
    parts: tuple[bytes, ...]
    headers: dict[str, str]
    packed: list[bytes] | None  # gzip_parts.deflate of the parts around the placeholders
    made_at: float  # time.time() when it was made: a copy in a process lives no longer


# The pages this process served last, so that a hit fetches only the small version number
# from Redis, not the page again (a 60 KB page took 0.3 ms where the version alone takes
# 0.15). Whether a copy is current is still decided by the version (for anonymous visitors
# the one read within VERSION_TRUST_SECONDS).
LOCAL_ENTRIES = 128
_local: OrderedDict[str, Entry] = OrderedDict()
_local_lock = threading.Lock()


# The version as this process last read it, and when (time.monotonic()); None after this
# process changed content.
_read_version: tuple[int, float] | None = None


def _current_version(trust_seconds: float) -> int | None:
    global _read_version
    known = _read_version
    if known is not None and time.monotonic() - known[1] < trust_seconds:
        return known[0]
    # An unreachable Redis answers as an empty cache (portal.cache.ResilientRedisCache).
    version = cache.get(VERSION_KEY)
    _read_version = None if version is None else (version, time.monotonic())
    return version


def _lookup(key: str, timeout: int, *, trust_seconds: float = 0) -> tuple[int, Entry | None]:
    """The current version and a copy made at it, if there is one."""
    version = _current_version(trust_seconds)
    if version is None:
        # No version yet, or Redis away: then writes cannot raise it either, so nothing kept
        # in this process may be trusted.
        found = cache.get_many([VERSION_KEY, key])
        version, entry = found.get(VERSION_KEY, 0), found.get(key)
        return version, entry if isinstance(entry, Entry) and entry.version == version else None
    with _local_lock:
        entry = _local.get(key)
    if entry is None or entry.version != version or entry.made_at + timeout < time.time():
        entry = cache.get(key)
        if not isinstance(entry, Entry) or entry.version != version:
            return version, None
        _remember(key, entry)
    return version, entry


def _remember(key: str, entry: Entry) -> None:
    with _local_lock:
        _local[key] = entry
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def forget_local_copies() -> None:
    """Drop this process's copies (tests that clear the cache between requests)."""
    global _read_version
    _read_version = None
    with _local_lock:
        _local.clear()


_untracked_reads: ContextVar[list[str] | None] = ContextVar("untracked_reads", default=None)


@contextmanager
def _noting_untracked_reads() -> Iterator[list[str]]:
    noted: list[str] = []
    token = _untracked_reads.set(noted)
    try:
        yield noted
    finally:
        _untracked_reads.reset(token)


def _session_content(request: HttpRequest) -> str | None:
    """The logged-in session as one string, or None if there is none or it holds a message."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    session = request.session
    if session.get(SESSION_KEY) is None or session.get(SessionStorage.session_key):
        return None
    return json.dumps(dict(session.items()), sort_keys=True, default=str)


def content_changed() -> None:
    """Make every cached page stale."""
    global _read_version
    _read_version = None
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        # Not there (a fresh, flushed or restarted Redis). Not 1 again: a process may still
        # hold copies made at the lost version's early numbers (_local); the clock's
        # nanoseconds are a number no earlier version had.
        cache.set(VERSION_KEY, time.time_ns(), None)
    except CACHE_DOWN:  # the cache is down: its pages go stale by TIMEOUT_SECONDS at the latest
        logger.warning("Could not raise the content version of the page cache", exc_info=True)


def _writes_content(sql: str) -> bool:
    found = WRITE.match(sql)
    return (
        found is not None and found.group(1) not in UNTRACKED_TABLES and not LAST_LOGIN.match(sql)
    )


def _watch_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    result = execute(sql, params, many, context)
    noted = _untracked_reads.get()
    if noted is not None and READS_UNTRACKED.search(sql):
        noted.append(sql)
    if _writes_content(sql):
        content_changed()
        connection = context["connection"]
        if connection.in_atomic_block:
            transaction.on_commit(content_changed, using=connection.alias)
    return result


def _install(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def watch_database_writes() -> None:
    """Called once at start-up (PortalConfig.ready)."""
    connection_created.connect(_install, dispatch_uid="pagecache-watch-writes")
    for connection in connections.all(initialized_only=True):
        _install(None, connection)


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    return "messages" not in request.COOKIES


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        # The CSRF cookie is set anew for each visitor on a hit; any other cookie is personal.
        and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
        and not getattr(request, "_messages", None)
    )


def _without_token(request: HttpRequest, content: bytes) -> bytes | None:
    """The page with the visitor's CSRF tokens replaced by the placeholder, or None if unsure."""
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return content  # the page never asked for a token
    # Parts rendered on their own (the dashboard's panels) carry differently masked tokens of
    # the same secret: each of them is this visitor's.
    tokens = {found.group(1) or found.group(2) for found in TOKEN_IN_PAGE.finditer(content)}
    if not tokens:
        return None
    for token in tokens:
        content = content.replace(token, TOKEN_PLACEHOLDER)
    return content


def _key(request: HttpRequest, kind: str, session: str = "") -> str:
    # What an htmx request says decides which part of the page the view renders.
    partial = "|".join(request.headers.get(name, "") for name in HTMX_HEADERS)
    raw = f"{request.get_full_path()}|{translation.get_language()}|{partial}|{session}"
    # "4": the shape of Entry.
    return f"pagecache:{kind}:4:" + hashlib.sha256(raw.encode()).hexdigest()


def _response_from(request: HttpRequest, entry: Entry) -> HttpResponse:
    parts = entry.parts
    # get_token also makes the CSRF middleware send the visitor's cookie.
    token = get_token(request).encode() if len(parts) > 1 else b""
    if entry.packed is not None and gzip_parts.accepts_gzip(request):
        response = HttpResponse(gzip_parts.assemble(parts, entry.packed, token))
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(token.join(parts))
    for name, value in entry.headers.items():
        response[name] = value
    if entry.packed is not None:
        patch_vary_headers(response, ["Accept-Encoding"])
    return response
