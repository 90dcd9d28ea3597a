"""The panel "Declaration" of the staff's overview (portal.staff_dashboard): how many members
have not yet signed the current version, linking to admin's list of them."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from declarations.models import DeclarationVersion, Signature
from declarations.services import current_version
from members.models import Organisation
from portal.staff_dashboard.views import may_view, register_staff_panel


def signing_figures(version: DeclarationVersion) -> dict[str, int]:
    """Current members, and those of them without a valid signature of the version: the
    same members as admin's list "who has not yet signed" (members_without_signature)."""
    signed = Signature.objects.valid().filter(version=version, organisation=OuterRef("pk"))
    return Organisation.objects.members().aggregate(
        members=Count("pk"), missing=Count("pk", filter=~Q(Exists(signed)))
    )


@register_staff_panel(order=30)
def declaration_panel(request: HttpRequest) -> SafeString | None:
    # The list of who is missing is SignatureAdmin's page, open to those who may see signatures.
    if not may_view(request, Signature):
        return None
    version = current_version()
    figures = signing_figures(version) if version else None
    return render_to_string(
        "declarations/staff/declaration_panel.html",
        {
            "version": version,
            "figures": figures,
            "missing_url": reverse("admin:declarations_signature_missing"),
        },
        request=request,
    )
