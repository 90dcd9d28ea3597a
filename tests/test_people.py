"""The municipality's own pages: people, invitations, profile, practice examples, consent.

German texts for these pages are still to be written, so the tests look at status codes,
the database, ids and links rather than at wording.
"""

from __future__ import annotations

import datetime
import io
import re
import time

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from members.directory import services as directory_services
from members.models import Affiliation, Invitation, PracticeExample, Profile
from members.people import services
from portal.models import OutboundEmail
from tests.factories import PASSWORD, AffiliationFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = reverse("members:people")
LOGIN = reverse("account_login")
INVITE = reverse("members:invite")
PROFILE = reverse("members:profile_edit")
PUBLIC_CONTACT = reverse("members:public_contact")
PRACTICE_CREATE = reverse("members:practice_create")
LINK = re.compile(r"/einladung/([^/\s\"<]+)/")


def remove_url(user) -> str:
    return reverse("members:remove_person", args=[user.affiliation.pk])


def accept_url(token: str) -> str:
    return reverse("members:accept_invitation", args=[token])


def logged_in(client, user):
    client.force_login(user)
    return client


def levels(response) -> list[str]:
    return [m.level_tag for m in get_messages(response.wsgi_request)]


def png(size=(4, 3)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, format="PNG")
    return SimpleUploadedFile("Foto vom Ehrenamtstag.png", buffer.getvalue(), "image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def example_a(organisation_a):
    profile = Profile.objects.create(organisation=organisation_a, introduction="Hallo")
    return PracticeExample.objects.create(
        profile=profile, title="Engagementbörse", text="Jedes Jahr im Mai."
    )


def invite_by_mail(client, contact, email="neu@kommune.example", role="colleague") -> str:
    """Invite through the page and return the token from the mail's link."""
    logged_in(client, contact)
    response = client.post(INVITE, {"email": email, "role": role})
    assert response.status_code == 302
    mail = OutboundEmail.objects.get(to=email, kind="members/invitation")
    match = LINK.search(mail.body_text)
    assert match, mail.body_text
    client.logout()
    return match.group(1)


# --- Who may open what ------------------------------------------------------------------------

ALL_VIEWS = [
    ("get", "members:people", []),
    ("post", "members:invite", []),
    ("get", "members:remove_person", [1]),
    ("post", "members:remove_person", [1]),
    # The invitation link is open to anyone who has it (see "Accepting" below).
    ("get", "members:profile_edit", []),
    ("post", "members:profile_edit", []),
    ("post", "members:public_contact", []),
    ("get", "members:practice_create", []),
    ("post", "members:practice_create", []),
    ("get", "members:practice_edit", [1]),
    ("post", "members:practice_edit", [1]),
    ("get", "members:practice_delete", [1]),
    ("post", "members:practice_delete", [1]),
]


@pytest.mark.parametrize(("method", "name", "args"), ALL_VIEWS)
def test_anonymous_visitors_are_sent_to_the_login_and_come_back(client, method, name, args):
    url = reverse(name, args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "members:people"),
        ("post", "members:invite"),
        ("get", "members:profile_edit"),
        ("post", "members:public_contact"),
        ("get", "members:practice_create"),
    ],
)
@pytest.mark.parametrize("who", ["user_without_organisation", "staff_user"])
def test_people_without_a_municipality_are_sent_to_their_area(request, client, method, name, who):
    logged_in(client, request.getfixturevalue(who))
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert levels(response) == ["info"]


def test_staff_without_a_municipality_cannot_remove_anyone(client, staff_user, colleague_a):
    response = logged_in(client, staff_user).post(remove_url(colleague_a))
    assert response.status_code == 302
    assert Affiliation.objects.filter(user=colleague_a).exists()


# --- The people page --------------------------------------------------------------------------


def test_a_contact_sees_the_people_an_invite_form_and_remove_links(
    client, contact_a, head_a, colleague_a
):
    response = logged_in(client, contact_a).get(PEOPLE)
    assert response.status_code == 200
    text = response.text
    for user in (contact_a, head_a, colleague_a):
        assert user.email in text
        assert f'id="person-{user.affiliation.pk}"' in text
    assert 'id="invite-form"' in text
    assert f'action="{INVITE}"' in text
    assert f'href="{remove_url(colleague_a)}"' in text
    assert f'href="{remove_url(head_a)}"' in text
    assert "Bürgermeisterin" in text  # the head's office


