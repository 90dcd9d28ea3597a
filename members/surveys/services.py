"""Online surveys (Online-Befragungen): who answers, drafts, submission and reminders.

A survey's audience is stored as segment choices, as for information e-mails
(portal.mailings.segments). Only people with an account can answer. A per-organisation survey has
one response per municipality, shared by every person of that municipality in the audience; a
per-person survey has one response per person. The unique key (survey, respondent_key) makes
sure that a double submission never creates a second response.

Views and admin go through this module; they never build respondent keys themselves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from members.people.models import Organisation
from members.people.services import organisation_of
from members.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from portal.mailings.segments import describe, includes, resolve
from portal.models import User
from portal.outbox.services import queue_email_to_user

log = logging.getLogger(__name__)

Respondents = Survey.Respondent


@dataclass(frozen=True)
class Respondent:
    key: str  # "organisation:<id>" or "user:<id>"
    organisation: Organisation | None
    people: tuple[User, ...]  # who may answer for this respondent (and gets reminders)
    label: str  # municipality name, or person's name (municipality)


class SurveyError(Exception):
    """A response that cannot be saved; the message is for the person who tried."""


class SurveyClosed(SurveyError):
    pass


class AlreadySubmitted(SurveyError):
    pass


class NotARespondent(SurveyError):
    pass


def organisation_key(organisation_id: int) -> str:
    return f"organisation:{organisation_id}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def is_open(survey: Survey, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return survey.opens_at <= now < survey.closes_at


def is_per_organisation(survey: Survey) -> bool:
    return survey.respondent == Respondents.ORGANISATION


# --- Who is asked ------------------------------------------------------------------------------


class AudienceCache:
    """User ids of segment choices, each resolved once, or whether one person is in them.

    Surveys often share their audience (all contact persons, all heads): the list of a
    person's surveys costs a query per distinct choice, not per survey, and asks only about
    the person (`includes`), without resolving the segment's hundreds.
    """

    def __init__(self) -> None:
        self._resolved: dict[str, frozenset[int]] = {}
        self._included: dict[tuple[str, int], bool] = {}

    def user_ids(self, survey: Survey) -> frozenset[int]:
        ids: set[int] = set()
        for choice in _choices(survey):
            key = json.dumps(choice, sort_keys=True, default=str)
            if key not in self._resolved:
                self._resolved[key] = _resolve_user_ids(choice)
            ids |= self._resolved[key]
        return frozenset(ids)

    def includes(self, survey: Survey, user_id: int) -> bool:
        """Whether the survey asks the account `user_id`: `user_id in self.user_ids(survey)`."""
        for choice in _choices(survey):
            key = (json.dumps(choice, sort_keys=True, default=str), user_id)
            if key not in self._included:
                self._included[key] = _includes(choice, user_id)
            if self._included[key]:
                return True
        return False


def _choices(survey: Survey) -> list[Mapping[str, Any]]:
    audience = survey.audience if isinstance(survey.audience, list) else []
    return [choice for choice in audience if isinstance(choice, Mapping)]


def _resolve_user_ids(choice: Mapping[str, Any]) -> frozenset[int]:
    # A choice may stop resolving when its event is deleted; the other choices still count,
    # and a person's page must never fail because of it.
    try:
        recipients = resolve(choice)
    except ValueError:
        log.warning("Survey audience %s does not resolve any more", describe(choice))
        return frozenset()
    return frozenset(r.user_id for r in recipients if r.user_id is not None)


def _includes(choice: Mapping[str, Any], user_id: int) -> bool:
    # As _resolve_user_ids: a choice that does not resolve any more asks nobody.
    try:
        return includes(choice, user_id)
    except ValueError:
        log.warning("Survey audience %s does not resolve any more", describe(choice))
        return False


def _audience_users(survey: Survey) -> list[User]:
    ids = AudienceCache().user_ids(survey)
    if not ids:
        return []
    return list(
        User.objects.filter(pk__in=ids, is_active=True)
        .select_related("affiliation__organisation__authority")
        .order_by("full_name", "email")
    )


def _affiliated_organisation(user: User) -> Organisation | None:
    try:
        return user.affiliation.organisation
    except User.affiliation.RelatedObjectDoesNotExist:
        return None


def _person_label(user: User, organisation: Organisation | None) -> str:
    name = user.get_full_name()
    return f"{name} ({organisation.authority.name})" if organisation else name


def respondents(survey: Survey) -> list[Respondent]:
    """Everyone expected to answer, sorted by label.

    Per organisation: the municipalities of the people in the audience (people without a
    municipality cannot answer for one and are left out). Per person: each person.
    """
    users = _audience_users(survey)
    found: list[Respondent] = []
    if is_per_organisation(survey):
        by_organisation: dict[int, tuple[Organisation, list[User]]] = {}
        for user in users:
            organisation = _affiliated_organisation(user)
            if organisation is not None:
                by_organisation.setdefault(organisation.pk, (organisation, []))[1].append(user)
        found = [
            Respondent(
                organisation_key(organisation.pk),
                organisation,
                tuple(people),
                organisation.authority.name,
            )
            for organisation, people in by_organisation.values()
        ]
    else:
        for user in users:
            organisation = _affiliated_organisation(user)
            found.append(
                Respondent(
                    user_key(user.pk), organisation, (user,), _person_label(user, organisation)
                )
            )
    return sorted(found, key=lambda respondent: (respondent.label.casefold(), respondent.key))


def respondent_for(
    survey: Survey, user: User, audience: AudienceCache | None = None
) -> Respondent | None:
    """The respondent the user answers for, or None if the survey does not ask the user."""
    if not user.is_authenticated or not user.is_active:
        return None
    ids = (audience or AudienceCache()).user_ids(survey)
    if user.pk not in ids:
        return None
    organisation = organisation_of(user)
    if not is_per_organisation(survey):
        return Respondent(
            user_key(user.pk), organisation, (user,), _person_label(user, organisation)
        )
    if organisation is None:
        return None
    colleagues = User.objects.filter(
        pk__in=ids, is_active=True, affiliation__organisation=organisation
    ).order_by("full_name", "email")
    return Respondent(
        organisation_key(organisation.pk),
        organisation,
        tuple(colleagues),
        organisation.authority.name,
    )


def non_responders(survey: Survey) -> list[Respondent]:
    """Respondents without a submitted response (a draft does not count)."""
    submitted = set(
        survey.responses.filter(status=SurveyResponse.Status.SUBMITTED).values_list(
            "respondent_key", flat=True
        )
    )
    return [respondent for respondent in respondents(survey) if respondent.key not in submitted]


def survey_url(survey: Survey) -> str:
    return reverse("members:survey", args=[survey.pk])


def send_reminders(survey: Survey) -> int:
    """Mail the people of every non-responder through the outbox; returns the mails queued.

    Staff also use it for the first invitation once a survey has opened: the mail reads
    well for both. Each person gets one mail per call, even if the audience names them twice.
    """
    count = 0
    with transaction.atomic():
        seen: set[int] = set()
        for respondent in non_responders(survey):
            for person in respondent.people:
                if person.pk in seen:
                    continue
                seen.add(person.pk)
                queue_email_to_user(
                    "members/survey_reminder",
                    person,
                    {
                        "survey": survey,
                        "respondent": respondent,
                        "per_organisation": is_per_organisation(survey),
                        "survey_path": survey_url(survey),
                    },
                    related=survey,
                )
                count += 1
        survey.reminded_at = timezone.now()
        survey.save(update_fields=["reminded_at"])
    return count


# --- Answering ---------------------------------------------------------------------------------


def questions(survey: Survey) -> list[SurveyQuestion]:
    return list(survey.questions.order_by("position", "id"))


def response_for(survey: Survey, respondent: Respondent) -> SurveyResponse | None:
    return (
        SurveyResponse.objects.select_related("user")
        .filter(survey=survey, respondent_key=respondent.key)
        .first()
    )


def answers_of(response: SurveyResponse | None) -> dict[int, Any]:
    """The stored answers by question id."""
    if response is None:
        return {}
    return dict(response.answers.values_list("question_id", "value"))


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _locked_response(survey: Survey, respondent: Respondent, user: User) -> SurveyResponse:
    """The respondent's response, created if need be and locked until the transaction ends."""
    responses = SurveyResponse.objects.select_for_update()
    try:
        return responses.get(survey=survey, respondent_key=respondent.key)
    except SurveyResponse.DoesNotExist:
        pass
    try:
        # A savepoint: when a colleague creates the same response at the same moment, the
        # unique constraint stops the second insert and the outer transaction goes on.
        with transaction.atomic():
            return SurveyResponse.objects.create(
                survey=survey,
                respondent_key=respondent.key,
                organisation=respondent.organisation,
                user=user,
            )
    except IntegrityError:
        return responses.get(survey=survey, respondent_key=respondent.key)


