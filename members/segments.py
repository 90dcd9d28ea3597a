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
from portal.mailings.segments import Recipient, recipient_language, register_segment

Role = Affiliation.Role


def _people(affiliations: QuerySet[Affiliation]) -> Iterable[Recipient]:
    rows = affiliations.filter(user__is_active=True).values_list(
        "user_id", "user__email", "user__language"
    )
    for user_id, email, language in rows:
        yield Recipient(email, user_id, recipient_language(language))


def _of_members() -> QuerySet[Affiliation]:
    current = Membership.objects.filter(organisation=OuterRef("organisation"), until__isnull=True)
    return Affiliation.objects.filter(Exists(current))


@register_segment("members.contacts", _("Contact persons of member municipalities"))
def contacts(params: dict[str, Any]) -> Iterable[Recipient]:
    return _people(_of_members().filter(role=Role.CONTACT))


@register_segment(
    "members.engagement_officers",
    _("Engagement officers of member municipalities (contact persons and colleagues)"),
)
def engagement_officers(params: dict[str, Any]) -> Iterable[Recipient]:
    return _people(_of_members().exclude(role=Role.HEAD))


@register_segment("members.heads", _("Heads of administration of member municipalities"))
def heads(params: dict[str, Any]) -> Iterable[Recipient]:
    return _people(_of_members().filter(role=Role.HEAD))


@register_segment("members.applicants", _("People of municipalities with an open application"))
def applicants(params: dict[str, Any]) -> Iterable[Recipient]:
    open_application = Application.objects.filter(
        organisation=OuterRef("organisation"), status__in=Application.OPEN_STATUSES
    )
    return _people(Affiliation.objects.filter(Exists(open_application)))
