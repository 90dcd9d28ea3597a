"""The public pages of the declaration: the list of signatories and the verification of codes.

The verification page is the QR code's target. Anyone may upload a PDF there to learn whether
it is byte-identical with the stored document: the upload is hashed while it streams in
(`DigestUploadHandler`) and never written anywhere, not even to a temporary file.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from declarations.models import CODE_ALPHABET, DeclarationVersion, Signature
from members.models import Membership
from portal.caching import cached_for_anonymous
from portal.uploads import PDF_MAGIC

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# Spaces and every kind of dash a code may pick up when it is copied from a PDF or typed.
_SEPARATORS = re.compile(r"[\s\u200b\u00ad\-\u2010-\u2015\u2212]+")


def normalise_code(value: str) -> str | None:
    """The code in its canonical form ("ABCD-EFGH-JKMN"), or None if it cannot be one.

    Accepts lower case, spaces and dashes anywhere ("abcd efgh jkmn", "ABCDEFGHJKMN").
    """
    raw = _SEPARATORS.sub("", value).upper()
    if len(raw) != 12 or any(char not in CODE_ALPHABET for char in raw):
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


# --- Signatories ------------------------------------------------------------------------------


@cached_for_anonymous
@require_safe
def signatories(request: HttpRequest) -> HttpResponse:
    """Every published version with its partners and the municipalities' valid signatures.

    Three queries however many signatures there are: versions, partners, signatures.
    """
    is_member = Membership.objects.filter(organisation=OuterRef("organisation"), until__isnull=True)
    valid = (
        Signature.objects.valid()
        .select_related("organisation__authority")
        .annotate(is_member=Exists(is_member))
        .order_by("organisation__authority__name", "organisation__authority__ags")
    )
    versions = (
        DeclarationVersion.objects.filter(published_on__isnull=False)
        .order_by("-published_on", "-created_at")
        .prefetch_related("partners", Prefetch("signatures", queryset=valid))
    )
    return render(request, "declarations/signatories.html", {"versions": list(versions)})


# --- Verification: the code -------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_(
            "You find the code on the signed declaration, next to the QR code. "
            "It has twelve letters and digits, for example ABCD-EFGH-JKMN."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _(
                    "This is not a verification code. A code has twelve letters and digits, "
                    "for example ABCD-EFGH-JKMN."
                ),
                code="format",
            )
        if not Signature.objects.filter(verification_code=code).exists():
            raise ValidationError(
                _("No signed declaration has this verification code. Please check the code."),
                code="unknown",
            )
        return code


@cached_for_anonymous(query=("code",))
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Enter a code (GET ?code=… or POST); a known one leads to its verification page."""
    data = request.POST if request.method == "POST" else request.GET
    form = CodeForm(data if "code" in data else None)
    if form.is_valid():
        return redirect("declarations:verify_code", code=form.cleaned_data["code"])
    return render(request, "declarations/verify.html", {"form": form})


# --- Verification: comparing a file -----------------------------------------------------------


class DigestedUpload(UploadedFile):
    """What is kept of an uploaded file: name, size, first bytes and SHA-256, not the content."""

    def __init__(self, name: str, content_type: str | None, charset: str | None) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=0, charset=charset)
        self.received = 0
        self.head = b""
        self.sha256 = ""
        self.digest = hashlib.sha256()

    @property
    def too_large(self) -> bool:
        return self.received > MAX_UPLOAD_BYTES

    def close(self) -> None:
        """Called when the request ends, as for any upload; there is nothing to close."""


class DigestUploadHandler(FileUploadHandler):
    """Hashes each uploaded file chunk by chunk and keeps nothing of it but its first bytes.

    Past MAX_UPLOAD_BYTES it only counts, so that a huge upload costs neither memory nor disk.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.upload = DigestedUpload(self.file_name or "", self.content_type, self.charset)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        upload = self.upload
        upload.received += len(raw_data)
        upload.size = upload.received
        if not upload.too_large:
            upload.digest.update(raw_data)
            if len(upload.head) < len(PDF_MAGIC):
                upload.head = (upload.head + raw_data)[: len(PDF_MAGIC)]
        return None  # the chunk goes to no other handler: nothing is stored

    def file_complete(self, file_size: int) -> DigestedUpload:
        upload = self.upload
        if not upload.too_large:
            upload.sha256 = upload.digest.hexdigest()
        return upload


class CompareForm(forms.Form):
    document = forms.FileField(
        label=_("PDF file of the signed declaration"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = gettext(
            "PDF only, at most %(limit)s. The file is compared and not stored."
        ) % {"limit": filesizeformat(MAX_UPLOAD_BYTES)}

    def clean_document(self) -> DigestedUpload:
        upload = self.cleaned_data["document"]
        if not isinstance(upload, DigestedUpload):  # only if the upload handler was not used
            raise ValidationError(_("The file could not be read. Please try again."))
        if upload.too_large:
            raise ValidationError(
                _("The file is too large. Please upload a file of at most %(limit)s."),
                code="too_large",
                params={"limit": filesizeformat(MAX_UPLOAD_BYTES)},
            )
        if upload.head != PDF_MAGIC:
            raise ValidationError(
                _(
                    "This file is not a PDF document. Please choose the PDF file of the "
                    "signed declaration."
                ),
                code="not_pdf",
            )
        return upload


def _stored_sha256(signature: Signature) -> str | None:
    """The SHA-256 of the stored PDF, or None while it is being prepared."""
    if not signature.pdf:
        return None
    if signature.pdf_sha256:
        return signature.pdf_sha256.lower()
    try:  # recorded by the task that made the PDF; only older rows could lack it
        digest = hashlib.sha256()
        with signature.pdf.open("rb") as stored:
            for chunk in stored.chunks():
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _breakable(digest: str) -> SafeString:
    """A hex digest that may wrap on a narrow screen, every 16 characters; copies as one word."""
    return format_html_join(
        mark_safe("<wbr>"),  # nosec B308 # a constant tag, no data
        "{}",
        ((digest[i : i + 16],) for i in range(0, len(digest), 16)),
    )


@cached_for_anonymous
@csrf_exempt  # checked in _verify_code, once the upload handler is in place
@require_http_methods(["GET", "HEAD", "POST"])
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The QR code's target: the signature behind a code, and the comparison of a file."""
    # Must be set before anything reads request.POST, hence not in the CSRF middleware.
    request.upload_handlers = [DigestUploadHandler(request)]
    return _verify_code(request, code)


@csrf_protect
def _verify_code(request: HttpRequest, code: str) -> HttpResponse:
    canonical = normalise_code(code)
    if canonical is None:
        raise Http404
    if canonical != code:
        return redirect("declarations:verify_code", code=canonical)
    signature = (
        Signature.objects.select_related("version", "organisation__authority")
        .filter(verification_code=canonical)
        .first()
    )
    if signature is None:
        raise Http404
    stored_sha256 = _stored_sha256(signature)
    form = CompareForm()
    upload: DigestedUpload | None = None
    identical: bool | None = None
    if request.method == "POST" and stored_sha256:
        form = CompareForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["document"]
            identical = hmac.compare_digest(upload.sha256, stored_sha256)
    return render(
        request,
        "declarations/verify_signature.html",
        {
            "signature": signature,
            "version": signature.version,
            "authority": signature.organisation.authority,
            "stored_sha256": stored_sha256,
            "form": form,
            "upload": upload,
            "identical": identical,
            "stored_sha256_html": _breakable(stored_sha256 or ""),
            "upload_sha256_html": _breakable(upload.sha256 if upload else ""),
        },
    )
