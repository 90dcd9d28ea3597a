"""The Gemeinsame Erklärung for the municipalities: read it, sign it, see and download it.

The text, earlier versions and the blank form are public. Signing belongs to the contact
persons and the head of administration of a member (or approved applicant); a signature and
its PDF are shown to the people of its municipality and to staff only (404 for anyone else).
The workflow itself is declarations.services.sign.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from types import EllipsisType

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from declarations import pdf, services
from declarations.forms import SignatureForm
from declarations.models import DeclarationVersion, Signature
from declarations.text import render_body
from members.models import Affiliation, Authority, Organisation
from members.people.services import affiliation_of
from portal.caching import cached_for_anonymous
from portal.http import HtmxHttpRequest, logged_in_user
from portal.models import User

SIGNERS = (Affiliation.Role.HEAD, Affiliation.Role.CONTACT)
# The signature page asks for the PDF every 2 s for this long; after that a reload does.
PDF_POLL_PERIOD = datetime.timedelta(minutes=10)
TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


# --- Where the user's municipality stands -----------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """What the user's municipality has done, or may do, with one version."""

    ANONYMOUS = "anonymous"
    NO_ORGANISATION = "no_organisation"
    SIGNED = "signed"
    NOT_MEMBER = "not_member"
    COLLEAGUE = "colleague"
    MAY_SIGN = "may_sign"

    state: str
    affiliation: Affiliation | None = None
    signature: Signature | None = None

    @property
    def organisation(self) -> Organisation | None:
        return self.affiliation.organisation if self.affiliation else None


def valid_signature(organisation: Organisation, version: DeclarationVersion) -> Signature | None:
    return version.signatures.valid().filter(organisation=organisation).first()


def standing(
    user: User, version: DeclarationVersion, affiliation: Affiliation | EllipsisType | None = ...
) -> Standing:
    """Where the user stands with the version; `affiliation` if the caller looked it up."""
    if not user.is_authenticated:
        return Standing(Standing.ANONYMOUS)
    if affiliation is ...:
        affiliation = affiliation_of(user)
    if affiliation is None:
        return Standing(Standing.NO_ORGANISATION)
    organisation = affiliation.organisation
    if signature := valid_signature(organisation, version):
        return Standing(Standing.SIGNED, affiliation, signature)
    if not services.may_sign_for(organisation):
        return Standing(Standing.NOT_MEMBER, affiliation)
    if affiliation.role not in SIGNERS:
        return Standing(Standing.COLLEAGUE, affiliation)
    return Standing(Standing.MAY_SIGN, affiliation)


def _refuse(request: HttpRequest, position: Standing) -> HttpResponse:
    """Send someone who cannot sign (now) away, saying why."""
    if position.state == Standing.SIGNED and position.signature:
        messages.info(
            request,
            _("%(organisation)s has already signed this version.")
            % {"organisation": position.organisation},
        )
        return redirect("declarations:signature", position.signature.pk)
    reasons = {
        Standing.NO_ORGANISATION: _(
            "Your account does not belong to a municipality. The contact persons or the head "
            "of administration of a member municipality sign the declaration."
        ),
        Standing.NOT_MEMBER: _(
            "Only members and municipalities whose application has been approved can sign "
            "the declaration."
        ),
        Standing.COLLEAGUE: _(
            "Only the contact persons and the head of administration can sign for your "
            "municipality. Please ask them to do so."
        ),
    }
    messages.error(
        request,
        reasons.get(position.state, _("You cannot sign the declaration for your municipality.")),
    )
    return redirect("declarations:current")


# --- Public pages -----------------------------------------------------------------------------


def _published_version(label: str) -> DeclarationVersion:
    return get_object_or_404(DeclarationVersion, label=label, published_on__isnull=False)


def _earlier_versions(version: DeclarationVersion) -> list[DeclarationVersion]:
    return list(
        DeclarationVersion.objects.filter(published_on__isnull=False)
        .exclude(pk=version.pk)
        .only("label", "title", "published_on")
    )


@cached_for_anonymous
@require_safe
def current(request: HttpRequest) -> HttpResponse:
    version = services.current_version()
    if version is None:
        raise Http404
    return render(
        request,
        "declarations/current.html",
        {
            "version": version,
            "body": render_body(version.body),
            "earlier_versions": _earlier_versions(version),
            "standing": standing(logged_in_user(request), version),
        },
    )


@cached_for_anonymous
@require_safe
def version_detail(request: HttpRequest, label: str) -> HttpResponse:
    version = _published_version(label)
    current_version = version if version.is_current else services.current_version()
    return render(
        request,
        "declarations/version.html",
        {
            "version": version,
            "body": render_body(version.body),
            "current_version": current_version,
        },
    )


