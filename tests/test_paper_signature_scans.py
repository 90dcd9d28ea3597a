"""A later scan of a paper signature, uploaded by staff in admin: checked by type, size and
content, stored without a public address, downloadable by staff only."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfReader, PdfWriter

from tests.factories import SignatureFactory
from tests.helpers import client_for
from tests.support import staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "no_staff_mfa")]
SIGNATURES = "/admin/declarations/signature/"


@pytest.fixture
def paper():
    return SignatureFactory(on_paper=True, signatory_name="Erika Papier")


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def upload(client, signature, name: str, content: bytes):
    return client.post(
        f"{SIGNATURES}{signature.pk}/scan/upload/", {"scan": SimpleUploadedFile(name, content)}
    )


def errors_of(response) -> list[str]:
    assert response.status_code == 200
    return list(response.context["form"].errors.get("scan", []))


def test_staff_upload_a_pdf_scan_that_staff_then_download_as_it_was(staff_client, paper):
    content = pdf_bytes(pages=2)

    response = upload(staff_client, paper, "Unterschrift Hagen.pdf", content)

    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.scan.name.startswith("declarations/scans/")
    assert paper.scan.name.endswith(".pdf")
    download = staff_client.get(f"{SIGNATURES}{paper.pk}/scan/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    body = b"".join(download.streaming_content)
    assert body == content
    assert len(PdfReader(io.BytesIO(body)).pages) == 2


def test_a_png_scan_is_stored_and_handed_out_as_an_image(staff_client, paper):
    assert upload(staff_client, paper, "foto.PNG", png_bytes()).status_code == 302

    paper.refresh_from_db()
    assert paper.scan.name.endswith(".png")
    download = staff_client.get(f"{SIGNATURES}{paper.pk}/scan/")
    assert download["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(b"".join(download.streaming_content))) as image:
        assert image.size == (40, 30)


def test_a_new_scan_replaces_the_earlier_file(
    staff_client, paper, django_capture_on_commit_callbacks
):
    upload(staff_client, paper, "erst.pdf", pdf_bytes())
    paper.refresh_from_db()
    earlier = paper.scan.name
    storage = paper.scan.storage

    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, paper, "besser.png", png_bytes())

    paper.refresh_from_db()
    assert paper.scan.name != earlier
    assert storage.exists(paper.scan.name)
    assert not storage.exists(earlier)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notiz.txt", b"Unterschrieben am 6.12.2017", "neither a PDF nor a JPEG or PNG"),
        ("scan.pdf", b"%PDF-1.7\nkaputt", "not a PDF document that can be opened"),
        ("scan.jpg", b"\xff\xd8\xff\xe0" + b"0" * 64, "not an image that can be opened"),
        ("scan.pdf", b"", "empty"),
    ],
    ids=["wrong-type", "fake-pdf", "fake-jpeg", "empty"],
)
def test_a_file_that_is_no_scan_is_refused_with_the_reason_and_nothing_stored(
    staff_client, paper, name, content, message
):
    errors = errors_of(upload(staff_client, paper, name, content))

    assert any(message in error for error in errors), errors
    paper.refresh_from_db()
    assert not paper.scan


def test_an_excel_file_passes_the_document_check_but_is_no_scan(staff_client, paper):
    out = io.BytesIO()
    Workbook().save(out)

    errors = errors_of(upload(staff_client, paper, "scan.xlsx", out.getvalue()))

    assert any("neither a PDF nor a JPEG or PNG" in error for error in errors), errors


def test_a_scan_over_10_mb_is_refused(staff_client, paper):
    content = pdf_bytes() + b"%" + b"x" * (10 * 1024 * 1024)

    errors = errors_of(upload(staff_client, paper, "gross.pdf", content))

    assert any("too large" in error for error in errors), errors
    paper.refresh_from_db()
    assert not paper.scan


def test_a_signature_made_in_the_portal_offers_no_upload_and_takes_none(staff_client):
    digital = SignatureFactory()

    page = staff_client.get(f"{SIGNATURES}{digital.pk}/change/").content.decode()
    response = upload(staff_client, digital, "scan.pdf", pdf_bytes())

    assert "/scan/upload/" not in page
    assert "A scan can only be added to a valid signature made on paper." in str(
        response.context["form"].non_field_errors()
    )
    digital.refresh_from_db()
    assert not digital.scan


def staff_with(*codenames):
    return client_for(staff.staff_with("declarations", *codenames))


def test_staff_who_may_only_view_signatures_can_neither_see_nor_use_the_upload(paper):
    reader = staff_with("view_signature")

    page = reader.get(f"{SIGNATURES}{paper.pk}/change/")
    response = upload(reader, paper, "scan.pdf", pdf_bytes())

    assert page.status_code == 200
    assert "/scan/upload/" not in page.content.decode()
    assert response.status_code == 403
    assert reader.get(f"{SIGNATURES}{paper.pk}/scan/upload/").status_code == 403
    paper.refresh_from_db()
    assert not paper.scan


def test_staff_who_may_change_signatures_upload_from_the_signatures_page(paper):
    editor = staff_with("view_signature", "change_signature")

    page = editor.get(f"{SIGNATURES}{paper.pk}/change/").content.decode()
    form = editor.get(f"{SIGNATURES}{paper.pk}/scan/upload/").content.decode()
    response = upload(editor, paper, "scan.pdf", pdf_bytes())

    assert f"{SIGNATURES}{paper.pk}/scan/upload/" in page
    assert 'enctype="multipart/form-data"' in form
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.scan


def test_the_public_pages_keep_saying_on_paper_and_never_hand_out_the_scan(staff_client):
    paper = SignatureFactory(on_paper=True)
    upload(staff_client, paper, "scan.pdf", pdf_bytes())
    paper.refresh_from_db()
    client = client_for(None)  # a visitor

    html = client.get("/erklaerung/unterzeichner/").content.decode()

    assert "auf Papier unterzeichnet" in html
    assert paper.scan.name not in html
    assert "/scan/" not in html
    assert client.get(f"{SIGNATURES}{paper.pk}/scan/").status_code == 302  # to the login
    assert client.get(f"/media/{paper.scan.name}").status_code == 404