def test_the_head_of_administration_may_invite_too(client, head_a, contact_a):
    response = logged_in(client, head_a).get(PEOPLE)
    assert 'id="invite-form"' in response.text
    assert f'href="{remove_url(contact_a)}"' in response.text


def test_a_colleague_sees_the_list_but_can_only_leave(client, contact_a, colleague_a):
    response = logged_in(client, colleague_a).get(PEOPLE)
    assert response.status_code == 200
    assert contact_a.email in response.text
    assert 'id="invite-form"' not in response.text
    assert f'href="{remove_url(contact_a)}"' not in response.text
    assert f'href="{remove_url(colleague_a)}"' in response.text


def test_the_page_shows_only_the_own_municipality(client, contact_a, contact_b):
    response = logged_in(client, contact_b).get(PEOPLE)
    assert contact_b.email in response.text
    assert contact_a.email not in response.text


def test_open_invitations_are_listed_and_old_ones_marked(client, contact_a, colleague_a):
    fresh = Invitation.objects.create(
        organisation=contact_a.affiliation.organisation, email="frisch@kommune.example"
    )
    old = Invitation.objects.create(
        organisation=contact_a.affiliation.organisation, email="alt@kommune.example"
    )
    Invitation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20)
    )
    text = logged_in(client, colleague_a).get(PEOPLE).text
    assert f'id="invitation-{fresh.pk}"' in text
    assert f'id="invitation-{old.pk}"' in text


def test_names_with_html_are_shown_escaped(client, contact_a, organisation_a):
    AffiliationFactory(
        organisation=organisation_a,
        role=Affiliation.Role.COLLEAGUE,
        user=UserFactory(full_name="<script>alert(1)</script>"),
    )
    text = logged_in(client, contact_a).get(PEOPLE).text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- Inviting ---------------------------------------------------------------------------------


def test_a_contact_invites_and_the_mail_carries_the_link(client, contact_a):
    response = logged_in(client, contact_a).post(
        INVITE, {"email": " Neu@Kommune.example ", "role": "contact"}
    )
    assert response.status_code == 302
    assert response["Location"] == PEOPLE
    assert levels(response) == ["success"]
    invitation = Invitation.objects.get()
    assert invitation.email == "neu@kommune.example"
    assert invitation.role == Affiliation.Role.CONTACT
    assert invitation.invited_by == contact_a
    mail = OutboundEmail.objects.get(kind="members/invitation")
    assert mail.to == "neu@kommune.example"
    token = LINK.search(mail.body_text).group(1)
    assert f"{settings.PORTAL_BASE_URL}{accept_url(token)}" in mail.body_text
    assert f'href="{settings.PORTAL_BASE_URL}{accept_url(token)}"' in mail.body_html
    assert services.invitation_from_token(token) == invitation
    assert str(contact_a.affiliation.organisation.authority.name) in mail.subject


def test_the_invitation_names_the_inviter_by_confirmed_address_never_by_typed_name(
    client, contact_a
):
    contact_a.full_name = "Team. WICHTIG: Konto sperren https://evil.example/login"
    contact_a.save()
    logged_in(client, contact_a).post(INVITE, {"email": "neu@kommune.example", "role": "head"})

    mail = OutboundEmail.objects.get(kind="members/invitation")
    for body in (mail.body_text, mail.body_html):
        assert "evil.example" not in body
        assert "WICHTIG" not in body
        assert contact_a.email in body


@pytest.mark.parametrize("role", ["colleague", "contact", "head"])
def test_a_contact_may_invite_in_each_role(client, contact_a, role):
    logged_in(client, contact_a).post(INVITE, {"email": "x@kommune.example", "role": role})
    assert Invitation.objects.get().role == role


