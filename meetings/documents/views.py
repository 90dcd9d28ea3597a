"""Downloading an event's document, after the check who may see it (meetings.documents.services)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from meetings.documents.models import EventDocument
from meetings.documents.services import file_name, sees_members_documents
from meetings.events.models import Event
from portal.downloads import file_response


@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One document, if the visitor may see it; anonymous visitors are asked to log in."""
    document = get_object_or_404(EventDocument.objects.select_related("event"), pk=pk)
    user = request.user
    staff = user.is_authenticated and user.is_staff
    if document.event.status == Event.Status.DRAFT and not staff:
        raise Http404
    members_only = document.visibility != EventDocument.Visibility.PUBLIC
    if members_only and not sees_members_documents(user):
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    # The upload check stored the type; images are shown in the page, the rest downloaded.
    response = file_response(
        document.file, file_name(document.title, ""), document.content_type, inline=True
    )
    if members_only:
        patch_cache_control(response, private=True)
    return response
