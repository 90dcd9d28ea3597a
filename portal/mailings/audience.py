"""Who gets an information e-mail, and whether it can go out at all.

The audience is what the mailing's segments resolve to (portal.mailings.segments), without the
addresses that unsubscribed from all information e-mails or from the mailing's topic and
without those the mail server refused for good (portal.outbox's FailedAddress).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import markdown
from portal.mailings.models import Mailing, Unsubscribe
from portal.mailings.segments import Recipient, resolve_audience
from portal.outbox.models import FailedAddress

MAX_BODY_CHARS = 100_000


@dataclass(frozen=True)
class _Audience:
    recipients: list[Recipient]
    chosen: int
    unsubscribed: int
    failed: int


def _audience(mailing: Mailing) -> _Audience:
    chosen = resolve_audience(mailing.include or [], mailing.exclude or [])
    if not chosen:
        return _Audience([], 0, 0, 0)
    opt_out = Q(topic__isnull=True)
    if mailing.topic_id:
        opt_out |= Q(topic_id=mailing.topic_id)
    unsubscribed = set(
        Unsubscribe.objects.filter(opt_out)
        .annotate(address=Lower("email"))
        .values_list("address", flat=True)
    )
    failed = set(
        FailedAddress.objects.filter(cleared_at__isnull=True)
        .annotate(address=Lower("email"))
        .values_list("address", flat=True)
    )
    recipients: list[Recipient] = []
    left_out_unsubscribed = left_out_failed = 0
    for recipient in chosen:
        address = recipient.email.strip().lower()
        if address in unsubscribed:
            left_out_unsubscribed += 1
        elif address in failed:
            left_out_failed += 1
        else:
            recipients.append(recipient)
    return _Audience(recipients, len(chosen), left_out_unsubscribed, left_out_failed)


def recipients_for(mailing: Mailing) -> list[Recipient]:
    """The audience without addresses that unsubscribed (from all information e-mails or from
    the mailing's topic) and without addresses the mail server refused for good."""
    return _audience(mailing).recipients


def _no_recipients_reason(audience: _Audience) -> str:
    if audience.chosen == 0:
        return _(
            "The audience has no recipients: the chosen groups contain nobody, or the "
            "exceptions leave nobody."
        )
    if audience.failed == 0:
        return ngettext(
            "The audience has no recipients: its only address unsubscribed.",
            "The audience has no recipients: all of its %(count)d addresses unsubscribed.",
            audience.chosen,
        ) % {"count": audience.chosen}
    if audience.unsubscribed == 0:
        return ngettext(
            "The audience has no recipients: its only address is marked as failed.",
            "The audience has no recipients: all of its %(count)d addresses are marked as failed.",
            audience.chosen,
        ) % {"count": audience.chosen}
    return _(
        "The audience has no recipients: of its %(count)d addresses, %(unsubscribed)d "
        "unsubscribed and %(failed)d are marked as failed."
    ) % {"count": audience.chosen, "unsubscribed": audience.unsubscribed, "failed": audience.failed}


def content_errors(mailing: Mailing) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (mailing.subject or "").strip():
        errors.setdefault("subject", []).append(_("Please enter a subject."))
    body = mailing.body or ""
    if not body.strip():
        errors.setdefault("body", []).append(_("Please write the text of the e-mail."))
    elif len(body) > MAX_BODY_CHARS:
        errors.setdefault("body", []).append(
            _(
                "The text is too long: %(length)s characters, at most %(limit)s are possible. "
                "Please shorten it or link to a page instead."
            )
            % {"length": f"{len(body):,}", "limit": f"{MAX_BODY_CHARS:,}"}
        )
    elif not markdown.to_text(body).strip():
        errors.setdefault("body", []).append(
            _(
                "The text shows nothing once formatted: it holds only markup that e-mails "
                "leave out (e.g. HTML tags or comments). Please write the message as text."
            )
        )
    return errors


def validate_for_sending(mailing: Mailing) -> None:
    """Raise ValidationError (by field: subject, body, include) if the mailing cannot go out."""
    errors = content_errors(mailing)
    try:
        audience = _audience(mailing)
    except ValueError as error:
        # A segment that is gone, or a choice whose event or topic was deleted meanwhile.
        errors.setdefault("include", []).append(
            _("The audience cannot be determined: %(reason)s") % {"reason": error}
        )
    else:
        if not audience.recipients:
            errors.setdefault("include", []).append(_no_recipients_reason(audience))
    if errors:
        raise ValidationError(errors)
