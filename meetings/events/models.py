"""Events and what belongs to one registration: the event, its programme and own questions,
a person's registration (member or guest) and their calendar feed.

A registration whose account was deleted stays as an anonymous trace (meetings.personal_data):
`DELETED_ACCOUNTS`, `is_deleted_account`, `participant_name` and `participant_email` are here,
below everything that sends, lists or exports registrations, so that all of them can ask.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from members.models import Organisation


class Event(models.Model):
    """A meeting of the network: Netzwerktreffen, workshop, summit, congress, short format …"""

    class Kind(models.TextChoices):
        NETWORK_MEETING = "network_meeting", _("network meeting (Netzwerktreffen)")
        WORKSHOP = "workshop", _("workshop")
        SUMMIT = "summit", _("summit of mayors (Kommunales Spitzentreffen)")
        CONGRESS = "congress", _("Engagementkongress NRW")
        SHORT_FORMAT = "short_format", _("digital short format")
        OTHER = "other", _("other event")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        ONLINE = "online", _("online")
        HYBRID = "hybrid", _("hybrid")

    class Audience(models.TextChoices):
        MEMBERS_STAFF = "members_staff", _("staff of member municipalities")
        HEADS = "heads", _("heads of administration of members and applicants")
        OPEN = "open", _("open to everyone")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("event status", "draft")
        PUBLISHED = "published", pgettext_lazy("event status", "published")
        CANCELLED = "cancelled", pgettext_lazy("event status", "cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    format = models.CharField(_("format"), max_length=20, choices=Format.choices)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    meeting_link = models.URLField(
        _("online meeting link"),
        blank=True,
        help_text=_("Shown only to confirmed registrants, never on public pages."),
    )
    audience = models.CharField(_("who may register"), max_length=20, choices=Audience.choices)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    limit_per_organisation = models.PositiveIntegerField(
        _("places per municipality"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    cancellation_deadline = models.DateTimeField(
        _("registrants may cancel until"),
        null=True,
        blank=True,
        help_text=_("Empty: until the event starts."),
    )
    waitlist_enabled = models.BooleanField(_("waiting list"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    remind_hours_before = models.PositiveIntegerField(
        _("reminder (hours before the start)"),
        default=24,
        help_text=_("Confirmed participants get a reminder this many hours before. 0: none."),
    )
    followup_note = models.TextField(
        _("note for the thank-you e-mail"),
        blank=True,
        help_text=_("Sent after the event to those who were checked in, with the documentation."),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The calendar files' SEQUENCE and LAST-MODIFIED (meetings.events.calendar): a calendar that
    # imported the event takes a later file as an update only if its SEQUENCE is higher.
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    revised_at = models.DateTimeField(_("time, place or status changed"), null=True, editable=False)
    # Set when staff copied an event as the start of the next one (meetings.events.copying).
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="copies",
        verbose_name=_("copied from"),
    )

    # What a calendar file shows of the event's time, place and status: a change of any of
    # them is a new revision (RFC 5546 asks for a higher SEQUENCE).
    CALENDAR_FIELDS: ClassVar = frozenset(
        {"starts_at", "ends_at", "format", "venue", "address", "meeting_link", "status"}
    )
    REVISION_FIELDS: ClassVar = ("sequence", "revised_at")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering: ClassVar = ["starts_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%d.%m.%Y})"

    def revise(self) -> None:
        """Count a change of time, place or status; the caller saves `REVISION_FIELDS`."""
        self.sequence += 1
        self.revised_at = timezone.now()


class Registration(models.Model):
    """One person's place at an event, or on its waiting list."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("registration status", "awaiting e-mail confirmation")
        CONFIRMED = "confirmed", pgettext_lazy("registration status", "confirmed")
        WAITLISTED = "waitlisted", pgettext_lazy("registration status", "on the waiting list")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "cancelled")

    ACTIVE: ClassVar = [Status.CONFIRMED, Status.WAITLISTED]

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("participant"),
        help_text=_("Empty for guests who registered without an account."),
    )
    # Guests of open events register without an account; these fields are theirs alone.
    guest_name = models.CharField(_("guest's name"), max_length=200, blank=True)
    guest_email = models.EmailField(_("guest's e-mail address"), blank=True)
    guest_organisation = models.CharField(_("guest's organisation"), max_length=200, blank=True)
    guest_language = models.CharField(_("guest's language"), max_length=10, blank=True)
    guest_token = models.CharField(
        _("guest's access token"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("municipality"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    listed_consent = models.BooleanField(_("may appear on the participant list"), default=False)
    needs = models.TextField(_("dietary or accessibility needs"), blank=True)
    # The answers to the event's own questions, with each question's wording as it was asked:
    # [{"question": id, "label": "…", "answer": "…"}]. Staff may reword a question later.
    answers = models.JSONField(_("answers"), default=list, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    attended_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True, editable=False)
    followed_up_at = models.DateTimeField(
        _("thank-you e-mail sent"), null=True, blank=True, editable=False
    )
    # Set when the person deleted their account: the row stays as the event's and the
    # municipality's anonymous trace (meetings.personal_data).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    # Added to the event's sequence in the registration's calendar file: counts the changes of
    # status that file shows (waiting list to confirmed, cancelled), and starts above those of
    # the person's earlier registrations for the event (meetings.events.services).
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=models.Q(status__in=["confirmed", "waitlisted"]),
                name="one_active_registration_per_person_and_event",
            ),
            models.UniqueConstraint(
                Lower("guest_email"),
                "event",
                condition=models.Q(
                    user__isnull=True,
                    anonymised_at__isnull=True,
                    status__in=["pending", "confirmed", "waitlisted"],
                ),
                name="one_open_guest_registration_per_address_and_event",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False)
                | ~models.Q(guest_email="")
                | models.Q(anonymised_at__isnull=False),
                name="registration_has_a_person",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["event", "status", "created_at"]),
            # Staff's list of all registrations pages through them in this order: without the
            # index PostgreSQL sorts every registration for each page of 50.
            models.Index(fields=["created_at", "id"], name="registration_created_order"),
            # "Members without attendance" (staff's overview, the organisations' filter): for
            # each member whether anyone was checked in since a day. Without it PostgreSQL reads
            # all of a member's registrations for each answer (70 ms at the network's full size).
            models.Index(
                fields=["organisation", "attended_at"],
                condition=models.Q(attended_at__isnull=False),
                name="registration_attended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.event}"

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def name(self) -> str:
        return self.user.get_full_name() if self.user else self.guest_name

    @property
    def email(self) -> str:
        return self.user.email if self.user else self.guest_email

    @property
    def language(self) -> str:
        """The language of the participant's e-mails and files."""
        return (self.user.language if self.user else self.guest_language) or settings.LANGUAGE_CODE


# --- The trace of a deleted account (meetings.personal_data) ----------------------------------

# Registrations that are the trace of a deleted account.
DELETED_ACCOUNTS = Q(anonymised_at__isnull=False)


def is_deleted_account(registration: Registration) -> bool:
    return registration.anonymised_at is not None


def participant_name(registration: Registration) -> str:
    """The participant's name for lists and admin; a deleted account says so."""
    if is_deleted_account(registration):
        return gettext("deleted account")
    return registration.name


def participant_email(registration: Registration) -> str:
    return "" if is_deleted_account(registration) else registration.email


# --- Calendar feed ----------------------------------------------------------------------------


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret address of one person's calendar feed of their registrations."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("person"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=_new_feed_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class ProgrammeItem(models.Model):
    """One point of an event's programme: welcome, keynote, panel, lunch …"""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="programme_items", verbose_name=_("event")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    speakers = models.CharField(_("speakers"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        ordering: ClassVar = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title


class RegistrationQuestion(models.Model):
    """A question of the event's own, asked at registration (besides needs and consent)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("short text")
        YES_NO = "yes_no", _("yes or no")
        CHOICE = "choice", _("one of several answers")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="questions", verbose_name=_("event")
    )
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("explanation"), max_length=300, blank=True)
    kind = models.CharField(_("kind of answer"), max_length=20, choices=Kind.choices)
    choices = models.TextField(
        _("answers to choose from"),
        blank=True,
        help_text=_("For “one of several answers”: one answer a line."),
    )
    required = models.BooleanField(_("answer required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")
        ordering: ClassVar = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and len(self.choice_list()) < 2:
            raise ValidationError(
                {"choices": _("Please give at least two answers to choose from, one a line.")}
            )
