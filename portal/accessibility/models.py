"""Reports of barriers (BITV NRW: the feedback mechanism) and the sign-language videos."""

from __future__ import annotations

import datetime
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accessibility.topics import TOPIC_CHOICES

# The answer period the accessibility statement promises; admin shows each report's deadline.
# BITV NRW sets no number of weeks itself; six weeks is the period the Land's statements
# commonly name, and the statement states it, so the promise and the deadline are one number.
ANSWER_WEEKS = 6


def new_reference() -> str:
    # Random, not the row's id: the number goes to whatever address was typed in and must
    # not tell how many reports there are.
    return f"BM-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


class BarrierReport(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        IN_PROGRESS = "in_progress", _("in progress")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed without answer")

    reference = models.CharField(
        _("reference number"), max_length=20, unique=True, default=new_reference, editable=False
    )
    page = models.CharField(_("page"), max_length=500, blank=True)
    description = models.TextField(_("what did not work"))
    reply_email = models.EmailField(_("e-mail address for the answer"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW)
    staff_notes = models.TextField(_("notes of the team"), blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("barrier report")
        verbose_name_plural = _("barrier reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def answer_due(self) -> datetime.date:
        return timezone.localdate(self.created_at) + datetime.timedelta(weeks=ANSWER_WEEKS)


class SignLanguageVideo(models.Model):
    """One topic explained in German Sign Language, with captions and a text version."""

    topic = models.CharField(_("topic"), max_length=30, choices=TOPIC_CHOICES, unique=True)
    video = models.FileField(_("video (MP4 or WebM)"), upload_to="sign-language/")
    # What the upload check found in the file; the video is served with this type.
    video_type = models.CharField(_("type of the video"), max_length=30, editable=False)
    captions = models.FileField(_("captions (WebVTT)"), upload_to="sign-language/")
    text_version = models.TextField(
        _("text version"), help_text=_("What the video says, as text. It is shown beside it.")
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("sign-language video")
        verbose_name_plural = _("sign-language videos")

    def __str__(self) -> str:
        return str(self.get_topic_display())
