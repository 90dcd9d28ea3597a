"""NRW reference data: the local authorities of the official register and their outlines."""

from __future__ import annotations

from typing import ClassVar

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
        Authority,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="outline",
        verbose_name=_("local authority"),
    )
    geometry = models.JSONField(_("geometry"))

    class Meta:
        verbose_name = _("outline")
        verbose_name_plural = _("outlines")

    def __str__(self) -> str:
        return str(self.authority)
