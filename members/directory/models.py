"""What a member shows publicly: its profile and practice examples."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.people.models import Organisation


class Profile(models.Model):
    """What a member shows about its engagement structures on its public page."""

    class Ehrenamtskarte(models.TextChoices):
        PARTICIPATING = "participating", _("takes part")
        PLANNED = "planned", _("planned")
        COMPARABLE = "comparable", _("comparable instrument")
        NONE = "none", _("not yet")

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("organisation"),
    )
    introduction = models.TextField(_("introduction"), blank=True)
    coordination_office = models.TextField(
        _("central coordination office (Koordinierungsstelle)"), blank=True
    )
    engagement_alliance = models.TextField(
        _("local engagement alliance (Engagementbündnis)"), blank=True
    )
    guidelines = models.TextField(_("municipal guidelines (Engagementleitlinien)"), blank=True)
    ehrenamtskarte = models.CharField(
        _("Ehrenamtskarte NRW"),
        max_length=20,
        choices=Ehrenamtskarte.choices,
        default=Ehrenamtskarte.NONE,
    )
    website = models.URLField(_("website on engagement"), blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.organisation)


def practice_image_path(instance: PracticeExample, filename: str) -> str:
    return f"practice/{instance.profile_id}/{filename}"


class PracticeExample(models.Model):
    profile = models.ForeignKey(
        Profile,
        on_delete=models.CASCADE,
        related_name="practice_examples",
        verbose_name=_("profile"),
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("description"))
    link = models.URLField(_("link"), blank=True)
    image = models.ImageField(_("image"), upload_to=practice_image_path, blank=True)
    image_alt = models.CharField(
        _("image description"),
        max_length=250,
        blank=True,
        help_text=_("Describes the image for people who cannot see it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("practice example")
        verbose_name_plural = _("practice examples")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.title
