"""The library: who sees which item, search (PostgreSQL and the fallback), filters, pages,
the detail page and the download, the event page's list, and staff's admin with its checked
uploads."""

from __future__ import annotations

import datetime
import io
import zipfile

import factory
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation
from factory.django import DjangoModelFactory
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfWriter

from meetings.library import services as library
from meetings.library import uploads as library_uploads
from meetings.library import views as library_views
from meetings.models import Event, LibraryTopic, Publication
from members.models import PracticeExample, Profile
from tests.factories import EventFactory, MembershipFactory

pytestmark = pytest.mark.django_db
Visibility = Publication.Visibility
LIBRARY = "/wissen/"
ADMIN = "/admin/meetings/publication/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- Factories and files ----------------------------------------------------------------------


class TopicFactory(DjangoModelFactory[LibraryTopic]):
    class Meta:
        model = LibraryTopic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Thema {n}")


class PublicationFactory(DjangoModelFactory[Publication]):
    """A public, published method paper with a link and no file."""

    class Meta:
        model = Publication
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Arbeitshilfe Nummer {n}")
    summary = "Eine Arbeitshilfe für die kommunale Engagementförderung."
    kind = Publication.Kind.METHOD
    year = 2025
    link = "https://www.example.org/arbeitshilfe"
    visibility = Visibility.PUBLIC
    is_published = True

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


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
WORD_MACRO_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"


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


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


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


SEES = {
    "anonymous": {"public"},
    "no organisation": {"public"},
    "member contact": {"public", "members"},
    "member colleague": {"public", "members"},
    "other municipality": {"public"},
    "staff": {"public", "members", "draft public", "draft members"},
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


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(SEES))
def test_each_role_sees_exactly_its_items_in_list_search_and_count(client, people, items, who):
    log_in(client, people[who])
    expected = {items[name].pk for name in SEES[who]}

    for query in ("", "?q=Ehrenamtskarte"):
        response = client.get(LIBRARY + query)
        assert response.status_code == 200
        assert listed(response) == expected, query
        assert f'data-count="{len(expected)}"' in response.content.decode()


@pytest.mark.parametrize("who", list(SEES))
def test_hidden_items_are_not_found_nor_downloadable(client, people, items, who):
    log_in(client, people[who])
    for name, publication in items.items():
        with_file(publication, pdf_bytes())
        visible = name in SEES[who]
        page = client.get(f"{LIBRARY}{publication.pk}/")
        assert page.status_code == (200 if visible else 404), name
        download = client.get(f"{LIBRARY}{publication.pk}/datei/")
        assert download.status_code == (200 if visible else 404), name
        if not visible:
            assert publication.title not in page.content.decode()


def test_a_former_member_sees_public_items_only(client, items, organisation_a, contact_a):
    MembershipFactory(organisation=organisation_a, until=datetime.date(2025, 12, 31))
    client.force_login(contact_a)
    assert listed(client.get(LIBRARY)) == {items["public"].pk}
    assert client.get(f"{LIBRARY}{items['members'].pk}/").status_code == 404


def test_staff_see_unpublished_items_marked(client, items, staff_user):
    client.force_login(staff_user)
    html = client.get(LIBRARY).content.decode()
    assert html.count("data-unpublished") == 2
    detail = client.get(f"{LIBRARY}{items['draft public'].pk}/").content.decode()
    assert "data-unpublished" in detail


def test_members_see_which_items_are_only_for_them(client, items, contact_a, member_a):
    client.force_login(contact_a)
    html = client.get(LIBRARY).content.decode()
    assert html.count("data-members-only") == 1
    assert "data-unpublished" not in html


def test_anonymous_visitors_are_told_that_members_find_more(client, items):
    html = client.get(LIBRARY).content.decode()
    assert 'data-members-hint="1"' in html
    assert "/konto/login/?next=/wissen/" in html


def test_the_hint_says_what_the_search_hides_and_nothing_when_it_hides_nothing(client, items):
    assert 'data-members-hint="1"' in client.get(LIBRARY, {"q": "Interne"}).text
    assert "data-members-hint" not in client.get(LIBRARY, {"q": "Öffentliche"}).text
    Publication.objects.filter(visibility=Visibility.MEMBERS).delete()
    assert "data-members-hint" not in client.get(LIBRARY).text


