"""A person's own data: the download (GDPR Art. 15 and 20) and the deletion of the account
(Art. 17).

The portal knows the account, its e-mail addresses and the mails it sent; what a person did in
the domain apps (registrations, applications, signatures …) only those apps know, and portal
must not import them. So each app registers here, in its AppConfig.ready():

- an exporter `(user) -> dict | list` under a key of the download; values are plain JSON
  (dates and times as ISO strings, see `iso`), and hold only what is about that person, never
  colleagues' data nor secrets;
- an eraser `(user) -> None` that removes or anonymises the app's data of that person before
  the account row goes; erasers run in `order`, all in the one transaction of deletion;
- a check `(user) -> str | None` that says why the account cannot be deleted now (e.g. a
  municipality would be left without a contact person). Checks run before anything is
  erased, and an eraser that finds the same under its own locks raises `DeletionRefused`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.mailings.models import Mailing, MailingRecipient, Subscription, Unsubscribe
from portal.outbox.models import FailedAddress, OutboundEmail
from portal.outbox.services import queue_email
from portal.personal_data import erasures
from portal.personal_data.models import Erasure

logger = logging.getLogger(__name__)

Exporter = Callable[[User], dict[str, Any] | list[Any]]
Eraser = Callable[[User], None]
Check = Callable[[User], str | None]

_exporters: dict[str, Exporter] = {}
_erasers: list[tuple[int, Eraser]] = []
_checks: list[Check] = []
# True while a restore erases again what was erased after its backup (see replaying()).
_replaying: ContextVar[bool] = ContextVar("replaying_erasure", default=False)

# Keys of the download that portal fills itself; apps choose others.
PORTAL_KEYS = frozenset(
    {"format", "exported_at", "account", "email_addresses", "two_factor_authentication"}
    | {"subscriptions", "unsubscribes", "emails", "information_emails"}
)


class DeletionRefused(Exception):
    """Why the account cannot be deleted now; shown to the person as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def register_exporter(key: str) -> Callable[[Exporter], Exporter]:
    if key in PORTAL_KEYS:
        raise ValueError(f"The key {key!r} belongs to the portal's own part of the download.")

    def decorator(exporter: Exporter) -> Exporter:
        _exporters[key] = exporter
        return exporter

    return decorator


def register_eraser(order: int) -> Callable[[Eraser], Eraser]:
    def decorator(eraser: Eraser) -> Eraser:
        if all(known is not eraser for _, known in _erasers):
            _erasers.append((order, eraser))
            _erasers.sort(key=lambda item: item[0])
        return eraser

    return decorator


def register_deletion_check(check: Check) -> Check:
    if check not in _checks:
        _checks.append(check)
    return check


def iso(value: datetime.date | datetime.datetime | None) -> str | None:
    """A date or time as the download writes it; times in the portal's time zone."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat()


# --- The download -----------------------------------------------------------------------------


def _addresses(user: User) -> list[str]:
    """The account's address and every other address it has had confirmed or added."""
    others = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    return sorted({user.email.lower(), *(address.lower() for address in others)})


def _to_any(addresses: list[str], field: str) -> Q:
    query = Q(pk__in=[])  # no address matches nothing, never everything
    for address in addresses:
        query |= Q(**{f"{field}__iexact": address})
    return query


def _portal_data(user: User) -> dict[str, Any]:
    addresses = _addresses(user)
    kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    emails = OutboundEmail.objects.filter(_to_any(addresses, "to")).order_by("created_at", "id")
    recipients = (
        MailingRecipient.objects.filter(Q(user=user) | _to_any(addresses, "email"))
        .select_related("mailing", "outbound")
        .order_by("mailing__started_at", "id")
    )
    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
            "is_active": user.is_active,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        # Only whether it is set up: the secret and the recovery codes never leave the portal.
        "two_factor_authentication": {
            "authenticator_app": Authenticator.Type.TOTP in kinds,
            "recovery_codes": Authenticator.Type.RECOVERY_CODES in kinds,
        },
        "subscriptions": [
            {"topic": subscription.topic.name, "since": iso(subscription.created_at)}
            for subscription in Subscription.objects.filter(user=user)
            .select_related("topic")
            .order_by("created_at")
        ],
        "unsubscribes": [
            {
                "email": row.email,
                "topic": row.topic.name if row.topic else None,
                "how": row.source,
                "when": iso(row.created_at),
            }
            for row in Unsubscribe.objects.filter(_to_any(addresses, "email"))
            .select_related("topic")
            .order_by("created_at")
        ],
        # What was sent when, without the texts: those are in the person's mailbox, and their
        # links carry tokens (unsubscribe, invitation, confirmation) that must not travel.
        "emails": [
            {
                "to": email.to,
                "kind": email.kind,
                "subject": email.subject,
                "status": email.status,
                "created": iso(email.created_at),
                "sent": iso(email.sent_at),
            }
            for email in emails
        ],
        "information_emails": [
            {
                "subject": recipient.mailing.subject,
                "to": recipient.email,
                "sent": iso(recipient.outbound.sent_at if recipient.outbound else None),
                "status": recipient.outbound.status if recipient.outbound else None,
            }
            for recipient in recipients
        ],
    }