def test_a_colleague_may_not_invite(client, colleague_a):
    response = logged_in(client, colleague_a).post(
        INVITE, {"email": "x@kommune.example", "role": "colleague"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_bad_address_is_explained_next_to_the_field_and_kept(client, contact_a):
    response = logged_in(client, contact_a).post(
        INVITE, {"email": "<b>keine-adresse", "role": "colleague"}
    )
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="&lt;b&gt;keine-adresse"' in response.text
    assert "<b>keine" not in response.text
    assert not Invitation.objects.exists()


def test_an_unknown_role_is_refused(client, contact_a):
    response = logged_in(client, contact_a).post(
        INVITE, {"email": "x@kommune.example", "role": "admin"}
    )
    assert response.status_code == 200
    assert 'id="id_role_error"' in response.text
    assert not Invitation.objects.exists()


def test_inviting_someone_who_already_belongs_is_refused(client, contact_a, colleague_a):
    response = logged_in(client, contact_a).post(
        INVITE, {"email": colleague_a.email.upper(), "role": "colleague"}
    )
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.text
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_inviting_by_get_is_not_allowed(client, contact_a):
    assert logged_in(client, contact_a).get(INVITE).status_code == 405


# --- Accepting --------------------------------------------------------------------------------


def test_an_invitation_is_accepted_end_to_end(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example", "contact")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer)

    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert 'id="accept-form"' in page.text
    assert str(contact_a.affiliation.organisation) in page.text
    assert not Affiliation.objects.filter(user=newcomer).exists()

    response = client.post(accept_url(token))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert levels(response) == ["success"]
    affiliation = Affiliation.objects.get(user=newcomer)
    assert affiliation.organisation == contact_a.affiliation.organisation
    assert affiliation.role == Affiliation.Role.CONTACT
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == newcomer
    assert invitation.accepted_at is not None

    assert client.get(PEOPLE).status_code == 200


def test_an_anonymous_visitor_of_the_link_may_register_or_log_in_and_the_link_is_kept(
    client, contact_a
):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    client.logout()
    response = client.get(accept_url(token))
    assert response.status_code == 200
    assert 'id="accept-form"' not in response.text
    assert f'href="{reverse("account_signup")}?email=neu%40kommune.example"' in response.text
    assert f'href="{reverse("account_login")}"' in response.text
    assert client.session["members.pending_invitation"] == token


def test_logging_in_after_opening_the_link_accepts_the_invitation(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    client.logout()
    newcomer = UserFactory(email="neu@kommune.example")
    client.get(accept_url(token))
    response = client.post(LOGIN, {"login": "neu@kommune.example", "password": PASSWORD})
    assert response["Location"] == reverse("dashboard")
    affiliation = Affiliation.objects.get(user=newcomer)
    assert affiliation.organisation == contact_a.affiliation.organisation
    assert "members.pending_invitation" not in client.session
    assert "Willkommen" in client.get(reverse("dashboard")).text


def test_logging_in_with_another_address_after_the_link_says_why_and_accepts_nothing(
    client, contact_a
):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    client.logout()
    other = UserFactory(email="anders@kommune.example")
    client.get(accept_url(token))
    client.post(LOGIN, {"login": other.email, "password": PASSWORD})
    assert not Affiliation.objects.filter(user=other).exists()
    assert "neu@kommune.example" in client.get(reverse("dashboard")).text


def test_signing_up_and_confirming_after_the_link_lands_in_the_municipality(client, contact_a):
    token = invite_by_mail(client, contact_a, "chefin@kommune.example", "head")
    client.get(accept_url(token))
    signed_up = client.post(
        reverse("account_signup"),
        {
            "full_name": "Berta Bürgermeisterin",
            "email": "chefin@kommune.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert signed_up.status_code == 302
    confirmation = OutboundEmail.objects.get(
        to="chefin@kommune.example", kind__startswith="account/"
    )
    key_path = re.search(r"/konto/confirm-email/[^/\s]+/", confirmation.body_text)
    assert key_path, confirmation.body_text
    confirmed = client.post(key_path.group(0))
    assert confirmed["Location"] == reverse("dashboard")
    affiliation = Affiliation.objects.get(user__email="chefin@kommune.example")
    assert affiliation.role == Affiliation.Role.HEAD
    assert affiliation.organisation == contact_a.affiliation.organisation
    assert Invitation.objects.get().accepted_at is not None
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert "Willkommen" in dashboard.text


def test_an_anonymous_visitor_of_a_broken_or_used_link_keeps_nothing(client, contact_a):
    assert client.get(accept_url("kaputt")).status_code == 400
    assert "members.pending_invitation" not in client.session


def test_someone_with_another_address_cannot_accept(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    stranger = UserFactory(email="fremd@kommune.example")
    logged_in(client, stranger)
    page = client.get(accept_url(token))
    assert page.status_code == 400
    assert 'id="invitation-problem"' in page.text
    assert 'id="accept-form"' not in page.text
    assert "neu@kommune.example" in page.text
    assert client.post(accept_url(token)).status_code == 400
    assert not Affiliation.objects.filter(user=stranger).exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_used_link_cannot_be_used_again(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer).post(accept_url(token))
    assert Affiliation.objects.filter(user=newcomer).exists()

    # The newcomer leaves again; the old link does not bring them back.
    client.post(remove_url(newcomer))
    assert not Affiliation.objects.filter(user=newcomer).exists()
    assert client.get(accept_url(token)).status_code == 400
    assert client.post(accept_url(token)).status_code == 400
    other = UserFactory(email="anders@kommune.example")
    logged_in(client, other)
    page = client.get(accept_url(token))
    assert page.status_code == 400
    assert 'id="invitation-problem"' in page.text
    assert client.post(accept_url(token)).status_code == 400
    assert not Affiliation.objects.filter(user__in=[newcomer, other]).exists()


def test_the_person_who_accepted_is_sent_to_the_people_page_when_reopening(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer).post(accept_url(token))
    response = client.get(accept_url(token))
    assert response.status_code == 302
    assert response["Location"] == PEOPLE


def days_later(monkeypatch, days: float) -> None:
    """Let the signature check believe that the days have passed (and nothing else)."""
    later = time.time() + days * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)


def test_an_expired_link_is_refused_with_a_clear_page(client, contact_a, monkeypatch):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer)
    days_later(monkeypatch, 15)
    page = client.get(accept_url(token))
    assert page.status_code == 400
    assert 'id="invitation-problem"' in page.text
    assert client.post(accept_url(token)).status_code == 400
    assert not Affiliation.objects.filter(user=newcomer).exists()


def test_a_link_is_still_valid_after_thirteen_days(client, contact_a, monkeypatch):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer)
    days_later(monkeypatch, 13)
    response = client.post(accept_url(token))
    assert response.status_code == 302
    assert Affiliation.objects.filter(user=newcomer).exists()


def test_the_token_expires_after_fourteen_days():
    assert services.INVITATION_MAX_AGE.days == 14


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "eyJpbnZpdGF0aW9uIjoxfQ:1tXyz0:forged-signature",
        signing.dumps({"invitation": 1}, salt="other.salt"),
        signing.dumps({"invitation": "1"}, salt="members.invitation"),
        signing.dumps([1], salt="members.invitation"),
    ],
    ids=["garbage", "forged", "other-salt", "pk-as-text", "not-a-dict"],
)
def test_a_broken_or_forged_link_gives_a_clear_page_not_an_error(client, colleague_a, token):
    logged_in(client, UserFactory())
    for method in (client.get, client.post):
        response = method(accept_url(token))
        assert response.status_code == 400
        assert 'id="invitation-problem"' in response.text


def test_a_link_to_a_deleted_invitation_is_refused(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    Invitation.objects.all().delete()
    logged_in(client, UserFactory(email="neu@kommune.example"))
    assert client.get(accept_url(token)).status_code == 400


def test_someone_of_another_municipality_cannot_accept(client, contact_a, organisation_b):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    elsewhere = AffiliationFactory(
        organisation=organisation_b,
        role=Affiliation.Role.COLLEAGUE,
        user=UserFactory(email="neu@kommune.example"),
    ).user
    logged_in(client, elsewhere)
    assert client.get(accept_url(token)).status_code == 400
    assert client.post(accept_url(token)).status_code == 400
    assert Affiliation.objects.get(user=elsewhere).organisation == organisation_b


# --- Removing and leaving ---------------------------------------------------------------------


def test_a_contact_removes_a_colleague_after_confirming(client, contact_a, colleague_a):
    logged_in(client, contact_a)
    page = client.get(remove_url(colleague_a))
    assert page.status_code == 200
    assert f'action="{remove_url(colleague_a)}"' in page.text
    assert Affiliation.objects.filter(user=colleague_a).exists()

    response = client.post(remove_url(colleague_a))
    assert response.status_code == 302
    assert response["Location"] == PEOPLE
    assert not Affiliation.objects.filter(user=colleague_a).exists()
    assert colleague_a.__class__.objects.filter(pk=colleague_a.pk).exists()  # the account stays


def test_a_colleague_cannot_remove_others(client, contact_a, colleague_a, organisation_a):
    other = AffiliationFactory(organisation=organisation_a, role="colleague").user
    logged_in(client, colleague_a)
    for target in (contact_a, other):
        assert client.get(remove_url(target)).status_code == 403
        assert client.post(remove_url(target)).status_code == 403
        assert Affiliation.objects.filter(user=target).exists()


def test_a_colleague_can_leave(client, contact_a, colleague_a):
    logged_in(client, colleague_a)
    assert client.get(remove_url(colleague_a)).status_code == 200
    response = client.post(remove_url(colleague_a))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert not Affiliation.objects.filter(user=colleague_a).exists()


def test_people_of_another_municipality_get_404(client, contact_a, colleague_a, contact_b):
    logged_in(client, contact_b)
    for target in (contact_a, colleague_a):
        assert client.get(remove_url(target)).status_code == 404
        assert client.post(remove_url(target)).status_code == 404
        assert Affiliation.objects.filter(user=target).exists()


def test_the_last_contact_person_cannot_leave(client, contact_a, colleague_a):
    logged_in(client, contact_a)
    response = client.post(remove_url(contact_a))
    assert response.status_code == 302
    assert response["Location"] == PEOPLE
    assert levels(response) == ["error"]
    assert Affiliation.objects.filter(user=contact_a).exists()


def test_the_head_cannot_remove_the_last_contact_person(client, contact_a, head_a):
    response = logged_in(client, head_a).post(remove_url(contact_a))
    assert levels(response) == ["error"]
    assert Affiliation.objects.filter(user=contact_a).exists()


def test_with_a_second_contact_person_one_may_go(client, contact_a, organisation_a):
    second = AffiliationFactory(organisation=organisation_a, role="contact").user
    response = logged_in(client, second).post(remove_url(contact_a))
    assert response.status_code == 302
    assert not Affiliation.objects.filter(user=contact_a).exists()
    response = client.post(remove_url(second))
    assert levels(response)[-1] == "error"
    assert Affiliation.objects.filter(user=second).exists()


def test_removing_an_unknown_person_gives_404(client, contact_a):
    logged_in(client, contact_a)
    url = reverse("members:remove_person", args=[999999])
    assert client.get(url).status_code == 404


# --- The profile ------------------------------------------------------------------------------

PROFILE_DATA = {
    "introduction": "Wir fördern das Ehrenamt.",
    "coordination_office": "Ehrenamtsbüro im Rathaus",
    "engagement_alliance": "Bündnis für Engagement seit 2019",
    "guidelines": "Leitlinien vom Rat beschlossen 2021",
    "ehrenamtskarte": "participating",
    "website": "https://www.kommune.example/ehrenamt",
}


@pytest.mark.parametrize("who", ["contact_a", "head_a"])
def test_contacts_and_the_head_create_the_profile_on_first_save(request, client, who):
    user = request.getfixturevalue(who)
    logged_in(client, user)
    page = client.get(PROFILE)
    assert page.status_code == 200
    assert 'id="profile-form"' in page.text
    assert not Profile.objects.exists()

    response = client.post(PROFILE, PROFILE_DATA)
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    profile = Profile.objects.get(organisation=user.affiliation.organisation)
    for field, value in PROFILE_DATA.items():
        assert getattr(profile, field) == value

    client.post(PROFILE, {**PROFILE_DATA, "introduction": "Neu."})
    assert Profile.objects.get().introduction == "Neu."


def test_a_website_without_scheme_gets_https(client, contact_a):
    logged_in(client, contact_a).post(PROFILE, {**PROFILE_DATA, "website": "www.ehrenamt.example"})
    assert Profile.objects.get().website == "https://www.ehrenamt.example"


@pytest.mark.parametrize(
    "website", ["kein link", "javascript:alert(1)", "ftp://files.example/x", "http://"]
)
def test_a_bad_website_is_explained_and_the_entries_are_kept(client, contact_a, website):
    response = logged_in(client, contact_a).post(PROFILE, {**PROFILE_DATA, "website": website})
    assert response.status_code == 200
    assert 'id="id_website_error"' in response.text
    assert "Ehrenamtsbüro im Rathaus" in response.text
    assert not Profile.objects.exists()


def test_an_unknown_ehrenamtskarte_choice_is_refused(client, contact_a):
    response = logged_in(client, contact_a).post(
        PROFILE, {**PROFILE_DATA, "ehrenamtskarte": "maybe"}
    )
    assert response.status_code == 200
    assert 'id="id_ehrenamtskarte_error"' in response.text


def test_html_in_the_profile_is_stored_as_text_and_shown_escaped(client, contact_a, colleague_a):
    evil = '<script>alert("x")</script><b>fett</b>'
    logged_in(client, contact_a).post(PROFILE, {**PROFILE_DATA, "introduction": evil})
    assert Profile.objects.get().introduction == evil
    for user in (contact_a, colleague_a):
        text = logged_in(client, user).get(PROFILE).text
        assert "<script>alert" not in text
        assert "<b>fett</b>" not in text
        assert "&lt;script&gt;" in text


def test_a_colleague_reads_the_profile_but_cannot_change_it(client, contact_a, colleague_a):
    logged_in(client, contact_a).post(PROFILE, PROFILE_DATA)
    logged_in(client, colleague_a)
    page = client.get(PROFILE)
    assert page.status_code == 200
    assert 'id="profile-form"' not in page.text
    assert 'id="profile-details"' in page.text
    assert "Ehrenamtsbüro im Rathaus" in page.text
    assert f'href="{PRACTICE_CREATE}"' not in page.text
    response = client.post(PROFILE, {**PROFILE_DATA, "introduction": "Gehackt"})
    assert response.status_code == 403
    assert Profile.objects.get().introduction == PROFILE_DATA["introduction"]


def test_a_colleague_sees_a_note_when_there_is_no_profile_yet(client, colleague_a):
    page = logged_in(client, colleague_a).get(PROFILE)
    assert page.status_code == 200
    assert 'id="profile-details"' not in page.text
    assert not Profile.objects.exists()


def test_each_municipality_edits_only_its_own_profile(client, contact_a, contact_b):
    logged_in(client, contact_a).post(PROFILE, PROFILE_DATA)
    logged_in(client, contact_b).post(PROFILE, {**PROFILE_DATA, "introduction": "B"})
    assert (
        Profile.objects.get(organisation=contact_a.affiliation.organisation).introduction
        == (PROFILE_DATA["introduction"])
    )
    assert Profile.objects.get(organisation=contact_b.affiliation.organisation).introduction == "B"
    assert "Wir fördern" not in client.get(PROFILE).text


# --- Public contact consent -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["contact_a", "head_a", "colleague_a"])
def test_everyone_gives_and_withdraws_their_own_consent(request, client, who):
    user = request.getfixturevalue(who)
    logged_in(client, user)
    before = timezone.now()
    response = client.post(PUBLIC_CONTACT, {"consent": "on", "office": "Ehrenamtsbüro"})
    assert response.status_code == 302
    assert response["Location"] == PROFILE + "#public-contact"
    affiliation = Affiliation.objects.get(user=user)
    assert affiliation.public_contact_since is not None
    assert before <= affiliation.public_contact_since <= timezone.now()
    assert affiliation.office == "Ehrenamtsbüro"
    assert 'id="public-contact-list"' in client.get(PROFILE).text

    client.post(PUBLIC_CONTACT, {"office": "Ehrenamtsbüro"})
    assert Affiliation.objects.get(user=user).public_contact_since is None


def test_giving_consent_again_keeps_the_original_date(client, colleague_a):
    logged_in(client, colleague_a)
    client.post(PUBLIC_CONTACT, {"consent": "on"})
    first = Affiliation.objects.get(user=colleague_a).public_contact_since
    client.post(PUBLIC_CONTACT, {"consent": "on", "office": "Neu"})
    assert Affiliation.objects.get(user=colleague_a).public_contact_since == first


def test_nobody_can_give_consent_for_someone_else(client, contact_a, colleague_a):
    logged_in(client, contact_a)
    target = colleague_a.affiliation.pk
    client.post(
        PUBLIC_CONTACT,
        {"consent": "on", "affiliation": target, "user": colleague_a.pk, "pk": target},
    )
    assert Affiliation.objects.get(user=colleague_a).public_contact_since is None
    assert Affiliation.objects.get(user=contact_a).public_contact_since is not None
    with pytest.raises(PermissionDenied):
        directory_services.set_public_contact(colleague_a.affiliation, contact_a, consent=True)


def test_withdrawing_consent_for_someone_else_is_impossible(client, contact_a, colleague_a):
    Affiliation.objects.filter(user=colleague_a).update(public_contact_since=timezone.now())
    logged_in(client, contact_a).post(PUBLIC_CONTACT, {"user": colleague_a.pk})
    assert Affiliation.objects.get(user=colleague_a).public_contact_since is not None


def test_a_too_long_office_is_explained_and_nothing_changes(client, colleague_a):
    response = logged_in(client, colleague_a).post(
        PUBLIC_CONTACT, {"consent": "on", "office": "x" * 151}
    )
    assert response.status_code == 200
    assert 'id="id_office_error"' in response.text
    assert Affiliation.objects.get(user=colleague_a).public_contact_since is None


def test_consent_is_only_given_by_post(client, colleague_a):
    assert logged_in(client, colleague_a).get(PUBLIC_CONTACT).status_code == 405


# --- Practice examples ------------------------------------------------------------------------

PRACTICE = {"title": "Ehrenamtsmesse", "text": "Vereine stellen sich vor.", "link": ""}


def test_a_contact_adds_a_practice_example_and_the_profile_appears(client, contact_a, media):
    logged_in(client, contact_a)
    assert client.get(PRACTICE_CREATE).status_code == 200
    response = client.post(PRACTICE_CREATE, PRACTICE)
    assert response.status_code == 302
    assert response["Location"] == PROFILE + "#practice-examples"
    example = PracticeExample.objects.get()
    assert example.profile.organisation == contact_a.affiliation.organisation
    assert example.title == "Ehrenamtsmesse"
    assert f'id="practice-{example.pk}"' in client.get(PROFILE).text


def test_a_practice_example_with_an_image_and_description(client, contact_a, media):
    logged_in(client, contact_a)
    response = client.post(
        PRACTICE_CREATE, {**PRACTICE, "image": png(), "image_alt": "Menschen am Infostand"}
    )
    assert response.status_code == 302
    example = PracticeExample.objects.get()
    assert example.image_alt == "Menschen am Infostand"
    assert example.image.name.endswith(".png")
    assert "Foto" not in example.image.name  # stored under a random name
    assert (media / example.image.name).exists()


def test_an_image_needs_a_description(client, contact_a, media):
    response = logged_in(client, contact_a).post(
        PRACTICE_CREATE, {**PRACTICE, "image": png(), "image_alt": "  "}
    )
    assert response.status_code == 200
    assert 'id="id_image_alt_error"' in response.text
    assert 'value="Ehrenamtsmesse"' in response.text
    assert not PracticeExample.objects.exists()


def test_a_fake_image_is_refused_next_to_the_field(client, contact_a, media):
    fake = SimpleUploadedFile("bild.png", b"<html>kein Bild</html>", "image/png")
    response = logged_in(client, contact_a).post(
        PRACTICE_CREATE, {**PRACTICE, "image": fake, "image_alt": "Bild"}
    )
    assert response.status_code == 200
    assert 'id="id_image_error"' in response.text
    assert 'value="Ehrenamtsmesse"' in response.text
    assert not PracticeExample.objects.exists()


def test_missing_title_and_bad_link_are_explained(client, contact_a, media):
    response = logged_in(client, contact_a).post(
        PRACTICE_CREATE, {"title": "", "text": "<i>Text</i>", "link": "javascript:alert(1)"}
    )
    assert response.status_code == 200
    assert 'id="id_title_error"' in response.text
    assert 'id="id_link_error"' in response.text
    assert "&lt;i&gt;Text&lt;/i&gt;" in response.text
    assert not PracticeExample.objects.exists()


def test_html_in_a_practice_example_is_shown_escaped(client, contact_a, media):
    logged_in(client, contact_a).post(
        PRACTICE_CREATE, {**PRACTICE, "title": "<img src=x onerror=alert(1)>"}
    )
    assert PracticeExample.objects.get().title == "<img src=x onerror=alert(1)>"
    text = client.get(PROFILE).text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_a_contact_edits_a_practice_example(client, contact_a, example_a, media):
    url = reverse("members:practice_edit", args=[example_a.pk])
    logged_in(client, contact_a)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Engagementbörse"' in page.text
    response = client.post(url, {**PRACTICE, "title": "Engagementbörse 2025"})
    assert response.status_code == 302
    example_a.refresh_from_db()
    assert example_a.title == "Engagementbörse 2025"


def test_replacing_and_removing_the_image(
    client, contact_a, example_a, media, django_capture_on_commit_callbacks
):
    url = reverse("members:practice_edit", args=[example_a.pk])
    logged_in(client, contact_a)
    client.post(url, {**PRACTICE, "image": png(), "image_alt": "Erstes Bild"})
    example_a.refresh_from_db()
    first = media / example_a.image.name
    assert first.exists()
    assert 'name="remove_image"' in client.get(url).text

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**PRACTICE, "image": png((5, 5)), "image_alt": "Zweites Bild"})
    example_a.refresh_from_db()
    assert (media / example_a.image.name).exists()
    assert not first.exists()

    # Keeping the image without uploading it again keeps the description rule.
    response = client.post(url, {**PRACTICE, "image_alt": ""})
    assert response.status_code == 200
    assert 'id="id_image_alt_error"' in response.text

    second = media / example_a.image.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**PRACTICE, "remove_image": "on", "image_alt": ""})
    example_a.refresh_from_db()
    assert not example_a.image
    assert not second.exists()