def test_a_non_member_is_told_without_a_login_link_and_a_member_not_at_all(
    client, items, contact_a, member_a, contact_b
):
    html = log_in(client, contact_b).get(LIBRARY).text
    assert 'data-members-hint="1"' in html
    assert "/konto/login/" not in html
    assert "data-members-hint" not in log_in(client, contact_a).get(LIBRARY).text


def test_visible_publications_follow_the_same_rules(people, items):
    for who, names in SEES.items():
        user = people[who]
        if user is None:
            from django.contrib.auth.models import AnonymousUser

            user = AnonymousUser()
        assert set(library.visible_publications(user)) == {items[n] for n in names}, who


# --- Search -----------------------------------------------------------------------------------


def titles(queryset) -> list[str]:
    return [publication.title for publication in queryset]


def test_the_german_search_finds_a_word_in_another_form(client):
    PublicationFactory(title="Die Ehrenamtskarte in kleinen Gemeinden")
    PublicationFactory(title="Freiwilligenagenturen gründen")
    html = client.get(LIBRARY, {"q": "Ehrenamtskarten"}).content.decode()
    assert "Die Ehrenamtskarte in kleinen Gemeinden" in html
    assert "Freiwilligenagenturen gründen" not in html
    assert 'data-count="1"' in html


def test_search_ranks_the_title_above_the_summary():
    in_summary = PublicationFactory(
        title="Anerkennungskultur", summary="Auch die Engagementstrategie gehört dazu."
    )
    in_title = PublicationFactory(title="Eine Engagementstrategie entwickeln", year=2019)
    found = library.search(Publication.objects.all(), "Engagementstrategien")
    assert list(found) == [in_title, in_summary]


def test_search_looks_into_topics_events_and_practice_examples(member_a):
    topic = TopicFactory(name="Freiwilligenagenturen")
    by_topic = PublicationFactory(title="Beratung vor Ort", topics=[topic])
    event = EventFactory(title="Werkstatt Vereinsberatung")
    by_event = PublicationFactory(title="Dokumentation", event=event)
    profile = Profile.objects.create(organisation=member_a)
    example = PracticeExample.objects.create(profile=profile, title="Lotsenprogramm", text="…")
    by_example = PublicationFactory(title="Steckbrief", practice_example=example)
    PublicationFactory(title="Etwas ganz anderes")
    everything = Publication.objects.all()

    assert list(library.search(everything, "Freiwilligenagentur")) == [by_topic]
    assert list(library.search(everything, "Vereinsberatung")) == [by_event]
    assert list(library.search(everything, "Lotsenprogramme")) == [by_example]


def test_a_publication_with_several_topics_is_found_once():
    topics = [TopicFactory(name=name) for name in ("Ehrenamt", "Ehrenamtskarte", "Ehrenamtsbörse")]
    PublicationFactory(title="Ehrenamt stärken", topics=topics)
    assert len(library.search(Publication.objects.all(), "Ehrenamt")) == 1


def test_web_search_syntax_is_understood():
    PublicationFactory(title="Ehrenamtskarte Kreis Borken")
    PublicationFactory(title="Jugendleitercard und Ehrenamtskarte im Kreis Unna")
    everything = Publication.objects.all()
    assert titles(library.search(everything, "Ehrenamtskarte -Jugendleitercard")) == [
        "Ehrenamtskarte Kreis Borken"
    ]
    assert titles(library.search(everything, '"Ehrenamtskarte Kreis"')) == [
        "Ehrenamtskarte Kreis Borken"
    ]
    assert len(library.search(everything, "Borken or Unna")) == 2


def test_an_empty_search_changes_nothing():
    PublicationFactory.create_batch(2)
    assert library.search(Publication.objects.all(), "   ").count() == 2


def test_the_crude_stem_strips_one_common_ending():
    assert library.crude_stem("Ehrenamtskarten") == "ehrenamtskart"
    assert library.crude_stem("Ehrenamtskarte") == "ehrenamtskart"
    assert library.crude_stem("Vereine") == "verein"
    assert library.crude_stem("Kindern") == "kind"
    assert library.crude_stem("Haus") == "haus", "too short to lose anything"


