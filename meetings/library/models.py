"""The library: topics and items (publications, documentation, method material)."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from meetings.events.models import Event
from members.models import PracticeExample


class LibraryTopic(models.Model):
    """A subject the library is sorted by, e.g. Ehrenamtskarte or Engagementstrategie."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("library topic")
        verbose_name_plural = _("library topics")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


def publication_upload_path(instance: Publication, filename: str) -> str:
    # A random folder: files are served by a view that checks visibility, and their
    # addresses must not be guessable from ids.
    return f"library/{secrets.token_hex(8)}/{filename}"


class Publication(models.Model):
    """An item of the library: publication, documentation or method material."""

    class Kind(models.TextChoices):
        PUBLICATION = "publication", _("publication")
        DOCUMENTATION = "documentation", _("documentation")
        METHOD = "method", _("method material")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("public")
        MEMBERS = "members", _("members only")

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    topics = models.ManyToManyField(
        LibraryTopic, blank=True, related_name="publications", verbose_name=_("topics")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    file = models.FileField(_("file"), upload_to=publication_upload_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.PositiveIntegerField(_("size in bytes"), default=0)
    link = models.URLField(_("link"), blank=True, help_text=_("Where it is published elsewhere."))
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="publications",
        verbose_name=_("event"),
    )
    practice_example = models.ForeignKey(
        PracticeExample,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("practice example"),
    )
    visibility = models.CharField(
        _("visible to"), max_length=20, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("Not set: only staff see it.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("library")
        ordering: ClassVar = ["-year", "title"]

    def __str__(self) -> str:
        return self.title


@receiver(post_delete, sender=Publication)
def _remove_file(sender: type[Publication], instance: Publication, **kwargs: Any) -> None:
    """A deleted item's file goes too, once the deletion is committed."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
