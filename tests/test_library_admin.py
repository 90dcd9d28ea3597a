"""The library: staff's admin with its checked uploads, and the demo library."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from meetings.library import uploads as library_uploads
from meetings.models import LibraryTopic, Publication
from members.models import PracticeExample, Profile
from tests.factories import PublicationFactory, TopicFactory
from tests.support.library import (
    Visibility,
    admin_form,
    docx_bytes,
    odf_bytes,
    pdf_bytes,
    png_bytes,
    upload,
    with_file,
    zip_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


ADMIN = "/admin/meetings/publication/"


def test_staff_add_an_item_with_a_pdf_and_name_and_size_are_kept(staff_client):
    topic = TopicFactory(name="Engagementstrategie")
    content = pdf_bytes()
    response = staff_client.post(
        f"{ADMIN}add/",
        admin_form(topics=[topic.pk], file=upload("Handreichung Strategie.pdf", content)),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    publication = Publication.objects.get()
    assert publication.file_name == "Handreichung Strategie.pdf"
    assert publication.file_size == len(content)
    assert publication.file.name.endswith("/handreichung-strategie.pdf")
    assert list(publication.topics.all()) == [topic]


@pytest.mark.parametrize(
    ("name", "content", "shown"),
    [
        ("Vorlage.docx", docx_bytes(), "Vorlage.docx"),
        ("Protokoll.odt", odf_bytes("application/vnd.oasis.opendocument.text"), "Protokoll.odt"),
        ("Falsch benannt.pdf", docx_bytes(), "Falsch benannt.docx"),
    ],
)
def test_office_files_are_accepted_by_their_content(staff_client, name, content, shown):
    response = staff_client.post(f"{ADMIN}add/", admin_form(file=upload(name, content)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Publication.objects.get().file_name == shown


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bild.pdf", png_bytes(), "cannot be added to the library"),
        ("programm.docx", b"MZ\x90\x00" + b"\x00" * 60, "cannot be added to the library"),
        ("archiv.docx", zip_bytes({"notiz.txt": "kein Office"}), "cannot be added to the library"),
        ("gross.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024), "The file is too large"),
    ],
)
def test_refused_uploads_are_explained_next_to_the_field(staff_client, name, content, message):
    response = staff_client.post(f"{ADMIN}add/", admin_form(file=upload(name, content)))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors["file"][0]
    assert not Publication.objects.exists()
    html = response.content.decode()
    assert message in html
    assert "Handreichung Engagementstrategie" in html, "nothing typed is lost"


def test_an_item_needs_a_file_or_a_link(staff_client):
    response = staff_client.post(f"{ADMIN}add/", admin_form())
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Please upload a file or give a link" in errors["file"][0]
    assert "Please upload a file or give a link" in errors["link"][0]

    response = staff_client.post(f"{ADMIN}add/", admin_form(link="https://www.example.org/x"))
    assert response.status_code == 302
    assert Publication.objects.get().link == "https://www.example.org/x"


def test_an_unlikely_year_is_refused(staff_client):
    response = staff_client.post(
        f"{ADMIN}add/", admin_form(year="3025", link="https://www.example.org/")
    )
    assert response.status_code == 200
    assert "year between 1990" in response.context["adminform"].form.errors["year"][0]


def test_replacing_or_clearing_a_file_removes_the_old_one(
    staff_client, django_capture_on_commit_callbacks
):
    publication = with_file(PublicationFactory(), pdf_bytes())
    storage = publication.file.storage
    first = publication.file.name
    data = admin_form(
        title=publication.title,
        link=publication.link,
        file=upload("neu.odt", odf_bytes("application/vnd.oasis.opendocument.text")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{ADMIN}{publication.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    publication.refresh_from_db()
    second = publication.file.name
    assert second.endswith("/neu.odt")
    assert publication.file_name == "neu.odt"
    assert not storage.exists(first)
    assert storage.exists(second)

    data = admin_form(title=publication.title, link=publication.link, **{"file-clear": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{ADMIN}{publication.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    publication.refresh_from_db()
    assert not publication.file
    assert (publication.file_name, publication.file_size) == ("", 0)
    assert not storage.exists(second)


def test_clearing_the_only_file_without_a_link_is_refused(staff_client):
    publication = with_file(PublicationFactory(link=""), pdf_bytes())
    data = admin_form(title=publication.title, **{"file-clear": "on"})
    response = staff_client.post(f"{ADMIN}{publication.pk}/change/", data)
    assert response.status_code == 200
    publication.refresh_from_db()
    assert publication.file
    assert publication.file.storage.exists(publication.file.name)


def test_deleting_an_item_takes_its_file_along(staff_client, django_capture_on_commit_callbacks):
    publication = with_file(PublicationFactory(), pdf_bytes())
    name, storage = publication.file.name, publication.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{ADMIN}{publication.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not storage.exists(name)


def test_the_changelist_filters_and_searches(staff_client, django_assert_max_num_queries):
    topic = TopicFactory(name="Freiwilligenagenturen")
    for n in range(12):
        PublicationFactory(title=f"Leitfaden {n}", topics=[topic], year=2020 + n % 3)
    PublicationFactory(title="Entwurf", is_published=False)
    with django_assert_max_num_queries(15):
        response = staff_client.get(ADMIN)
    assert response.status_code == 200
    assert "Freiwilligenagenturen" in response.content.decode()
    for query, count in [
        ({"q": "Freiwilligenagenturen"}, 12),
        ({"is_published__exact": "0"}, 1),
        ({"year": "2021"}, 4),
        ({"topics__id__exact": topic.pk}, 12),
        ({"kind__exact": "method", "visibility__exact": "public"}, 13),
    ]:
        response = staff_client.get(ADMIN, query)
        assert response.status_code == 200, query
        assert response.context["cl"].result_count == count, query


def test_the_admin_pages_open(staff_client, member_a):
    profile = Profile.objects.create(organisation=member_a)
    PracticeExample.objects.create(profile=profile, title="Lotsenprogramm", text="…")
    TopicFactory(name="Ehrenamtskarte")
    add = staff_client.get(f"{ADMIN}add/").content.decode()
    assert f"Lotsenprogramm ({member_a.authority.name})" in add
    assert 'name="year" value="' in add
    assert staff_client.get("/admin/meetings/librarytopic/").status_code == 200
    topics = staff_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "meetings",
            "model_name": "publication",
            "field_name": "topics",
            "term": "Ehren",
        },
    )
    assert topics.json()["results"][0]["text"] == "Ehrenamtskarte"
    publication = PublicationFactory()
    change = staff_client.get(f"{ADMIN}{publication.pk}/change/").content.decode()
    assert f'href="/wissen/{publication.pk}/"' in change, "view on site"


def test_people_without_staff_rights_cannot_use_the_admin(client, contact_a, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(contact_a)
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert "/login/" in response.url


# --- Demo data --------------------------------------------------------------------------------


def test_the_demo_library_loads_once_with_public_and_members_items(settings, tmp_path):
    call_command("load_demo_data", force=True)
    call_command("load_demo_data", force=True)
    assert Publication.objects.count() >= 5
    assert Publication.objects.filter(visibility=Visibility.MEMBERS).exists()
    assert Publication.objects.filter(visibility=Visibility.PUBLIC).exists()
    assert LibraryTopic.objects.filter(name="Ehrenamtskarte").exists()
    with_file_items = Publication.objects.exclude(file="")
    assert with_file_items.exists()
    for publication in with_file_items:
        assert publication.file.storage.exists(publication.file.name)
        assert library_uploads.type_of(publication.file.name) is not None
