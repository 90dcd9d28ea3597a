from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control


class NulCharacterMiddleware:
    """Answers 400 to an address with a NUL character in its path.

    PostgreSQL can neither store nor compare text holding NUL, so a key or token of the path
    with one would end in a server error in whichever view looks it up. No browser sends one of
    its own accord. Query strings and forms are left to the forms, whose fields refuse NUL with
    a message next to the field."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            raise BadRequest("NUL character in the path")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Switches off the browser features in settings.PERMISSIONS_POLICY for every page, so that
    neither injected code nor anything embedded may ask for the camera, the location etc."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        features = settings.PERMISSIONS_POLICY
        response.headers.setdefault("Permissions-Policy", ", ".join(f"{f}=()" for f in features))
        return response


class PrivateWhenLoggedInMiddleware:
    """Marks every response to a logged-in person, and every account page, `Cache-Control:
    private, no-store`.

    Their pages are made afresh for each request (portal/caching.py keeps copies for anonymous
    visitors only); no proxy or shared cache on the way may keep one, and neither may the
    browser: on a shared office computer the next person must not find the pages in the history
    after logout. The account pages (login, sign-up, password reset, e-mail confirmation, second
    factor) carry keys and tokens and are treated alike for everybody. Public pages for
    anonymous visitors are left alone: portal/caching.py keeps them a short while. So is a
    response its view marked `public`: the same for everybody, such as the map's drawing
    addressed by its digest."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        private = request.user.is_authenticated or _is_account_page(request)
        if private and not _marked_public(response):
            patch_cache_control(response, private=True, no_store=True)
        return response


# The URL names of allauth's pages and the portal's login in front of them.
ACCOUNT_PAGE_PREFIXES = ("account_", "mfa_")


def _marked_public(response: HttpResponse) -> bool:
    directives = {part.strip().lower() for part in response.get("Cache-Control", "").split(",")}
    return "public" in directives


def _is_account_page(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and (match.url_name or "").startswith(ACCOUNT_PAGE_PREFIXES)


class LanguageMiddleware:
    """German unless the person chose English: in the footer (cookie) or in their account.

    Unlike Django's LocaleMiddleware it ignores the browser's Accept-Language: a German public
    body's portal speaks German to a civil servant whose browser happens to be set to English.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self._chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

    @staticmethod
    def _chosen_language(request: HttpRequest) -> str:
        available = dict(settings.LANGUAGES)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in available:
            return chosen
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in available:
            return user.language
        return settings.LANGUAGE_CODE
