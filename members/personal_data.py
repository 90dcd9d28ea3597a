"""What members holds about a person, for the download and for the deletion of the account
(portal.personal_data).

Deleting an account takes the person out of their municipality; the municipality's own records
stay: applications and their history, attachments, survey answers given for the municipality
and the evidence of consent. Their links to the account become empty (SET_NULL), and what
names the person in a way nobody needs any more (invitations to their address, answers to
surveys asked of them in person) goes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Model, Q
from django.utils.translation import gettext as _

from members.applications.models import Application, ApplicationAttachment, ApplicationTransition
from members.network_import.models import ImportedPerson
from members.people.models import Affiliation, ConsentRecord, Invitation
from members.surveys.models import SurveyResponse
from portal.models import User
from portal.personal_data.registry import (
    DeletionRefused,
    iso,
    register_deletion_check,
    register_eraser,
    register_exporter,
    replaying,
)

# After meetings and declarations: their erasers still see the person's municipality.
ERASER_ORDER = 90


# --- The download -----------------------------------------------------------------------------


def _affiliation(user: User) -> dict[str, Any] | None:
    affiliation = (
        Affiliation.objects.select_related("organisation__authority").filter(user=user).first()
    )
    if affiliation is None:
        return None
    authority = affiliation.organisation.authority
    return {
        "organisation": authority.name,
        "official_municipality_key": authority.ags,
        "role": affiliation.role,
        "office": affiliation.office,
        "since": iso(affiliation.created_at),
        "public_contact_since": iso(affiliation.public_contact_since),
    }


def _invitations(user: User) -> dict[str, list[dict[str, Any]]]:
    # Invitations the person sent hold colleagues' addresses: only that they were sent.
    sent = Invitation.objects.filter(invited_by=user).select_related("organisation__authority")
    accepted = Invitation.objects.filter(accepted_by=user).select_related("organisation__authority")
    return {
        "sent": [
            {
                "organisation": invitation.organisation.authority.name,
                "role": invitation.role,
                "sent": iso(invitation.created_at),
                "accepted": invitation.accepted_at is not None,
            }
            for invitation in sent.order_by("created_at", "id")
        ],
        "accepted": [
            {
                "organisation": invitation.organisation.authority.name,
                "email": invitation.email,
                "role": invitation.role,
                "sent": iso(invitation.created_at),
                "accepted": iso(invitation.accepted_at),
            }
            for invitation in accepted.order_by("created_at", "id")
        ],
    }


def _rows(records: Iterable[Model], columns: dict[str, str]) -> list[dict[str, Any]]:
    """One entry per record: under each key the attribute its column names (a dotted path),
    dates and times as the download writes them."""
    return [
        {key: _plain(attrgetter(path)(record)) for key, path in columns.items()}
        for record in records
    ]


def _plain(value: object) -> object:
    return iso(value) if isinstance(value, datetime.date) else value


def _applications(user: User) -> list[dict[str, Any]]:
    applications = Application.objects.filter(created_by=user).select_related(
        "organisation__authority"
    )
    return _rows(
        applications.order_by("created_at", "id"),
        {
            "id": "pk",
            "organisation": "organisation.authority.name",
            "status": "status",
            "created": "created_at",
            "submitted": "submitted_at",
            "decided": "decided_at",
        },
    )


def _steps(user: User) -> list[dict[str, Any]]:
    steps = ApplicationTransition.objects.filter(actor=user).order_by("created_at", "id")
    columns = {
        "application": "application_id",
        "from": "from_status",
        "to": "to_status",
        "note": "note",
        "when": "created_at",
    }
    return _rows(steps, columns)


def _attachments(user: User) -> list[dict[str, Any]]:
    attachments = ApplicationAttachment.objects.filter(uploaded_by=user).order_by("uploaded_at")
    columns = {
        "application": "application_id",
        "criterion": "criterion",
        "file_name": "original_name",
        "size": "size",
        "uploaded": "uploaded_at",
    }
    return _rows(attachments, columns)


def _consents(user: User) -> list[dict[str, Any]]:
    records = ConsentRecord.objects.filter(user=user).select_related("organisation__authority")
    columns = {
        "organisation": "organisation.authority.name",
        "kind": "kind",
        "given": "given",
        "published_data": "details",
        "when": "created_at",
    }
    return _rows(records.order_by("created_at", "id"), columns)


def _survey_responses(user: User) -> list[dict[str, Any]]:
    responses = (
        SurveyResponse.objects.filter(user=user)
        .select_related("survey", "organisation__authority")
        .prefetch_related("answers__question")
        .order_by("created_at", "id")
    )
    return [
        {
            "survey": response.survey.title,
            "respondent": "person" if response.organisation is None else "organisation",
            "organisation": response.organisation.authority.name if response.organisation else None,
            "status": response.status,
            "started": iso(response.created_at),
            "changed": iso(response.updated_at),
            "submitted": iso(response.submitted_at),
            "answers": [
                {"question": answer.question.text, "answer": answer.value}
                for answer in sorted(
                    response.answers.all(), key=lambda a: (a.question.position, a.question.pk)
                )
            ],
        }
        for response in responses
    ]


def _addresses(user: User) -> set[str]:
    others = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    return {user.email.lower(), *(address.lower() for address in others)}


def _imported_records(user: User) -> list[dict[str, Any]]:
    # The team's lists named the person before the account existed; matched by address as the
    # import itself matches people.
    records = ImportedPerson.objects.select_related("organisation__authority").filter(
        _any_address(_addresses(user))
    )
    return [
        {
            "organisation": record.organisation.authority.name,
            "role": record.role,
            "name": record.full_name,
            "email": record.email,
            "phone": record.phone,
            "office": record.office,
            "changed": iso(record.updated_at),
        }
        for record in records.order_by("pk")
    ]


def _any_address(addresses: Iterable[str]) -> Q:
    query = Q(pk__in=[])
    for address in addresses:
        query |= Q(email__iexact=address)
    return query


@register_exporter("members")
def export(user: User) -> dict[str, Any]:
    return {
        "affiliation": _affiliation(user),
        "invitations": _invitations(user),
        "applications_started": _applications(user),
        "application_steps": _steps(user),
        "attachments_uploaded": _attachments(user),
        "consent_records": _consents(user),
        "survey_responses_last_edited": _survey_responses(user),
        "imported_from_the_network_lists": _imported_records(user),
    }


# --- Deleting the account ---------------------------------------------------------------------


def _refusal(user: User, *, lock: bool) -> str | None:
    """Why the person may not leave: the only contact person of a municipality that is a
    member or has an open application, which would be left with nobody to speak for it."""
    affiliation = (
        Affiliation.objects.select_related("organisation__authority").filter(user=user).first()
    )
    if affiliation is None or affiliation.role != Affiliation.Role.CONTACT:
        return None
    organisation = affiliation.organisation
    contacts = Affiliation.objects.filter(organisation=organisation, role=Affiliation.Role.CONTACT)
    if lock:
        # As in members.people.services.remove_person: two contacts leaving at the same moment
        # must not both see the other one still there.
        contacts = contacts.select_for_update()
    if list(contacts.values_list("pk", flat=True)) != [affiliation.pk]:
        return None
    active = (
        organisation.memberships.filter(until__isnull=True).exists()
        or organisation.applications.filter(status__in=Application.OPEN_STATUSES).exists()
    )
    if not active:
        return None
    return _(
        "You are the only contact person of %(organisation)s in the portal. Before you delete "
        "your account, please invite your successor as contact person (People of your "
        "municipality), or ask the network team to name one."
    ) % {"organisation": organisation.authority.name}


@register_deletion_check
def check(user: User) -> str | None:
    return _refusal(user, lock=False)


@register_eraser(order=ERASER_ORDER)
def erase(user: User) -> None:
    # A restore that erases the account again must not refuse: the person's wish was granted.
    if not replaying() and (reason := _refusal(user, lock=True)):
        raise DeletionRefused(reason)
    affiliation = Affiliation.objects.filter(user=user).first()
    if affiliation is not None:
        if affiliation.public_contact_since is not None:
            # The consent ends with the account; the record shows when and why, without
            # repeating the data (the earlier records hold it).
            ConsentRecord.objects.create(
                user=user,
                organisation_id=affiliation.organisation_id,
                kind=ConsentRecord.Kind.PUBLIC_CONTACT,
                given=False,
                details={"reason": "account deleted"},
            )
        affiliation.delete()
    addresses = _addresses(user)
    Invitation.objects.filter(Q(accepted_by=user) | _any_address(addresses)).delete()
    # The team's list entry would bring the name and address back into the next invitation.
    ImportedPerson.objects.filter(_any_address(addresses)).delete()
    # Answers asked of the person themselves go; answers given for the municipality stay
    # the municipality's (their "last edited by" becomes empty with the account).
    SurveyResponse.objects.filter(respondent_key=f"user:{user.pk}").delete()
