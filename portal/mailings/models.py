"""Information e-mails: topics, subscriptions, unsubscribes, mailings and their recipients.

Audiences are built from segments that the domain apps register (portal.mailings.segments), so
these models know nothing of municipalities or events: a mailing stores its segments as data.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import User
from portal.outbox.models import OutboundEmail


class Topic(models.Model):
    """A subject people may subscribe to, e.g. digital short formats or funding news."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering: ClassVar = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """A person's wish to get the information e-mails of a topic."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("person")
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("topic")
    )
    created_at = models.DateTimeField(_("subscribed"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "topic"], name="one_subscription_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.topic}"


class Unsubscribe(models.Model):
    """An address that asked for no more information e-mails: of one topic, or of all (no
    topic). Transactional mails (applications, registrations, declarations) still go out."""

    class Source(models.TextChoices):
        ONE_CLICK = "one_click", _("one-click unsubscribe of the mail program")
        LINK = "link", _("link in the e-mail")
        PREFERENCES = "preferences", _("e-mail preferences in the portal")
        STAFF = "staff", _("by the team")

    email = models.EmailField(_("e-mail address"))
    topic = models.ForeignKey(
        Topic,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="unsubscribes",
        verbose_name=_("topic"),
        help_text=_("Empty: all information e-mails."),
    )
    source = models.CharField(_("how"), max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(_("unsubscribed"), auto_now_add=True)

    class Meta:
        verbose_name = _("unsubscribe")
        verbose_name_plural = _("unsubscribes")
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(topic__isnull=True),
                name="one_unsubscribe_from_all_per_address",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "topic",
                condition=models.Q(topic__isnull=False),
                name="one_unsubscribe_per_address_and_topic",
            ),
        ]

    def __str__(self) -> str:
        return self.email


class MailingQuerySet(models.QuerySet["Mailing"]):
    def locked(self, mailing_id: int) -> Mailing:
        """The mailing's row, locked until the transaction ends. Only that row is locked; the
        topic comes along for rendering."""
        return self.select_for_update(of=("self",)).select_related("topic").get(pk=mailing_id)


class Mailing(models.Model):
    """An information e-mail written by staff and sent to an audience of segments."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("mailing status", "draft")
        SCHEDULED = "scheduled", pgettext_lazy("mailing status", "scheduled")
        SENDING = "sending", pgettext_lazy("mailing status", "sending")
        SENT = "sent", pgettext_lazy("mailing status", "sent")
        CANCELLED = "cancelled", pgettext_lazy("mailing status", "cancelled")

    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mailings",
        verbose_name=_("topic"),
        help_text=_("Who unsubscribed from this topic does not get the mailing."),
    )
    # Lists of segment choices such as {"segment": "meetings.registrants", "event": 3,
    # "status": "confirmed"}; the registered segments (portal.mailings.segments) resolve them.
    include = models.JSONField(_("audience"), default=list, blank=True)
    exclude = models.JSONField(_("except"), default=list, blank=True)
    in_archive = models.BooleanField(
        _("show in the members' archive"),
        default=True,
        help_text=_("Members find past information e-mails in the portal."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    # Set when staff copied a mailing as the start of the next one (portal.mailings.services).
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="copies",
        verbose_name=_("copied from"),
    )

    objects = MailingQuerySet.as_manager()

    class Meta:
        verbose_name = _("information e-mail")
        verbose_name_plural = _("information e-mails")
        ordering: ClassVar = ["-created_at", "-id"]
        permissions: ClassVar = [("send_mailing", _("Can send information e-mails"))]

    def __str__(self) -> str:
        return self.subject


class MailingRecipient(models.Model):
    """One address of a mailing, fixed when sending starts; its mail is an outbox row."""

    mailing = models.ForeignKey(
        Mailing, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("mailing")
    )
    email = models.EmailField(_("e-mail address"))
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    language = models.CharField(_("language"), max_length=10)
    outbound = models.OneToOneField(
        OutboundEmail,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailing_recipient",
        verbose_name=_("e-mail"),
    )

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints: ClassVar = [
            models.UniqueConstraint(
                "mailing", Lower("email"), name="one_recipient_per_address_and_mailing"
            )
        ]

    def __str__(self) -> str:
        return self.email
