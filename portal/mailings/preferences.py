"""What a person wants of the information e-mails: the topics they subscribed to and the
unsubscribes of their address (all information e-mails, or those of one topic).

Unsubscribes only hold back information e-mails: nothing here touches the outbox, so mails about
applications, registrations and declarations still reach everyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from portal.accounts.models import User
from portal.mailings.models import Subscription, Topic, Unsubscribe


def record_unsubscribe(email: str, topic: Topic | None, source: str) -> Unsubscribe:
    """Note that an address wants no more information e-mails of a topic (None: of any).

    Idempotent: an address that is already unsubscribed keeps its first row and its date."""
    email = email.strip().lower()
    existing = Unsubscribe.objects.filter(email__iexact=email, topic=topic).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Unsubscribe.objects.create(email=email, topic=topic, source=source)
    except IntegrityError:
        # Mail program and reader clicked at the same moment; the other request recorded it.
        return Unsubscribe.objects.get(email__iexact=email, topic=topic)


def current_choices(user: User) -> tuple[set[int], bool]:
    """The topics shown as ticked (subscribed and not unsubscribed) and whether all are off."""
    subscribed = set(Subscription.objects.filter(user=user).values_list("topic_id", flat=True))
    unsubscribed = set(
        Unsubscribe.objects.filter(email__iexact=user.email).values_list("topic_id", flat=True)
    )
    return subscribed - unsubscribed, None in unsubscribed


def save_preferences(user: User, topics: Iterable[Topic], no_mail: bool) -> None:
    """Subscribe the user to exactly these topics and switch all information e-mails on or off.

    A topic the user unticks is recorded as unsubscribed, so that mailings of that topic to a
    wider audience skip the user too; a ticked topic clears an earlier unsubscribe."""
    wanted = {topic.pk: topic for topic in topics}
    ticked, _all_off = current_choices(user)
    with transaction.atomic():
        Subscription.objects.filter(user=user).exclude(topic_id__in=wanted).delete()
        for topic in wanted.values():
            Subscription.objects.get_or_create(user=user, topic=topic)
        Unsubscribe.objects.filter(email__iexact=user.email, topic_id__in=wanted).delete()
        for topic in Topic.objects.filter(pk__in=ticked - wanted.keys()):
            record_unsubscribe(user.email, topic, Unsubscribe.Source.PREFERENCES)
        if no_mail:
            record_unsubscribe(user.email, None, Unsubscribe.Source.PREFERENCES)
        else:
            Unsubscribe.objects.filter(email__iexact=user.email, topic__isnull=True).delete()
