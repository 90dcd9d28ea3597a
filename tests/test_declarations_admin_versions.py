"""The network team's side of the Gemeinsame Erklärung in Django admin: versions, drafts and
the preview, publishing, published versions that never change, and who may do what."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from declarations import services
from declarations.models import DeclarationVersion, PartnerSignatory
from members.models import Affiliation
from portal.models import OutboundEmail
from tests.factories import (
    AffiliationFactory,
    DeclarationVersionFactory,
    OrganisationFactory,
    SignatureFactory,
    UserFactory,
)
from tests.helpers import run_action, texts
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


VERSIONS = "/admin/declarations/declarationversion/"


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
