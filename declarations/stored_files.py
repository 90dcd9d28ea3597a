"""The check a restore runs on the signed declarations (portal.backup.registry): the public
verification page vouches for each PDF by its SHA-256, so a PDF that is missing or differs
from its recorded hash would make a genuine declaration look forged."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from declarations.models import Signature
from portal.backup.registry import register_stored_file_check


@register_stored_file_check
def signed_pdfs_match_their_sha256() -> Iterator[str]:
    signatures = Signature.objects.exclude(pdf="").only(
        "pk", "verification_code", "pdf", "pdf_sha256"
    )
    for signature in signatures.order_by("pk").iterator():
        label = f"Declaration {signature.verification_code} (signature {signature.pk})"
        try:
            with signature.pdf.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            yield f"{label}: its PDF {signature.pdf.name} is missing."
            continue
        if not signature.pdf_sha256:
            yield f"{label}: no SHA-256 is recorded for its PDF {signature.pdf.name}."
        elif digest != signature.pdf_sha256.lower():
            yield (
                f"{label}: its PDF {signature.pdf.name} has the SHA-256 {digest}, the recorded "
                f"one is {signature.pdf_sha256}."
            )
