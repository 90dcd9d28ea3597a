from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


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
