"""A person's own data: what deleting the account removes, keeps and hands on, in every app.

German texts for these pages are still to be written, so the tests look at status codes, the
database, ids and links, and compare wording through gettext.
"""

from __future__ import annotations

import datetime
from typing import cast

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
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
from meetings.models import CalendarFeed, Event, Registration
from members.models import (
    Affiliation,
    Application,
    ConsentRecord,
    Invitation,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from members.network_import.models import ImportedPerson
from portal.mailings.segments import resolve
from portal.models import OutboundEmail
from portal.personal_data.registry import delete_account, export_user_data
from tests.factories import PASSWORD, EventFactory, MembershipFactory
from tests.support import personal_data as support
from tests.support.personal_data import confirm, deleted

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/personal_data.py that these tests ask for by name.
full_data = support.full_data
person = support.person


def past_event(**kwargs) -> Event:
    starts = timezone.now() - datetime.timedelta(days=kwargs.pop("days_ago", 20))
    return cast(
        Event,
        EventFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=5), **kwargs),
    )


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


def test_a_member_of_another_municipality_is_unaffected(person, contact_b, full_data):
    MembershipFactory(organisation=contact_b.affiliation.organisation)

    delete_account(person)

    assert not deleted(contact_b)
    assert contact_b.affiliation.organisation.affiliations.count() == 1
