"""Demo content for a newcomer's portal, contributed by each app.

portal may not import the domain apps, so each registers its loader in AppConfig.ready();
`manage.py load_demo_data` runs them in order, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

DEMO_PASSWORD = "Demo-Passwort-2026"  # noqa: S105 - documented demo login, never in production

DemoLoader = Callable[[], None]
_loaders: list[tuple[int, DemoLoader]] = []


def register_demo(order: int) -> Callable[[DemoLoader], DemoLoader]:
    def decorator(loader: DemoLoader) -> DemoLoader:
        _loaders.append((order, loader))
        _loaders.sort(key=lambda item: item[0])
        return loader

    return decorator


def loaders() -> list[DemoLoader]:
    return [loader for _, loader in _loaders]
