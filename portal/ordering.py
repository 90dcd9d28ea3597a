"""Things that the domain apps register with an order number (demo loaders, sections of the
yearly report, dashboard panels): portal may not import the apps, so each adds its own in
AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Ordered(Generic[T]):
    """The registered things, lowest order first."""

    def __init__(self) -> None:
        self.registered: list[tuple[int, T]] = []

    def register(self, order: int) -> Callable[[T], T]:
        """A decorator that adds the thing; lower `order` comes first."""

        def decorator(thing: T) -> T:
            self.registered.append((order, thing))
            self.registered.sort(key=lambda entry: entry[0])
            return thing

        return decorator

    def all(self) -> list[T]:
        return [thing for _order, thing in self.registered]
