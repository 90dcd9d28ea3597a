"""The public declaration pages: the list of signatories and the verification of a code or file."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.forms import MAX_UPLOAD_BYTES, normalise_code
from declarations.models import DeclarationVersion, PartnerSignatory, Signature
from members.models import Authority
from tests.factories import (
    DeclarationVersionFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
)

pytestmark = pytest.mark.django_db

SIGNATORIES = "/erklaerung/unterzeichner/"
VERIFY = "/erklaerung/pruefen/"
CODE = "ABCD-EFGH-JKMN"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(folder) -> list[str]:
    return sorted(str(path) for path in folder.rglob("*"))


def organisation(ags: str):
    return OrganisationFactory(authority=Authority.objects.get(ags=ags))


def with_pdf(signature: Signature, content: bytes = PDF) -> Signature:
    """Store a PDF for the signature as the rendering task would, without WeasyPrint."""
    signature.pdf.save(f"{signature.verification_code}.pdf", ContentFile(content), save=False)
    signature.pdf_sha256 = hashlib.sha256(content).hexdigest()
    signature.save()
    return signature


def sections(html: str) -> dict[str, str]:
    """The HTML of each version's section by label, in the order of the page."""
    parts = re.split(r'(?=<section class="page-section" id="version-)', html)
    found = {}
    for part in parts[1:]:
        label = re.search(r'data-version="([^"]+)"', part)
        assert label
        found[label.group(1)] = part.split("</section>", 1)[0]
    return found


def listed(html: str) -> list[str]:
    return re.findall(r'<tr class="kern-table__row" data-ags="(\d{8})">', html)


def count_of(html: str) -> int:
    found = re.search(r'data-count="(\d+)"', html)
    assert found
    return int(found.group(1))


def verify_url(code: str = CODE) -> str:
    return reverse("declarations:verify_code", args=[code])


