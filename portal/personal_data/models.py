"""The log of erasures: which account's personal data was erased, and when: numbers only."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Erasure(models.Model):
    """One erasure of a person's data at their request.

    It names the record only by its model and number, never by anything personal. The same
    entry goes to the append-only file PORTAL_ERASURE_LOG outside the database
    (portal.personal_data.erasures), because a restore brings back this table as it was at
    the backup's time too: the file tells the restore which erasures to do again.
    """

    model = models.CharField(_("model"), max_length=100)
    object_pk = models.CharField(_("number"), max_length=64)
    erased_at = models.DateTimeField(_("erased"), default=timezone.now)
    # Set when a restore erased the record once more (the backup still held it).
    replayed_at = models.DateTimeField(_("erased again after a restore"), null=True, blank=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering: ClassVar = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"{self.model} {self.object_pk}"
