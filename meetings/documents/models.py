"""Documentation of events: the files staff upload."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.events.models import Event


class EventDocument(models.Model):
    """Documentation of an event that staff upload: slides, minutes, photos."""

    class Kind(models.TextChoices):
        SLIDES = "slides", _("slides")
        MINUTES = "minutes", _("minutes")
        PHOTO = "photo", _("photo")
        OTHER = "other", pgettext_lazy("document kind", "other")

    class Visibility(models.TextChoices):
        MEMBERS = "members", _("members and staff")
        PUBLIC = "public", _("everyone")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="documents", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="events/documents/%Y/")
    content_type = models.CharField(_("content type"), max_length=100, editable=False)
    size = models.PositiveIntegerField(_("size in bytes"), default=0, editable=False)
    visibility = models.CharField(
        _("visible to"), max_length=20, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("event document")
        verbose_name_plural = _("event documents")
        ordering: ClassVar = ["kind", "title", "id"]

    def __str__(self) -> str:
        return self.title


@receiver(post_delete, sender=EventDocument)
def _remove_file(sender: type[EventDocument], instance: EventDocument, **kwargs: Any) -> None:
    """A deleted document's file goes too, also when its whole event is deleted; only once
    the deletion is committed, so a rolled-back deletion keeps it."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