def upload(content: bytes, name: str = "erklaerung.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- List of signatories ----------------------------------------------------------------------


def test_the_list_shows_each_published_version_newest_first_with_partners_and_municipalities(
    client,
):
    current = DeclarationVersion.objects.get(is_current=True)
    older = DeclarationVersionFactory(label="2020", published_on=datetime.date(2020, 9, 1))
    PartnerSignatory.objects.create(
        version=older, kind="state", name="Land NRW (2020)", represented_by="Staatskanzlei"
    )
    DeclarationVersionFactory(label="2030")  # a draft: not public
    beckum, ahlen = organisation("05570008"), organisation("05570004")
    SignatureFactory(organisation=beckum, signed_on=datetime.date(2026, 6, 3))
    SignatureFactory(organisation=ahlen, signed_on=datetime.date(2026, 6, 2))
    SignatureFactory(organisation=ahlen, version=older, signed_on=datetime.date(2020, 10, 1))

    response = client.get(SIGNATORIES)

    assert response.status_code == 200
    by_version = sections(response.text)
    assert list(by_version) == ["2026", "2020"]
    assert "data-current" in by_version["2026"].split(">", 1)[0]
    assert "data-current" not in by_version["2020"].split(">", 1)[0]
    assert "data-current-badge" in by_version["2026"]
    assert "data-current-badge" not in by_version["2020"]

    assert listed(by_version["2026"]) == ["05570004", "05570008"]  # by name: Ahlen, Beckum
    assert count_of(by_version["2026"]) == 2
    assert 'datetime="2026-06-03"' in by_version["2026"]
    assert listed(by_version["2020"]) == ["05570004"]
    assert count_of(by_version["2020"]) == 1

    partners = re.findall(r'data-partner="\d+">\s*<th[^>]*>([^<]+)<', by_version["2026"])
    assert partners == [p.name for p in current.partners.all()]
    assert len(partners) == 5
    assert "Land NRW (2020)" in by_version["2020"]
    assert "Staatskanzlei" in by_version["2020"]
    for label, html in by_version.items():
        assert f'href="{reverse("declarations:version", args=[label])}"' in html


def test_members_link_to_their_profile_and_former_signatories_are_listed_without_link(client):
    member = organisation("05570004")
    MembershipFactory(organisation=member)
    former = organisation("05570008")
    MembershipFactory(organisation=former, until=datetime.date(2026, 7, 1))
    SignatureFactory(organisation=member)
    SignatureFactory(organisation=former)

    html = client.get(SIGNATORIES).text

    assert listed(html) == ["05570004", "05570008"]
    assert f'href="{reverse("members:profile", args=["05570004"])}"' in html
    assert reverse("members:profile", args=["05570008"]) not in html


def test_superseded_signatures_never_appear(client):
    beelen = organisation("05570012")
    SignatureFactory(organisation=beelen, superseded_at=timezone.now())
    ahlen = organisation("05570004")
    SignatureFactory(organisation=ahlen, superseded_at=timezone.now(), signatory_name="Alt")
    SignatureFactory(organisation=ahlen)  # signed again

    html = sections(client.get(SIGNATORIES).text)["2026"]

    assert listed(html) == ["05570004"]
    assert count_of(html) == 1
    assert "05570012" not in html


def test_a_version_without_signatures_says_so(client):
    html = sections(client.get(SIGNATORIES).text)["2026"]
    assert count_of(html) == 0
    assert listed(html) == []
    assert "data-signatures" not in html


@pytest.mark.parametrize("signatures", [3, 30])
def test_the_list_needs_the_same_few_queries_however_many_have_signed(
    client, django_assert_max_num_queries, signatures
):
    older = DeclarationVersionFactory(label="2020", published_on=datetime.date(2020, 9, 1))
    for n in range(signatures):
        signature = SignatureFactory()
        if n % 3 == 0:
            MembershipFactory(organisation=signature.organisation)
        if n % 2 == 0:
            SignatureFactory(version=older, organisation=signature.organisation)

    with django_assert_max_num_queries(3):
        response = client.get(SIGNATORIES)

    assert count_of(sections(response.text)["2026"]) == signatures


# --- Entering a code --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-EFGH-JKMN",
        "abcd-efgh-jkmn",
        "abcd efgh jkmn",
        "  ABCDEFGHJKMN  ",
        "ab cd-ef gh-jk mn",
        "ABCD – EFGH – JKMN",  # en dashes from a copied PDF
        "ABCD\u2011EFGH\u2011JKMN",  # non-breaking hyphens
    ],
)
def test_a_code_is_normalised_to_upper_case_with_dashes(typed):
    assert normalise_code(typed) == "ABCD-EFGH-JKMN"


@pytest.mark.parametrize(
    "typed", ["", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKM0", "ABCD-EFGH-JKMO", "ÄBCD"]
)
def test_what_cannot_be_a_code_is_not_normalised(typed):
    assert normalise_code(typed) is None


def test_the_verification_page_shows_the_form(client):
    response = client.get(VERIFY)
    assert response.status_code == 200
    assert 'id="verify-form"' in response.text
    assert 'name="code"' in response.text
    assert "id_code_error" not in response.text


def test_a_code_given_in_the_query_leads_to_its_page(client):
    SignatureFactory(verification_code=CODE)
    response = client.get(VERIFY, {"code": " abcd efgh jkmn "})
    assert response.status_code == 302
    assert response["Location"] == verify_url()


def test_a_posted_code_leads_to_its_page(client):
    SignatureFactory(verification_code=CODE)
    response = client.post(VERIFY, {"code": "abcdefghjkmn"})
    assert response.status_code == 302
    assert response["Location"] == verify_url()


@pytest.mark.parametrize(
    ("typed", "error"), [("abcd-efgh-jkmp", "unknown"), ("xyz", "format"), ("", "required")]
)
def test_an_unknown_code_is_reported_next_to_the_field_and_kept(client, typed, error):
    SignatureFactory(verification_code=CODE)
    response = client.get(VERIFY, {"code": typed})

    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["code"][0].code == error
    html = response.text
    assert 'id="id_code_error"' in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'<input[^>]*name="code"[^>]*value="' + re.escape(typed) + '"', html) or (
        not typed
    )


