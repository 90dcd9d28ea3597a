"""Demo content for a newcomer's portal, contributed by each app.

portal may not import the domain apps, so each registers its loader in AppConfig.ready();
`manage.py load_demo_data` runs them in order, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from portal.ordering import Ordered

DEMO_PASSWORD = "Demo-Passwort-2026"  # noqa: S105 - documented demo login, never in production

DemoLoader = Callable[[], None]
_loaders: Ordered[DemoLoader] = Ordered()
register_demo = _loaders.register


def loaders() -> list[DemoLoader]:
    return _loaders.all()
