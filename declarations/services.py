"""Publishing versions of the Gemeinsame Erklärung, signing them and superseding signatures."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from declarations import pdf
from declarations.models import DeclarationVersion, Signature
from declarations.tasks import render_signature_pdf
from members.models import Affiliation, Application, Membership, Organisation
from members.people.services import contacts_of
from portal.models import User
from portal.outbox.services import queue_email_to_user
from portal.queueing import enqueue_on_commit


class DeclarationError(ValidationError):
    """A step that is not allowed; its message is shown to the user as it is."""


def current_version() -> DeclarationVersion | None:
    return DeclarationVersion.objects.filter(is_current=True).first()


# --- Publishing -------------------------------------------------------------------------------


def publish(version: DeclarationVersion, user: User) -> None:
    """Make a draft the current version and ask every member to sign it."""
    if not user.is_staff:
        raise PermissionDenied
    with transaction.atomic():
        version = DeclarationVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_published:
            raise DeclarationError(_("This version has already been published."))
        DeclarationVersion.objects.filter(is_current=True).update(is_current=False)
        version.published_on = timezone.localdate()
        version.is_current = True
        version.save(update_fields=["published_on", "is_current"])
        for organisation in Organisation.objects.members().select_related("authority"):
            for person in contacts_of(organisation):
                queue_email_to_user(
                    "declarations/new_version",
                    person,
                    {"version": version, "organisation": organisation},
                    related=version,
                )


def create_historical_version(
    label: str, published_on: datetime.date, title: str = ""
) -> DeclarationVersion:
    """A version from before the portal, signed on paper: published on its old date, never
    the current one, and nobody is asked by e-mail to sign it (unlike `publish`)."""
    if published_on >= timezone.localdate():
        raise DeclarationError(_("A historical version must have been published in the past."))
    if DeclarationVersion.objects.filter(label=label).exists():
        raise DeclarationError(_("Version %(label)s exists already.") % {"label": label})
    return DeclarationVersion.objects.create(
        title=title or DECLARATION_TITLE,
        label=label,
        body=_(
            "The text of this version is kept on paper by the network office; it is not "
            "stored in the portal."
        ),
        published_on=published_on,
        is_current=False,
        is_historical=True,
    )


DECLARATION_TITLE = "Zukunftsfaktor Bürgerengagement – Gemeinsam und vernetzt handeln"


# --- Signing ----------------------------------------------------------------------------------


def may_sign_for(organisation: Organisation) -> bool:
    """Members sign, and so do municipalities whose application has just been approved.

    Asked in one query, not one for each (an applicant's dashboard stays within ten)."""
    member = Membership.objects.filter(organisation=OuterRef("pk"), until__isnull=True)
    approved = Application.objects.filter(
        organisation=OuterRef("pk"), status=Application.Status.APPROVED
    )
    return (
        Organisation.objects.filter(pk=organisation.pk)
        .filter(Exists(member) | Exists(approved))
        .exists()
    )


def signing_role(user: User, organisation: Organisation) -> str | None:
    """'head' or 'contact' if the user may enter a signature for the organisation."""
    role = (
        Affiliation.objects.filter(user=user, organisation=organisation)
        .values_list("role", flat=True)
        .first()
    )
    return role if role in (Affiliation.Role.HEAD, Affiliation.Role.CONTACT) else None


@dataclass(frozen=True)
class SignatureData:
    signatory_name: str
    signatory_office: str
    place: str
    signed_on: datetime.date
    authorisation_confirmed: bool
    scan: UploadedFile | None = None


def sign(
    version: DeclarationVersion, organisation: Organisation, user: User, data: SignatureData
) -> Signature:
    role = signing_role(user, organisation)
    if role is None:
        raise PermissionDenied
    if role == Affiliation.Role.CONTACT and not data.authorisation_confirmed:
        raise DeclarationError(
            _("Please confirm that the signatory is authorised to sign for the municipality.")
        )
    if not version.is_current:
        raise DeclarationError(_("Only the current version can be signed."))
    if not may_sign_for(organisation):
        raise DeclarationError(_("Only members and approved applicants can sign the declaration."))
    if data.signed_on > timezone.localdate():
        raise DeclarationError(_("The date of signing cannot be in the future."))
    try:
        with transaction.atomic():
            signature = Signature(
                version=version,
                organisation=organisation,
                signatory_name=data.signatory_name,
                signatory_office=data.signatory_office,
                place=data.place,
                signed_on=data.signed_on,
                authorisation_confirmed=data.authorisation_confirmed or role == "head",
                submitted_by=user,
            )
            if data.scan:
                signature.scan.save("scan.pdf", data.scan, save=False)
            signature.save()
            schedule_pdf(signature.pk)
    except IntegrityError:
        # Somebody of the municipality signed in the same moment; the constraint caught it.
        raise DeclarationError(
            _("%(organisation)s has already signed this version.") % {"organisation": organisation}
        ) from None
    return signature


def schedule_pdf(signature_id: int) -> None:
    enqueue_on_commit(render_signature_pdf, signature_id)


def combined_pdf(signatures: Iterable[Signature]) -> bytes:
    """The signed copies of the signatures in one tagged file (see pdf.combine).

    A signature whose PDF has not been made yet (no worker ran) gets it now, the same way the
    task makes it, including the mail to the municipality that it had not had yet: the file
    staff hand on should never hold a copy the municipality has not received.
    """
    ids = {signature.pk for signature in signatures}
    waiting = Signature.objects.digital().filter(pk__in=ids, pdf="")
    for pk in waiting.values_list("pk", flat=True):
        render_signature_pdf.apply(args=(pk,), throw=True)
    # Paper signatures have no PDF of the portal's: they are not part of the combined file.
    return pdf.combine(Signature.objects.digital().filter(pk__in=ids))


def supersede(signature: Signature, user: User, reason: str) -> None:
    """Staff mark a wrong signature as superseded; the municipality can then sign again."""
    if not user.is_staff:
        raise PermissionDenied
    if not reason.strip():
        raise DeclarationError(_("Please give the reason."))
    with transaction.atomic():
        locked = Signature.objects.select_for_update().get(pk=signature.pk)
        if locked.superseded_at:
            raise DeclarationError(_("This signature has already been superseded."))
        locked.superseded_at = timezone.now()
        locked.superseded_reason = reason.strip()
        locked.superseded_by = user
        locked.save(update_fields=["superseded_at", "superseded_reason", "superseded_by"])


def attach_scan(signature: Signature, scan: UploadedFile, extension: str) -> None:
    """Store a later scan of a valid paper signature, in place of an earlier one. The file is
    the checked upload (admin_forms.ScanForm); it has no public address."""
    if not (signature.on_paper and signature.is_valid):
        raise DeclarationError(_("A scan can only be added to a valid signature made on paper."))
    earlier = signature.scan.name
    signature.scan.save(f"scan{extension}", scan, save=False)
    signature.save(update_fields=["scan"])
    if earlier and earlier != signature.scan.name:
        storage = signature.scan.storage
        transaction.on_commit(lambda: storage.delete(earlier))
