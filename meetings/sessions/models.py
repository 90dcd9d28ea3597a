"""Parallel sessions of an event: time slots, their sessions and each participant's choice."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.events.models import Event, Registration


class TimeSlot(models.Model):
    """A time in an event's programme when parallel sessions run; one session each."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="slots", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("For example: Workshops I"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering: ClassVar = ["starts_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="slot_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%H:%M})"


class Session(models.Model):
    """A parallel session (workshop, forum) in a time slot, with places of its own."""

    slot = models.ForeignKey(
        TimeSlot, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("time slot")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    speakers = models.CharField(_("hosts"), max_length=300, blank=True)
    room = models.CharField(_("room"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Empty: no limit.")
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering: ClassVar = ["slot__starts_at", "title", "id"]

    def __str__(self) -> str:
        return self.title


class SessionChoice(models.Model):
    """A confirmed participant's pick of one session in a time slot, or a waiting place there."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", pgettext_lazy("session choice status", "confirmed")
        WAITLISTED = "waitlisted", pgettext_lazy("session choice status", "on the waiting list")

    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        related_name="session_choices",
        verbose_name=_("registration"),
    )
    slot = models.ForeignKey(
        TimeSlot, on_delete=models.CASCADE, related_name="+", verbose_name=_("time slot")
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="choices", verbose_name=_("session")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(_("chosen"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("session choice")
        verbose_name_plural = _("session choices")
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["registration", "slot"], name="one_session_per_slot_and_registration"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["session", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.registration} – {self.session}"