def test_a_superseded_signatures_code_is_still_found(client):
    SignatureFactory(verification_code=CODE, superseded_at=timezone.now())
    assert client.get(VERIFY, {"code": CODE})["Location"] == verify_url()


# --- The page of a code -----------------------------------------------------------------------


def test_the_page_of_a_code_shows_who_signed_what_and_the_checksum(client):
    signature = with_pdf(
        SignatureFactory(
            verification_code=CODE,
            organisation=organisation("05570004"),
            signatory_name="Dr. Alexander Berger",
            signatory_office="Bürgermeister",
            signed_on=datetime.date(2026, 6, 2),
        )
    )
    version = signature.version

    response = client.get(verify_url())

    assert response.status_code == 200
    html = response.text
    assert 'data-status="valid"' in html
    assert f'data-code="{CODE}"' in html
    assert 'data-ags="05570004"' in html
    assert "Ahlen" in html
    assert f'data-version="{version.label}"' in html
    assert version.title in html
    assert f'href="{reverse("declarations:version", args=[version.label])}"' in html
    assert "Dr. Alexander Berger, Bürgermeister" in html
    assert 'data-signed-on="2026-06-02"' in html
    assert f'data-sha256="{hashlib.sha256(PDF).hexdigest()}"' in html
    assert 'id="verify-compare-form"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert "data-verdict" not in html


def test_a_superseded_signature_shows_the_date_but_not_the_reason(client):
    with_pdf(
        SignatureFactory(
            verification_code=CODE,
            superseded_at=datetime.datetime(2026, 7, 3, 9, 0, tzinfo=datetime.UTC),
            superseded_reason="Name falsch geschrieben – interne Notiz",
        )
    )

    html = client.get(verify_url()).text

    assert 'data-status="superseded"' in html
    assert 'data-status="valid"' not in html
    assert 'data-superseded-on="2026-07-03"' in html
    assert "interne Notiz" not in html
    assert "falsch geschrieben" not in html


def test_while_the_pdf_is_being_prepared_there_is_nothing_to_compare(client):
    SignatureFactory(verification_code=CODE)

    response = client.get(verify_url())
    assert response.status_code == 200
    assert 'id="verify-pdf-pending"' in response.text
    assert 'id="verify-compare-form"' not in response.text
    assert "data-sha256" not in response.text

    posted = client.post(verify_url(), {"document": upload(PDF)})
    assert posted.status_code == 200
    assert "data-verdict" not in posted.text


def test_an_unknown_or_malformed_code_is_not_found(client):
    SignatureFactory(verification_code=CODE)
    assert client.get(verify_url("ABCD-EFGH-JKMP")).status_code == 404
    assert client.get(VERIFY + "nichts/").status_code == 404
    assert client.post(verify_url("ABCD-EFGH-JKMP"), {"document": upload(PDF)}).status_code == 404


def test_a_code_in_another_spelling_redirects_to_its_canonical_address(client):
    SignatureFactory(verification_code=CODE)
    response = client.get(VERIFY + "abcdefghjkmn/")
    assert response.status_code == 302
    assert response["Location"] == verify_url()


# --- Comparing a file -------------------------------------------------------------------------


def test_the_identical_file_is_confirmed_and_not_stored(client, media):
    with_pdf(SignatureFactory(verification_code=CODE))
    stored = files_in(media)

    response = client.post(verify_url(), {"document": upload(PDF, "Erklärung Ahlen.pdf")})

    assert response.status_code == 200
    html = response.text
    assert 'data-verdict="identical"' in html
    assert 'class="kern-alert kern-alert--success" id="verify-verdict"' in html
    digest = hashlib.sha256(PDF).hexdigest()
    assert f'id="verify-upload-sha256" data-sha256="{digest}"' in html
    assert f'id="verify-stored-sha256" data-sha256="{digest}"' in html
    assert "Erklärung Ahlen.pdf" in html
    assert files_in(media) == stored


