"""Pages made of panels that the domain apps register: the personal dashboard
(portal.pages.dashboard) and the staff's overview (portal.staff_dashboard).

The domain apps depend on portal, never the other way round, so they add what they have
to show (membership, declarations, registrations) by registering a panel.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from portal.ordering import Ordered

Panel = Callable[[HttpRequest], SafeString | None]


class Panels(Ordered[Panel]):
    """The panels of one page (this dashboard, the staff's overview), in their order; a panel
    that returns None stays away."""

    def render(self, request: HttpRequest) -> list[SafeString]:
        rendered = (panel(request) for _, panel in self.registered)
        return [html for html in rendered if html]
