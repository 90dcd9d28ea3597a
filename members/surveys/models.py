"""Online surveys: questions built by staff, and the responses with their answers."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.people.models import Organisation


class Survey(models.Model):
    """An online survey (Online-Befragung) of the network, built by staff in admin."""

    class Respondent(models.TextChoices):
        ORGANISATION = "organisation", _("one response per municipality")
        PERSON = "person", _("one response per person")

    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    # Segment choices as in information e-mails (portal.segments), e.g.
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
    # Set when staff copied a survey as the start of the next one (members.surveys.copying).
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="copies",
        verbose_name=_("copied from"),
    )

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
        # A person's list of surveys and the dashboard look up the responses of their own
        # keys; without this PostgreSQL reads every response of the open surveys (all
        # members' at the network's full size) to find them.
        indexes: ClassVar = [
            models.Index(fields=["respondent_key", "survey"], name="survey_response_respondent")
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
