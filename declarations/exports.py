"""The staff's list exports of signatures (django-import-export resources, written by
portal.spreadsheets): the selected signatures, and the members who have not yet signed."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.utils.translation import gettext_lazy as _
from import_export.resources import Resource

from members.reference.admin import OrganisationRecordResource
from portal.spreadsheets import column


class SignatureResource(OrganisationRecordResource):
    organisation = column(_("Municipality"), attrgetter("organisation.authority.name"))
    version = column(_("Version"), attrgetter("version.label"))
    signatory = column(_("Signatory"), attrgetter("signatory_name"))
    office = column(_("Office"), attrgetter("signatory_office"))
    place = column(_("Place"), attrgetter("place"))
    signed_on = column(_("Date of signing"), attrgetter("signed_on"))
    code = column(_("Verification code"), attrgetter("verification_code"))
    valid = column(_("Valid"), attrgetter("is_valid"))


def joined(name: str) -> Any:
    return lambda row: ", ".join(getattr(row, name))


class NotYetSignedResource(Resource):
    """The rows of admin_signatures.members_without_signature."""

    name = column(_("Municipality"), attrgetter("name"))
    ags = column(_("AGS"), attrgetter("ags"))
    kind = column(_("Type"), attrgetter("kind"))
    region = column(_("Government region"), attrgetter("region"))
    member_since = column(_("Member since"), attrgetter("member_since"))
    contacts = column(_("E-mail of the contact persons"), joined("contact_emails"))
    heads = column(_("E-mail of the head of administration"), joined("head_emails"))
