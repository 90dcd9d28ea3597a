"""Stored files reach people only through views that check who may see them, and each download
is named and typed after what the file is (issue 17, items 9 and 10)."""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse
from PIL import Image
from pypdf import PdfWriter

import portal.urls
from meetings.models import EventDocument, Publication
from members.models import ApplicationAttachment, PracticeExample, Profile
from portal.downloads import UNKNOWN_TYPE, download_name
from portal.models import OutboundEmail, OutboundEmailAttachment
from portal.uploads import PDF_TYPE, PNG_TYPE, WEBP_TYPE, kind_of
from tests.factories import ApplicationFactory, EventFactory, SignatureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture
def attachment(contact_a, organisation_a) -> ApplicationAttachment:
    """A council decision uploaded as .html that is a valid PDF (it passed the PDF check)."""
    application: Any = ApplicationFactory(organisation=organisation_a, created_by=contact_a)
    return ApplicationAttachment.objects.create(
        application=application,
        file=ContentFile(pdf_bytes(), name="Ratsbeschluss.html"),
        original_name="Ratsbeschluss.html",
        size=100,
        uploaded_by=contact_a,
    )


def disposition(response) -> str:
    return response["Content-Disposition"]


# --- No media folder, not even with DEBUG -----------------------------------------------------


@pytest.fixture
def debug_urls() -> Iterator[None]:
    """The URL configuration as the README's run command builds it (DEBUG on)."""
    with override_settings(DEBUG=True):
        importlib.reload(portal.urls)
        clear_url_caches()
        try:
            yield
        finally:
            importlib.reload(portal.urls)
            clear_url_caches()


def test_with_debug_on_the_media_folder_is_not_served_but_the_checking_view_is(
    client, attachment, contact_a, contact_b, debug_urls
):
    path = f"/media/{attachment.file.name}"
    assert attachment.file.storage.exists(attachment.file.name)

    assert client.get(path).status_code == 404
    client.force_login(contact_b)
    assert client.get(path).status_code == 404
    download = reverse(
        "members:attachment_download", args=[attachment.application_id, attachment.pk]
    )
    assert client.get(download).status_code == 404

    client.force_login(contact_a)
    assert client.get(path).status_code == 404
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()


@pytest.fixture
def stored(attachment, head_a, member_a) -> dict[str, object]:
    """One stored file of each kind the portal keeps, with the objects they belong to."""
    signature: Any = SignatureFactory(
        organisation=member_a,
        submitted_by=head_a,
        pdf=ContentFile(pdf_bytes(), name="signed.pdf"),
        scan=ContentFile(pdf_bytes(), name="scan.pdf"),
    )
    signature.version.blank_form.save("form.pdf", ContentFile(pdf_bytes()))
    profile, _ = Profile.objects.get_or_create(organisation=member_a)
    practice = PracticeExample.objects.create(
        profile=profile,
        title="Börse",
        text="Text",
        image=ContentFile(image_bytes("PNG"), name="bild.png"),
        image_alt="Logo",
    )
    event: Any = EventFactory()
    document = EventDocument.objects.create(
        event=event,
        title="Folien",
        kind=EventDocument.Kind.SLIDES,
        file=ContentFile(pdf_bytes(), name="folien.pdf"),
        content_type=PDF_TYPE,
        size=100,
    )
    publication = Publication.objects.create(
        title="Arbeitshilfe",
        summary="Wie.",
        kind=Publication.Kind.METHOD,
        year=2026,
        file=ContentFile(pdf_bytes(), name="arbeitshilfe.pdf"),
        file_name="Arbeitshilfe.pdf",
        file_size=100,
    )
    email = OutboundEmail.objects.create(to="a@kommune.example", subject="PDF", kind="test")
    mailed = OutboundEmailAttachment.objects.create(
        email=email,
        filename="Gemeinsame-Erklaerung.pdf",
        mimetype=PDF_TYPE,
        file=ContentFile(pdf_bytes(), name="erklaerung.pdf"),
    )
    return {
        "attachment": attachment,
        "signature": signature,
        "profile": profile,
        "practice": practice,
        "document": document,
        "publication": publication,
        "email": email,
        "mailed": mailed,
    }


def test_every_kind_of_stored_file_is_served_by_a_checking_view_and_none_under_media(
    stored, staff_client
):
    attachment, signature = stored["attachment"], stored["signature"]
    practice, document = stored["practice"], stored["document"]
    publication, email, mailed = stored["publication"], stored["email"], stored["mailed"]
    version = signature.version
    views = [
        (
            attachment.file,
            reverse(
                "admin:members_application_attachment",
                args=[attachment.application_id, attachment.pk],
            ),
        ),
        (signature.pdf, reverse("admin:declarations_signature_pdf", args=[signature.pk])),
        (signature.scan, reverse("admin:declarations_signature_scan", args=[signature.pk])),
        (
            version.blank_form,
            reverse("admin:declarations_declarationversion_blank_form", args=[version.pk]),
        ),
        (practice.image, reverse("members:practice_image", args=[practice.pk])),
        (document.file, reverse("meetings:document", args=[document.pk])),
        (publication.file, reverse("meetings:library_file", args=[publication.pk])),
        (
            mailed.file,
            reverse("admin:portal_outboundemail_attachment", args=[email.pk, mailed.pk]),
        ),
    ]
    for file, view in views:
        response = staff_client.get(view)
        assert response.status_code == 200, view
        with file.open("rb") as handle:
            assert b"".join(response.streaming_content) == handle.read(), view
        assert staff_client.get(f"/media/{file.name}").status_code == 404, file.name


