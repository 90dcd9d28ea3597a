from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import User, UserManager

# The app's models live in its capability packages; Django and the migrations find them here.
__all__ = [
    "FailedAddress",
    "Mailing",
    "MailingRecipient",
    "OutboundEmail",
    "OutboundEmailAttachment",
    "Subscription",
    "Topic",
    "Unsubscribe",
    "User",
    "UserManager",
]


class OutboundEmailQuerySet(models.QuerySet["OutboundEmail"]):
    def claimable(self, now: datetime | None = None) -> OutboundEmailQuerySet:
        """Mails a sender may take: waiting, or marked as being sent by a sender whose claim
        ran out (its worker died in the middle; next_attempt_at holds the claim's end)."""
        now = now or timezone.now()
        status = OutboundEmail.Status
        return self.filter(
            models.Q(status=status.QUEUED)
            | models.Q(status=status.SENDING, next_attempt_at__lte=now)
        )


class OutboundEmail(models.Model):
    """One e-mail to one recipient. Every mail the portal sends is stored here first.

    The row is the source of truth for delivery. A sender claims it in a short transaction
    (status "sending"), talks SMTP outside any transaction and then records the outcome, so a
    retried or duplicated task never sends it twice (portal.outbox.tasks.deliver_email).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("e-mail status", "queued")
        SENDING = "sending", pgettext_lazy("e-mail status", "sending")
        SENT = "sent", pgettext_lazy("e-mail status", "sent")
        FAILED = "failed", pgettext_lazy("e-mail status", "failed")

    # The states in which the mail has not gone out yet and still will.
    UNFINISHED: ClassVar = (Status.QUEUED, Status.SENDING)

    kind = models.CharField(_("kind"), max_length=100, db_index=True)
    to = models.EmailField(_("recipient"))
    from_email = models.CharField(_("sender"), max_length=254)
    reply_to = models.CharField(_("reply to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10)
    related_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("about")
    )
    related_id = models.CharField(_("object ID"), max_length=64, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["status", "next_attempt_at"])]
        permissions: ClassVar = [("resend_outboundemail", _("Can resend e-mails"))]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class OutboundEmailAttachment(models.Model):
    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    mimetype = models.CharField(_("type"), max_length=100)
    file = models.FileField(_("file"), upload_to="outbox/%Y/%m/")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


# --- Information e-mails (mailings) ----------------------------------------------------------
# Audiences are built from segments that the domain apps register (portal.segments), so these
# models know nothing of municipalities or events: a mailing stores its segments as data.


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


class FailedAddress(models.Model):
    """An address the mail server refused for good (5xx); mailings skip it until it is fixed."""

    email = models.EmailField(_("e-mail address"))
    reason = models.TextField(_("reason"))
    failed_at = models.DateTimeField(_("failed"), default=timezone.now)
    cleared_at = models.DateTimeField(_("fixed"), null=True, blank=True)

    class Meta:
        verbose_name = _("failed address")
        verbose_name_plural = _("failed addresses")
        ordering: ClassVar = ["-failed_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(cleared_at__isnull=True),
                name="one_open_failure_per_address",
            )
        ]

    def __str__(self) -> str:
        return self.email


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
    # "status": "confirmed"}; the registered segments (portal.segments) resolve them.
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
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
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
