"""The signatures a person entered, for the download of their data (portal.personal_data).

Nothing is erased when the account goes: a signature is part of the official record of the
municipality's membership (GDPR Art. 17 (3) (b)), so the signatory's name and office stay on
it, and so do its PDF and its verification. Only the link to the account that entered it
becomes empty (submitted_by is SET_NULL); pages and mails then speak of a deleted account.
"""

from __future__ import annotations

from typing import Any

from declarations.models import Signature
from portal.models import User
from portal.personal_data.registry import iso, register_exporter


@register_exporter("declarations")
def export(user: User) -> dict[str, Any]:
    signatures = (
        Signature.objects.filter(submitted_by=user)
        .select_related("version", "organisation__authority")
        .order_by("submitted_at", "id")
    )
    return {
        "signatures_entered": [
            {
                "municipality": signature.organisation.authority.name,
                "version": signature.version.label,
                "signatory_name": signature.signatory_name,
                "signatory_office": signature.signatory_office,
                "place": signature.place,
                "signed_on": iso(signature.signed_on),
                "entered": iso(signature.submitted_at),
                "verification_code": signature.verification_code,
                "superseded": iso(signature.superseded_at),
            }
            for signature in signatures
        ]
    }
