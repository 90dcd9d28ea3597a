"""Documentation of events: checking the files staff upload (slides, minutes, photos) and who
sees them.

A document is for everyone or for members and staff. Members are the people of a municipality
with a current membership. Files are served only by meetings.documents.views.download after
that check, never from a media folder; documents of a draft event are seen by staff only.

Uploads are checked by their content, not by their name: PDF documents and JPEG or PNG images
with the portal's checks (portal.uploads), Word, Excel and PowerPoint files (.docx, .xlsx,
.pptx) by their package structure. Macro-enabled office files are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from meetings.documents.models import EventDocument
from meetings.events.models import Event
from meetings.events.services import is_member
from members.people.services import affiliation_of
from portal.models import User
from portal.uploads import (
    DOCX_TYPE,
    JPEG_TYPE,
    PDF_TYPE,
    PNG_TYPE,
    PPTX_TYPE,
    XLSX_TYPE,
    validate_document,
)

MAX_BYTES = 20 * 1024 * 1024
PDF = PDF_TYPE
JPEG = JPEG_TYPE
PNG = PNG_TYPE
IMAGE_TYPES = (JPEG, PNG)
DOCX = DOCX_TYPE
XLSX = XLSX_TYPE
PPTX = PPTX_TYPE
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx", XLSX: ".xlsx", PPTX: ".pptx"}


# --- Checking an upload -----------------------------------------------------------------------


def _refused() -> ValidationError:
    return ValidationError(
        _(
            "This kind of file cannot be uploaded. Please upload a PDF document, a JPEG or PNG "
            "image, or a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx)."
        ),
        code="file_type",
    )


def validate_event_document(uploaded_file: Any) -> str:
    """Check an uploaded document and return its content type; raises ValidationError."""
    return validate_document(uploaded_file, MAX_BYTES, _refused)


def file_name(title: str, content_type: str, extension: str = "") -> str:
    """A tidy file name: the title and the extension of what the file really is."""
    return (slugify(title) or "dokument") + EXTENSIONS.get(content_type, extension.lower())


# --- Who sees which documents -----------------------------------------------------------------


def sees_members_documents(user: User | Any) -> bool:
    """Staff and the people of a municipality that is a member now."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    affiliation = affiliation_of(user)
    return affiliation is not None and is_member(affiliation.organisation)


def visible_documents(event: Event, user: User | Any) -> QuerySet[EventDocument]:
    """The documents of the event that the user may open."""
    documents = event.documents.all()
    if user.is_authenticated and user.is_staff:
        return documents
    if event.status == Event.Status.DRAFT:
        return documents.none()
    if sees_members_documents(user):
        return documents
    return documents.filter(visibility=EventDocument.Visibility.PUBLIC)


@dataclass(frozen=True)
class Documentation:
    """What the event page shows: the documents and whether members would see more."""

    documents: list[EventDocument]
    more_for_members: bool

    @property
    def shown(self) -> bool:
        return bool(self.documents) or self.more_for_members


def documentation(event: Event, user: User | Any) -> Documentation:
    """The documentation of a past event for the event page; empty before the event starts."""
    if event.starts_at > timezone.now() or event.status == Event.Status.DRAFT:
        return Documentation([], more_for_members=False)
    documents = list(event.documents.all())
    if not any(d.visibility == EventDocument.Visibility.MEMBERS for d in documents):
        return Documentation(documents, more_for_members=False)
    if sees_members_documents(user):
        return Documentation(documents, more_for_members=False)
    public = [d for d in documents if d.visibility == EventDocument.Visibility.PUBLIC]
    return Documentation(public, more_for_members=True)
