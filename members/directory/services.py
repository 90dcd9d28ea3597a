"""A member's public face: its profile, practice examples and who is shown as contact.

Only the organisation's contact persons change the profile and the practice examples; only
the person themselves decides about being shown as contact.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.directory.models import PracticeExample, Profile
from members.people.models import Affiliation, ConsentRecord, Organisation
from members.people.services import is_contact
from portal.models import User


def _require_contact(user: User, organisation: Organisation) -> None:
    if not is_contact(user, organisation):
        raise PermissionDenied


def save_profile(profile: Profile, actor: User) -> Profile:
    """Store the profile a contact edited (the first save creates it)."""
    _require_contact(actor, profile.organisation)
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        # Someone else created it in the same moment: this save changes theirs.
        profile.pk = Profile.objects.get(organisation=profile.organisation).pk
        profile._state.adding = False
        profile.save()
    return profile


def save_practice_example(
    organisation: Organisation, example: PracticeExample, actor: User
) -> PracticeExample:
    """Store a practice example of the organisation; a replaced image file is removed."""
    _require_contact(actor, organisation)
    with transaction.atomic():
        profile, _created = Profile.objects.get_or_create(organisation=organisation)
        if example.pk is None:
            example.profile = profile
        elif example.profile_id != profile.pk:
            raise PermissionDenied
        old_name = (
            PracticeExample.objects.filter(pk=example.pk).values_list("image", flat=True).first()
            if example.pk
            else None
        )
        example.save()
        if old_name and old_name != example.image.name:
            _delete_file_on_commit(example.image.storage, old_name)
    return example


def delete_practice_example(example: PracticeExample, actor: User) -> None:
    _require_contact(actor, example.profile.organisation)
    with transaction.atomic():
        if example.image:
            _delete_file_on_commit(example.image.storage, example.image.name)
        example.delete()


def _delete_file_on_commit(storage, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


def set_public_contact(
    affiliation: Affiliation, actor: User, *, consent: bool, office: str | None = None
) -> Affiliation:
    """A person agrees (or no longer agrees) to be shown as contact on the public profile.

    Only the person themselves decides; the date of the consent is kept while it lasts. Each
    consent given or withdrawn, and each change of the published data while it lasts, adds a
    ConsentRecord with the data concerned: the evidence of who agreed to what, and when.
    """
    if affiliation.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
        was_public = affiliation.public_contact_since is not None
        published_before = published_contact(affiliation, actor)
        if consent and affiliation.public_contact_since is None:
            affiliation.public_contact_since = timezone.now()
        elif not consent:
            affiliation.public_contact_since = None
        if office is not None:
            affiliation.office = office.strip()
        affiliation.save(update_fields=["public_contact_since", "office"])
        published_now = published_contact(affiliation, actor)
        if consent != was_public or (consent and published_now != published_before):
            ConsentRecord.objects.create(
                user=actor,
                organisation_id=affiliation.organisation_id,
                kind=ConsentRecord.Kind.PUBLIC_CONTACT,
                given=consent,
                # Withdrawn: the data that is no longer shown.
                details=published_now if consent else published_before,
            )
    return affiliation


def published_contact(affiliation: Affiliation, user: User) -> dict[str, str]:
    """What the public profile shows of a contact who agreed to be shown."""
    return {"name": user.full_name, "office": affiliation.office, "email": user.email}