def test_the_fallback_finds_a_word_in_another_form():
    PublicationFactory(title="Die Ehrenamtskarte in kleinen Gemeinden")
    PublicationFactory(title="Freiwilligenagenturen gründen")
    found = library.search_fallback(Publication.objects.all(), "Ehrenamtskarten")
    assert titles(found) == ["Die Ehrenamtskarte in kleinen Gemeinden"]


def test_the_fallback_needs_every_word_somewhere():
    topic = TopicFactory(name="Engagementstrategie")
    both = PublicationFactory(
        title="Leitfaden für Kommunen", summary="Schritt für Schritt.", topics=[topic]
    )
    PublicationFactory(title="Leitfaden für Vereine")
    event = EventFactory(title="Netzwerktreffen Engagementstrategie")
    by_event = PublicationFactory(title="Leitfaden aus dem Treffen", event=event)
    everything = Publication.objects.all()

    found = library.search_fallback(everything, "Leitfäden Engagementstrategien")
    assert set(found) == set(), "Leitfäden is no form the crude stem knows"
    found = library.search_fallback(everything, "Leitfaden Engagementstrategien")
    assert set(found) == {both, by_event}
    assert library.search_fallback(everything, "Leitfaden Schritte").get() == both


def test_the_fallback_is_used_on_other_databases(monkeypatch):
    PublicationFactory(title="Engagementbörsen im Vergleich")
    monkeypatch.setattr(library.connection, "vendor", "sqlite")
    found = library.search(Publication.objects.all(), "Engagementbörse")
    assert titles(found) == ["Engagementbörsen im Vergleich"]
    assert "rank" not in found.query.annotations


# --- Filters, pages, bad input ----------------------------------------------------------------


def test_filters_by_kind_topic_and_year(client):
    strategy = TopicFactory(name="Engagementstrategie")
    card = TopicFactory(name="Ehrenamtskarte")
    wanted = PublicationFactory(
        title="Gesucht", kind=Publication.Kind.DOCUMENTATION, year=2024, topics=[strategy]
    )
    PublicationFactory(kind=Publication.Kind.PUBLICATION, year=2024, topics=[strategy])
    PublicationFactory(kind=Publication.Kind.DOCUMENTATION, year=2023, topics=[strategy])
    PublicationFactory(kind=Publication.Kind.DOCUMENTATION, year=2024, topics=[card])

    response = client.get(LIBRARY, {"kind": "documentation", "topic": strategy.pk, "year": 2024})
    assert listed(response) == {wanted.pk}
    assert listed(client.get(LIBRARY, {"topic": card.pk})) == {
        p.pk for p in Publication.objects.filter(topics=card)
    }
    assert len(listed(client.get(LIBRARY, {"year": 2024}))) == 3


def test_the_year_filter_offers_only_years_the_visitor_can_see(client):
    PublicationFactory(year=2021)
    PublicationFactory(year=2018, visibility=Visibility.MEMBERS)
    html = client.get(LIBRARY).content.decode()
    assert '<option value="2021">' in html
    assert '<option value="2018">' not in html


@pytest.mark.parametrize(
    "params",
    [
        {"seite": "abc"},
        {"seite": "99999"},
        {"seite": "-1"},
        {"year": "xyz"},
        {"year": "1800"},
        {"kind": "bogus"},
        {"topic": "999999"},
        {"topic": "'; drop table"},
        {"q": "x" * 5000},
        {"q": "\x00 \\ ' \" & | ! : * ( )"},
    ],
)
def test_bad_input_never_fails(client, params):
    PublicationFactory.create_batch(3)
    response = client.get(LIBRARY, params)
    assert response.status_code == 200
    assert listed(response), "what is not understood is ignored"


def test_an_invalid_filter_is_explained_next_to_its_field(client):
    PublicationFactory(title="Ehrenamtskarte")
    html = client.get(LIBRARY, {"kind": "bogus", "q": "x" * 300}).content.decode()
    assert 'id="id_kind_error"' in html
    assert 'id="id_q_error"' in html
    assert 'aria-invalid="true"' in html
    assert "x" * 300 in html, "what was typed stays in the field"