def export_user_data(user: User) -> dict[str, Any]:
    """Everything the portal holds about the person, as plain JSON values."""
    data: dict[str, Any] = {"format": 1, "exported_at": iso(timezone.now())}
    data.update(_portal_data(user))
    for key, exporter in _exporters.items():
        data[key] = exporter(user)
    return data


# --- Deleting the account ---------------------------------------------------------------------


def deletion_refusal(user: User) -> str | None:
    """Why the account cannot be deleted now, or None if it can."""
    if user.is_staff or user.is_superuser:
        return _(
            "Accounts of the network team cannot be deleted here. An administrator removes "
            "them in the administration, so that the team's work stays documented."
        )
    for check in _checks:
        if reason := check(user):
            return reason
    return None


def _erase_portal_data(user: User, addresses: list[str]) -> None:
    # Queued mails still go out (e.g. the cancellations the erasers just queued); copies of
    # mails already sent or given up are the person's data and go now.
    OutboundEmail.objects.filter(_to_any(addresses, "to")).exclude(
        status__in=OutboundEmail.UNFINISHED
    ).delete()
    # A mailing that is being sent still needs its rows to know whom it has reached.
    MailingRecipient.objects.filter(Q(user=user) | _to_any(addresses, "email")).exclude(
        mailing__status=Mailing.Status.SENDING
    ).delete()
    FailedAddress.objects.filter(_to_any(addresses, "email")).delete()
    # Staff's history of changes to the account names it by its name or address.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=_("deleted account"))
    # Unsubscribes stay: they are keyed by address, and keep a list sent to that address
    # from writing to it again.


def replaying() -> bool:
    """Whether the erasure running now repeats one that was already done (after a restore).

    The person's wish was granted then; an eraser must not refuse it now because the restored
    state is older (e.g. the successor of a contact person was named after the backup)."""
    return _replaying.get()


@contextmanager
def _replay() -> Iterator[None]:
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def _erase(locked: User) -> None:
    """Every app's eraser in its order, the portal's own data, then the account row, in the
    caller's transaction."""
    addresses = _addresses(locked)
    for _order, eraser in _erasers:
        eraser(locked)
    _erase_portal_data(locked, addresses)
    pk = locked.pk
    locked.delete()
    locked.pk = pk  # the erasure log names the account by the number it had


def delete_account(user: User) -> None:
    """Delete the person's account for good, in one transaction: every app's eraser in its
    order, the portal's own data, then the account row; a confirmation goes to the address.
    The erasure log gets the account's number (portal.personal_data.erasures).

    Raises DeletionRefused if the account cannot be deleted now (nothing is changed then)."""
    if reason := deletion_refusal(user):
        raise DeletionRefused(reason)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if reason := deletion_refusal(locked):
            raise DeletionRefused(reason)
        address, name, language = locked.email, locked.full_name, locked.language
        _erase(locked)
        erasures.record(locked)
        queue_email(
            "portal/account_deleted",
            address,
            {"recipient_name": name, "deleted_at": timezone.now()},
            language=language,
        )
    # Only the number: the log must not keep what was just deleted.
    logger.info("Account %s was deleted at its owner's request.", locked.pk)


def replay_erasures(since: datetime.datetime) -> list[str]:
    """Erase again every account that the erasure log file says was erased after `since` (a
    restored backup's time) and that the restored database holds again. No confirmation goes
    out (the person had it), and mails the erasers queue to the person's own addresses are
    dropped: they asked to hear nothing more. Returns one line per account erased again."""
    done = []
    for entry in erasures.read_entries():
        if entry.erased_at <= since or entry.model != User._meta.label_lower:
            continue
        with transaction.atomic(), _replay():
            locked = User.objects.select_for_update().filter(pk=entry.object_pk).first()
            if locked is None:
                continue
            addresses = _addresses(locked)
            started = timezone.now()
            _erase(locked)
            OutboundEmail.objects.filter(_to_any(addresses, "to"), created_at__gte=started).delete()
            # The database's log gets its row back; the file has its line already.
            Erasure.objects.create(
                model=entry.model,
                object_pk=entry.object_pk,
                erased_at=entry.erased_at,
                replayed_at=timezone.now(),
            )
        logger.info("Account %s was erased again after the restore.", entry.object_pk)
        done.append(f"account {entry.object_pk} (erased {entry.erased_at.isoformat()})")
    return done
