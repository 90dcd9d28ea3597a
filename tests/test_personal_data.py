"""A person's own data: the download, the deletion of the account, and the consent records.

German texts for these pages are still to be written, so the tests look at status codes, the
database, ids and links, and compare wording through gettext.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import cast

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from declarations.models import Signature
from declarations.tasks import render_signature_pdf
from meetings.checkin import services as checkin
from meetings.events import exports, notices, pdf, services
from meetings.events.models import participant_name
from meetings.models import (
    CalendarFeed,
    Event,
    Registration,
    RegistrationQuestion,
    Session,
    SessionChoice,
)
from members.directory import services as directory_services
from members.models import (
    Affiliation,
    Application,
    ApplicationTransition,
    ConsentRecord,
    Invitation,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from members.network_import.models import ImportedPerson
from portal.mailings.segments import resolve
from portal.models import OutboundEmail, Subscription, Topic, Unsubscribe
from portal.personal_data.registry import DeletionRefused, delete_account, export_user_data
from tests.factories import (
    PASSWORD,
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    SessionFactory,
    SignatureFactory,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("personal_data")
EXPORT = reverse("personal_data_export")
DELETE = reverse("account_delete")
TOTP_SECRET = "JBSWY3DPEHPK3PXPGEHEIM"
RECOVERY_SEED = "c2VlZC1kZXItd2llZGVyaGVyc3RlbGx1bmc"


def past_event(**kwargs) -> Event:
    starts = timezone.now() - datetime.timedelta(days=kwargs.pop("days_ago", 20))
    return cast(
        Event,
        EventFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=5), **kwargs),
    )


def deleted(user) -> bool:
    return not get_user_model().objects.filter(pk=user.pk).exists()


def confirm(client, password: str = PASSWORD, understood: bool = True):
    data = {"password": password}
    if understood:
        data["understood"] = "on"
    return client.post(DELETE, data)


@pytest.fixture
def person(member_a, contact_a, colleague_a):
    """A colleague of a member municipality (which has its contact person) with data in
    every app; the contact is a colleague whose data must never leak into the download."""
    person = colleague_a
    Authenticator.objects.create(
        user=person, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    Authenticator.objects.create(
        user=person, type=Authenticator.Type.RECOVERY_CODES, data={"seed": RECOVERY_SEED}
    )
    return person


@pytest.fixture
def full_data(person, contact_a, member_a):
    """Data of the person in every app, and a colleague's beside it."""
    topic = Topic.objects.create(name="Kurzformate", slug="kurzformate")
    Subscription.objects.create(user=person, topic=topic)
    Unsubscribe.objects.create(email=person.email, topic=None, source="link")
    event = EventFactory(title="Netzwerktreffen Münster")
    question = RegistrationQuestion.objects.create(event=event, label="Abendessen?", kind="yes_no")
    mine = services.register(
        event,
        person,
        person,
        needs="Rollstuhlplatz bitte",
        answers=[{"question": question.pk, "label": "Abendessen?", "answer": "ja"}],
    )
    session = SessionFactory(slot__event=event, title="Workshop Ehrenamtskarte")
    SessionChoice.objects.create(
        registration=mine, slot=session.slot, session=session, status="confirmed"
    )
    services.register(event, contact_a, contact_a, needs="Glutenfrei für die Kollegin")
    CalendarFeed.objects.create(user=person)
    application = ApplicationFactory(
        organisation=member_a, created_by=person, status=Application.Status.APPROVED
    )
    ApplicationTransition.objects.create(
        application=application, from_status="", to_status="draft", actor=person, note="Los geht's"
    )
    directory_services.set_public_contact(person.affiliation, person, consent=True, office="Büro")
    signature = SignatureFactory(organisation=member_a, submitted_by=person)
    return {
        "event": event,
        "registration": mine,
        "application": application,
        "signature": signature,
    }


# --- The download -----------------------------------------------------------------------------


