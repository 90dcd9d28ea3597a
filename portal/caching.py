"""Public pages as anonymous visitors see them, kept a short while in Django's cache.

The rule: an anonymous visitor may get a public page up to PORTAL_PAGE_CACHE_SECONDS (60) old;
anyone logged in gets every page made afresh (portal.middleware.PrivateWhenLoggedInMiddleware
marks those responses private). Nothing is invalidated: a change reaches anonymous visitors
when the copy expires.

`@cached_for_anonymous` keeps the whole response, made for a visitor without a session, per
address, language, kind of request (full page, htmx partial, htmx history restore) and whether
the browser takes gzip. The copy is stored compressed (Django's gzip_page, the same work as
GZipMiddleware, which leaves an already compressed answer alone), so a page from the cache is
not compressed again for every visitor. The
query string is part of the address, but only with the parameters the view declares in
`query`: the view gets the request with the others removed, so `?utm=1` finds the same copy as
no query at all, and nothing a visitor adds to the address ends up in a copy for others.

No visitor's token is ever in a copy: a page is stored only if making it did not ask for a
CSRF token (get_token() leaves CSRF_COOKIE_NEEDS_UPDATE in request.META, even after a
csrf_protect inside the view has sent the cookie), set no cookie, used no CSP nonce and queued
no message. Public pages render no token for anonymous visitors (base.html); a page with a
form for them (guest registration, the verification upload, the self-check) carries its token
and so is made afresh each time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, overload

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.gzip import re_accepts_gzip
from django.template.response import SimpleTemplateResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.gzip import gzip_page
from django_redis.cache import RedisCache, omit_exception

View = Callable[..., HttpResponse]
# The request headers a public view may render differently for; they are in the key.
VARIES_ON = ("HX-Request", "HX-History-Restore-Request", "Accept-Encoding")


@overload
def cached_for_anonymous(view: View, /) -> View: ...
@overload
def cached_for_anonymous(*, query: Iterable[str] = ()) -> Callable[[View], View]: ...
def cached_for_anonymous(
    view: View | None = None, /, *, query: Iterable[str] = ()
) -> View | Callable[[View], View]:
    """Serve anonymous GET requests from a copy up to PORTAL_PAGE_CACHE_SECONDS old.

    `query`: the names of the query parameters the view reads; the view sees no others."""
    names = tuple(sorted(set(query)))

    def decorator(view: View) -> View:
        compressed_view = gzip_page(view)

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                _keep_only(request, names)
            seconds = settings.PORTAL_PAGE_CACHE_SECONDS
            if not seconds or not _anonymous_and_plain(request):
                return view(request, *args, **kwargs)
            key = _key(request)
            stored = cache.get(key)
            if stored is not None:
                return stored
            response = compressed_view(request, *args, **kwargs)

            def store(response: HttpResponse) -> None:
                # Browsers keep htmx's partials apart from full pages by it.
                patch_vary_headers(response, ("HX-Request",))
                if _storable(request, response):
                    cache.set(key, response, seconds)

            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.add_post_render_callback(store)
            else:
                store(response)
            return response

        return wrapper

    return decorator if view is None else decorator(view)


def _keep_only(request: HttpRequest, names: tuple[str, ...]) -> None:
    """Leave the request only the query parameters in `names`, in a fixed order."""
    kept = QueryDict(mutable=True)
    for name in names:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    query_string = kept.urlencode()
    request.META["QUERY_STRING"] = query_string
    request.GET = QueryDict(query_string)


def _anonymous_and_plain(request: HttpRequest) -> bool:
    """A read by a visitor without a session (so not logged in) and without a message waiting."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def _key(request: HttpRequest) -> str:
    htmx = request.headers.get("HX-Request") == "true"
    restore = htmx and request.headers.get("HX-History-Restore-Request") == "true"
    kind = "restore" if restore else "htmx" if htmx else "page"
    encoding = (
        "gzip" if re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")) else "plain"
    )
    address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"page:{translation.get_language()}:{kind}:{encoding}:{address}"


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    cache_control = {
        part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")
    }
    varies_on = {part.strip().lower() for part in response.get("Vary", "").split(",")} - {""}
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "CSRF_COOKIE_NEEDS_UPDATE" not in request.META
        # django-csp's lazy nonce is true once the page used it.
        and not getattr(request, "csp_nonce", None)
        and not get_messages(request)
        and not cache_control & {"private", "no-store", "no-cache"}
        and varies_on <= {header.lower() for header in VARIES_ON}
    )


# How long a fragment kept under rows_key() stays: its key changes with the rows, so this only
# bounds how long an unused copy takes up room.
FRAGMENT_SECONDS = 24 * 60 * 60


def rows_key(rows: Iterable[Iterable[Any]]) -> str:
    """A key for Django's {% cache %} tag from the very values a fragment shows, and the
    language: a long list is rendered once per content, and any change to a row (or a row more
    or less) makes a new key, so nobody, logged in or not, ever gets an old fragment."""
    digest = hashlib.sha256(translation.get_language().encode())
    for row in rows:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


class FailOpenRedisCache(RedisCache):
    """django-redis with IGNORE_EXCEPTIONS, where add() succeeds while Redis is away.

    Everything in the cache can be made again from PostgreSQL, so a read counts as a miss and a
    write is skipped. django-redis answers add() with None then; allauth's rate limits take a
    lock with add() and would refuse every login after waiting for it."""

    @omit_exception(return_value=True)
    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.add(*args, **kwargs)