@require_safe
def blank_form(request: HttpRequest, label: str) -> FileResponse:
    version = _published_version(label)
    return FileResponse(
        pdf.blank_form_for(version).open("rb"),
        filename=f"Gemeinsame-Erklaerung-{_file_name_part(version.label)}-Formular.pdf",
        content_type="application/pdf",
    )


# --- Signing ----------------------------------------------------------------------------------


def _initial(user: User, affiliation: Affiliation) -> dict[str, str]:
    authority = affiliation.organisation.authority
    initial = {}
    if authority.kind in (
        Authority.Kind.INDEPENDENT_CITY,
        Authority.Kind.TOWN,
        Authority.Kind.MUNICIPALITY,
    ):
        initial["place"] = authority.name
    if affiliation.role == Affiliation.Role.HEAD:
        initial["signatory_name"] = user.full_name
        initial["signatory_office"] = affiliation.office
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest) -> HttpResponse:
    user = logged_in_user(request)
    version = services.current_version()
    if version is None:
        raise Http404
    position = standing(user, version)
    if position.state != Standing.MAY_SIGN or position.affiliation is None:
        return _refuse(request, position)
    affiliation = position.affiliation
    organisation = affiliation.organisation
    form = SignatureForm(
        request.POST or None,
        request.FILES or None,
        version=version,
        head_signs=affiliation.role == Affiliation.Role.HEAD,
        initial=_initial(user, affiliation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            signature = services.sign(version, organisation, user, form.signature_data())
        except PermissionDenied:
            # The role changed since the page was loaded.
            return _refuse(request, standing(user, version))
        except services.DeclarationError as error:
            if existing := valid_signature(organisation, version):
                # Somebody else of the municipality signed in the same moment.
                messages.error(request, " ".join(error.messages))
                return redirect("declarations:signature", existing.pk)
            form.add_error(None, error)
        else:
            # Whether the PDF is ready the page says beside its link; the message must not
            # say "being prepared" above a download that already works (embedded set-up).
            messages.success(
                request,
                _(
                    "Thank you. The declaration has been signed; you will also receive the PDF "
                    "document by e-mail."
                ),
            )
            return redirect("declarations:signature", signature.pk)
    return render(
        request,
        "declarations/sign.html",
        {"form": form, "version": version, "organisation": organisation},
    )


# --- A signature and its PDF ------------------------------------------------------------------


def _get_signature_for_user(request: HttpRequest, pk: int) -> Signature:
    """The signature, if the user belongs to its municipality or is staff; else 404."""
    signature = get_object_or_404(
        Signature.objects.select_related("version", "organisation__authority", "submitted_by"),
        pk=pk,
    )
    if request.user.is_staff:
        return signature
    belongs = Affiliation.objects.filter(
        user=logged_in_user(request), organisation=signature.organisation
    ).exists()
    if not belongs:
        raise Http404
    return signature


def _file_name_part(text: str) -> str:
    """Letters and digits for a file name: 'Mülheim an der Ruhr' → 'Muelheim-an-der-Ruhr'."""
    ascii_text = text.translate(TRANSLITERATION).replace("ß", "ss")
    return re.sub(r"[^A-Za-z0-9.]+", "-", ascii_text).strip("-.") or "Kommune"


@login_required
@require_safe
def signature_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    signature = _get_signature_for_user(request, pk)
    polling = (
        not signature.pdf
        and signature.is_valid
        and timezone.now() - signature.submitted_at < PDF_POLL_PERIOD
    )
    template = "declarations/signature.html"
    if request.htmx:
        if polling:
            # Not ready yet: nothing to swap, so screen readers hear nothing until it is.
            response = HttpResponse(status=204)
            patch_vary_headers(response, ["HX-Request"])
            return response
        template += "#pdf_status"
    response = render(
        request,
        template,
        {
            "signature": signature,
            "version": signature.version,
            "organisation": signature.organisation,
            "polling": polling,
            "can_sign_again": not signature.is_valid
            and signature.version.is_current
            and services.signing_role(logged_in_user(request), signature.organisation) is not None
            and valid_signature(signature.organisation, signature.version) is None,
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_safe
def signature_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF stored when the signature was made; never rendered again on download."""
    signature = _get_signature_for_user(request, pk)
    if not signature.pdf:
        raise Http404
    try:
        with signature.pdf.open("rb") as stored:
            content = stored.read()
    except FileNotFoundError:
        raise Http404 from None
    name = _file_name_part(signature.organisation.authority.name)
    label = _file_name_part(signature.version.label)
    response = HttpResponse(content, content_type="application/pdf")
    # _file_name_part leaves ASCII letters, digits, dots and hyphens: nothing to quote.
    response["Content-Disposition"] = (
        f'attachment; filename="Gemeinsame-Erklaerung-{label}-{name}.pdf"'
    )
    patch_cache_control(response, private=True)
    return response
