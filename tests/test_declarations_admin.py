"""The network team's side of the Gemeinsame Erklärung in Django admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone

from declarations import services
from declarations.models import DeclarationVersion, PartnerSignatory
from members.models import Affiliation, Authority
from portal.models import OutboundEmail
from tests.factories import (
    AffiliationFactory,
    DeclarationVersionFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
    UserFactory,
)
from tests.helpers import authority, read_csv, run_action, texts

pytestmark = pytest.mark.django_db

VERSIONS = "/admin/declarations/declarationversion/"
SIGNATURES = "/admin/declarations/signature/"
MISSING = f"{SIGNATURES}missing/"


@pytest.fixture
def sample():
    """The shipped version "2026": published, current, with five partners."""
    return DeclarationVersion.objects.get(label="2026")


@pytest.fixture
def fake_combine(monkeypatch):
    """Stands in for declarations.pdf.combine and remembers which signatures it got."""
    calls = []

    def combine(signatures):
        calls.append(sorted(s.pk for s in signatures))
        return b"%PDF-1.7 combined"

    monkeypatch.setattr("declarations.pdf.combine", combine, raising=False)
    return calls


def member(**fields):
    """A current member of the network, with a contact person and a head of administration."""
    organisation = OrganisationFactory(**fields)
    MembershipFactory(organisation=organisation)
    AffiliationFactory(organisation=organisation, role=Affiliation.Role.CONTACT)
    AffiliationFactory(organisation=organisation, role=Affiliation.Role.HEAD)
    return organisation


def emails_of(organisation, role):
    return [a.user.email for a in organisation.affiliations.filter(role=role)]


def response_template(response):
    return response.templates[0].name


def partner_forms(version, changes=None):
    """The POST data of the partner inline with the version's partners, changes applied."""
    partners = list(version.partners.order_by("position", "name"))
    data = {
        "partners-TOTAL_FORMS": str(len(partners)),
        "partners-INITIAL_FORMS": str(len(partners)),
        "partners-MIN_NUM_FORMS": "0",
        "partners-MAX_NUM_FORMS": "1000",
    }
    for n, partner in enumerate(partners):
        values = {
            "id": partner.pk,
            "version": version.pk,
            "position": partner.position,
            "kind": partner.kind,
            "name": partner.name,
            "represented_by": partner.represented_by,
            "signed_on": partner.signed_on.isoformat() if partner.signed_on else "",
            **(changes or {}).get(n, {}),
        }
        data.update({f"partners-{n}-{key}": value for key, value in values.items()})
    return data


# --- Versions: list, drafts, preview ----------------------------------------------------------


def test_the_version_list_shows_the_number_of_valid_signatures(staff_client, sample):
    SignatureFactory(), SignatureFactory()
    SignatureFactory(superseded_at=timezone.now(), superseded_reason="falsch")
    draft = DeclarationVersionFactory(title="Entwurf der Fortschreibung")
    response = staff_client.get(VERSIONS)
    assert response.status_code == 200
    counts = {v.label: v.valid_signature_count for v in response.context["cl"].result_list}
    assert counts == {"2026": 2, draft.label: 0}
    page = response.content.decode()
    assert f"{SIGNATURES}?version__id__exact={sample.pk}&amp;valid=valid" in page
    assert "Entwurf der Fortschreibung" in page
    assert MISSING in page, "the list links to who has not yet signed"


