from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from portal.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it, for type checking."""

    htmx: HtmxDetails


Value = TypeVar("Value")


def wants_partial(request: HtmxHttpRequest) -> bool:
    """htmx asks for the results only; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def per_request(request: HttpRequest, key: str, compute: Callable[[], Value]) -> Value:
    """compute() once per request: several panels of one page ask the same question."""
    memo: dict[str, Any] = request.__dict__.setdefault("_per_request", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def logged_in_user(request: HttpRequest) -> User:
    """The user of a request that only logged-in people reach (behind login_required, a view's
    own access check or the admin): request.user is then never the anonymous user."""
    return cast(User, request.user)
