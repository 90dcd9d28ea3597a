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


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def members(self) -> OrganisationQuerySet:
        current = Membership.objects.filter(organisation=models.OuterRef("pk"), until__isnull=True)
        return self.filter(models.Exists(current))


class Organisation(models.Model):
    """A municipality, district or Bezirksregierung that works with the network in the portal."""

    authority = models.OneToOneField(
        Authority,
        on_delete=models.PROTECT,
        related_name="organisation",
        verbose_name=_("local authority"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering: ClassVar = ["authority__name"]

    def __str__(self) -> str:
        return str(self.authority)

    @property
    def current_membership(self) -> Membership | None:
        return self.memberships.filter(until__isnull=True).first()


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
    public_contact_since = models.DateTimeField(
        _("public contact since"),
        null=True,
        blank=True,
        help_text=_(
            "When this person agreed to be shown as a contact on the public profile. "
            "Empty: not shown."
        ),
    )

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering: ClassVar = ["organisation", "role", "user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class Application(models.Model):
    """A municipality's application to join the network, with the evidence for the five criteria."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("application status", "draft")
        SUBMITTED = "submitted", pgettext_lazy("application status", "submitted")
        IN_REVIEW = "in_review", pgettext_lazy("application status", "in review")
        QUERY = "query", pgettext_lazy("application status", "question to the applicant")
        APPROVED = "approved", pgettext_lazy("application status", "approved")
        REJECTED = "rejected", pgettext_lazy("application status", "rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("application status", "withdrawn")

    OPEN_STATUSES: ClassVar = [Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.QUERY]
    EDITABLE_STATUSES: ClassVar = [Status.DRAFT, Status.QUERY]

    class EhrenamtskarteStatus(models.TextChoices):
        PARTICIPATING = "participating", _("We take part in the Ehrenamtskarte NRW.")
        PLANNED = "planned", _("We plan to introduce the Ehrenamtskarte NRW.")
        COMPARABLE = "comparable", _("We have a comparable instrument to recognise volunteering.")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("organisation"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Empty once the person deleted their account: the application stays the municipality's.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("created by"),
    )
    # Criterion 1: a municipal contact person for civic engagement.
    contact_name = models.CharField(_("name of the contact person"), max_length=150, blank=True)
    contact_office = models.CharField(
        _("office or department of the contact person"), max_length=200, blank=True
    )
    contact_email = models.EmailField(_("e-mail of the contact person"), blank=True)
    # Criterion 2: engagement promotion anchored as a cross-cutting task.
    cross_cutting_task = models.TextField(
        _("how engagement promotion is anchored in the administration"), blank=True
    )
    # Criterion 3: willing to sign the Gemeinsame Erklärung.
    willing_to_sign = models.BooleanField(
        _("willing to sign the Gemeinsame Erklärung"), default=False
    )
    # Criterion 4: Ehrenamtskarte NRW, planned, or a comparable instrument.
    ehrenamtskarte_status = models.CharField(
        _("Ehrenamtskarte NRW"), max_length=20, choices=EhrenamtskarteStatus.choices, blank=True
    )
    ehrenamtskarte_planned_for = models.DateField(
        _("planned introduction of the Ehrenamtskarte"), null=True, blank=True
    )
    comparable_instrument = models.TextField(_("comparable instrument"), blank=True)
    # Criterion 5: continuous participation in and development of the network.
    commits_to_participate = models.BooleanField(
        _("commits to take part in the network continuously"), default=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            # Also holds when two people submit at the same moment.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status__in=["draft", "submitted", "in_review", "query"]),
                name="one_open_application_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


def application_upload_path(instance: ApplicationAttachment, filename: str) -> str:
    return f"applications/{instance.application_id}/{filename}"


class ApplicationAttachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=application_upload_path)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering: ClassVar = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationTransition(models.Model):
    """One step of the review: who moved the application from which status to which, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=Application.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=Application.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("history")
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Membership(models.Model):
    """A period in which an organisation is a member of the network."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="membership",
        verbose_name=_("application"),
    )
    since = models.DateField(_("member since"))
    until = models.DateField(_("member until"), null=True, blank=True)
    exit_reason = models.TextField(_("reason for leaving"), blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering: ClassVar = ["-since"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(until__isnull=True),
                name="one_current_membership_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.since:%d.%m.%Y})"

    @property
    def is_current(self) -> bool:
        return self.until is None


class Invitation(models.Model):
    """A contact's invitation to a colleague to join the organisation in the portal."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=20, choices=Affiliation.Role.choices, default="colleague"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"


class Profile(models.Model):
    """What a member shows about its engagement structures on its public page."""

    class Ehrenamtskarte(models.TextChoices):
        PARTICIPATING = "participating", _("takes part")
        PLANNED = "planned", _("planned")
        COMPARABLE = "comparable", _("comparable instrument")
        NONE = "none", _("not yet")

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="profile"
    )
    introduction = models.TextField(_("introduction"), blank=True)
    coordination_office = models.TextField(
        _("central coordination office (Koordinierungsstelle)"), blank=True
    )
    engagement_alliance = models.TextField(
        _("local engagement alliance (Engagementbündnis)"), blank=True
    )
    guidelines = models.TextField(_("municipal guidelines (Engagementleitlinien)"), blank=True)
    ehrenamtskarte = models.CharField(
        _("Ehrenamtskarte NRW"),
        max_length=20,
        choices=Ehrenamtskarte.choices,
        default=Ehrenamtskarte.NONE,
    )
    website = models.URLField(_("website on engagement"), blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.organisation)


def practice_image_path(instance: PracticeExample, filename: str) -> str:
    return f"practice/{instance.profile_id}/{filename}"


class PracticeExample(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="practice_examples")
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("description"))
    link = models.URLField(_("link"), blank=True)
    image = models.ImageField(_("image"), upload_to=practice_image_path, blank=True)
    image_alt = models.CharField(
        _("image description"),
        max_length=250,
        blank=True,
        help_text=_("Describes the image for people who cannot see it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("practice example")
        verbose_name_plural = _("practice examples")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ConsentRecord(models.Model):
    """Evidence of a person's consent to publish data about them, given or withdrawn.

    Rows are only added, never changed: together they show who agreed to what and when.
    """

    class Kind(models.TextChoices):
        PUBLIC_CONTACT = "public_contact", _("shown as contact on the public profile")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consent_records",
        verbose_name=_("person"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="consent_records",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("consent to"), max_length=30, choices=Kind.choices)
    given = models.BooleanField(_("given"), help_text=_("Not set: the consent was withdrawn."))
    # The data shown publicly at the time, e.g. name, office and e-mail address.
    details = models.JSONField(_("published data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


class Survey(models.Model):
    """An online survey (Online-Befragung) of the network, built by staff in admin."""

    class Respondent(models.TextChoices):
        ORGANISATION = "organisation", _("one response per municipality")
        PERSON = "person", _("one response per person")

    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    # Segment choices as in information e-mails (portal.mailings.segments), e.g.
    # [{"segment": "members.heads"}] or [{"segment": "meetings.registrants", "event": 3}].
    audience = models.JSONField(_("audience"), default=list, blank=True)
    respondent = models.CharField(
        _("who answers"),
        max_length=20,
        choices=Respondent.choices,
        default=Respondent.ORGANISATION,
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering: ClassVar = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        SCALE = "scale", _("scale")
        TEXT = "text", _("free text")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("explanation"), max_length=500, blank=True)
    kind = models.CharField(_("kind of answer"), max_length=20, choices=Kind.choices)
    required = models.BooleanField(_("answer required"), default=True)
    options = models.TextField(
        _("answers to choose from"),
        blank=True,
        help_text=_("For single and multiple choice: one answer a line."),
    )
    scale_min = models.SmallIntegerField(_("scale from"), default=1)
    scale_max = models.SmallIntegerField(_("scale to"), default=5)
    scale_min_label = models.CharField(_("label of the lowest value"), max_length=100, blank=True)
    scale_max_label = models.CharField(_("label of the highest value"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering: ClassVar = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]


class SurveyResponse(models.Model):
    """The answers of one municipality or one person, as the survey is configured."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("survey response", "draft")
        SUBMITTED = "submitted", pgettext_lazy("survey response", "submitted")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    # "organisation:<id>" or "user:<id>": one unique key covers both ways of answering, so
    # a double submission can never create a second response.
    respondent_key = models.CharField(_("respondent"), max_length=40, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("municipality"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("last edited by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering: ClassVar = ["-updated_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["survey", "respondent_key"], name="one_response_per_respondent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} – {self.organisation or self.respondent_key}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    # A string (single choice, free text), a list of strings (multiple choice) or an
    # integer (scale): the answer's own text, so results read the same after edits.
    value = models.JSONField(_("answer"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return str(self.question)
