"""What the network import keeps: the people named in the team's lists, and a log of imports."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.people.models import Affiliation, Invitation, Organisation


class ImportedPerson(models.Model):
    """A contact person or head of administration from the team's lists.

    Not an account: the person hears nothing from the portal until staff choose "set up
    access", which sends the portal's ordinary invitation (members.people).
    """

    class Role(models.TextChoices):
        CONTACT = Affiliation.Role.CONTACT.value, Affiliation.Role.CONTACT.label
        HEAD = Affiliation.Role.HEAD.value, Affiliation.Role.HEAD.label

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="imported_people",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    office = models.CharField(_("office"), max_length=150, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    invitation = models.OneToOneField(
        Invitation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imported_person",
        verbose_name=_("invitation"),
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("imported person")
        verbose_name_plural = _("imported people")
        ordering: ClassVar = ["organisation__authority__name", "role", "full_name"]
        constraints: ClassVar = [
            # People are matched by their address: one record per address.
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=~models.Q(email=""),
                name="one_imported_person_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.email} – {self.organisation} ({self.get_role_display()})"


class ImportLog(models.Model):
    """One confirmed import: who, when, which file, and what it did."""

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    # Per sheet: {"Mitglieder": {"new": 3, "changed": 1, "unchanged": 7}, …}
    counts = models.JSONField(_("counts"), default=dict)
    not_in_file = models.PositiveIntegerField(_("members not in the file"), default=0)

    class Meta:
        verbose_name = _("network import")
        verbose_name_plural = _("network imports")
        ordering: ClassVar = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%d.%m.%Y %H:%M})"
