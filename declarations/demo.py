"""The declarations' part of the demo data: Münster has signed the current version."""

from __future__ import annotations

import datetime

from declarations.models import DeclarationVersion, Signature
from declarations.tasks import render_signature_pdf
from members.models import Organisation
from portal.demo import register_demo
from portal.models import User

# A fixed code, so that the README can point to the verification page of the demo.
DEMO_CODE = "MSTR-2627-DEMA"


@register_demo(order=20)
def load_declarations_demo() -> None:
    version = DeclarationVersion.objects.filter(is_current=True).first()
    if version is None or Signature.objects.filter(verification_code=DEMO_CODE).exists():
        return
    head = User.objects.get(email="buergermeisterin@muenster.example")
    signature = Signature.objects.create(
        version=version,
        organisation=Organisation.objects.get(authority__ags="05515000"),
        signatory_name=head.full_name,
        signatory_office="Oberbürgermeisterin",
        place="Münster",
        signed_on=datetime.date(2026, 6, 2),
        authorisation_confirmed=True,
        submitted_by=head,
        verification_code=DEMO_CODE,
    )
    # Rendered at once (not queued), so that the demo's PDF is there without a worker.
    render_signature_pdf.apply(args=(signature.pk,))
