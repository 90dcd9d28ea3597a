"""Bad uploads at every upload field, through the pages that take them.

Each field gets files of the wrong type, with the wrong content, empty and one byte over its
limit, and files with names no browser would send. A refused file is explained next to its
field, in German, and nothing is stored; a good file with a strange name is stored under a
harmless name inside the media folder, or refused with a message.

Not repeated here: the checks themselves (tests/test_uploads.py, the validators of
tests/test_meeting_documents.py and tests/test_library_admin.py) and the cases the pages' own tests
already cover (a renamed program as an application attachment, an 11 MB attachment, an HTML
file as scan, as practice image or for the verification, a file over 20 MB for the
verification, an image, a program, an archive and a 20 MB file in the library's admin, a broken
PDF as event document).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from PIL import Image

from declarations.models import Signature
from meetings.documents import services as documents
from meetings.library import uploads as library_uploads
from meetings.models import Event, EventDocument, Publication
from members.models import ApplicationAttachment, PracticeExample
from portal.uploads import IMAGE_MAX_BYTES, PDF_MAX_BYTES
from tests.factories import ApplicationFactory, EventFactory, SignatureFactory
from tests.support.declaration_views import form_data as signature_data
from tests.support.library import admin_form as library_data
from tests.support.meeting_admin import event_form
from tests.test_application_views import form_data as application_data
from tests.test_declaration_public import CODE, with_pdf
from tests.test_uploads import real_image, real_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _german_afterwards():
    yield
    translation.activate("de")


def files_in(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


# --- Sending a file with any name ---------------------------------------------------------------

BOUNDARY = "kn-upload-test-7d1f0c"


def multipart(fields: dict[str, Any], file_field: str, name: str, content: bytes) -> bytes:
    """A multipart body written by hand: the test client would strip the file name's path and
    cannot send a NUL or a line break in it."""

    def part(headers: bytes, body: bytes) -> bytes:
        return b"--" + BOUNDARY.encode() + b"\r\n" + headers + b"\r\n\r\n" + body + b"\r\n"

    chunks = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            disposition = f'Content-Disposition: form-data; name="{key}"'.encode()
            chunks.append(part(disposition, str(item).encode()))
    headers = (
        f'Content-Disposition: form-data; name="{file_field}"; filename="'.encode()
        + name.encode()
        + b'"\r\nContent-Type: application/octet-stream'
    )
    chunks.append(part(headers, content))
    chunks.append(b"--" + BOUNDARY.encode() + b"--\r\n")
    return b"".join(chunks)


def send(client: Client, url: str, fields: dict[str, Any], field: str, name: str, content: bytes):
    body = multipart(fields, field, name, content)
    response = client.post(url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code < 500
    return response


# --- The upload fields --------------------------------------------------------------------------


@dataclass
class Target:
    """One upload field: where it is posted, what else the form needs, how its errors and what
    it stored are found."""

    url: str
    fields: dict[str, Any]
    field: str
    errors: Callable[[Any], list[str]]
    stored: Callable[[], int]
    folder: str  # where its good files land, inside the media folder


def _form_errors(key: str, field: str) -> Callable[[Any], list[str]]:
    return lambda response: list(response.context[key].errors.get(field, []))


def _inline_errors(response) -> list[str]:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == "documents":
            return list(inline.formset.forms[0].errors.get("file", []))
    raise AssertionError("the event page has no documents")


def _application(client, request) -> Target:
    contact = request.getfixturevalue("contact_a")
    application = ApplicationFactory.create(
        organisation=contact.affiliation.organisation, created_by=contact
    )
    client.force_login(contact)
    return Target(
        url=reverse("members:application_edit", args=[application.pk]),
        fields=application_data(application),
        field="file_2",
        errors=_form_errors("upload", "file_2"),
        stored=ApplicationAttachment.objects.count,
        folder=f"applications/{application.pk}",
    )


def _scan(client, request) -> Target:
    request.getfixturevalue("member_a")
    client.force_login(request.getfixturevalue("contact_a"))
    return Target(
        url=reverse("declarations:sign"),
        fields=signature_data(),
        field="scan",
        errors=_form_errors("form", "scan"),
        stored=Signature.objects.count,
        folder="declarations/scans",
    )


def _practice_image(client, request) -> Target:
    client.force_login(request.getfixturevalue("contact_a"))
    return Target(
        url=reverse("members:practice_create"),
        fields={
            "title": "Ehrenamtsmesse",
            "text": "Vereine stellen sich vor.",
            "link": "",
            "image_alt": "Menschen am Infostand",
        },
        field="image",
        errors=_form_errors("form", "image"),
        stored=PracticeExample.objects.count,
        folder="practice",
    )


def _verification(client, request) -> Target:
    with_pdf(SignatureFactory.create(verification_code=CODE))
    return Target(
        url=reverse("declarations:verify_code", args=[CODE]),
        fields={},
        field="document",
        errors=_form_errors("form", "document"),
        stored=lambda: 0,  # a compared file is never stored; files_in() checks the disk
        folder="-",
    )


def _admin(client, request) -> None:
    request.getfixturevalue("settings").PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(request.getfixturevalue("staff_user"))  # German, as the factory makes


def _event_document(client, request) -> Target:
    _admin(client, request)
    event = EventFactory.create(status=Event.Status.PUBLISHED)
    fields = event_form(
        event,
        **{
            "documents-TOTAL_FORMS": "1",
            "documents-0-title": "Folien der Tagung",
            "documents-0-kind": "slides",
            "documents-0-visibility": "members",
        },
    )
    return Target(
        url=reverse("admin:meetings_event_change", args=[event.pk]),
        fields=fields,
        field="documents-0-file",
        errors=_inline_errors,
        stored=EventDocument.objects.count,
        folder="events/documents",
    )


def _library_file(client, request) -> Target:
    _admin(client, request)
    return Target(
        url=reverse("admin:meetings_publication_add"),
        fields=library_data(),
        field="file",
        errors=lambda response: list(response.context["adminform"].form.errors.get("file", [])),
        stored=Publication.objects.count,
        folder="library",
    )


TARGETS = {
    "application attachment": _application,
    "signature scan": _scan,
    "practice image": _practice_image,
    "verification upload": _verification,
    "event document": _event_document,
    "library file": _library_file,
}


@pytest.fixture
def target(request, client) -> Target:
    return TARGETS[request.param](client, request)


# --- Bad files ----------------------------------------------------------------------------------


def png_bytes() -> bytes:
    return real_image("PNG", (40, 30))


def pdf_padded_to(size: int) -> bytes:
    """A real PDF followed by a comment, exactly `size` bytes long."""
    content = real_pdf() + b"%"
    return content + b"x" * (size - len(content))


def png_padded_to(size: int) -> bytes:
    content = png_bytes()
    return content + b"\0" * (size - len(content))


BAD_FILES: dict[str, Callable[[], tuple[str, bytes]]] = {
    "program named .pdf": lambda: ("programm.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200),
    "web page named .pdf": lambda: ("seite.pdf", b"<html><script>alert(1)</script></html>"),
    "image named .pdf": lambda: ("beschluss.pdf", png_bytes()),
    "truncated PDF": lambda: ("beschluss.pdf", real_pdf()[:300]),
    "PDF with only its header": lambda: ("beschluss.pdf", b"%PDF-1.7\n"),
    "empty file": lambda: ("leer.pdf", b""),
    "PDF named .png": lambda: ("foto.png", real_pdf()),
    "JPEG magic, then rubbish": lambda: ("foto.jpg", b"\xff\xd8\xff\xe0" + b"kein Bild" * 50),
    "PNG magic, then rubbish": lambda: ("foto.png", b"\x89PNG\r\n\x1a\n" + b"kein Bild" * 50),
    "truncated PNG": lambda: ("foto.png", png_bytes()[:60]),
    "GIF named .png": lambda: ("foto.png", real_image("GIF")),
    "PDF one byte over 10 MB": lambda: ("gross.pdf", pdf_padded_to(PDF_MAX_BYTES + 1)),
    "image one byte over 5 MB": lambda: ("gross.png", png_padded_to(IMAGE_MAX_BYTES + 1)),
    "PDF one byte over 20 MB": lambda: ("gross.pdf", pdf_padded_to(documents.MAX_BYTES + 1)),
}

NOT_PDF = "This file is not a PDF document that can be opened. Please upload a PDF file."
NOT_IMAGE = (
    "This file is not an image that can be opened. Please upload a photo or graphic in the "
    "format JPEG, PNG or WebP."
)
IMAGE_FORMAT = (
    "Images in the format %(format)s cannot be used. Please upload a JPEG, PNG or WebP image."
)
TOO_LARGE = "The file is too large. Please upload a file of at most %(limit)s."
EMPTY = "The submitted file is empty."
EVENT_FILE_TYPE = (
    "This kind of file cannot be uploaded. Please upload a PDF document, a JPEG or PNG image, "
    "or a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx)."
)
APPLICATION_FILE_TYPE = (
    "This kind of file cannot be attached. Please upload a PDF document, a JPEG or PNG image, "
    "or a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx)."
)
LIBRARY_FILE_TYPE = (
    "This kind of file cannot be added to the library. Please upload a PDF document, a Word, "
    "Excel or PowerPoint file (.docx, .xlsx, .pptx) or an OpenDocument file (.odt, .ods, "
    ".odp). Files with macros are not accepted."
)
COMPARE_NOT_PDF = (
    "This file is not a PDF document. Please choose the PDF file of the signed declaration."
)

# Field, bad file, the message expected next to the field (its English original).
CASES = [
    ("application attachment", "program named .pdf", APPLICATION_FILE_TYPE),
    ("application attachment", "web page named .pdf", APPLICATION_FILE_TYPE),
    ("application attachment", "PNG magic, then rubbish", NOT_IMAGE),
    ("application attachment", "truncated PDF", NOT_PDF),
    ("application attachment", "PDF with only its header", NOT_PDF),
    ("application attachment", "empty file", EMPTY),
    ("application attachment", "PDF one byte over 10 MB", TOO_LARGE),
    ("signature scan", "program named .pdf", NOT_PDF),
    ("signature scan", "image named .pdf", NOT_PDF),
    ("signature scan", "truncated PDF", NOT_PDF),
    ("signature scan", "PDF with only its header", NOT_PDF),
    ("signature scan", "empty file", EMPTY),
    ("signature scan", "PDF one byte over 10 MB", TOO_LARGE),
    ("practice image", "PDF named .png", NOT_IMAGE),
    ("practice image", "JPEG magic, then rubbish", NOT_IMAGE),
    ("practice image", "truncated PNG", NOT_IMAGE),
    ("practice image", "GIF named .png", IMAGE_FORMAT),
    ("practice image", "empty file", EMPTY),
    ("practice image", "image one byte over 5 MB", TOO_LARGE),
    ("verification upload", "image named .pdf", COMPARE_NOT_PDF),
    ("verification upload", "empty file", EMPTY),
    ("event document", "program named .pdf", EVENT_FILE_TYPE),
    ("event document", "web page named .pdf", EVENT_FILE_TYPE),
    ("event document", "truncated PDF", NOT_PDF),
    ("event document", "PNG magic, then rubbish", NOT_IMAGE),
    ("event document", "empty file", EMPTY),
    ("event document", "PDF one byte over 20 MB", TOO_LARGE),
    ("library file", "web page named .pdf", LIBRARY_FILE_TYPE),
    ("library file", "truncated PDF", NOT_PDF),
    ("library file", "PDF with only its header", NOT_PDF),
    ("library file", "empty file", EMPTY),
]


def german(message: str) -> str:
    """The German text of a message, up to its first placeholder."""
    with translation.override("de"):
        text = gettext(message)
    assert text != message, f"no German translation of {message!r}"
    return text.split("%(")[0]


@pytest.mark.parametrize(
    ("target", "bad", "message"),
    CASES,
    indirect=["target"],
    ids=[f"{field}: {bad}" for field, bad, _message in CASES],
)
def test_a_bad_file_is_explained_next_to_its_field_and_not_stored(
    target, client, media, bad, message
):
    before = files_in(media)
    count = target.stored()
    name, content = BAD_FILES[bad]()
    response = send(client, target.url, target.fields, target.field, name, content)
    assert response.status_code == 200
    errors = target.errors(response)
    expected = german(message)
    assert any(error.startswith(expected) for error in errors), errors
    assert escape(expected) in response.content.decode()
    assert target.stored() == count
    assert files_in(media) == before


def test_the_limits_are_those_the_forms_announce():
    # The cases above are one byte over these; the help texts name them.
    assert PDF_MAX_BYTES == 10 * 1024 * 1024
    assert IMAGE_MAX_BYTES == 5 * 1024 * 1024
    assert documents.MAX_BYTES == library_uploads.MAX_BYTES == 20 * 1024 * 1024


# --- Strange file names -------------------------------------------------------------------------

NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\Windows\\win.ini.pdf",
    "nul\x00zeichen.pdf",
    "zeilen\numbruch.pdf",
    "tab\tund\rwagenruecklauf.pdf",
    "x" * 300 + ".pdf",
    "<img src=x onerror=alert('fzimg')>.pdf",
    "\u202egnp.pdf",
    "..",
]


def good_file_for(target_name: str) -> bytes:
    return png_bytes() if target_name == "practice image" else real_pdf()


@pytest.mark.parametrize("name", NAMES, ids=[repr(name[:30]) for name in NAMES])
@pytest.mark.parametrize("target", list(TARGETS), indirect=True)
def test_a_strange_file_name_is_stored_harmlessly_or_refused(request, target, client, media, name):
    target_name = request.node.callspec.params["target"]
    before = files_in(media)
    count = target.stored()
    response = send(
        client, target.url, target.fields, target.field, name, good_file_for(target_name)
    )
    html = response.content.decode() if "html" in response.get("Content-Type", "") else ""
    assert "<img src=x onerror=alert('fzimg')" not in html
    new = files_in(media) - before
    if response.status_code == 200 and target.errors(response):
        assert not new, "a refused file must not be stored"
        assert target.stored() == count
        return
    assert response.status_code in (200, 302)
    for path in new:
        relative = path.resolve().relative_to(media.resolve())  # raises if outside
        assert relative.as_posix().startswith(target.folder + "/"), relative
        assert ".." not in relative.parts
        assert all(character.isprintable() for character in relative.as_posix()), relative
        assert len(relative.as_posix()) <= 100


def test_an_attachment_keeps_a_printable_original_name_for_the_download(request, client):
    target = _application(client, request)
    send(client, target.url, target.fields, "file_2", "Rats\x00beschluss\n2026.pdf", real_pdf())
    attachment = ApplicationAttachment.objects.get()
    assert all(character.isprintable() for character in attachment.original_name)
    assert attachment.original_name.endswith("2026.pdf")
    download = reverse(
        "members:attachment_download", args=[attachment.application_id, attachment.pk]
    )
    response = client.get(download)
    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"]


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(request, client, media):
    # 12,000 by 12,000 pixels fit into a small PNG, far below the size limit; Pillow's guard
    # against decompression bombs stops it, with the message for unreadable images.
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < IMAGE_MAX_BYTES
    target = _practice_image(client, request)
    response = send(client, target.url, target.fields, "image", "riesig.png", buffer.getvalue())
    assert response.status_code == 200
    assert target.errors(response)[0].startswith(german(NOT_IMAGE))
    assert not PracticeExample.objects.exists()
    assert not files_in(media)
