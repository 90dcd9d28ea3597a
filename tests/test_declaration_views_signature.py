"""The members' pages of the Gemeinsame Erklärung: the signature page, its PDF and the
dashboard's panel."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from declarations import views
from declarations.models import Signature
from declarations.services import supersede
from members.models import Application
from tests.factories import (
    ApplicationFactory,
    DeclarationVersionFactory,
    OrganisationFactory,
    SignatureFactory,
)
from tests.support import declaration_views as support
from tests.support.declaration_views import SIGN_URL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/declaration_views.py that these tests ask for by name.
fake_render = support.fake_render
signature_a = support.signature_a
version = support.version


def with_pdf(signature, content=b"%PDF-1.7 stored"):
    signature.pdf.save("stored.pdf", ContentFile(content), save=False)
    signature.pdf_rendered_at = timezone.now()
    signature.save(update_fields=["pdf", "pdf_rendered_at"])
    return signature


# --- The signature page -----------------------------------------------------------------------


def signature_url(signature, name="declarations:signature"):
    return reverse(name, args=[signature.pk])


@pytest.mark.parametrize("name", ["declarations:signature", "declarations:signature_pdf"])
def test_anonymous_visitors_are_sent_to_the_login_for_a_signature(client, signature_a, name):
    with_pdf(signature_a)
    response = client.get(signature_url(signature_a, name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["declarations:signature", "declarations:signature_pdf"])
@pytest.mark.parametrize("who", ["contact_b", "user_without_organisation"])
def test_a_signature_is_hidden_from_other_municipalities(request, client, signature_a, name, who):
    with_pdf(signature_a)
    client.force_login(request.getfixturevalue(who))
    assert client.get(signature_url(signature_a, name)).status_code == 404


@pytest.mark.parametrize("name", ["declarations:signature", "declarations:signature_pdf"])
@pytest.mark.parametrize("who", ["contact_a", "head_a", "colleague_a", "staff_user"])
def test_the_municipalitys_people_and_staff_see_the_signature(
    request, client, signature_a, name, who
):
    with_pdf(signature_a)
    client.force_login(request.getfixturevalue(who))
    assert client.get(signature_url(signature_a, name)).status_code == 200


def test_an_unknown_signature_is_not_found(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("declarations:signature", args=[999999])).status_code == 404


def test_the_signature_page_shows_what_was_signed_and_the_code(client, signature_a, colleague_a):
    client.force_login(colleague_a)
    html = client.get(signature_url(signature_a)).content.decode()
    assert "Dr. Berta Bürgermeisterin, Bürgermeisterin" in html
    assert "Musterstadt, 1. Juni 2026" in html
    assert signature_a.verification_code in html
    assert reverse("declarations:verify_code", args=[signature_a.verification_code]) in html
    assert reverse("declarations:version", args=["2026"]) in html
    assert "data-superseded" not in html


def test_while_the_pdf_is_prepared_the_page_polls_beside_a_reload_link(client, signature_a):
    client.force_login(signature_a.submitted_by)
    url = signature_url(signature_a)
    html = client.get(url).content.decode()
    assert 'data-pdf="preparing"' in html
    assert f'hx-get="{url}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert f'<a class="kern-link" href="{url}">' in html
    assert signature_url(signature_a, "declarations:signature_pdf") not in html


def test_the_poll_changes_nothing_until_the_pdf_is_ready(client, signature_a):
    client.force_login(signature_a.submitted_by)
    url = signature_url(signature_a)
    waiting = client.get(url, headers={"HX-Request": "true"})
    assert waiting.status_code == 204
    assert "HX-Request" in waiting["Vary"]
    with_pdf(signature_a)
    ready = client.get(url, headers={"HX-Request": "true"})
    assert ready.status_code == 200
    html = ready.content.decode()
    assert "<html" not in html
    assert 'id="pdf-status"' in html
    assert 'data-pdf="ready"' in html
    assert "hx-trigger" not in html
    assert signature_url(signature_a, "declarations:signature_pdf") in html


def test_the_page_stops_polling_when_the_pdf_takes_long(client, signature_a):
    Signature.objects.filter(pk=signature_a.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client.force_login(signature_a.submitted_by)
    html = client.get(signature_url(signature_a)).content.decode()
    assert 'data-pdf="delayed"' in html
    assert "hx-trigger" not in html
    partial = client.get(signature_url(signature_a), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'data-pdf="delayed"' in partial.content.decode()


def test_a_superseded_signature_says_so_and_offers_to_sign_again(
    client, signature_a, contact_a, colleague_a, staff_user
):
    supersede(signature_a, staff_user, "Falsches Datum")
    client.force_login(contact_a)
    html = client.get(signature_url(signature_a)).content.decode()
    assert "data-superseded" in html
    assert "Falsches Datum" in html
    assert f'href="{SIGN_URL}"' in html
    client.force_login(colleague_a)
    assert f'href="{SIGN_URL}"' not in client.get(signature_url(signature_a)).content.decode()


# --- The PDF ----------------------------------------------------------------------------------


def test_the_pdf_is_not_found_before_it_is_ready(client, signature_a, contact_a, fake_render):
    client.force_login(contact_a)
    assert client.get(signature_url(signature_a, "declarations:signature_pdf")).status_code == 404
    assert fake_render == []


def test_the_stored_pdf_is_served_not_rendered_again(client, signature_a, contact_a, monkeypatch):
    with_pdf(signature_a, b"%PDF-1.7 the stored one")
    monkeypatch.setattr("declarations.pdf.render_signature", pytest.fail)
    client.force_login(contact_a)
    response = client.get(signature_url(signature_a, "declarations:signature_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    name = views._file_name_part(signature_a.organisation.authority.name)
    assert response["Content-Disposition"] == (
        f'attachment; filename="Gemeinsame-Erklaerung-2026-{name}.pdf"'
    )
    assert response.content == b"%PDF-1.7 the stored one"


def test_a_second_download_is_private_and_only_for_the_same_person(
    client, signature_a, contact_a, contact_b
):
    with_pdf(signature_a, b"%PDF-1.7 the stored one")
    url = signature_url(signature_a, "declarations:signature_pdf")
    client.force_login(contact_a)
    assert client.get(url).status_code == 200
    again = client.get(url)
    assert again.content == b"%PDF-1.7 the stored one"
    assert again["Content-Disposition"].startswith('attachment; filename="Gemeinsame-Erklaerung-')
    assert "private" in again["Cache-Control"]

    client.force_login(contact_b)
    assert client.get(url).status_code == 404


def test_a_missing_file_gives_404_not_an_error(client, signature_a, contact_a):
    with_pdf(signature_a)
    signature_a.pdf.storage.delete(signature_a.pdf.name)
    client.force_login(contact_a)
    assert client.get(signature_url(signature_a, "declarations:signature_pdf")).status_code == 404


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("Mülheim an der Ruhr", "Muelheim-an-der-Ruhr"),
        ("Gütersloh", "Guetersloh"),
        ("Bad Oeynhausen", "Bad-Oeynhausen"),
        ("Straße/Weg", "Strasse-Weg"),
        ("Städteregion Aachen", "Staedteregion-Aachen"),
    ],
)
def test_file_names_are_plain_ascii(name, part):
    assert views._file_name_part(name) == part


# --- The dashboard ----------------------------------------------------------------------------


def panel(client):
    html = client.get(reverse("dashboard")).content.decode()
    if "data-declaration=" not in html:
        return None, html
    return html.split('data-declaration="')[1].split('"')[0], html


@pytest.mark.parametrize("who", ["user_without_organisation", "staff_user", "contact_a"])
def test_the_panel_is_not_shown_to_people_who_cannot_sign_yet(request, client, who):
    client.force_login(request.getfixturevalue(who))
    assert panel(client)[0] is None


def test_the_panel_asks_a_new_member_to_sign(client, member_a, head_a):
    client.force_login(head_a)
    state, html = panel(client)
    assert state == "may_sign"
    assert f'href="{SIGN_URL}"' in html
    assert "2026" in html


def test_the_panel_asks_to_sign_a_new_version(client, member_a, contact_a):
    old = DeclarationVersionFactory(label="2019", published_on=datetime.date(2019, 9, 1))
    SignatureFactory(organisation=member_a, version=old, submitted_by=contact_a)
    client.force_login(contact_a)
    state, html = panel(client)
    assert state == "may_sign"
    assert f'href="{SIGN_URL}"' in html
    assert "new version" in html or "neue Fassung" in html


def test_the_panel_shows_the_signature(client, signature_a, contact_a):
    client.force_login(contact_a)
    state, html = panel(client)
    assert state == "signed"
    assert signature_url(signature_a) in html
    assert "01.06.2026" in html


def test_the_panel_tells_a_colleague_who_signs(client, member_a, colleague_a):
    client.force_login(colleague_a)
    state, html = panel(client)
    assert state == "colleague"
    assert SIGN_URL not in html


def test_the_panel_shows_a_member_who_signed_nothing_and_is_approved_applicant(
    client, contact_b, organisation_b
):
    ApplicationFactory(organisation=organisation_b, status=Application.Status.APPROVED)
    client.force_login(contact_b)
    assert panel(client)[0] == "may_sign"


def test_a_signature_of_another_municipality_does_not_count(client, member_a, contact_a):
    SignatureFactory(organisation=OrganisationFactory())
    client.force_login(contact_a)
    assert panel(client)[0] == "may_sign"
