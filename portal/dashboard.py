"""Panels on the personal dashboard.

The domain apps depend on portal, never the other way round, so they add what they have
to show (membership, declarations, registrations) by registering a panel here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

Panel = Callable[[HttpRequest], SafeString | None]
_panels: list[tuple[int, Panel]] = []


def register_panel(order: int) -> Callable[[Panel], Panel]:
    def decorator(panel: Panel) -> Panel:
        _panels.append((order, panel))
        _panels.sort(key=lambda item: item[0])
        return panel

    return decorator


def render_panels(request: HttpRequest) -> list[SafeString]:
    rendered = (panel(request) for _, panel in _panels)
    return [html for html in rendered if html]