def test_the_version_list_needs_as_many_queries_for_many_versions_as_for_one(
    staff_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        assert staff_client.get(VERSIONS).status_code == 200
    for _n in range(10):
        DeclarationVersionFactory()
    with django_assert_max_num_queries(5):
        response = staff_client.get(VERSIONS)
    assert len(response.context["cl"].result_list) == 11


def test_staff_write_a_draft_with_a_help_text_on_markdown(staff_client):
    form = staff_client.get(f"{VERSIONS}add/")
    assert "Anything else, HTML included, is removed." in form.content.decode()
    response = staff_client.post(
        f"{VERSIONS}add/",
        {
            "title": "Gemeinsam engagiert",
            "label": "2028",
            "body": "## Präambel\n\nText",
            "partners-TOTAL_FORMS": "1",
            "partners-INITIAL_FORMS": "0",
            "partners-0-position": "0",
            "partners-0-kind": "state",
            "partners-0-name": "Land Nordrhein-Westfalen",
        },
    )
    assert response.status_code == 302
    draft = DeclarationVersion.objects.get(label="2028")
    assert (draft.published_on, draft.is_current) == (None, False)
    assert list(draft.partners.values_list("name", flat=True)) == ["Land Nordrhein-Westfalen"]

    response = staff_client.post(
        f"{VERSIONS}{draft.pk}/change/",
        {"title": "Gemeinsam engagiert", "label": "2028", "body": "## Präambel\n\nNeuer Text"}
        | partner_forms(draft),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.body == "## Präambel\n\nNeuer Text"
    assert (draft.published_on, draft.is_current) == (None, False)


def test_the_preview_of_a_draft_renders_markdown_and_removes_scripts(staff_client):
    draft = DeclarationVersionFactory(
        body="## Ziele\n\n<script>alert('xss')</script>\n\n**fett** <img src=x onerror=alert(1)>"
    )
    response = staff_client.get(f"{VERSIONS}{draft.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div class="declaration-preview"><h2>Ziele</h2>' in page
    assert "<strong>fett</strong>" in page
    assert "<script>alert('xss')" not in page
    assert "<img src=x" not in page
    assert "onerror=alert(1)>" not in page
    form = response.context["adminform"].form
    assert list(form.fields) == ["title", "label", "body"], "a draft is editable"


# --- Publishing -------------------------------------------------------------------------------


def test_publishing_from_the_version_page_asks_for_confirmation_first(staff_client):
    member()
    draft = DeclarationVersionFactory()
    page = staff_client.get(f"{VERSIONS}{draft.pk}/change/")
    assert f"{VERSIONS}{draft.pk}/publish/" in page.content.decode()

    response = staff_client.get(f"{VERSIONS}{draft.pk}/publish/")
    assert response.status_code == 200
    assert response.templates[0].name == "admin/declarations/declarationversion/publish.html"
    text = " ".join(response.content.decode().split())
    assert "contact persons and head of administration will be e-mailed" in text
    assert "2 people of 1 members" in text
    assert "in place of version 2026" in text
    draft.refresh_from_db()
    assert not draft.is_published
    assert not OutboundEmail.objects.exists()


def test_publishing_makes_the_version_current_and_e_mails_the_members_contacts_and_heads(
    staff_client, sample
):
    first, second = member(), member()
    AffiliationFactory(organisation=first, role=Affiliation.Role.COLLEAGUE)
    outsider = OrganisationFactory()  # no member: not asked to sign
    AffiliationFactory(organisation=outsider, role=Affiliation.Role.CONTACT)
    draft = DeclarationVersionFactory()

    response = staff_client.post(f"{VERSIONS}{draft.pk}/publish/", {"apply": "1"}, follow=True)
    assert response.status_code == 200
    assert texts(response)[0].startswith(f"Version {draft.label} has been published")
    draft.refresh_from_db()
    sample.refresh_from_db()
    assert draft.is_current
    assert draft.published_on == timezone.localdate()
    assert not sample.is_current
    mails = OutboundEmail.objects.filter(kind="declarations/new_version")
    expected = {
        *emails_of(first, "contact"),
        *emails_of(first, "head"),
        *emails_of(second, "contact"),
        *emails_of(second, "head"),
    }
    assert sorted(m.to for m in mails) == sorted(expected)


def test_publishing_from_the_list_confirms_and_then_publishes_one_draft(staff_client, sample):
    member()
    draft = DeclarationVersionFactory()
    page = run_action(staff_client, VERSIONS, "publish_version", [draft])
    assert response_template(page) == "admin/declarations/declarationversion/publish.html"
    draft.refresh_from_db()
    assert not draft.is_published

    run_action(staff_client, VERSIONS, "publish_version", [draft], apply="1")
    draft.refresh_from_db()
    sample.refresh_from_db()
    assert (draft.is_current, sample.is_current) == (True, False)
    assert OutboundEmail.objects.filter(kind="declarations/new_version").count() == 2


def test_publishing_two_drafts_at_once_or_a_published_version_is_refused(staff_client, sample):
    first, second = DeclarationVersionFactory(), DeclarationVersionFactory()
    response = run_action(staff_client, VERSIONS, "publish_version", [first, second], apply="1")
    assert texts(response) == ["Please select exactly one draft to publish."]
    response = run_action(staff_client, VERSIONS, "publish_version", [sample], apply="1")
    assert texts(response) == ["This version has already been published."]
    response = staff_client.post(f"{VERSIONS}{sample.pk}/publish/", {"apply": "1"}, follow=True)
    assert texts(response) == ["This version has already been published."]
    assert DeclarationVersion.objects.get(is_current=True) == sample
    assert not OutboundEmail.objects.exists()


# --- Published versions never change ----------------------------------------------------------


def test_a_published_version_cannot_be_changed_by_post(staff_client, sample):
    stored = (sample.title, sample.label, sample.body, sample.published_on)
    page = staff_client.get(f"{VERSIONS}{sample.pk}/change/")
    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == [], "every field is read-only"
    assert "can no longer be changed" in page.content.decode()
    assert f"{VERSIONS}{sample.pk}/publish/" not in page.content.decode()

    response = staff_client.post(
        f"{VERSIONS}{sample.pk}/change/",
        {
            "title": "Heimlich geändert",
            "label": "2026-neu",
            "body": "Ganz anderer Text",
            "published_on": "2020-01-01",
            "is_current": "",
        }
        | partner_forms(sample),
    )
    assert response.status_code == 302
    sample.refresh_from_db()
    assert (sample.title, sample.label, sample.body, sample.published_on) == stored
    assert sample.is_current


def test_the_partners_of_a_published_version_stay_editable(staff_client, sample):
    response = staff_client.post(
        f"{VERSIONS}{sample.pk}/change/",
        partner_forms(sample, {1: {"represented_by": "Der Vorsitzende"}}),
    )
    assert response.status_code == 302
    partner = PartnerSignatory.objects.get(version=sample, name="Städtetag Nordrhein-Westfalen")
    assert partner.represented_by == "Der Vorsitzende"


def test_a_draft_published_in_the_meantime_keeps_its_published_text(staff_client, staff_user):
    draft = DeclarationVersionFactory(body="Alt")
    # The staff member opened the draft, somebody else published it, then the form is sent.
    page = staff_client.get(f"{VERSIONS}{draft.pk}/change/")
    assert "body" in page.context["adminform"].form.fields
    services.publish(draft, staff_user)
    staff_client.post(
        f"{VERSIONS}{draft.pk}/change/",
        {"title": draft.title, "label": draft.label, "body": "Neu"} | partner_forms(draft),
    )
    draft.refresh_from_db()
    assert (draft.body, draft.is_current) == ("Alt", True)


def test_a_published_version_with_signatures_cannot_be_deleted(staff_client, sample):
    old = DeclarationVersionFactory(published_on=datetime.date(2020, 5, 1))
    SignatureFactory(version=old)
    for version in (old, sample):  # signed; and the current one
        assert staff_client.get(f"{VERSIONS}{version.pk}/delete/").status_code == 403
        assert (
            staff_client.post(f"{VERSIONS}{version.pk}/delete/", {"post": "yes"}).status_code == 403
        )
    listing = staff_client.get(VERSIONS)
    offered = [name for name, _label in listing.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in offered
    assert DeclarationVersion.objects.filter(pk__in=[old.pk, sample.pk]).count() == 2

    draft = DeclarationVersionFactory()
    assert staff_client.post(f"{VERSIONS}{draft.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not DeclarationVersion.objects.filter(pk=draft.pk).exists()


def test_the_version_page_links_to_its_signatures_the_combined_pdf_and_who_is_missing(
    staff_client, sample
):
    page = staff_client.get(f"{VERSIONS}{sample.pk}/change/").content.decode()
    assert f"{SIGNATURES}?version__id__exact={sample.pk}" in page
    assert f"{SIGNATURES}combined-pdf/{sample.pk}/" in page
    assert MISSING in page
    assert "/media/" not in page


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


# --- Who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "member of a municipality"])
def test_only_staff_reach_the_declaration_admin(client, who, settings, sample):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    signature = SignatureFactory()
    draft = DeclarationVersionFactory()
    if who != "anonymous":
        client.force_login(AffiliationFactory().user)
    for url, response in (
        (VERSIONS, client.get(VERSIONS)),
        (VERSIONS, client.post(f"{VERSIONS}{draft.pk}/publish/", {"apply": "1"})),
        (SIGNATURES, client.get(SIGNATURES)),
        (SIGNATURES, client.get(MISSING)),
        (SIGNATURES, client.get(f"{MISSING}export/")),
        (SIGNATURES, client.get(f"{SIGNATURES}combined-pdf/{sample.pk}/")),
        (SIGNATURES, client.get(f"{SIGNATURES}{signature.pk}/pdf/")),
        (SIGNATURES, client.post(f"{SIGNATURES}{signature.pk}/supersede/", {"reason": "x"})),
        (
            SIGNATURES,
            run_action(
                client, SIGNATURES, "supersede_signatures", [signature], follow=False, apply="1"
            ),
        ),
    ):
        assert response.status_code == 302
        assert response.url.startswith(f"/admin/login/?next={url}")
    signature.refresh_from_db()
    draft.refresh_from_db()
    assert signature.is_valid
    assert not draft.is_published


def test_staff_who_may_only_view_can_export_but_neither_supersede_nor_publish(
    client, settings, fake_combine
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    reader = UserFactory(is_staff=True, language="en")
    reader.user_permissions.add(
        Permission.objects.get(codename="view_signature"),
        Permission.objects.get(codename="view_declarationversion"),
    )
    client.force_login(reader)
    signature = SignatureFactory()
    draft = DeclarationVersionFactory()

    listing = client.get(SIGNATURES)
    offered = [name for name, _label in listing.context["action_form"].fields["action"].choices]
    assert offered == ["", "export_csv", "combined_pdf"]
    run_action(client, SIGNATURES, "supersede_signatures", [signature], apply="1", reason="x")
    assert client.post(f"{SIGNATURES}{signature.pk}/supersede/", {"reason": "x"}).status_code == 403
    assert "/supersede/" not in client.get(f"{SIGNATURES}{signature.pk}/change/").content.decode()
    signature.refresh_from_db()
    assert signature.is_valid
    assert run_action(client, SIGNATURES, "export_csv", [signature]).status_code == 200
    assert client.get(MISSING).status_code == 200

    versions = client.get(VERSIONS)
    assert versions.context["action_form"] is None, "no action for a reader of versions"
    run_action(client, VERSIONS, "publish_version", [draft], apply="1")
    assert client.post(f"{VERSIONS}{draft.pk}/publish/", {"apply": "1"}).status_code == 403
    draft.refresh_from_db()
    assert not draft.is_published
    assert not OutboundEmail.objects.exists()


def test_staff_without_permission_on_signatures_see_neither_list_nor_files(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    other = UserFactory(is_staff=True, language="en")
    other.user_permissions.add(Permission.objects.get(codename="view_declarationversion"))
    client.force_login(other)
    signature = SignatureFactory()
    for url in (
        SIGNATURES,
        MISSING,
        f"{MISSING}export/",
        f"{SIGNATURES}combined-pdf/{signature.version_id}/",
        f"{SIGNATURES}{signature.pk}/pdf/",
    ):
        assert client.get(url).status_code == 403, url
    page = client.get(f"{VERSIONS}{signature.version_id}/change/").content.decode()
    assert "combined-pdf" not in page
    assert MISSING not in page