def test_admin_pages_link_stored_files_to_their_checking_views_not_to_media(stored, staff_client):
    email, mailed = stored["email"], stored["mailed"]
    practice, document = stored["practice"], stored["document"]
    publication = stored["publication"]
    pages = {
        reverse("admin:members_profile_change", args=[stored["profile"].pk]): reverse(
            "members:practice_image", args=[practice.pk]
        ),
        reverse("admin:meetings_event_change", args=[document.event_id]): reverse(
            "meetings:document", args=[document.pk]
        ),
        reverse("admin:meetings_publication_change", args=[publication.pk]): reverse(
            "meetings:library_file", args=[publication.pk]
        ),
        reverse("admin:portal_outboundemail_change", args=[email.pk]): reverse(
            "admin:portal_outboundemail_attachment", args=[email.pk, mailed.pk]
        ),
    }
    for page, view in pages.items():
        response = staff_client.get(page)
        assert response.status_code == 200, page
        assert "/media/" not in response.text, page
        assert f'href="{view}"' in response.text, page


def test_no_template_links_the_media_folder_or_a_stored_files_url():
    linking = re.compile(r"MEDIA_URL|/media/|\.(file|image|pdf|scan|blank_form)\.url\b")
    found = [
        str(path)
        for path in (Path(django_settings.BASE_DIR) / "templates").rglob("*.*")
        if linking.search(path.read_text("utf-8"))
    ]
    assert found == []


# --- Named after what the file is -------------------------------------------------------------


def test_an_attachment_uploaded_as_html_that_is_a_pdf_downloads_as_pdf(
    attachment, contact_a, staff_client
):
    person = Client()
    person.force_login(contact_a)
    views = [
        (
            person,
            reverse("members:attachment_download", args=[attachment.application_id, attachment.pk]),
        ),
        (
            staff_client,
            reverse(
                "admin:members_application_attachment",
                args=[attachment.application_id, attachment.pk],
            ),
        ),
    ]
    for who, url in views:
        response = who.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == PDF_TYPE
        assert disposition(response) == 'attachment; filename="Ratsbeschluss.pdf"'


def test_a_stored_file_of_no_known_kind_downloads_as_an_opaque_attachment(
    client, attachment, contact_a
):
    attachment.file.save("seite.html", ContentFile(b"<script>alert(1)</script>"), save=True)
    client.force_login(contact_a)
    response = client.get(
        reverse("members:attachment_download", args=[attachment.application_id, attachment.pk])
    )
    assert response["Content-Type"] == UNKNOWN_TYPE
    assert disposition(response).startswith("attachment;")


def test_a_practice_image_is_shown_inline_with_its_real_type_whatever_its_stored_name(
    client, member_a
):
    profile, _ = Profile.objects.get_or_create(organisation=member_a)
    practice = PracticeExample.objects.create(
        profile=profile,
        title="Börse",
        text="Text",
        image=ContentFile(image_bytes("PNG"), name="bild.html"),
        image_alt="Logo",
    )
    response = client.get(reverse("members:practice_image", args=[practice.pk]))
    assert response["Content-Type"] == PNG_TYPE
    assert disposition(response) == 'inline; filename="bild.png"'


def test_an_event_document_is_named_after_its_title_and_checked_type(client, staff_user):
    event: Any = EventFactory()
    document = EventDocument.objects.create(
        event=event,
        title="Protokoll vom Treffen",
        kind=EventDocument.Kind.SLIDES,
        file=ContentFile(pdf_bytes(), name="protokoll.html"),
        content_type=PDF_TYPE,
        size=100,
        visibility=EventDocument.Visibility.PUBLIC,
    )
    response = client.get(reverse("meetings:document", args=[document.pk]))
    assert response["Content-Type"] == PDF_TYPE
    assert disposition(response) == 'attachment; filename="protokoll-vom-treffen.pdf"'


def test_the_sniffer_knows_webp_and_the_name_takes_the_types_extension():
    assert kind_of(image_bytes("WEBP")[:12]) == WEBP_TYPE
    assert kind_of(b"RIFF\x00\x00\x00\x00WAVE") == ""
    assert download_name("Ratsbeschluss.html", PDF_TYPE) == "Ratsbeschluss.pdf"
    assert download_name("Beschluss vom 1.3.2027", PDF_TYPE) == "Beschluss vom 1.3.pdf"
    assert download_name("C:\\Users\\x\\Plan.PDF", PDF_TYPE) == "Plan.pdf"
    assert download_name("termine.ics", "text/calendar") == "termine.ics"
