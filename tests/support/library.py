"""What the tests of the library share: files of each kind, people of each role
and items for each audience."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from meetings.models import Publication
from tests.factories import PublicationFactory, TopicFactory

Visibility = Publication.Visibility
LIBRARY = "/wissen/"


# --- Files ------------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#ffce00").save(out, format="PNG")
    return out.getvalue()


def zip_bytes(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, text in entries.items():
            package.writestr(name, text)
    return out.getvalue()


WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def docx_bytes(main_type: str = WORD_TYPE) -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/content-types"><Override PartName="/word/document.xml" '
        f'ContentType="{main_type}"/></Types>'
    )
    return zip_bytes({"[Content_Types].xml": types, "word/document.xml": "<w:document/>"})


def odf_bytes(mimetype: str, extra: dict[str, str] | None = None) -> bytes:
    return zip_bytes(
        {"mimetype": mimetype, "content.xml": "<office:document-content/>", **(extra or {})}
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def with_file(publication: Publication, content: bytes, name: str = "bericht.pdf") -> Publication:
    publication.file.save(name, ContentFile(content), save=False)
    publication.file_name = name
    publication.file_size = len(content)
    publication.save()
    return publication


# --- People and items -------------------------------------------------------------------------


@pytest.fixture
def people(member_a, contact_a, colleague_a, contact_b, user_without_organisation, staff_user):
    """contact_b works for organisation_b, which is not a member."""
    return {
        "anonymous": None,
        "no organisation": user_without_organisation,
        "member contact": contact_a,
        "member colleague": colleague_a,
        "other municipality": contact_b,
        "staff": staff_user,
    }


@pytest.fixture
def items():
    """One item of each kind of visibility, all about the Ehrenamtskarte."""
    topic = TopicFactory(name="Ehrenamtskarte")
    make = PublicationFactory
    return {
        "public": make(title="Öffentliche Ehrenamtskarte", topics=[topic]),
        "members": make(title="Interne Ehrenamtskarte", visibility=Visibility.MEMBERS),
        "draft public": make(title="Entwurf Ehrenamtskarte öffentlich", is_published=False),
        "draft members": make(
            title="Entwurf Ehrenamtskarte intern",
            visibility=Visibility.MEMBERS,
            is_published=False,
        ),
    }


def log_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


def listed(response_or_html) -> set[int]:
    """The ids of the items a page lists."""
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.content.decode()
    return {int(chunk.split('"', 1)[0]) for chunk in html.split('data-publication="')[1:] if chunk}


# --- Admin ------------------------------------------------------------------------------------


def admin_form(**fields):
    data = {
        "title": "Handreichung Engagementstrategie",
        "kind": "publication",
        "year": "2025",
        "summary": "Wie eine Kommune ihre Engagementstrategie entwickelt.",
        "link": "",
        "visibility": "members",
        "is_published": "on",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}
