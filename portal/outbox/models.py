"""The outbox: every mail the portal sends is stored as a row first, then delivered by
portal.outbox.tasks; the addresses the mail server refused for good are kept here too."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# What staff read for each kind of mail (the folder of its templates under templates/emails/,
# or "account/…" for allauth's). A kind not listed here is shown by its key.
KIND_LABELS: dict[str, Promise] = {
    "account/email_confirmation_signup": pgettext_lazy(
        "e-mail kind", "Confirm the e-mail address after sign-up"
    ),
    "account/email_confirmation": pgettext_lazy("e-mail kind", "Confirm the e-mail address"),
    "account/password_reset_key": pgettext_lazy("e-mail kind", "Reset the password"),
    "account/account_already_exists": pgettext_lazy(
        "e-mail kind", "Sign-up with an address that has an account"
    ),
    "account/unknown_account": pgettext_lazy(
        "e-mail kind", "Password reset for an unknown address"
    ),
    "declarations/new_version": pgettext_lazy(
        "e-mail kind", "New version of the declaration to sign"
    ),
    "declarations/signed": pgettext_lazy("e-mail kind", "Signature confirmed"),
    "meetings/event_cancelled": pgettext_lazy("e-mail kind", "Event cancelled"),
    "meetings/followup": pgettext_lazy("e-mail kind", "Thanks after the event"),
    "meetings/guest_already_registered": pgettext_lazy("e-mail kind", "Guest already registered"),
    "meetings/guest_confirm": pgettext_lazy(
        "e-mail kind", "Guest asked to confirm the registration"
    ),
    "meetings/message": pgettext_lazy("e-mail kind", "Message to the participants"),
    "meetings/registration_cancelled": pgettext_lazy("e-mail kind", "Registration cancelled"),
    "meetings/registration_confirmed": pgettext_lazy("e-mail kind", "Registration confirmed"),
    "meetings/registration_promoted": pgettext_lazy(
        "e-mail kind", "Moved up from the waiting list"
    ),
    "meetings/registration_waitlisted": pgettext_lazy("e-mail kind", "On the waiting list"),
    "meetings/reminder": pgettext_lazy("e-mail kind", "Reminder of the event"),
    "meetings/session_promoted": pgettext_lazy("e-mail kind", "Moved up into a workshop"),
    "members/application_answered": pgettext_lazy("e-mail kind", "Application: answer sent"),
    "members/application_approved": pgettext_lazy("e-mail kind", "Application approved"),
    "members/application_in_review": pgettext_lazy("e-mail kind", "Application in review"),
    "members/application_query": pgettext_lazy(
        "e-mail kind", "Application: question from the team"
    ),
    "members/application_rejected": pgettext_lazy("e-mail kind", "Application rejected"),
    "members/application_submitted": pgettext_lazy("e-mail kind", "Application received"),
    "members/application_withdrawn": pgettext_lazy("e-mail kind", "Application withdrawn"),
    "members/invitation": pgettext_lazy("e-mail kind", "Invitation to the portal"),
    "members/invitation_request": pgettext_lazy(
        "e-mail kind", "Request to be invited to the municipality"
    ),
    "members/survey_reminder": pgettext_lazy("e-mail kind", "Survey reminder"),
    "members/survey_submitted": pgettext_lazy("e-mail kind", "Survey answers received"),
    "members/team_application_answered": pgettext_lazy(
        "e-mail kind", "To the team: question answered"
    ),
    "members/team_application_submitted": pgettext_lazy(
        "e-mail kind", "To the team: new application"
    ),
    "members/team_application_withdrawn": pgettext_lazy(
        "e-mail kind", "To the team: application withdrawn"
    ),
    "portal/account_deleted": pgettext_lazy("e-mail kind", "Account deleted"),
    "portal/barrier_report_received": pgettext_lazy(
        "e-mail kind", "Barrier report: confirmation to the reporter"
    ),
    "portal/barrier_report_team": pgettext_lazy("e-mail kind", "To the team: barrier report"),
    "portal/mailing": pgettext_lazy("e-mail kind", "Information e-mail"),
    "portal/mailing_test": pgettext_lazy("e-mail kind", "Information e-mail (test)"),
    "test_message": pgettext_lazy("e-mail kind", "Test e-mail"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


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

    def get_kind_display(self) -> str:
        return kind_label(self.kind)


class OutboundEmailAttachment(models.Model):
    email = models.ForeignKey(
        OutboundEmail,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("e-mail"),
    )
    filename = models.CharField(_("file name"), max_length=200)
    mimetype = models.CharField(_("type"), max_length=100)
    file = models.FileField(_("file"), upload_to="outbox/%Y/%m/")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


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
