"""Documentation of events: checking uploads, who may open which file, the event page's list."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfWriter

from meetings.documents import services as documents
from meetings.models import Event, EventDocument
from members.models import Affiliation
from tests.factories import AffiliationFactory, ApplicationFactory, EventFactory, UserFactory
from tests.support.meeting_admin import event_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]
Visibility = EventDocument.Visibility
EVENTS = "/admin/meetings/event/"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACROS = "application/vnd.ms-word.document.macroEnabled.main+xml"


# --- Files to upload --------------------------------------------------------------------------


def pdf_bytes():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(image_format: str):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#2044aa").save(out, format=image_format)
    return out.getvalue()


def ooxml_bytes(main_part: str, main_type: str):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{main_part}" ContentType="{main_type}"/></Types>',
        )
        package.writestr(main_part, "<document/>")
    return out.getvalue()


def xlsx_bytes():
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def upload(name: str, content: bytes):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("folien.pdf", pdf_bytes(), documents.PDF),
        ("foto.jpg", image_bytes("JPEG"), documents.JPEG),
        ("foto.png", image_bytes("PNG"), documents.PNG),
        ("protokoll.docx", ooxml_bytes("word/document.xml", WORD_MAIN), documents.DOCX),
        ("zahlen.xlsx", xlsx_bytes(), documents.XLSX),
        (
            "vortrag.pptx",
            ooxml_bytes(
                "ppt/presentation.xml",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
                ".main+xml",
            ),
            documents.PPTX,
        ),
    ],
)
def test_documents_images_and_office_files_are_accepted_by_their_content(name, content, expected):
    file = upload(name, content)
    assert documents.validate_event_document(file) == expected
    assert file.tell() == 0, "the file can be saved afterwards"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("folien.pdf", b"%PDF-1.7 nur ein Anfang", "not_pdf"),
        ("folien.pdf", b"<html><script>alert(1)</script></html>", "file_type"),
        ("foto.jpg", b"\xff\xd8\xff\xe0 kaputt", "not_image"),
        ("makro.docx", ooxml_bytes("word/document.xml", WORD_MACROS), "file_type"),
        ("leer.docx", ooxml_bytes("word/other.xml", WORD_MAIN), "file_type"),
        ("archiv.zip", b"PK\x03\x04 kein Archiv", "file_type"),
        ("foto.webp", image_bytes("WEBP"), "file_type"),
        ("programm.exe", b"MZ\x90\x00", "file_type"),
        ("leer.pdf", b"", "file_type"),
    ],
)
def test_anything_else_is_refused_with_a_message(name, content, code):
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            documents.validate_event_document(upload(name, content))
        assert error.value.code == code
        assert error.value.messages[0].startswith("This ")


def test_a_file_over_20_mb_is_refused():
    big = upload("gross.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            documents.validate_event_document(big)
        assert error.value.code == "too_large"
        assert "20.0\xa0MB" in error.value.messages[0]


# --- Uploading in admin -----------------------------------------------------------------------


def with_document(event, name, content, **fields):
    data = event_form(
        event,
        **{
            "documents-TOTAL_FORMS": "1",
            "documents-0-title": fields.get("title", "Folien der Tagung"),
            "documents-0-kind": fields.get("kind", "slides"),
            "documents-0-visibility": fields.get("visibility", "members"),
            "documents-0-file": upload(name, content),
        },
    )
    return data


def test_staff_upload_a_document_and_its_type_and_size_are_kept(staff_client):
    event = EventFactory()
    content = ooxml_bytes("word/document.xml", WORD_MAIN)
    response = staff_client.post(
        f"{EVENTS}{event.pk}/change/", with_document(event, "Protokoll.PDF", content)
    )
    assert response.status_code == 302, response.context["errors"]
    document = event.documents.get()
    assert document.content_type == documents.DOCX
    assert document.size == len(content)
    assert document.file.name.endswith("folien-der-tagung.docx"), "named for what it is"
    page = staff_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert f'href="/veranstaltungen/dokumente/{document.pk}/"' in page


def test_a_refused_upload_is_explained_on_the_event_page(staff_client):
    event = EventFactory()
    response = staff_client.post(
        f"{EVENTS}{event.pk}/change/", with_document(event, "folien.pdf", b"%PDF-1.7 kaputt")
    )
    assert response.status_code == 200
    assert "not a PDF document that can be opened" in response.content.decode()
    assert not event.documents.exists()


def test_files_of_removed_or_replaced_documents_leave_the_disk(
    staff_client, django_capture_on_commit_callbacks
):
    event = EventFactory()
    removed = document(event, Visibility.MEMBERS, title="Alt")
    replaced = document(event, Visibility.PUBLIC, title="Folien")
    old_names = [removed.file.name, replaced.file.name]
    storage = removed.file.storage
    assert all(storage.exists(name) for name in old_names)
    data = event_form(event)
    data.update(
        {
            "documents-TOTAL_FORMS": "2",
            "documents-INITIAL_FORMS": "2",
            "documents-0-id": removed.pk,
            "documents-0-event": event.pk,
            "documents-0-title": removed.title,
            "documents-0-kind": removed.kind,
            "documents-0-visibility": removed.visibility,
            "documents-0-DELETE": "on",
            "documents-1-id": replaced.pk,
            "documents-1-event": event.pk,
            "documents-1-title": replaced.title,
            "documents-1-kind": replaced.kind,
            "documents-1-visibility": replaced.visibility,
            "documents-1-file": upload("neu.png", image_bytes("PNG")),
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{EVENTS}{event.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    assert list(event.documents.all()) == [replaced]
    replaced.refresh_from_db()
    assert replaced.content_type == documents.PNG
    assert storage.exists(replaced.file.name)
    assert not any(storage.exists(name) for name in old_names)


def test_deleting_an_event_takes_its_documents_files_along(django_capture_on_commit_callbacks):
    event = EventFactory()
    names = [document(event, Visibility.PUBLIC, title=title).file.name for title in "AB"]
    storage = EventDocument._meta.get_field("file").storage
    assert all(storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        Event.objects.filter(pk=event.pk).delete()

    assert not any(storage.exists(name) for name in names)


# --- Who may open a document ------------------------------------------------------------------


def document(event, visibility, content=None, content_type=documents.PDF, title="Protokoll"):
    return EventDocument.objects.create(
        event=event,
        title=title,
        kind=EventDocument.Kind.MINUTES,
        file=ContentFile(content or pdf_bytes(), name="protokoll.pdf"),
        content_type=content_type,
        size=123,
        visibility=visibility,
    )


@pytest.fixture
def past_event():
    return EventFactory(
        title="Netzwerktreffen im Frühjahr",
        starts_at=timezone.now() - datetime.timedelta(days=7),
    )


@pytest.fixture
def people(member_a, contact_a, organisation_b, contact_b, user_without_organisation, staff_user):
    ApplicationFactory(organisation=organisation_b, created_by=contact_b)
    return {
        "anonymous": None,
        "member": contact_a,
        "applicant": contact_b,
        "other": user_without_organisation,
        "staff": staff_user,
    }


def fetch(client, user, document):
    if user is not None:
        client.force_login(user)
    return client.get(f"/veranstaltungen/dokumente/{document.pk}/")


@pytest.mark.parametrize(
    ("who", "public", "members"),
    [
        ("anonymous", 200, 302),
        ("member", 200, 200),
        ("applicant", 200, 404),
        ("other", 200, 404),
        ("staff", 200, 200),
    ],
)
def test_who_may_open_a_document(client, people, past_event, who, public, members):
    for visibility, expected in ((Visibility.PUBLIC, public), (Visibility.MEMBERS, members)):
        response = fetch(client, people[who], document(past_event, visibility))
        assert response.status_code == expected, visibility
        if expected == 302:
            assert response.url.startswith("/konto/login/?next=/veranstaltungen/dokumente/")
        if expected == 200:
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"] == 'attachment; filename="protokoll.pdf"'
            assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_colleague_of_a_member_opens_members_documents_too(client, past_event, member_a):
    colleague = AffiliationFactory(organisation=member_a, role=Affiliation.Role.COLLEAGUE).user
    assert fetch(client, colleague, document(past_event, Visibility.MEMBERS)).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "member", "other"])
def test_documents_of_a_draft_event_are_not_found(client, people, who):
    draft = EventFactory(status=Event.Status.DRAFT)
    for visibility in Visibility.values:
        assert fetch(client, people[who], document(draft, visibility)).status_code == 404


def test_staff_open_documents_of_a_draft_event(client, people):
    draft = EventFactory(status=Event.Status.DRAFT)
    assert fetch(client, people["staff"], document(draft, Visibility.MEMBERS)).status_code == 200


def test_photos_are_shown_in_the_browser_and_a_missing_file_is_404(client, past_event):
    photo = document(
        past_event,
        Visibility.PUBLIC,
        content=image_bytes("PNG"),
        content_type=documents.PNG,
        title="Gruppenfoto",
    )
    response = fetch(client, None, photo)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="gruppenfoto.png"'
    photo.file.delete(save=False)
    assert fetch(client, None, photo).status_code == 404


def test_only_safe_methods_open_a_document(client, past_event):
    url = f"/veranstaltungen/dokumente/{document(past_event, Visibility.PUBLIC).pk}/"
    assert client.post(url).status_code == 405


def test_media_files_are_not_served_as_a_folder(client, past_event):
    stored = document(past_event, Visibility.MEMBERS)
    assert client.get(f"/media/{stored.file.name}").status_code == 404


# --- The event page ---------------------------------------------------------------------------


def event_page(client, user, event):
    if user is not None:
        client.force_login(user)
    response = client.get(f"/veranstaltungen/{event.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_of_a_past_event_lists_what_the_visitor_may_open(client, people, past_event):
    public = document(past_event, Visibility.PUBLIC, title="Fotos des Tages")
    internal = document(past_event, Visibility.MEMBERS, title="Interne Folien")
    html = event_page(client, None, past_event)
    assert 'id="documents-heading"' in html
    assert f'data-document="{public.pk}"' in html
    assert f'data-document="{internal.pk}"' not in html
    assert "Interne Folien" not in html
    assert "data-more-for-members" in html
    assert f"/konto/login/?next=/veranstaltungen/{past_event.pk}/" in html
    html = event_page(client, people["member"], past_event)
    assert f'data-document="{internal.pk}"' in html
    assert "data-more-for-members" not in html


def test_an_event_that_has_not_started_shows_no_documentation(client, people):
    coming = EventFactory()
    document(coming, Visibility.PUBLIC)
    html = event_page(client, people["staff"], coming)
    assert "data-documents" not in html


def test_a_past_event_without_documents_has_no_section(client, past_event):
    assert "data-documents" not in event_page(client, None, past_event)


def test_visible_documents_follow_the_same_rules(people, past_event):
    public = document(past_event, Visibility.PUBLIC)
    internal = document(past_event, Visibility.MEMBERS)
    assert set(documents.visible_documents(past_event, people["member"])) == {public, internal}
    assert list(documents.visible_documents(past_event, people["applicant"])) == [public]
    draft = EventFactory(status=Event.Status.DRAFT)
    document(draft, Visibility.PUBLIC)
    assert not documents.visible_documents(draft, people["member"]).exists()
    assert documents.visible_documents(draft, people["staff"]).count() == 1


def test_the_event_page_needs_as_many_queries_with_20_documents_as_with_2(
    client, past_event, django_assert_max_num_queries, settings
):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0  # counted as made afresh, not from the cache
    for n in range(2):
        document(past_event, Visibility.PUBLIC, title=f"Datei {n}")
    with django_assert_max_num_queries(10) as few:
        client.get(f"/veranstaltungen/{past_event.pk}/")
    for n in range(18):
        document(past_event, Visibility.MEMBERS if n % 2 else Visibility.PUBLIC, title=f"Mehr {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(f"/veranstaltungen/{past_event.pk}/").content.decode()
    assert html.count("data-document=") == 11


def test_an_unknown_user_object_is_not_a_member():
    assert not documents.sees_members_documents(UserFactory())
