from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import Organisation

# Without 0/O and 1/I/L, so that a code read from paper is typed correctly.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class DeclarationVersion(models.Model):
    """One version (Fortschreibung) of the Gemeinsame Erklärung; published ones never change."""

    title = models.CharField(_("title"), max_length=200)
    label = models.CharField(
        _("version"), max_length=50, unique=True, help_text=_("For example: 2026.")
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Markdown: paragraphs, headings (##), lists, emphasis and links. "
            "Anything else is removed."
        ),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    is_current = models.BooleanField(_("current version"), default=False)
    # Versions from before the portal, entered afterwards: published long ago, signed on paper.
    is_historical = models.BooleanField(
        _("historical version"),
        default=False,
        help_text=_("Published before the portal existed; never the current version."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    blank_form = models.FileField(
        _("blank form for signing by hand"), upload_to="declarations/forms/", blank=True
    )

    class Meta:
        verbose_name = _("declaration version")
        verbose_name_plural = _("declaration versions")
        ordering: ClassVar = ["-published_on", "-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_declaration_version",
            ),
            models.CheckConstraint(
                condition=~models.Q(is_historical=True, is_current=True),
                name="historical_version_never_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.label})"

    @property
    def is_published(self) -> bool:
        return self.published_on is not None

    def clean(self) -> None:
        if self.pk and self.is_published:
            stored = DeclarationVersion.objects.get(pk=self.pk)
            if (stored.title, stored.label, stored.body) != (self.title, self.label, self.body):
                raise ValidationError(
                    _("A published version cannot be changed. Please create a new version.")
                )


class SignatureQuerySet(models.QuerySet["Signature"]):
    def valid(self) -> SignatureQuerySet:
        return self.filter(superseded_at__isnull=True)

    def digital(self) -> SignatureQuerySet:
        """Signed in the portal: these, and only these, have a PDF from the portal's template."""
        return self.filter(on_paper=False)


SCAN_EXTENSIONS = (".pdf", ".jpg", ".png")


def scan_upload_path(instance: Signature, filename: str) -> str:
    """A name nobody can guess; the extension of the checked type (a PDF unless said)."""
    extension = PurePath(filename).suffix.lower()
    if extension not in SCAN_EXTENSIONS:
        extension = ".pdf"
    return f"declarations/scans/{secrets.token_hex(8)}{extension}"


def pdf_upload_path(instance: Signature, filename: str) -> str:
    return f"declarations/signed/{instance.verification_code}.pdf"


class Signature(models.Model):
    """That a municipality signed one version. Never edited: a wrong one is superseded."""

    version = models.ForeignKey(
        DeclarationVersion,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("version"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("organisation"),
    )
    signatory_name = models.CharField(_("name of the signatory"), max_length=150)
    signatory_office = models.CharField(_("office of the signatory"), max_length=150)
    place = models.CharField(_("place"), max_length=100)
    signed_on = models.DateField(_("date of signing"))
    authorisation_confirmed = models.BooleanField(
        _("signatory is authorised to sign for the municipality"), default=False
    )
    # Empty once the person deleted their account; the signature itself stays on record.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    submitted_at = models.DateTimeField(_("entered"), auto_now_add=True)
    scan = models.FileField(
        _("scan of the signed declaration"), upload_to=scan_upload_path, blank=True
    )
    # Signed on paper before the portal (entered by the network import): no PDF is made from
    # the portal's template, and its verification code is never handed out.
    on_paper = models.BooleanField(_("signed on paper"), default=False)
    verification_code = models.CharField(
        _("verification code"), max_length=14, unique=True, default=new_verification_code
    )
    pdf = models.FileField(_("PDF"), upload_to=pdf_upload_path, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    pdf_rendered_at = models.DateTimeField(_("PDF made"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    superseded_reason = models.TextField(_("reason"), blank=True)
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("superseded by"),
    )

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering: ClassVar = ["-signed_on", "-submitted_at"]
        constraints: ClassVar = [
            # Also holds when two people sign at the same moment.
            models.UniqueConstraint(
                fields=["version", "organisation"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_valid_signature_per_version_and_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.version.label}"

    @property
    def is_valid(self) -> bool:
        return self.superseded_at is None


class PartnerSignatory(models.Model):
    """A partner that signs the declaration beside the municipalities: state, associations …"""

    class Kind(models.TextChoices):
        STATE = "state", _("state government")
        ASSOCIATION = "association", _("municipal umbrella association")
        REGION = "region", _("Bezirksregierung")
        OTHER = "other", _("other partner")

    version = models.ForeignKey(
        DeclarationVersion,
        on_delete=models.CASCADE,
        related_name="partners",
        verbose_name=_("version"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    represented_by = models.CharField(_("represented by"), max_length=200, blank=True)
    signed_on = models.DateField(_("date of signing"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("partner signatory")
        verbose_name_plural = _("partner signatories")
        ordering: ClassVar = ["version", "position", "name"]

    def __str__(self) -> str:
        return self.name