def test_a_failed_edit_shows_the_stored_image_not_the_rejected_one(
    client, contact_a, example_a, media
):
    url = reverse("members:practice_edit", args=[example_a.pk])
    logged_in(client, contact_a)
    client.post(url, {**PRACTICE, "image": png(), "image_alt": "Gespeichertes Bild"})
    example_a.refresh_from_db()
    stored_url = f"/netzwerk/praxisbeispiele/{example_a.pk}/bild/"
    response = client.post(url, {**PRACTICE, "title": "", "image": png(), "image_alt": "Neu"})
    assert response.status_code == 200
    assert 'id="id_title_error"' in response.text
    assert f'src="{stored_url}" alt="Gespeichertes Bild"' in response.text
    assert len(list(media.rglob("*.png"))) == 1


def test_two_first_saves_of_the_profile_end_in_one_profile(contact_a, head_a):
    organisation = contact_a.affiliation.organisation
    directory_services.save_profile(Profile(organisation=organisation, introduction="A"), contact_a)
    directory_services.save_profile(Profile(organisation=organisation, introduction="B"), head_a)
    assert Profile.objects.get().introduction == "B"


def test_a_contact_deletes_a_practice_example_after_confirming(client, contact_a, example_a):
    url = reverse("members:practice_delete", args=[example_a.pk])
    logged_in(client, contact_a)
    page = client.get(url)
    assert page.status_code == 200
    assert f'action="{url}"' in page.text
    response = client.post(url)
    assert response.status_code == 302
    assert not PracticeExample.objects.exists()


