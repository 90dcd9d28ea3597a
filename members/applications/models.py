"""Applications to join the network, their attachments and steps, and memberships."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.people.models import Organisation

# The Ehrenamtskarte NRW was introduced in 2008.
FIRST_EHRENAMTSKARTE_YEAR = 2008


class Application(models.Model):
    """A municipality's application to join the network, with the evidence for the five criteria."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("application status", "draft")
        SUBMITTED = "submitted", pgettext_lazy("application status", "submitted")
        IN_REVIEW = "in_review", pgettext_lazy("application status", "in review")
        QUERY = "query", pgettext_lazy("application status", "question to the applicant")
        APPROVED = "approved", pgettext_lazy("application status", "approved")
        REJECTED = "rejected", pgettext_lazy("application status", "rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("application status", "withdrawn")

    OPEN_STATUSES: ClassVar = [Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.QUERY]
    EDITABLE_STATUSES: ClassVar = [Status.DRAFT, Status.QUERY]

    class EhrenamtskarteStatus(models.TextChoices):
        PARTICIPATING = "participating", _("We take part in the Ehrenamtskarte NRW.")
        PLANNED = "planned", _("We plan to introduce the Ehrenamtskarte NRW.")
        COMPARABLE = "comparable", _("We have a comparable instrument to recognise volunteering.")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("organisation"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Empty once the person deleted their account: the application stays the municipality's.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("created by"),
    )
    # Criterion 1: a municipal contact person for civic engagement.
    contact_name = models.CharField(_("name of the contact person"), max_length=150, blank=True)
    contact_office = models.CharField(
        _("office or department of the contact person"), max_length=200, blank=True
    )
    contact_email = models.EmailField(_("e-mail of the contact person"), blank=True)
    # Criterion 2: engagement promotion anchored as a cross-cutting task.
    cross_cutting_task = models.TextField(
        _("how engagement promotion is anchored in the administration"), blank=True
    )
    # Criterion 3: willing to sign the Gemeinsame Erklärung, and who signs (/mitmachen/ says so).
    willing_to_sign = models.BooleanField(
        _("willing to sign the Gemeinsame Erklärung"), default=False
    )
    signatory_name = models.CharField(_("name of the person who signs"), max_length=150, blank=True)
    signatory_office = models.CharField(
        _("office of the person who signs"), max_length=200, blank=True
    )
    # Criterion 4: Ehrenamtskarte NRW, planned, or a comparable instrument.
    ehrenamtskarte_status = models.CharField(
        _("Ehrenamtskarte NRW"), max_length=20, choices=EhrenamtskarteStatus.choices, blank=True
    )
    ehrenamtskarte_since = models.PositiveSmallIntegerField(
        _("taking part in the Ehrenamtskarte since (year)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_EHRENAMTSKARTE_YEAR), MaxValueValidator(2100)],
    )
    ehrenamtskarte_planned_for = models.DateField(
        _("planned introduction of the Ehrenamtskarte"), null=True, blank=True
    )
    comparable_instrument = models.TextField(_("comparable instrument"), blank=True)
    # Criterion 5: continuous participation in and development of the network.
    commits_to_participate = models.BooleanField(
        _("commits to take part in the network continuously"), default=False
    )
    representative_name = models.CharField(
        _("name of the person who represents the municipality at meetings"),
        max_length=150,
        blank=True,
    )
    representative_office = models.CharField(
        _("office of the person who represents the municipality at meetings"),
        max_length=200,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            # Also holds when two people submit at the same moment.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status__in=["draft", "submitted", "in_review", "query"]),
                name="one_open_application_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


def application_upload_path(instance: ApplicationAttachment, filename: str) -> str:
    return f"applications/{instance.application_id}/{filename}"


class Criterion(models.TextChoices):
    """The five membership criteria, in the order of /mitmachen/; documents name theirs."""

    CONTACT = "1", _("1. Contact person for civic engagement")
    CROSS_CUTTING = "2", _("2. Engagement promotion as a cross-cutting task")
    DECLARATION = "3", _("3. The Gemeinsame Erklärung")
    RECOGNITION = "4", _("4. Ehrenamtskarte NRW or a comparable instrument")
    PARTICIPATION = "5", _("5. Continuous participation")


class ApplicationAttachment(models.Model):
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("application"),
    )
    # Empty: general evidence (the documents of applications before the criteria had their
    # own, and those sent with an answer to a question).
    criterion = models.CharField(
        _("criterion"), max_length=1, choices=Criterion.choices, blank=True, db_index=True
    )
    content_type = models.CharField(_("kind of file"), max_length=100, default="application/pdf")
    file = models.FileField(_("file"), upload_to=application_upload_path)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering: ClassVar = ["criterion", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationTransition(models.Model):
    """One step of the review: who moved the application from which status to which, and why."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("application"),
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=Application.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=Application.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("history")
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Membership(models.Model):
    """A period in which an organisation is a member of the network."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="membership",
        verbose_name=_("application"),
    )
    since = models.DateField(_("member since"))
    until = models.DateField(_("member until"), null=True, blank=True)
    exit_reason = models.TextField(_("reason for leaving"), blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering: ClassVar = ["-since"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(until__isnull=True),
                name="one_current_membership_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.since:%d.%m.%Y})"

    @property
    def is_current(self) -> bool:
        return self.until is None
