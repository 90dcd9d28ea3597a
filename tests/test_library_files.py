"""The library: the detail page, the download, and how uploads are checked."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook

from meetings.library import uploads as library_uploads
from meetings.models import Event, Publication
from members.models import PracticeExample, Profile
from tests.factories import EventFactory, PublicationFactory, TopicFactory
from tests.support.library import (
    LIBRARY,
    Visibility,
    docx_bytes,
    odf_bytes,
    pdf_bytes,
    png_bytes,
    upload,
    with_file,
    zip_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


WORD_MACRO_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


# --- The detail page and the file -------------------------------------------------------------


def test_the_detail_page_shows_everything_that_belongs_to_it(client, member_a):
    topic = TopicFactory(name="Engagementstrategie")
    event = EventFactory(title="Netzwerktreffen Herbst")
    profile = Profile.objects.create(organisation=member_a)
    example = PracticeExample.objects.create(profile=profile, title="Ehrenamtsforum", text="…")
    publication = with_file(
        PublicationFactory(
            title="Dokumentation des Netzwerktreffens",
            kind=Publication.Kind.DOCUMENTATION,
            topics=[topic],
            event=event,
            practice_example=example,
            summary="Erster Absatz.\n\nZweiter Absatz.",
        ),
        pdf_bytes(),
        name="Dokumentation Herbst.pdf",
    )
    html = client.get(f"{LIBRARY}{publication.pk}/").content.decode()
    assert html.count("<h1") == 1
    assert f'href="/wissen/?topic={topic.pk}"' in html
    assert f'href="/veranstaltungen/{event.pk}/"' in html
    ags = member_a.authority.ags
    assert f'href="/netzwerk/mitglieder/{ags}/#profile-examples"' in html
    assert f'href="/wissen/{publication.pk}/datei/"' in html
    assert "Dokumentation Herbst.pdf" in html
    assert "PDF" in html
    assert 'href="https://www.example.org/arbeitshilfe"' in html
    assert "<p>Zweiter Absatz.</p>" in html


def test_links_lead_nowhere_hidden(client, organisation_b):
    draft = EventFactory(status=Event.Status.DRAFT)
    profile = Profile.objects.create(organisation=organisation_b)
    example = PracticeExample.objects.create(profile=profile, title="Ohne Mitgliedschaft", text="…")
    publication = PublicationFactory(event=draft, practice_example=example, link="")
    html = client.get(f"{LIBRARY}{publication.pk}/").content.decode()
    assert "data-event-link" not in html, "a draft event's page is not public"
    assert "data-municipality-link" not in html, "only members have a public profile"
    assert "Ohne Mitgliedschaft" in html
    assert "data-external-link" not in html


def test_an_unknown_item_is_404(client):
    assert client.get(f"{LIBRARY}999999/").status_code == 404
    assert client.get(f"{LIBRARY}999999/datei/").status_code == 404


def test_the_file_is_served_as_an_attachment_with_its_type(client, contact_a, member_a):
    content = docx_bytes()
    publication = with_file(
        PublicationFactory(visibility=Visibility.MEMBERS),
        content,
        name="Checkliste Engagement.docx",
    )
    client.force_login(contact_a)
    response = client.get(f"{LIBRARY}{publication.pk}/datei/")
    assert response.status_code == 200
    assert response["Content-Type"] == library_uploads.DOCX.content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Checkliste" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == content


def test_an_item_without_a_file_or_with_a_lost_one_has_no_download(client):
    link_only = PublicationFactory()
    assert client.get(f"{LIBRARY}{link_only.pk}/datei/").status_code == 404
    lost = with_file(PublicationFactory(), pdf_bytes())
    lost.file.storage.delete(lost.file.name)
    assert client.get(f"{LIBRARY}{lost.pk}/datei/").status_code == 404


# --- Checking uploads -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (pdf_bytes(), library_uploads.PDF),
        (docx_bytes(), library_uploads.DOCX),
        (xlsx_bytes(), library_uploads.XLSX),
        (odf_bytes("application/vnd.oasis.opendocument.text"), library_uploads.ODT),
        (odf_bytes("application/vnd.oasis.opendocument.spreadsheet"), library_uploads.ODS),
        (odf_bytes("application/vnd.oasis.opendocument.presentation"), library_uploads.ODP),
    ],
)
def test_documents_are_recognised_by_their_content(content, expected):
    file = upload("beliebig.bin", content)
    assert library_uploads.validate_document(file) == expected
    assert file.tell() == 0, "ready to be saved"


OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("bild.pdf", png_bytes(), "file_type"),
        ("programm.docx", b"MZ\x90\x00\x03\x00\x00\x00", "file_type"),
        ("archiv.docx", zip_bytes({"readme.txt": "hallo"}), "file_type"),
        ("makros.docx", docx_bytes(WORD_MACRO_TYPE), "file_type"),
        (
            "makros.odt",
            odf_bytes("application/vnd.oasis.opendocument.text", {"Basic/script.xml": "x"}),
            "file_type",
        ),
        ("grafik.odg", odf_bytes("application/vnd.oasis.opendocument.graphics"), "file_type"),
        ("alt.doc", OLE_HEADER + b"\x00" * 504, "file_type"),
        ("kaputt.pdf", b"%PDF-1.7 nur ein Anfang", "not_pdf"),
        ("kaputt.docx", b"PK\x03\x04 kein Archiv", "file_type"),
        ("leer.pdf", b"", "file_type"),
        ("seite.html", b"<html><script>alert(1)</script></html>", "file_type"),
    ],
)
def test_anything_else_is_refused_with_a_reason(name, content, code):
    with pytest.raises(ValidationError) as error:
        library_uploads.validate_document(upload(name, content))
    assert error.value.code == code


def test_the_size_limit_is_20_mb():
    big = upload("gross.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            library_uploads.validate_document(big)
        assert error.value.code == "too_large"
        assert "20.0\xa0MB" in error.value.messages[0]


def test_the_shown_name_tells_what_the_file_is():
    pdf = library_uploads.PDF
    assert library_uploads.display_name("Leitfaden Ehrenamt.docx", pdf) == "Leitfaden Ehrenamt.pdf"
    assert library_uploads.display_name("C:\\Daten\\Bericht 2025.PDF", pdf) == "Bericht 2025.pdf"
    assert library_uploads.display_name("../../etc/passwd", pdf) == "passwd.pdf"
    assert library_uploads.display_name("\x00\n.pdf", pdf) == "dokument.pdf"
    assert len(library_uploads.display_name("a" * 500 + ".pdf", pdf)) == 200
    assert library_uploads.storage_name("Übersicht Förderung.pdf", pdf) == "ubersicht-forderung.pdf"