def save_response(
    survey: Survey,
    user: User,
    answers: Mapping[int, Any],
    *,
    submit: bool,
    respondent: Respondent | None = None,
    now: datetime | None = None,
) -> SurveyResponse:
    """Store the user's answers (question id → value) as a draft or submit them.

    The answers must be checked already (survey_forms.SurveyForm). Empty answers remove a
    stored one. Raises NotARespondent, SurveyClosed or AlreadySubmitted: a submitted response
    stays as it is, also when two people of a municipality submit at the same moment.
    """
    respondent = respondent or respondent_for(survey, user)
    if respondent is None or user not in respondent.people:
        raise NotARespondent
    now = now or timezone.now()
    if not is_open(survey, now):
        raise SurveyClosed
    valid_ids = set(survey.questions.values_list("pk", flat=True))
    with transaction.atomic():
        response = _locked_response(survey, respondent, user)
        if response.status == SurveyResponse.Status.SUBMITTED:
            raise AlreadySubmitted
        _store_answers(response, {pk: value for pk, value in answers.items() if pk in valid_ids})
        response.user = user
        response.organisation = respondent.organisation
        if submit:
            response.status = SurveyResponse.Status.SUBMITTED
            response.submitted_at = now
        response.save()
        if submit:
            queue_email_to_user(
                "members/survey_submitted",
                user,
                {
                    "survey": survey,
                    "response": response,
                    "per_organisation": is_per_organisation(survey),
                    "survey_path": survey_url(survey),
                },
                related=response,
            )
    return response