def test_a_colleague_cannot_change_practice_examples(client, colleague_a, example_a):
    logged_in(client, colleague_a)
    assert client.get(PRACTICE_CREATE).status_code == 403
    assert client.post(PRACTICE_CREATE, PRACTICE).status_code == 403
    for name in ("members:practice_edit", "members:practice_delete"):
        url = reverse(name, args=[example_a.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, PRACTICE).status_code == 403
    assert PracticeExample.objects.get().title == "Engagementbörse"
    assert f'id="practice-{example_a.pk}"' in client.get(PROFILE).text


def test_another_municipality_gets_404_for_practice_examples(client, contact_b, example_a):
    logged_in(client, contact_b)
    for name in ("members:practice_edit", "members:practice_delete"):
        url = reverse(name, args=[example_a.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, PRACTICE).status_code == 404
    assert PracticeExample.objects.get().title == "Engagementbörse"
    assert f'id="practice-{example_a.pk}"' not in client.get(PROFILE).text


def test_services_refuse_colleagues_even_without_the_views(colleague_a, example_a):
    example_a.title = "Gehackt"
    with pytest.raises(PermissionDenied):
        directory_services.save_practice_example(
            example_a.profile.organisation, example_a, colleague_a
        )
    with pytest.raises(PermissionDenied):
        directory_services.delete_practice_example(example_a, colleague_a)
    with pytest.raises(PermissionDenied):
        directory_services.save_profile(example_a.profile, colleague_a)


def test_a_practice_example_cannot_be_moved_to_another_municipality(contact_b, example_a):
    with pytest.raises(PermissionDenied):
        directory_services.save_practice_example(OrganisationFactory(), example_a, contact_b)
    with pytest.raises(PermissionDenied):
        directory_services.save_practice_example(
            contact_b.affiliation.organisation, example_a, contact_b
        )