def test_the_export_holds_the_persons_data_from_every_app(person, full_data):
    data = export_user_data(person)

    assert data["account"]["email"] == person.email
    assert data["account"]["full_name"] == person.full_name
    assert [a["email"] for a in data["email_addresses"]] == [person.email]
    assert data["two_factor_authentication"] == {"authenticator_app": True, "recovery_codes": True}
    assert [s["topic"] for s in data["subscriptions"]] == ["Kurzformate"]
    assert data["unsubscribes"][0]["topic"] is None
    assert any(e["kind"] == "meetings/registration_confirmed" for e in data["emails"])
    members = data["members"]
    assert members["affiliation"]["role"] == Affiliation.Role.COLLEAGUE
    assert members["affiliation"]["office"] == "Büro"
    assert members["applications_started"][0]["id"] == full_data["application"].pk
    assert members["application_steps"][0]["note"] == "Los geht's"
    assert members["consent_records"][0]["given"] is True
    assert members["consent_records"][0]["published_data"]["office"] == "Büro"
    (registration,) = data["meetings"]["registrations"]
    assert registration["event"] == "Netzwerktreffen Münster"
    assert registration["needs"] == "Rollstuhlplatz bitte"
    assert registration["answers"] == [{"question": "Abendessen?", "answer": "ja"}]
    assert registration["sessions"][0]["session"] == "Workshop Ehrenamtskarte"
    assert data["meetings"]["calendar_feed"]["exists"] is True
    (signature,) = data["declarations"]["signatures_entered"]
    assert signature["verification_code"] == full_data["signature"].verification_code


def test_the_export_holds_nothing_of_colleagues(person, contact_a, full_data):
    text = json.dumps(export_user_data(person), ensure_ascii=False)

    assert "Glutenfrei für die Kollegin" not in text
    assert contact_a.email not in text
    assert contact_a.full_name not in text
    assert len(export_user_data(person)["meetings"]["registrations"]) == 1


def test_the_export_holds_no_secrets(person, full_data):
    text = json.dumps(export_user_data(person), ensure_ascii=False)

    assert person.password not in text  # the hash
    assert "pbkdf2" not in text
    assert "argon2" not in text
    assert TOTP_SECRET not in text
    assert RECOVERY_SEED not in text
    assert person.calendar_feed.token not in text
    for email in OutboundEmail.objects.filter(to=person.email):
        assert email.body_text not in text


def test_the_download_is_a_json_attachment_that_is_not_cached(client, person, full_data):
    client.force_login(person)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"{timezone.localdate().isoformat()}.json" in disposition
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == person.email


def test_the_download_takes_the_same_number_of_queries_for_more_data(
    person, member_a, django_assert_max_num_queries
):
    def register_for(count: int) -> None:
        for _ in range(count):
            registration = services.register(cast(Event, EventFactory()), person, person)
            session = cast(Session, SessionFactory(slot__event=registration.event))
            SessionChoice.objects.create(
                registration=registration, slot=session.slot, session=session, status="confirmed"
            )
            application = cast(
                Application,
                ApplicationFactory(
                    organisation=OrganisationFactory(), created_by=person, status="rejected"
                ),
            )
            ApplicationTransition.objects.create(
                application=application, to_status="draft", actor=person
            )

    register_for(1)
    with django_assert_max_num_queries(30):
        small = export_user_data(person)
    register_for(9)
    with django_assert_max_num_queries(30):
        large = export_user_data(person)
    assert len(small["meetings"]["registrations"]) == 1
    assert len(large["meetings"]["registrations"]) == 10


def test_the_page_explains_and_links_the_download_and_the_deletion(client, person):
    client.force_login(person)

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{EXPORT}"' in html
    assert f'href="{DELETE}"' in html
    assert html.count("<h1") == 1


def test_the_dashboard_and_the_privacy_policy_link_both_pages(client, person):
    client.force_login(person)

    dashboard = client.get(reverse("dashboard")).content.decode()
    privacy = client.get(reverse("privacy")).content.decode()

    for html in (dashboard, privacy):
        assert f'href="{PAGE}"' in html
        assert f'href="{DELETE}"' in html


@pytest.mark.parametrize("url", [PAGE, EXPORT, DELETE])
def test_anonymous_people_are_sent_to_the_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_posts_delete_nothing(client, person):
    response = client.post(DELETE, {"password": PASSWORD, "understood": "on"})

    assert response.status_code == 302
    assert not deleted(person)


# --- Deleting: meetings -----------------------------------------------------------------------


