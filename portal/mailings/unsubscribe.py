"""Signed unsubscribe links of the information e-mails (RFC 8058 one-click included).

A link names the address and the topic it was sent for (none: all information e-mails) and is
signed with the secret key, so nobody can unsubscribe another address by editing the link.
Links do not expire: an old mail must still let its reader leave.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

# The name of the module this was once: the links in mails sent already are signed with it.
SALT = "portal.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeRequest:
    email: str
    topic_id: int | None


def _signer() -> signing.Signer:
    # Without a timestamp: the same address and topic always give the same link.
    return signing.Signer(salt=SALT)


def unsubscribe_token(email: str, topic_id: int | None) -> str:
    return _signer().sign_object({"e": email.strip().lower(), "t": topic_id}, compress=True)


def read_token(token: str) -> UnsubscribeRequest | None:
    """The address and topic of a token; None if it was not made by the portal."""
    try:
        data = _signer().unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    topic = data.get("t")
    return UnsubscribeRequest(data["e"], topic if isinstance(topic, int) else None)


def unsubscribe_url(email: str, topic_id: int | None) -> str:
    path = reverse("unsubscribe", args=[unsubscribe_token(email, topic_id)])
    return settings.PORTAL_BASE_URL + path


def list_unsubscribe_headers(email: str, topic_id: int | None) -> dict[str, str]:
    """The headers that let mail programs offer "unsubscribe" with one click (RFC 8058)."""
    return one_click_headers(unsubscribe_url(email, topic_id))


def one_click_headers(url: str) -> dict[str, str]:
    """list_unsubscribe_headers for a link made already."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
