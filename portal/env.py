"""Small, strict readers for configuration from environment variables.

A wrong value must stop start-up with a message that names the variable, so that an
operator finds the typo in the deployment instead of a puzzling failure later.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit


class ConfigError(Exception):
    """Raised at start-up when an environment variable holds an unusable value."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def _raw(self, name: str) -> str | None:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self._raw(name)
        if value is None:
            if required or default is None:
                raise ConfigError(f"{name} must be set.")
            return default
        return value

    def optional_str(self, name: str) -> str | None:
        return self._raw(name)

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}.")

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {value!r}.") from None
        if minimum is not None and number < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, not {number}.")
        return number

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def url(self, name: str, schemes: tuple[str, ...]) -> str | None:
        value = self._raw(name)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            allowed = ", ".join(schemes)
            raise ConfigError(
                f"{name} must be a URL starting with one of {allowed}, not {value!r}."
            )
        if parts.scheme not in {"sqlite"} and not parts.hostname:
            raise ConfigError(f"{name} must name a host: {value!r}.")
        return value

    def email(self, name: str, default: str) -> str:
        value = self._raw(name) or default
        local, _, domain = value.rpartition("<")[2].rstrip(">").partition("@")
        if not local or "." not in domain:
            raise ConfigError(f"{name} must be an e-mail address, not {value!r}.")
        return value

    def public_address(self, name: str, default: str, *, production: bool) -> str:
        """The address at which people reach the portal, without a trailing slash.

        Links in mails, the one-click unsubscribe (RFC 8058 demands HTTPS), calendar UIDs and
        Message-IDs are made from it. In production it must be an https:// address of a host
        others can reach; there is no default then, so a forgotten variable stops start-up.
        """
        value = self._raw(name)
        if value is None and production:
            raise ConfigError(
                f"{name} must be set to the portal's public https:// address "
                "(e.g. https://portal.example.org) when DJANGO_DEBUG is off."
            )
        given = value or default
        parts = urlsplit(given)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(
                f"{name} must be an absolute address such as https://portal.example.org, "
                f"not {given!r}."
            )
        if parts.query or parts.fragment:
            raise ConfigError(f"{name} must not have a query or fragment: {given!r}.")
        if production and parts.scheme != "https":
            raise ConfigError(
                f"{name} must start with https:// when DJANGO_DEBUG is off, not {given!r}."
            )
        if production and _is_local(parts.hostname):
            raise ConfigError(
                f"{name} must name the portal's public host when DJANGO_DEBUG is off, "
                f"not {parts.hostname!r}."
            )
        return given.rstrip("/")


def _is_local(host: str) -> bool:
    """Whether a host name only ever means the machine it is used on."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