def test_markup_in_the_search_is_shown_as_text(client):
    html = client.get(LIBRARY, {"q": '<script>alert("x")</script>'}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_list_is_paginated_and_keeps_the_search(client):
    for n in range(45):
        PublicationFactory(title=f"Ehrenamtskarte Teil {n:02d}")
    first = client.get(LIBRARY, {"q": "Ehrenamtskarte"})
    assert len(listed(first)) == 20
    html = first.content.decode()
    assert 'data-count="45"' in html
    assert "data-pagination" in html
    assert 'href="/wissen/?q=Ehrenamtskarte&amp;seite=2"' in html
    assert 'aria-current="page"' in html

    last = client.get(LIBRARY, {"q": "Ehrenamtskarte", "seite": "3"})
    assert len(listed(last)) == 5
    assert listed(client.get(LIBRARY, {"q": "Ehrenamtskarte", "seite": "99999"})) == listed(last)
    assert listed(client.get(LIBRARY, {"seite": "abc"})) == listed(
        client.get(LIBRARY, {"seite": "1"})
    )


def test_page_numbers_leave_gaps_in_long_lists():
    from django.core.paginator import Paginator

    page = Paginator(range(200), 20).get_page(5)
    assert library_views._page_numbers(page) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert library_views._page_numbers(Paginator(range(30), 20).get_page(1)) == [1, 2]


def test_an_empty_result_says_so(client):
    PublicationFactory(title="Ehrenamtskarte")
    html = client.get(LIBRARY, {"q": "Klimaschutz"}).content.decode()
    assert "data-no-results" in html
    assert 'data-count="0"' in html


def test_htmx_gets_only_the_results_with_the_count(client):
    PublicationFactory(title="Ehrenamtskarte kompakt")
    response = client.get(LIBRARY, {"q": "Ehrenamtskarten"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "Ehrenamtskarte kompakt" in html
    assert 'id="library-count" data-hx-swap-oob="innerHTML"' in html
    assert "HX-Request" in response["Vary"]
    restore = client.get(
        LIBRARY,
        {"q": "Ehrenamtskarten"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_the_form_works_without_javascript_and_with_htmx(client):
    html = client.get(LIBRARY).content.decode()
    assert 'method="get" action="/wissen/"' in html
    assert 'hx-get="/wissen/"' in html
    assert 'hx-push-url="true"' in html
    assert 'role="search"' in html


def test_only_safe_methods_are_allowed(client, items):
    assert client.post(LIBRARY).status_code == 405
    assert client.post(f"{LIBRARY}{items['public'].pk}/").status_code == 405
    assert client.head(LIBRARY).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "member contact", "staff"])
def test_the_list_needs_as_many_queries_for_50_items_as_for_5(
    client, people, who, django_assert_max_num_queries
):
    log_in(client, people[who])
    topics = [TopicFactory(name=f"Thema {n}") for n in range(3)]

    def add(count: int) -> None:
        for n in range(count):
            PublicationFactory(
                title=f"Ehrenamtskarte {n}",
                visibility=Visibility.MEMBERS if n % 2 else Visibility.PUBLIC,
                topics=topics[: n % 3 + 1],
            )

    searches = ({}, {"q": "Ehrenamtskarten"}, {"topic": topics[0].pk, "seite": "2"})
    add(5)
    few = {}
    for number, query in enumerate(searches):
        with django_assert_max_num_queries(12) as captured:
            client.get(LIBRARY, query)
        few[number] = len(captured.captured_queries)
    add(45)
    for number, query in enumerate(searches):
        with django_assert_max_num_queries(few[number]):
            response = client.get(LIBRARY, query)
        assert listed(response), query


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


# --- The event page ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(SEES))
def test_the_event_page_lists_the_items_the_visitor_may_see(client, people, items, who):
    event = EventFactory()
    for publication in items.values():
        publication.event = event
        publication.save()
    log_in(client, people[who])
    html = client.get(f"/veranstaltungen/{event.pk}/").content.decode()
    expected = {items[name].pk for name in SEES[who]}
    assert listed(html) == expected


def test_an_event_without_items_has_no_library_section(client):
    event = EventFactory()
    PublicationFactory(event=event, visibility=Visibility.MEMBERS)
    assert "data-publications" not in client.get(f"/veranstaltungen/{event.pk}/").content.decode()


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
