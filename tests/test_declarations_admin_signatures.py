"""The network team's side of the Gemeinsame Erklärung in Django admin: the signatures with
their filters and search, read-only, superseding, the exports, and who has not yet signed."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from members.models import Authority
from tests.factories import (
    DeclarationVersionFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
)
from tests.helpers import authority, read_csv, run_action, texts
from tests.support import declarations_admin as support
from tests.support.declarations_admin import (
    MISSING,
    SIGNATURES,
    emails_of,
    member,
    response_template,
)

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/declarations_admin.py that these tests ask for by name.
fake_combine = support.fake_combine
sample = support.sample


# --- Signatures: list, filters, search --------------------------------------------------------


def test_the_signature_list_filters_validity_version_region_and_date(staff_client, sample):
    old = DeclarationVersionFactory(published_on=datetime.date(2020, 5, 1))
    koeln = SignatureFactory(
        organisation=OrganisationFactory(authority=authority(Authority.Kind.TOWN, "Köln"))
    )
    superseded = SignatureFactory(
        organisation=OrganisationFactory(authority=authority(Authority.Kind.TOWN, "Münster")),
        superseded_at=timezone.now(),
        superseded_reason="falscher Unterzeichner",
    )
    older = SignatureFactory(version=old, signed_on=datetime.date(2020, 6, 1))

    def listed(query):
        response = staff_client.get(SIGNATURES + query)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed("") == {koeln, superseded, older}
    assert listed("?valid=valid") == {koeln, older}
    assert listed("?valid=superseded") == {superseded}
    assert listed(f"?version__id__exact={old.pk}") == {older}
    assert listed(f"?version__id__exact={sample.pk}&valid=valid") == {koeln}
    assert listed("?region=Köln") == {koeln}
    assert listed("?region=Münster") == {superseded}
    assert listed("?signed_on__gte=2026-01-01&signed_on__lt=2027-01-01") == {koeln, superseded}


def test_the_region_filter_of_signatures_offers_the_five_regions(staff_client):
    response = staff_client.get(SIGNATURES)
    region_filter = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "region"
    )
    names = [lookup for lookup, _title in region_filter.lookup_choices]
    assert names == ["Arnsberg", "Detmold", "Düsseldorf", "Köln", "Münster"]


@pytest.mark.parametrize("query", ["Münster", "05515000", "Zora Zeichnerin", "ABCD-EFGH"])
def test_the_signature_list_finds_municipality_ags_signatory_and_code(staff_client, query):
    wanted = SignatureFactory(
        organisation=OrganisationFactory(authority=Authority.objects.get(ags="05515000")),
        signatory_name="Zora Zeichnerin",
        verification_code="ABCD-EFGH-JKMN",
    )
    SignatureFactory()
    response = staff_client.get(SIGNATURES, {"q": query})
    assert list(response.context["cl"].result_list) == [wanted]


def test_the_signature_list_needs_as_many_queries_for_30_signatures_as_for_3(
    staff_client, django_assert_max_num_queries
):
    for _n in range(3):
        SignatureFactory()
    with django_assert_max_num_queries(6):
        assert staff_client.get(SIGNATURES).status_code == 200
    for _n in range(27):
        SignatureFactory()
    with django_assert_max_num_queries(6):
        response = staff_client.get(SIGNATURES)
    assert len(response.context["cl"].result_list) == 30
    assert MISSING in response.content.decode(), "the list links to who has not yet signed"


# --- Signatures are read-only -----------------------------------------------------------------


def test_signatures_cannot_be_added_changed_or_deleted_in_admin(staff_client):
    signature = SignatureFactory()
    assert staff_client.get(f"{SIGNATURES}add/").status_code == 403
    page = staff_client.get(f"{SIGNATURES}{signature.pk}/change/")
    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == []
    assert 'name="_save"' not in page.content.decode()
    response = staff_client.post(
        f"{SIGNATURES}{signature.pk}/change/", {"signatory_name": "Jemand anderes"}
    )
    assert response.status_code == 403
    assert (
        staff_client.post(f"{SIGNATURES}{signature.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    listing = staff_client.get(SIGNATURES)
    offered = [name for name, _label in listing.context["action_form"].fields["action"].choices]
    assert offered == ["", "supersede_signatures", "export_csv", "combined_pdf"]
    signature.refresh_from_db()
    assert signature.signatory_name == "Dr. Berta Bürgermeisterin"


def test_the_stored_pdf_is_served_by_admin_and_never_by_a_media_url(
    staff_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    signature = SignatureFactory()
    assert staff_client.get(f"{SIGNATURES}{signature.pk}/pdf/").status_code == 404
    assert (
        "Not made yet." in staff_client.get(f"{SIGNATURES}{signature.pk}/change/").content.decode()
    )

    signature.pdf.save("x.pdf", ContentFile(b"%PDF-1.7 signed"), save=True)
    signature.scan.save("scan.pdf", ContentFile(b"%PDF-1.7 scan"), save=True)
    page = staff_client.get(f"{SIGNATURES}{signature.pk}/change/").content.decode()
    assert f"{SIGNATURES}{signature.pk}/pdf/" in page
    assert f"{SIGNATURES}{signature.pk}/scan/" in page
    assert "/media/" not in page
    download = staff_client.get(f"{SIGNATURES}{signature.pk}/pdf/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.7 signed"
    assert signature.verification_code in download["Content-Disposition"]
    scan = staff_client.get(f"{SIGNATURES}{signature.pk}/scan/")
    assert b"".join(scan.streaming_content) == b"%PDF-1.7 scan"


# --- Superseding ------------------------------------------------------------------------------


def test_superseding_from_the_list_needs_a_reason(staff_client):
    signature = SignatureFactory()
    page = run_action(staff_client, SIGNATURES, "supersede_signatures", [signature])
    assert response_template(page) == "admin/declarations/signature/supersede.html"
    response = run_action(
        staff_client, SIGNATURES, "supersede_signatures", [signature], apply="1", reason="  "
    )
    assert response.status_code == 200
    assert "Please give the reason." in response.content.decode()
    signature.refresh_from_db()
    assert signature.is_valid


def test_superseding_records_who_when_and_why_and_shows_it_in_the_history(staff_client, staff_user):
    first, second = SignatureFactory(), SignatureFactory()
    response = run_action(
        staff_client,
        SIGNATURES,
        "supersede_signatures",
        [first, second],
        apply="1",
        reason="Unterschrift einer nicht berechtigten Person",
    )
    assert texts(response) == ["2 signatures have been superseded."]
    for signature in (first, second):
        signature.refresh_from_db()
        assert signature.superseded_by == staff_user
        assert timezone.now() - signature.superseded_at < datetime.timedelta(minutes=1)
        assert signature.superseded_reason == "Unterschrift einer nicht berechtigten Person"

    page = staff_client.get(f"{SIGNATURES}{first.pk}/change/").content.decode()
    assert "Unterschrift einer nicht berechtigten Person" in page
    assert str(staff_user) in page
    assert "This signature has been superseded and no longer counts." in page
    assert f"{SIGNATURES}{first.pk}/supersede/" not in page

    again = run_action(
        staff_client, SIGNATURES, "supersede_signatures", [first], apply="1", reason="x"
    )
    assert texts(again) == [f"{first}: This signature has already been superseded."]


def test_superseding_from_the_signature_page(staff_client, staff_user):
    signature = SignatureFactory()
    page = staff_client.get(f"{SIGNATURES}{signature.pk}/change/").content.decode()
    assert f"{SIGNATURES}{signature.pk}/supersede/" in page
    response = staff_client.post(f"{SIGNATURES}{signature.pk}/supersede/", {"reason": ""})
    assert "Please give the reason." in response.content.decode()
    response = staff_client.post(
        f"{SIGNATURES}{signature.pk}/supersede/", {"reason": "Falsches Datum"}, follow=True
    )
    assert texts(response) == [f"The signature of {signature.organisation} has been superseded."]
    signature.refresh_from_db()
    assert (signature.superseded_by, signature.superseded_reason) == (staff_user, "Falsches Datum")


# --- Exports ----------------------------------------------------------------------------------


def test_the_csv_export_of_signatures_is_ready_for_excel(staff_client):
    valid = SignatureFactory(
        organisation=OrganisationFactory(authority=Authority.objects.get(ags="05515000")),
        signatory_name="=Zora Zeichnerin",
        signatory_office="Oberbürgermeisterin",
        place="Münster",
        signed_on=datetime.date(2026, 6, 3),
        verification_code="ABCD-EFGH-JKMN",
    )
    superseded = SignatureFactory(superseded_at=timezone.now(), superseded_reason="falsch")
    response = run_action(staff_client, SIGNATURES, "export_csv", [valid, superseded])
    header, *rows = read_csv(response)
    assert header == [
        "Municipality",
        "AGS",
        "Type",
        "Government region",
        "Version",
        "Signatory",
        "Office",
        "Place",
        "Date of signing",
        "Verification code",
        "Valid",
    ]
    by_code = {row[9]: row for row in rows}
    assert by_code["ABCD-EFGH-JKMN"] == [
        "Münster",
        "05515000",
        "independent city",
        "Münster",
        "2026",
        "'=Zora Zeichnerin",
        "Oberbürgermeisterin",
        "Münster",
        "03.06.2026",
        "ABCD-EFGH-JKMN",
        "yes",
    ]
    assert by_code[superseded.verification_code][10] == "no"


def test_german_staff_download_csv_files_with_german_names(staff_client, staff_user, sample):
    staff_user.language = "de"
    staff_user.save()
    signature = SignatureFactory()
    listed = run_action(staff_client, SIGNATURES, "export_csv", [signature])
    assert 'filename="Unterzeichnungen-' in listed["Content-Disposition"]
    missing = staff_client.get(f"{MISSING}export/")
    assert f'filename="Noch nicht unterzeichnet-{sample.label}-' in missing["Content-Disposition"]


def test_the_combined_pdf_action_returns_one_pdf_of_the_valid_signatures(
    staff_client, fake_combine
):
    first, second = SignatureFactory(), SignatureFactory()
    superseded = SignatureFactory(superseded_at=timezone.now(), superseded_reason="falsch")
    response = run_action(staff_client, SIGNATURES, "combined_pdf", [first, second, superseded])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content == b"%PDF-1.7 combined"
    assert fake_combine == [sorted([first.pk, second.pk])]

    response = run_action(staff_client, SIGNATURES, "combined_pdf", [superseded])
    assert texts(response) == ["None of the selected signatures is valid."]
    assert len(fake_combine) == 1


def test_the_combined_pdf_is_made_by_declarations_pdf(staff_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    signature = SignatureFactory()  # its PDF is made on the way, as no worker ran
    response = run_action(staff_client, SIGNATURES, "combined_pdf", [signature])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_the_combined_pdf_of_a_version_holds_all_its_valid_signatures(
    staff_client, sample, fake_combine
):
    old = DeclarationVersionFactory(published_on=datetime.date(2020, 5, 1))
    first, second = SignatureFactory(), SignatureFactory()
    SignatureFactory(superseded_at=timezone.now(), superseded_reason="falsch")
    SignatureFactory(version=old)
    response = staff_client.get(f"{SIGNATURES}combined-pdf/{sample.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Gemeinsame-Erklaerung-2026-Unterschriften.pdf" in response["Content-Disposition"]
    assert fake_combine == [sorted([first.pk, second.pk])]

    draft = DeclarationVersionFactory()
    response = staff_client.get(f"{SIGNATURES}combined-pdf/{draft.pk}/", follow=True)
    assert texts(response) == [f"Version {draft.label} has no valid signatures yet."]


# --- Who has not yet signed the current version -----------------------------------------------


def test_the_missing_list_shows_exactly_the_members_without_a_valid_signature(staff_client, sample):
    old = DeclarationVersionFactory(published_on=datetime.date(2020, 5, 1))
    signed = member()
    SignatureFactory(organisation=signed)
    only_old = member(authority=authority(Authority.Kind.TOWN, "Detmold"))
    SignatureFactory(organisation=only_old, version=old)
    superseded = member()
    SignatureFactory(organisation=superseded, superseded_at=timezone.now(), superseded_reason="x")
    never = member()
    SignatureFactory()  # a non-member's signature
    OrganisationFactory()  # not a member
    MembershipFactory(until=datetime.date(2025, 1, 31))  # a former member

    response = staff_client.get(MISSING)
    assert response.status_code == 200
    names = sorted(row.name for row in response.context["rows"])
    assert names == sorted(o.authority.name for o in (only_old, superseded, never))
    row = next(r for r in response.context["rows"] if r.name == only_old.authority.name)
    assert row.ags == only_old.authority.ags
    assert row.kind == "town"
    assert row.region == "Detmold"
    assert row.member_since == datetime.date(2024, 5, 1)
    assert row.contact_emails == emails_of(only_old, "contact")
    assert row.head_emails == emails_of(only_old, "head")
    page = " ".join(response.content.decode().split())
    assert "3 of 4 members have not yet signed the current version 2026" in page
    assert f"mailto:{row.contact_emails[0]}" in page
    assert f"{MISSING}export/" in page


def test_the_missing_list_as_csv(staff_client, sample):
    missing = member(authority=Authority.objects.get(ags="05515000"))
    SignatureFactory(organisation=member())
    header, *rows = read_csv(staff_client.get(f"{MISSING}export/"))
    assert header == [
        "Municipality",
        "AGS",
        "Type",
        "Government region",
        "Member since",
        "E-mail of the contact persons",
        "E-mail of the head of administration",
    ]
    assert rows == [
        [
            "Münster",
            "05515000",
            "independent city",
            "Münster",
            "01.05.2024",
            ", ".join(emails_of(missing, "contact")),
            ", ".join(emails_of(missing, "head")),
        ]
    ]


def test_the_missing_list_needs_as_many_queries_for_30_members_as_for_3(
    staff_client, django_assert_max_num_queries
):
    for _n in range(3):
        member()
    with django_assert_max_num_queries(6):
        assert len(staff_client.get(MISSING).context["rows"]) == 3
    for _n in range(27):
        member()
    with django_assert_max_num_queries(6):
        assert len(staff_client.get(MISSING).context["rows"]) == 30
    with django_assert_max_num_queries(5):
        assert len(read_csv(staff_client.get(f"{MISSING}export/"))) == 31