def test_a_file_with_one_changed_byte_differs(client):
    with_pdf(SignatureFactory(verification_code=CODE))
    altered = bytearray(PDF)
    altered[100] ^= 0x01

    response = client.post(verify_url(), {"document": upload(bytes(altered))})

    html = response.text
    assert response.status_code == 200
    assert 'data-verdict="differs"' in html
    assert 'class="kern-alert kern-alert--danger" id="verify-verdict"' in html
    assert f'data-sha256="{hashlib.sha256(bytes(altered)).hexdigest()}"' in html
    assert f'data-sha256="{hashlib.sha256(PDF).hexdigest()}"' in html


def test_a_superseded_signatures_file_can_still_be_compared(client):
    with_pdf(SignatureFactory(verification_code=CODE, superseded_at=timezone.now()))
    html = client.post(verify_url(), {"document": upload(PDF)}).text
    assert 'data-verdict="identical"' in html
    assert 'data-status="superseded"' in html


def test_a_file_that_is_no_pdf_is_refused_next_to_the_field(client):
    with_pdf(SignatureFactory(verification_code=CODE))

    response = client.post(
        verify_url(), {"document": upload(b"<html>kein PDF</html>", "erklaerung.pdf")}
    )

    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["document"][0].code == "not_pdf"
    assert 'id="id_document_error"' in response.text
    assert "data-verdict" not in response.text


def test_a_file_over_20_mb_is_refused_next_to_the_field(client):
    with_pdf(SignatureFactory(verification_code=CODE))
    too_large = b"%PDF-1.7\n" + b"0" * (MAX_UPLOAD_BYTES - 8)
    assert len(too_large) == MAX_UPLOAD_BYTES + 1

    response = client.post(verify_url(), {"document": upload(too_large)})

    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["document"][0].code == "too_large"
    assert 'id="id_document_error"' in response.text
    assert "data-verdict" not in response.text


def test_a_file_of_exactly_20_mb_is_compared(client):
    with_pdf(SignatureFactory(verification_code=CODE))
    largest = b"%PDF-1.7\n" + b"0" * (MAX_UPLOAD_BYTES - 9)

    html = client.post(verify_url(), {"document": upload(largest)}).text

    assert 'data-verdict="differs"' in html
    assert f'data-sha256="{hashlib.sha256(largest).hexdigest()}"' in html


def test_a_large_upload_is_hashed_while_it_streams_and_never_written_to_a_temporary_file(
    client, monkeypatch
):
    content = PDF + b"\n%" + b"x" * (4 * 1024 * 1024)  # beyond Django's in-memory limit
    with_pdf(SignatureFactory(verification_code=CODE), content)

    def no_temporary_files(*args, **kwargs):
        raise AssertionError("the upload was written to a temporary file")

    monkeypatch.setattr(
        "django.core.files.uploadhandler.TemporaryUploadedFile.__init__", no_temporary_files
    )
    monkeypatch.setattr(
        "django.core.files.uploadhandler.MemoryFileUploadHandler.new_file", no_temporary_files
    )

    html = client.post(verify_url(), {"document": upload(content)}).text

    assert 'data-verdict="identical"' in html


def test_posting_without_a_file_asks_for_one(client):
    with_pdf(SignatureFactory(verification_code=CODE))
    response = client.post(verify_url(), {})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["document"][0].code == "required"
    assert 'id="id_document_error"' in response.text


def test_posts_need_the_csrf_token():
    with_pdf(SignatureFactory(verification_code=CODE))
    strict = Client(enforce_csrf_checks=True)

    assert strict.post(verify_url(), {"document": upload(PDF)}).status_code == 403
    assert strict.post(VERIFY, {"code": CODE}).status_code == 403

    strict.get(verify_url())
    token = strict.cookies["csrftoken"].value
    response = strict.post(verify_url(), {"document": upload(PDF), "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert 'data-verdict="identical"' in response.text
    response = strict.post(VERIFY, {"code": CODE, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
