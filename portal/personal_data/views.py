"""The person's own data: what is stored, the download as JSON, deleting the account.

The work is in portal.personal_data.registry; these views only ask and answer.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal.http import logged_in_user
from portal.personal_data.forms import DeleteAccountForm
from portal.personal_data.registry import (
    DeletionRefused,
    delete_account,
    deletion_refusal,
    export_user_data,
)


@login_required
@require_safe
def personal_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/personal_data.html",
        {"refusal": deletion_refusal(logged_in_user(request))},
    )


@never_cache  # says no-store: the file is personal and must not stay in a shared cache
@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    data = export_user_data(logged_in_user(request))
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    filename = f"kommunen-netzwerk-meine-daten-{timezone.localdate().isoformat()}.json"
    response = HttpResponse(content + "\n", content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    user = logged_in_user(request)
    refusal = deletion_refusal(user)
    form = None
    status = 200
    if refusal is not None:
        # Nothing to ask: the page says why and what to do.
        status = 403 if request.method == "POST" else 200
    elif request.method == "POST":
        form = DeleteAccountForm(request.POST, user=user, request=request)
        if form.is_valid():
            try:
                delete_account(user)
            except DeletionRefused as refused:
                refusal, form = refused.message, None
                status = 409
            else:
                logout(request)
                messages.success(
                    request,
                    _(
                        "Your account has been deleted. We have sent a confirmation to your "
                        "e-mail address."
                    ),
                )
                return redirect("home")
    else:
        form = DeleteAccountForm(user=user, request=request)
    return render(
        request,
        "portal/account_delete.html",
        {"form": form, "refusal": refusal},
        status=status,
    )
