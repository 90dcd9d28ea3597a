"""The audiences of information e-mails that members knows: people of municipalities by role.

"Engagement officers" are everyone who works on civic engagement for a member municipality in
the portal: its contact persons and their colleagues, that is every person of a member but the
head of administration. The heads have a segment of their own (they are the audience of the
summit), and "contacts" are only the contact persons, the ones who answer for the municipality.
Deactivated accounts get no information e-mails.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from members.applications.models import Application, Membership
from members.people.models import Affiliation
from portal.mailings.segments import (
    Recipient,
    recipient_language,
    register_member_check,
    register_segment,
)

Role = Affiliation.Role


def _people(affiliations: QuerySet[Affiliation]) -> Iterable[Recipient]:
    rows = affiliations.filter(user__is_active=True).values_list(
        "user_id", "user__email", "user__language"
    )
    for user_id, email, language in rows:
        yield Recipient(email, user_id, recipient_language(language))


def _has(affiliations: QuerySet[Affiliation], user_id: int) -> bool:
    # The same rows as _people's, narrowed to one account: one EXISTS query.
    return affiliations.filter(user_id=user_id, user__is_active=True).exists()


def _of_members() -> QuerySet[Affiliation]:
    current = Membership.objects.filter(organisation=OuterRef("organisation"), until__isnull=True)
    return Affiliation.objects.filter(Exists(current))


def _contacts() -> QuerySet[Affiliation]:
    return _of_members().filter(role=Role.CONTACT)


def _engagement_officers() -> QuerySet[Affiliation]:
    return _of_members().exclude(role=Role.HEAD)


def _heads() -> QuerySet[Affiliation]:
    return _of_members().filter(role=Role.HEAD)


def _applicants() -> QuerySet[Affiliation]:
    open_application = Application.objects.filter(
        organisation=OuterRef("organisation"), status__in=Application.OPEN_STATUSES
    )
    return Affiliation.objects.filter(Exists(open_application))


@register_segment("members.contacts", _("Contact persons of member municipalities"))
def contacts(params: dict[str, Any]) -> Iterable[Recipient]:
    return _people(_contacts())


@register_member_check("members.contacts")
def is_contact(params: dict[str, Any], user_id: int) -> bool:
    return _has(_contacts(), user_id)


@register_segment(
    "members.engagement_officers",
    _("Engagement officers of member municipalities (contact persons and colleagues)"),
)
def engagement_officers(params: dict[str, Any]) -> Iterable[Recipient]:
    return _people(_engagement_officers())


@register_member_check("members.engagement_officers")
def is_engagement_officer(params: dict[str, Any], user_id: int) -> bool:
    return _has(_engagement_officers(), user_id)


@register_segment("members.heads", _("Heads of administration of member municipalities"))
def heads(params: dict[str, Any]) -> Iterable[Recipient]:
    return _people(_heads())


@register_member_check("members.heads")
def is_head(params: dict[str, Any], user_id: int) -> bool:
    return _has(_heads(), user_id)


@register_segment("members.applicants", _("People of municipalities with an open application"))
def applicants(params: dict[str, Any]) -> Iterable[Recipient]:
    return _people(_applicants())


@register_member_check("members.applicants")
def is_applicant(params: dict[str, Any], user_id: int) -> bool:
    return _has(_applicants(), user_id)
