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
writes. Entries carry the version they were made at; one round trip fetches both.

If the cache cannot be reached the page is made afresh: the cache backend
(portal.cache.ResilientRedisCache) answers as an empty cache, and only the version's incr,
which that backend lets fail, is caught here.

Every page carries the visitor's CSRF token (the htmx header on <body>, the language form).
The stored copy holds a placeholder instead, and each visitor gets their own token filled
in, so forms on cached pages post as on fresh ones.

Never cached: requests of logged-in people (a session cookie), requests with a pending
message, responses that set cookies of their own, anything but 200, and anything but
GET/HEAD.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import translation

VERSION_KEY = "pagecache:version"
TIMEOUT_SECONDS = 600
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
WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Logging in stamps last_login on the user: not content either.
LAST_LOGIN = re.compile(r'\s*UPDATE\s+"?portal_user"?\s+SET\s+"?last_login"?\s*=[^,]*WHERE', re.I)
# Headers worth keeping with the body; the middleware adds the security headers anew.
KEPT_HEADERS = ("Content-Type", "Vary", "Content-Language")

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
# Where base.html puts the token on every page; a page is cached only if it is found there.
TOKEN_IN_PAGE = re.compile(rb'"X-CSRFToken": "([A-Za-z0-9]{64})"')


def public_page(view: View) -> View:
    """Serve anonymous GET requests of this view from the cache when the content is unchanged."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        # An unreachable Redis answers as an empty cache (portal.cache.ResilientRedisCache).
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY, 0)
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            return _response_from(request, entry)
        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.render()  # class-based views answer with a TemplateResponse
        if _cacheable_response(request, response):
            content = _without_token(request, response.content)
            if content is not None:
                headers = {name: response[name] for name in KEPT_HEADERS if name in response}
                cache.set(key, (version, content, headers), TIMEOUT_SECONDS)
        return response

    return wrapper


def content_changed() -> None:
    """Make every cached page stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        # Not there yet (fresh cache, or evicted): any new value differs from 0.
        cache.set(VERSION_KEY, 1, None)
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
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        # The CSRF cookie is set anew for each visitor on a hit; any other cookie is personal.
        and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
        and not getattr(request, "_messages", None)
    )


def _without_token(request: HttpRequest, content: bytes) -> bytes | None:
    """The page with the visitor's CSRF token replaced by the placeholder, or None if unsure."""
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return content  # the page never asked for a token
    found = TOKEN_IN_PAGE.search(content)
    if found is None:
        return None
    return content.replace(found.group(1), TOKEN_PLACEHOLDER)


def _key(request: HttpRequest) -> str:
    # What an htmx request says decides which part of the page the view renders.
    partial = "|".join(request.headers.get(name, "") for name in HTMX_HEADERS)
    raw = f"{request.get_full_path()}|{translation.get_language()}|{partial}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _response_from(request: HttpRequest, entry: tuple[int, bytes, dict[str, str]]) -> HttpResponse:
    _, content, headers = entry
    if TOKEN_PLACEHOLDER in content:
        # get_token also makes the CSRF middleware send the visitor's cookie.
        content = content.replace(TOKEN_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    return response