def test_a_future_registration_is_cancelled_and_the_waiting_person_moves_up(
    client, person, contact_a, member_a
):
    event = EventFactory(capacity=1)
    mine = services.register(event, person, person)
    waiting = services.register(event, contact_a, contact_a)
    assert waiting.status == Registration.Status.WAITLISTED
    client.force_login(person)

    response = confirm(client)

    assert response.status_code == 302
    assert not Registration.objects.filter(pk=mine.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert OutboundEmail.objects.filter(
        kind="meetings/registration_promoted", to=contact_a.email
    ).exists()
    # The person still hears of the cancellation: the mail was queued before the account went.
    assert OutboundEmail.objects.filter(
        kind="meetings/registration_cancelled", to=person.email, status="queued"
    ).exists()


def test_a_registration_past_the_cancellation_deadline_still_frees_its_place(
    person, contact_a, member_a
):
    event = EventFactory(
        capacity=1, cancellation_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    services.register(event, person, person)
    waiting = services.register(event, contact_a, contact_a)

    delete_account(person)

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert event.registrations.count() == 1


def test_a_past_registration_stays_anonymous_and_still_counts(person, member_a):
    event = past_event()
    registration = Registration.objects.create(
        event=event,
        user=person,
        organisation=member_a,
        registered_by=person,
        status=Registration.Status.CONFIRMED,
        listed_consent=True,
        needs="Induktionsschleife",
        answers=[{"question": 1, "label": "Abendessen?", "answer": "ja"}],
        attended_at=event.starts_at,
    )

    delete_account(person)

    registration.refresh_from_db()
    assert registration.user is None
    assert registration.needs == ""
    assert registration.answers == []
    assert registration.guest_name == registration.guest_organisation == ""
    assert registration.guest_token is None
    assert not registration.listed_consent
    assert registration.guest_email == ""
    assert registration.anonymised_at is not None
    assert registration.organisation == member_a
    assert checkin.counts(event) == checkin.Counts(checked_in=1, total=1)
    assert participant_name(registration) == gettext("deleted account")


def test_two_deleted_accounts_of_one_event_both_stay_as_traces(person, head_a, member_a):
    event = past_event()
    for participant in (person, head_a):
        Registration.objects.create(
            event=event,
            user=participant,
            organisation=member_a,
            registered_by=participant,
            status=Registration.Status.CONFIRMED,
        )

    delete_account(person)
    delete_account(head_a)

    traces = Registration.objects.filter(event=event)
    assert traces.count() == 2
    assert all(trace.anonymised_at is not None and trace.user_id is None for trace in traces)


def test_the_trace_of_a_deleted_account_gets_no_mail(person, member_a, staff_user):
    event = past_event(days_ago=1)
    registration = Registration.objects.create(
        event=event,
        user=person,
        organisation=member_a,
        status=Registration.Status.CONFIRMED,
        attended_at=event.starts_at,
    )
    delete_account(person)
    before = OutboundEmail.objects.count()

    notices.send_due_followups()
    with pytest.raises(ValidationError):
        # Nobody left to write to: the staff's message is refused as for an empty list.
        notices.message_registrants(event, ["confirmed"], "Danke", "Schön war's", staff_user)
    audience = resolve({"segment": "meetings.registrants", "event": event.pk, "status": "all"})

    assert OutboundEmail.objects.count() == before
    assert audience == []
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_lists_and_admin_show_a_deleted_account(person, member_a, staff_user, client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = past_event()
    Registration.objects.create(
        event=event, user=person, organisation=member_a, status=Registration.Status.CONFIRMED
    )
    delete_account(person)
    client.force_login(staff_user)

    (row,) = exports.rows(exports.participants(event))
    staff_list = pdf.participant_list_html(event, for_participants=False)
    changelist = client.get(reverse("admin:meetings_registration_changelist")).content.decode()
    event_page = client.get(reverse("admin:meetings_event_change", args=[event.pk]))

    label = gettext("deleted account")
    assert row[:4] == [label, "", member_a.authority.name, gettext("member")]
    assert label in staff_list
    assert label in changelist
    assert event_page.status_code == 200


def test_the_calendar_feed_goes(person, full_data):
    token = person.calendar_feed.token

    delete_account(person)

    assert not CalendarFeed.objects.filter(token=token).exists()


# --- Deleting: members and declarations -------------------------------------------------------


def test_the_affiliation_goes_and_the_application_stays_without_its_creator(person, full_data):
    application = full_data["application"]
    affiliation_id = person.affiliation.pk

    delete_account(person)

    assert not Affiliation.objects.filter(pk=affiliation_id).exists()
    application.refresh_from_db()
    assert application.created_by is None
    assert application.status == Application.Status.APPROVED
    assert application.transitions.get(note="Los geht's").actor is None


def test_consent_records_stay_without_the_account_and_record_the_withdrawal(person, full_data):
    organisation = person.affiliation.organisation

    delete_account(person)

    records = list(ConsentRecord.objects.filter(organisation=organisation).order_by("id"))
    assert [r.given for r in records] == [True, False]
    assert all(r.user is None for r in records)
    assert records[0].details["office"] == "Büro"
    assert records[1].details == {"reason": "account deleted"}


def test_survey_answers_for_the_municipality_stay_and_personal_ones_go(person, member_a):
    now = timezone.now()
    survey = Survey.objects.create(
        title="Umfrage", opens_at=now, closes_at=now + datetime.timedelta(days=7)
    )
    question = SurveyQuestion.objects.create(survey=survey, text="Wie viele?", kind="text")
    for_town = SurveyResponse.objects.create(
        survey=survey,
        respondent_key=f"organisation:{member_a.pk}",
        organisation=member_a,
        user=person,
    )
    SurveyAnswer.objects.create(response=for_town, question=question, value="zwölf")
    own = SurveyResponse.objects.create(
        survey=survey, respondent_key=f"user:{person.pk}", user=person
    )

    exported = export_user_data(person)["members"]["survey_responses_last_edited"]
    delete_account(person)

    assert exported[0]["answers"] == [{"question": "Wie viele?", "answer": "zwölf"}]
    for_town.refresh_from_db()
    assert for_town.user is None
    assert for_town.answers.get().value == "zwölf"
    assert not SurveyResponse.objects.filter(pk=own.pk).exists()


def test_invitations_to_the_persons_address_go(person, contact_a, member_a):
    other = Invitation.objects.create(organisation=member_a, email="neu@kommune.example")
    Invitation.objects.create(organisation=member_a, email=person.email.upper())

    delete_account(person)

    assert list(Invitation.objects.all()) == [other]


def test_the_network_lists_entry_of_the_person_is_in_the_download_and_goes_with_the_account(
    person, contact_a, member_a
):
    ImportedPerson.objects.create(
        organisation=member_a, role="contact", full_name="Eva Import", email=person.email.upper()
    )
    colleague = ImportedPerson.objects.create(
        organisation=member_a, role="head", full_name="Bürgermeisterin", email="spitze@a.example"
    )

    records = export_user_data(person)["members"]["imported_from_the_network_lists"]
    assert [record["name"] for record in records] == ["Eva Import"]

    delete_account(person)

    assert list(ImportedPerson.objects.all()) == [colleague]


def test_the_signature_stays_and_its_pages_and_pdf_still_work(client, person, contact_a, full_data):
    signature = full_data["signature"]

    delete_account(person)
    render_signature_pdf(signature.pk)

    signature.refresh_from_db()
    assert signature.submitted_by is None
    assert signature.signatory_name == "Dr. Berta Bürgermeisterin"
    assert signature.pdf
    signed = OutboundEmail.objects.filter(kind="declarations/signed")
    assert list(signed.values_list("to", flat=True)) == [contact_a.email]
    client.force_login(contact_a)
    page = client.get(reverse("declarations:signature", args=[signature.pk]))
    assert page.status_code == 200
    assert b"data-entered-by" in page.content
    pdf = client.get(reverse("declarations:signature_pdf", args=[signature.pk]))
    assert pdf.status_code == 200
    client.logout()
    verification = client.get(
        reverse("declarations:verify_code", args=[signature.verification_code])
    )
    assert verification.status_code == 200
    assert Signature.objects.filter(pk=signature.pk).exists()


# --- Deleting: the portal's own data ----------------------------------------------------------


def test_copies_of_mails_to_the_person_go_and_others_stay(person, contact_a):
    sent = OutboundEmail.objects.create(
        kind="x", to=person.email, subject="s", body_text="b", language="de", status="sent"
    )
    other = OutboundEmail.objects.create(
        kind="x", to=contact_a.email, subject="s", body_text="b", language="de", status="sent"
    )

    delete_account(person)

    assert not OutboundEmail.objects.filter(pk=sent.pk).exists()
    assert OutboundEmail.objects.filter(pk=other.pk).exists()


def test_a_confirmation_goes_to_the_old_address(person):
    address = person.email

    delete_account(person)

    mail = OutboundEmail.objects.get(kind="portal/account_deleted")
    assert mail.to == address
    assert mail.status == OutboundEmail.Status.QUEUED
    assert not EmailAddress.objects.filter(email=address).exists()
    assert not Authenticator.objects.filter(user_id=person.pk).exists()


def test_the_person_is_logged_out_and_cannot_log_in_again(client, person):
    address = person.email
    client.force_login(person)

    response = confirm(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert deleted(person)
    assert client.get(reverse("dashboard")).status_code == 302
    assert not client.login(email=address, password=PASSWORD)
    login = Client().post(reverse("account_login"), {"login": address, "password": PASSWORD})
    assert login.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in login.wsgi_request.session


# --- Who may delete ---------------------------------------------------------------------------


def test_the_only_contact_of_a_member_is_asked_to_name_a_successor_first(
    client, contact_a, member_a
):
    client.force_login(contact_a)

    page = client.get(DELETE)
    response = confirm(client)

    assert b"data-refusal" in page.content
    assert b"delete-account-form" not in page.content
    assert response.status_code == 403
    assert not deleted(contact_a)
    with pytest.raises(DeletionRefused):
        delete_account(contact_a)
    assert b"data-refusal" in client.get(PAGE).content


def test_the_only_contact_with_an_open_application_is_refused_too(contact_a, organisation_a):
    ApplicationFactory(organisation=organisation_a, created_by=contact_a)

    with pytest.raises(DeletionRefused):
        delete_account(contact_a)


def test_a_contact_with_a_second_contact_may_delete(contact_a, member_a):
    AffiliationFactory(organisation=member_a, role=Affiliation.Role.CONTACT)

    delete_account(contact_a)

    assert deleted(contact_a)


def test_the_only_contact_of_a_municipality_without_membership_or_application_may_delete(
    contact_a, organisation_a
):
    ApplicationFactory(organisation=organisation_a, created_by=contact_a, status="rejected")

    delete_account(contact_a)

    assert deleted(contact_a)
    assert not organisation_a.affiliations.exists()


def test_a_head_of_administration_may_delete_while_a_contact_remains(head_a, contact_a, member_a):
    delete_account(head_a)

    assert deleted(head_a)


def test_staff_accounts_are_not_deleted_here(client, staff_user):
    client.force_login(staff_user)

    page = client.get(DELETE)
    response = confirm(client)

    assert page.status_code == 200
    assert b"data-refusal" in page.content
    assert response.status_code == 403
    assert not deleted(staff_user)
    with pytest.raises(DeletionRefused):
        delete_account(staff_user)


def test_a_person_without_a_municipality_may_delete(client, user_without_organisation):
    client.force_login(user_without_organisation)

    response = confirm(client)

    assert response.status_code == 302
    assert deleted(user_without_organisation)


# --- Bad input --------------------------------------------------------------------------------


def test_a_wrong_password_keeps_the_form_and_shows_the_error(client, person):
    client.force_login(person)

    response = confirm(client, password="falsch")

    assert response.status_code == 200
    assert not deleted(person)
    form = response.context["form"]
    assert form.errors["password"] == [gettext("The password is not correct.")]
    html = response.content.decode()
    assert 'id="id_password_error"' in html
    assert re.search(r'<input[^>]*name="understood"[^>]*checked', html)


def test_the_confirmation_box_must_be_ticked(client, person):
    client.force_login(person)

    response = confirm(client, understood=False)

    assert response.status_code == 200
    assert "understood" in response.context["form"].errors
    assert not deleted(person)


def test_too_many_wrong_passwords_are_stopped(client, person):
    client.force_login(person)
    for _ in range(10):
        confirm(client, password="falsch")

    response = confirm(client)

    assert response.status_code == 200
    assert not deleted(person)
    assert response.context["form"].errors["password"][0] != gettext("The password is not correct.")


def test_deleting_needs_the_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)

    response = confirm(client)

    assert response.status_code == 403
    assert not deleted(person)


# --- Consent records --------------------------------------------------------------------------


def test_giving_and_withdrawing_consent_each_add_a_record(colleague_a):
    affiliation = colleague_a.affiliation

    directory_services.set_public_contact(affiliation, colleague_a, consent=True, office="Leitung")
    directory_services.set_public_contact(affiliation, colleague_a, consent=False)

    withdrawn, given = ConsentRecord.objects.filter(user=colleague_a)  # newest first
    assert given.given
    assert not withdrawn.given
    assert given.kind == withdrawn.kind == ConsentRecord.Kind.PUBLIC_CONTACT
    expected = {"name": colleague_a.full_name, "office": "Leitung", "email": colleague_a.email}
    assert given.details == expected
    assert withdrawn.details == expected
    assert given.organisation == affiliation.organisation


def test_saving_the_same_choice_again_adds_no_record_but_a_new_office_does(colleague_a):
    affiliation = colleague_a.affiliation
    directory_services.set_public_contact(affiliation, colleague_a, consent=False)
    directory_services.set_public_contact(affiliation, colleague_a, consent=True, office="A")
    directory_services.set_public_contact(affiliation, colleague_a, consent=True, office="A")
    assert ConsentRecord.objects.count() == 1

    directory_services.set_public_contact(affiliation, colleague_a, consent=True, office="B")

    assert ConsentRecord.objects.count() == 2
    assert ConsentRecord.objects.first().details["office"] == "B"


def test_the_profile_page_shows_the_persons_own_consent_history(client, colleague_a, contact_a):
    directory_services.set_public_contact(contact_a.affiliation, contact_a, consent=True)
    directory_services.set_public_contact(colleague_a.affiliation, colleague_a, consent=True)
    directory_services.set_public_contact(colleague_a.affiliation, colleague_a, consent=False)
    client.force_login(colleague_a)

    html = client.get(reverse("members:profile_edit")).content.decode()

    assert html.count('data-consent-record="given"') == 1
    assert html.count('data-consent-record="withdrawn"') == 1


def test_consent_records_are_read_only_in_admin_even_for_superusers(
    client, staff_user, colleague_a, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    directory_services.set_public_contact(colleague_a.affiliation, colleague_a, consent=True)
    record = ConsentRecord.objects.get()
    client.force_login(staff_user)
    change = reverse("admin:members_consentrecord_change", args=[record.pk])

    listing = client.get(reverse("admin:members_consentrecord_changelist"))
    detail = client.get(change)
    add = client.get(reverse("admin:members_consentrecord_add"))
    post = client.post(change, {"given": ""})
    delete = client.post(
        reverse("admin:members_consentrecord_delete", args=[record.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert add.status_code == 403
    assert post.status_code == 403
    assert delete.status_code == 403
    record.refresh_from_db()
    assert record.given is True


def test_the_admin_list_filters_and_searches_consent_records(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    given = AffiliationFactory(organisation=OrganisationFactory())
    withdrawn = AffiliationFactory(organisation=OrganisationFactory())
    directory_services.set_public_contact(given, given.user, consent=True)
    directory_services.set_public_contact(withdrawn, withdrawn.user, consent=True)
    directory_services.set_public_contact(withdrawn, withdrawn.user, consent=False)
    client.force_login(staff_user)
    url = reverse("admin:members_consentrecord_changelist")

    only_withdrawn = client.get(url, {"given__exact": "0"})
    by_name = client.get(url, {"q": given.organisation.authority.name})

    assert only_withdrawn.context["cl"].result_count == 1
    assert by_name.context["cl"].result_count == 1


def test_a_member_of_another_municipality_is_unaffected(person, contact_b, full_data):
    MembershipFactory(organisation=contact_b.affiliation.organisation)

    delete_account(person)

    assert not deleted(contact_b)
    assert contact_b.affiliation.organisation.affiliations.count() == 1
