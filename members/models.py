from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Authority(models.Model):
    """An NRW local authority from the official register: Gemeinde, Kreis or Regierungsbezirk."""

    class Kind(models.TextChoices):
        INDEPENDENT_CITY = "kreisfreie Stadt", _("independent city")
        TOWN = "Stadt", pgettext_lazy("authority kind", "town")
        MUNICIPALITY = "Gemeinde", pgettext_lazy("authority kind", "municipality")
        DISTRICT = "Kreis", _("district")
        REGION = "Regierungsbezirk", _("government region")

    ags = models.CharField(
        _("official municipality key (AGS)"), max_length=8, unique=True, db_index=True
    )
    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    kreis = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members_of_kreis",
        limit_choices_to={"kind": Kind.DISTRICT},
        verbose_name=_("district"),
        help_text=_("Empty for independent cities, districts and government regions."),
    )
    regierungsbezirk = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members_of_region",
        limit_choices_to={"kind": Kind.REGION},
        verbose_name=_("government region"),
    )
    population = models.PositiveIntegerField(_("population (census 2022)"))
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("local authority")
        verbose_name_plural = _("local authorities")
        ordering: ClassVar = ["name", "ags"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class AuthorityOutline(models.Model):
    """The outline of an authority as GeoJSON geometry (WGS84), kept apart from the slim row."""

    authority = models.OneToOneField(
        Authority, on_delete=models.CASCADE, primary_key=True, related_name="outline"
    )
    geometry = models.JSONField(_("geometry"))

    class Meta:
        verbose_name = _("outline")
        verbose_name_plural = _("outlines")

    def __str__(self) -> str:
        return str(self.authority)


class Organisation(models.Model):
    """A municipality, district or Bezirksregierung that works with the network in the portal."""

    authority = models.OneToOneField(
        Authority,
        on_delete=models.PROTECT,
        related_name="organisation",
        verbose_name=_("local authority"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering: ClassVar = ["authority__name"]

    def __str__(self) -> str:
        return str(self.authority)


class Affiliation(models.Model):
    """That a user works for an organisation, and in which role."""

    class Role(models.TextChoices):
        CONTACT = "contact", _("engagement officer / contact person")
        HEAD = "head", _("head of administration")
        COLLEAGUE = "colleague", _("colleague")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="affiliation",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="affiliations",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    office = models.CharField(
        _("office"),
        max_length=150,
        blank=True,
        help_text=_("For example: Mayor, Head of the volunteering office."),
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering: ClassVar = ["organisation", "role", "user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"
