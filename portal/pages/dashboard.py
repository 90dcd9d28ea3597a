"""The panels of the personal dashboard (/mein-bereich/).

The domain apps depend on portal, never the other way round, so they add what they have
to show (membership, declarations, registrations) by registering a panel here.
"""

from __future__ import annotations

from portal.dashboard import Panels

_panels = Panels()
register_panel = _panels.register
render_panels = _panels.render