def _store_answers(response: SurveyResponse, answers: Mapping[int, Any]) -> None:
    empty = [pk for pk, value in answers.items() if _is_empty(value)]
    given = [
        SurveyAnswer(response=response, question_id=pk, value=value)
        for pk, value in answers.items()
        if not _is_empty(value)
    ]
    if empty:
        response.answers.filter(question_id__in=empty).delete()
    if given:
        SurveyAnswer.objects.bulk_create(
            given,
            update_conflicts=True,
            unique_fields=["response", "question"],
            update_fields=["value"],
        )


# --- A person's surveys ----------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyEntry:
    """One line of a person's list of surveys."""

    survey: Survey
    response: SurveyResponse | None
    open: bool


def surveys_for(
    user: User,
    organisation: Organisation | None,
    now: datetime | None = None,
    *,
    include_closed: bool = True,
    cached: bool = False,
) -> list[SurveyEntry]:
    """The surveys the user may open now: those open and addressed to the user, and (unless
    `include_closed` is false) closed ones whose submitted response the user can read.

    A few queries, however many surveys. `cached` takes the surveys from the cache (see
    `_current_surveys`): the dashboard then costs no query at all while no survey is open.
    `organisation`: the user's municipality (members.people.services.organisation_for).
    """
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    if cached:
        open_surveys = [survey for survey in _current_surveys() if is_open(survey, now)]
    else:
        open_surveys = list(Survey.objects.filter(opens_at__lte=now, closes_at__gt=now))
    if not open_surveys and not include_closed:
        return []
    keys = [user_key(user.pk)] + ([organisation_key(organisation.pk)] if organisation else [])
    audience = AudienceCache()
    asked = [
        (survey, key)
        for survey in open_surveys
        if (key := _key_for(survey, user, organisation)) is not None
        and audience.includes(survey, user.pk)
    ]
    # Responses only of the surveys that ask the user: none for people outside the audiences.
    responses: dict[tuple[int, str], SurveyResponse] = {}
    if asked:
        responses = {
            (response.survey_id, response.respondent_key): response
            for response in SurveyResponse.objects.select_related("user")
            .filter(respondent_key__in=keys)
            .filter(survey__in=[survey.pk for survey, _key in asked])
            .order_by()  # a look-up table: no sorting
        }
    entries = [SurveyEntry(survey, responses.get((survey.pk, key)), True) for survey, key in asked]
    if not include_closed:
        return entries
    closed = (
        SurveyResponse.objects.select_related("survey", "user")
        .filter(respondent_key__in=keys, status=SurveyResponse.Status.SUBMITTED)
        .filter(survey__closes_at__lte=now)
    )
    for response in closed:
        survey = response.survey
        if response.respondent_key != _key_for(survey, user, organisation):
            continue
        if may_read_closed(survey, user, response, audience):
            entries.append(SurveyEntry(survey, response, False))
    # Open ones first, the one closing soonest on top; then the closed ones, latest first.
    open_entries = sorted(
        (e for e in entries if e.open), key=lambda e: (e.survey.closes_at, e.survey.pk)
    )
    closed_entries = sorted(
        (e for e in entries if not e.open),
        key=lambda e: (e.survey.closes_at, e.survey.pk),
        reverse=True,
    )
    return open_entries + closed_entries


CURRENT_SURVEYS_KEY = "members:surveys:current"
CURRENT_FIELDS = ("pk", "title", "respondent", "audience", "opens_at", "closes_at")


def _current_surveys() -> list[Survey]:
    """The surveys not closed yet, kept in the cache: the dashboard asks on every visit, and
    they change only when staff save or delete one, which empties the cache."""
    rows = cache.get(CURRENT_SURVEYS_KEY)
    if rows is None:
        rows = list(Survey.objects.filter(closes_at__gt=timezone.now()).values(*CURRENT_FIELDS))
        cache.set(CURRENT_SURVEYS_KEY, rows, timeout=15 * 60)
    # Plain values in the cache, not pickled models: they survive a change of the model.
    return [Survey(**row) for row in rows]


@receiver([post_save, post_delete], sender=Survey, dispatch_uid="members.surveys.current")
def _forget_current_surveys(**kwargs: Any) -> None:
    cache.delete(CURRENT_SURVEYS_KEY)


def _key_for(survey: Survey, user: User, organisation: Organisation | None) -> str | None:
    if not is_per_organisation(survey):
        return user_key(user.pk)
    return organisation_key(organisation.pk) if organisation else None


def may_read_closed(
    survey: Survey, user: User, response: SurveyResponse, audience: AudienceCache | None = None
) -> bool:
    """Whether the user may read a response after the survey: someone of its audience, or
    the person who last saved it (the audience may have changed since)."""
    if response.user_id == user.pk or response.respondent_key == user_key(user.pk):
        return True
    return (audience or AudienceCache()).includes(survey, user.pk)
