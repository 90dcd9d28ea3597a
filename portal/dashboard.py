"""Pages made of panels that the domain apps register: the personal dashboard
(portal.pages.dashboard) and the staff's overview (portal.staff_dashboard).

The domain apps depend on portal, never the other way round, so they add what they have
to show (membership, declarations, registrations) by registering a panel.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

Panel = Callable[[HttpRequest], SafeString | None]


class Panels:
    """The panels of one page (this dashboard, the staff's overview), in their order; a panel
    that returns None stays away."""

    def __init__(self) -> None:
        self.registered: list[tuple[int, Panel]] = []

    def register(self, order: int) -> Callable[[Panel], Panel]:
        """Show the panel on the page; lower `order` comes first."""

        def decorator(panel: Panel) -> Panel:
            self.registered.append((order, panel))
            self.registered.sort(key=lambda item: item[0])
            return panel

        return decorator

    def render(self, request: HttpRequest) -> list[SafeString]:
        rendered = (panel(request) for _, panel in self.registered)
        return [html for html in rendered if html]
