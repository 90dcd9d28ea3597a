from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models import Organisation, PracticeExample


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
        indexes: ClassVar = [models.Index(fields=["event", "status", "created_at"])]

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
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.CHOICE and len(self.choice_list()) < 2:
            raise ValidationError(
                {"choices": _("Please give at least two answers to choose from, one a line.")}
            )


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
