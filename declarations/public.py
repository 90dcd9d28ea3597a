"""The public pages of the declaration: the list of signatories and the verification of codes.

The verification page is the QR code's target. Anyone may upload a PDF there to learn whether
it is byte-identical with the stored document: the upload is hashed while it streams in
(`DigestUploadHandler`) and never written anywhere, not even to a temporary file.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from functools import partial
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from declarations.forms import (
    CodeForm,
    CompareForm,
    DigestedUpload,
    DigestUploadHandler,
    normalise_code,
)
from declarations.models import DeclarationVersion, Signature
from members.models import Authority, Membership
from portal.caching import FRAGMENT_SECONDS, cached_for_anonymous, rows_key

# --- Signatories ------------------------------------------------------------------------------


# What the municipalities' table shows of a valid signature, read as plain values: making model
# instances of hundreds of rows was most of the page's time at the network's full size.
SIGNATURE_FIELDS = (
    "version_id",
    "organisation__authority__ags",
    "organisation__authority__name",
    "organisation__authority__kind",
    "signed_on",
    "on_paper",
    "is_member",
)


@cached_for_anonymous
@require_safe
def signatories(request: HttpRequest) -> HttpResponse:
    """Every published version with its partners and the municipalities' valid signatures.

    Three queries however many signatures there are: versions, partners, signatures.
    """
    versions = list(
        DeclarationVersion.objects.filter(published_on__isnull=False)
        .order_by("-published_on", "-created_at")
        .prefetch_related("partners")
    )
    is_member = Membership.objects.filter(organisation=OuterRef("organisation"), until__isnull=True)
    signatures = (
        Signature.objects.valid()
        .filter(version__published_on__isnull=False)
        .annotate(is_member=Exists(is_member))
        .order_by("organisation__authority__name", "organisation__authority__ags")
        .values_list(*SIGNATURE_FIELDS)
    )
    rows_of: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in signatures:
        rows_of[row[0]].append(row)
    for version in versions:
        rows = rows_of[version.pk]
        # The municipalities' table is rendered once per content ({% cache %} in the template);
        # its entries are made only when the table is not in the cache yet.
        version.signature_count = len(rows)  # type: ignore[attr-defined]
        version.signatures_key = rows_key([(version.pk, version.label), *rows])  # type: ignore[attr-defined]
        version.signature_entries = partial(_entries, rows)  # type: ignore[attr-defined]
    return render(
        request,
        "declarations/signatories.html",
        {"versions": versions, "fragment_seconds": FRAGMENT_SECONDS},
    )


def _entries(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [
        {
            "ags": ags,
            "name": name,
            "kind": Authority.Kind(kind).label,
            "signed_on": signed_on,
            "on_paper": on_paper,
            "is_member": is_member,
        }
        for _version, ags, name, kind, signed_on, on_paper, is_member in rows
    ]


# --- Verification: the code -------------------------------------------------------------------


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
