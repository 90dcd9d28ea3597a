"""The PDFs of the Gemeinsame Erklärung: signed copies, blank forms and bundles."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
import segno
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from declarations import pdf, services
from declarations.models import DeclarationVersion, Signature
from declarations.tasks import render_signature_pdf
from portal import pdf as portal_pdf
from portal.models import OutboundEmail
from portal.text import german_sort_key
from tests.factories import (
    DeclarationVersionFactory,
    OrganisationFactory,
    SignatureFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

# A sentence of the shipped sample version "2026".
SAMPLE_SENTENCE = (
    "Wir benennen in jeder Kommune eine Ansprechperson für bürgerschaftliches Engagement."
)


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = "https://portal.example"


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def german(message: str) -> str:
    with translation.override("de"):
        return translation.gettext(message)


@pytest.fixture
def signature(organisation_a):
    return SignatureFactory(organisation=organisation_a, signed_on=datetime.date(2026, 6, 1))


@pytest.fixture
def signed_pdf(signature) -> bytes:
    return pdf.render_signature(signature)


# --- What the signed copy says ---------------------------------------------------------------


def test_the_signed_pdf_shows_title_and_text_of_the_version_municipality_signatory_and_code(
    signature, signed_pdf
):
    text = text_of(signed_pdf)
    assert signature.version.title in text
    assert SAMPLE_SENTENCE in text
    assert signature.organisation.authority.name in text
    assert "Dr. Berta Bürgermeisterin" in text
    assert "Musterstadt, 1. Juni 2026" in text
    assert signature.verification_code in text


def test_the_signed_pdf_shows_the_version_that_was_signed_even_after_a_new_one_is_current(
    signature,
):
    signed_version = signature.version
    DeclarationVersion.objects.filter(pk=signed_version.pk).update(is_current=False)
    DeclarationVersionFactory(
        title="Eine ganz neue Fassung",
        body="Dieser Satz steht nur in der neuen Fassung.",
        published_on=datetime.date(2027, 1, 1),
        is_current=True,
    )
    signature = Signature.objects.get(pk=signature.pk)

    text = text_of(pdf.render_signature(signature))

    assert SAMPLE_SENTENCE in text
    assert signed_version.title in text
    assert "Dieser Satz steht nur in der neuen Fassung." not in text
    assert "Eine ganz neue Fassung" not in text


def test_the_document_is_german_whatever_language_is_active(signature):
    with translation.override("en"):
        html = pdf.signature_html(signature)
    assert '<html lang="de">' in html
    assert "1. Juni 2026" in html


def test_every_page_is_a4(signed_pdf):
    reader = PdfReader(io.BytesIO(signed_pdf))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595, abs=1)
        assert float(page.mediabox.height) == pytest.approx(842, abs=1)


def test_all_fonts_are_embedded_and_are_fira_sans(signed_pdf):
    reader = PdfReader(io.BytesIO(signed_pdf))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            described = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = described["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
            names.add(str(font["/BaseFont"]).split("+")[-1])
    assert names
    assert all(name.startswith("Fira-Sans") for name in names), names


def test_the_pdf_has_a_title_and_german_as_its_language(signature, signed_pdf):
    reader = PdfReader(io.BytesIO(signed_pdf))
    title = reader.metadata["/Title"]
    assert signature.version.title in title
    assert signature.organisation.authority.name in title
    assert reader.trailer["/Root"]["/Lang"] == "de"


def test_every_page_has_its_number_and_the_count_of_pages(signed_pdf):
    reader = PdfReader(io.BytesIO(signed_pdf))
    pages = len(reader.pages)
    # "Seite 1 von 2" once the German catalogue has the text.
    label = german("Page %(page)s of %(pages)s")
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert label % {"page": number, "pages": pages} in text


def test_the_qr_code_and_the_link_lead_to_the_public_check_of_the_code(signature, monkeypatch):
    made = []
    original = segno.make

    def spy(content, *args, **kwargs):
        made.append(content)
        return original(content, *args, **kwargs)

    monkeypatch.setattr(pdf.segno, "make", spy)
    url = "https://portal.example" + reverse(
        "declarations:verify_code", args=[signature.verification_code]
    )

    html = pdf.signature_html(signature)
    content = pdf.render_signature(signature)

    assert made == [url, url]
    assert 'src="data:image/png;base64,' in html
    assert f'href="{url}"' in html
    reader = PdfReader(io.BytesIO(content))
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    assert url in links


def test_markup_in_the_version_text_does_not_reach_the_pdf(organisation_a):
    version = DeclarationVersionFactory(
        body=(
            "## Präambel\n\nEngagement <script>alert('x')</script> verbindet.\n\n"
            '<img src="x" onerror="alert(1)">\n\n<iframe src="https://evil.example"></iframe>\n'
        ),
        published_on=datetime.date(2026, 5, 12),
    )
    signature = SignatureFactory(version=version, organisation=organisation_a)

    html = pdf.signature_html(signature)

    assert "<script" not in html
    assert "onerror" not in html
    assert "<iframe" not in html
    assert "evil.example" not in html
    assert 'src="x"' not in html
    assert "Engagement" in text_of(pdf.render_signature(signature))


def test_rendering_fetches_nothing_from_the_network_or_outside_the_project():
    fetcher = portal_pdf.url_fetcher()
    for url in ("https://example.org/logo.png", "http://127.0.0.1/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="not allowed"):
            fetcher(url)
    assert fetcher("data:text/plain,ok").read() == b"ok"
    logo = (settings.BASE_DIR / "static/img/logo.svg").as_uri()
    assert fetcher(logo).read().startswith(b"<svg")


# --- The task that stores the PDF and sends it ----------------------------------------------


def test_the_task_stores_the_pdf_with_its_hash_and_mails_it_to_the_submitter_and_contacts(
    organisation_a, contact_a, head_a, colleague_a
):
    submitter = UserFactory()
    signature = SignatureFactory(organisation=organisation_a, submitted_by=submitter)

    assert render_signature_pdf.apply(args=(signature.pk,)).get() == "rendered"

    signature.refresh_from_db()
    with signature.pdf.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")
    assert signature.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert signature.pdf_rendered_at is not None
    mails = OutboundEmail.objects.filter(kind="declarations/signed")
    assert {mail.to for mail in mails} == {submitter.email, contact_a.email, head_a.email}
    for mail in mails:
        [attachment] = mail.attachments.all()
        assert attachment.mimetype == "application/pdf"
        assert attachment.filename.endswith(".pdf")
        with attachment.file.open("rb") as attached:
            assert hashlib.sha256(attached.read()).hexdigest() == signature.pdf_sha256


def test_running_the_task_twice_renders_and_mails_only_once(signature, monkeypatch):
    calls = []
    original = pdf.render_signature

    def counting(signature):
        calls.append(signature.pk)
        return original(signature)

    monkeypatch.setattr(pdf, "render_signature", counting)

    first = render_signature_pdf.apply(args=(signature.pk,)).get()
    second = render_signature_pdf.apply(args=(signature.pk,)).get()

    assert (first, second) == ("rendered", "exists")
    assert calls == [signature.pk]
    assert OutboundEmail.objects.filter(kind="declarations/signed").count() == 1


# --- Blank form ------------------------------------------------------------------------------


def test_the_blank_form_has_the_text_and_empty_lines_and_is_rendered_and_stored_once(
    monkeypatch,
):
    version = DeclarationVersion.objects.get(is_current=True)
    calls = []
    original = pdf.render_blank_form

    def counting(version):
        calls.append(version.pk)
        return original(version)

    monkeypatch.setattr(pdf, "render_blank_form", counting)

    first = pdf.blank_form_for(version)
    with first.open("rb") as stored:
        content = stored.read()
    second = pdf.blank_form_for(DeclarationVersion.objects.get(pk=version.pk))

    assert calls == [version.pk]
    assert second.name == first.name
    assert DeclarationVersion.objects.get(pk=version.pk).blank_form.name == first.name
    text = text_of(content)
    assert version.title in text
    assert SAMPLE_SENTENCE in text
    for label in ("Name of the signatory", "Office", "Place", "Date", "Signature"):
        assert german(label) in text


def test_the_blank_form_of_a_draft_is_not_stored():
    draft = DeclarationVersionFactory()

    form = pdf.blank_form_for(draft)

    assert form.read().startswith(b"%PDF-")
    draft.refresh_from_db()
    assert not draft.blank_form


# --- Several signatures in one file ----------------------------------------------------------


def test_combine_puts_all_pdfs_in_one_file_in_the_order_of_the_municipalities(
    organisation_a, organisation_b
):
    third = OrganisationFactory()
    signatures = [
        SignatureFactory(organisation=org) for org in (organisation_a, organisation_b, third)
    ]
    # One has its PDF already (the worker ran), the others not yet.
    render_signature_pdf.apply(args=(signatures[1].pk,))

    combined = PdfReader(io.BytesIO(services.combined_pdf(reversed(signatures))))

    parts = []
    for signature in Signature.objects.filter(pk__in=[s.pk for s in signatures]):
        assert signature.pdf, "a missing PDF is rendered and stored first"
        with signature.pdf.open("rb") as stored:
            parts.append((signature.organisation.authority.name, len(PdfReader(stored).pages)))
    assert len(combined.pages) == sum(pages for _, pages in parts)
    names_in_order = sorted(name for name, _ in parts)
    # One bookmark for each municipality; the headings of its document are nested below.
    bookmarks = [item.title for item in combined.outline if not isinstance(item, list)]
    assert bookmarks == names_in_order
    assert names_in_order[0] in combined.pages[0].extract_text()
    assert combined.trailer["/Root"]["/Lang"] == "de"


def test_combine_sorts_umlauts_as_a_german_index_does():
    names = ["Zülpich", "Uedem", "Übach-Palenberg", "Ahlen"]
    assert sorted(names, key=german_sort_key) == ["Ahlen", "Übach-Palenberg", "Uedem", "Zülpich"]
