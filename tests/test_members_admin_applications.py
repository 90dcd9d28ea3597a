"""The network team's side in Django admin: reviewing applications, from the list and from
the application page, who may do what, and the CSV export."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone

from members.applications import services
from members.models import (
    Affiliation,
    Application,
    ApplicationAttachment,
    ApplicationTransition,
    Authority,
    Membership,
)
from portal.models import OutboundEmail
from portal.spreadsheets import cell
from tests.factories import AffiliationFactory, ApplicationFactory, OrganisationFactory, UserFactory
from tests.helpers import authority, read_csv, run_action, texts

pytestmark = pytest.mark.django_db


Status = Application.Status

APPLICATIONS = "/admin/members/application/"


def submitted_application(with_contact=False, **fields):
    """An application waiting for review; with a contact person who receives the e-mails."""
    application = ApplicationFactory(**fields)
    if with_contact:
        contact = AffiliationFactory(
            organisation=application.organisation, role=Affiliation.Role.CONTACT
        ).user
        services.applicant_step(application, contact, Status.SUBMITTED)
    else:
        application.status = Status.SUBMITTED
        application.submitted_at = timezone.now()
        application.save()
    application.refresh_from_db()
    return application


# --- The application list ---------------------------------------------------------------------


def test_the_list_shows_organisation_ags_type_region_status_and_contact(staff_client):
    town = authority(Authority.Kind.TOWN, "Münster")
    submitted_application(
        organisation=OrganisationFactory(authority=town), contact_name="Paula Plan"
    )
    response = staff_client.get(APPLICATIONS)
    assert response.status_code == 200
    page = response.content.decode()
    for text in (town.name, town.ags, "town", "Münster", "submitted", "Paula Plan"):
        assert text in page


def test_the_list_filters_by_status_region_and_type(staff_client):
    koeln = submitted_application(
        organisation=OrganisationFactory(authority=authority(Authority.Kind.TOWN, "Köln"))
    )
    detmold = ApplicationFactory(
        organisation=OrganisationFactory(
            authority=authority(Authority.Kind.MUNICIPALITY, "Detmold")
        )
    )
    region = ApplicationFactory(
        organisation=OrganisationFactory(authority=Authority.objects.get(ags="05900000"))
    )

    def listed(query):
        response = staff_client.get(APPLICATIONS + query)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed("?status__exact=submitted") == {koeln}
    assert listed("?status__exact=draft") == {detmold, region}
    assert listed("?region=Köln") == {koeln}
    assert listed("?region=Detmold") == {detmold}
    assert listed("?region=Arnsberg") == {region}, "a Bezirksregierung lies in its own region"
    assert listed("?organisation__authority__kind__exact=Gemeinde") == {detmold}
    assert listed("?submitted_at__isnull=True") == {detmold, region}


def test_the_region_filter_offers_exactly_the_five_regions(staff_client):
    response = staff_client.get(APPLICATIONS)
    region_filter = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "region"
    )
    names = [lookup for lookup, _title in region_filter.lookup_choices]
    assert names == ["Arnsberg", "Detmold", "Düsseldorf", "Köln", "Münster"]


@pytest.mark.parametrize(
    "query",
    ["05515000", "Münster", "Zora Zuständig", "zora@muenster.example", "antragsteller@"],
)
def test_the_list_finds_applications_by_authority_ags_contact_and_e_mail(staff_client, query):
    wanted = ApplicationFactory(
        organisation=OrganisationFactory(authority=Authority.objects.get(ags="05515000")),
        contact_name="Zora Zuständig",
        contact_email="zora@muenster.example",
        created_by=UserFactory(email="antragsteller@muenster.example"),
    )
    ApplicationFactory()
    response = staff_client.get(APPLICATIONS, {"q": query})
    assert list(response.context["cl"].result_list) == [wanted]


def test_the_application_list_needs_as_many_queries_for_30_applications_as_for_3(
    staff_client, django_assert_max_num_queries
):
    for _n in range(3):
        submitted_application()
    with django_assert_max_num_queries(6):
        assert staff_client.get(APPLICATIONS).status_code == 200
    for _n in range(27):
        submitted_application()
    with django_assert_max_num_queries(6):
        response = staff_client.get(APPLICATIONS)
    assert len(response.context["cl"].result_list) == 30


# --- The application page ---------------------------------------------------------------------


def test_the_change_page_shows_the_five_criteria_read_only_with_attachments_and_history(
    staff_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    application = submitted_application(with_contact=True, comparable_instrument="")
    attachment = ApplicationAttachment(
        application=application, original_name="Ratsbeschluss.pdf", size=13
    )
    attachment.file.save("ratsbeschluss.pdf", ContentFile(b"%PDF-1.7 test"), save=True)

    response = staff_client.get(f"{APPLICATIONS}{application.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    for heading in (
        "1. Contact person for civic engagement",
        "2. Engagement promotion as a cross-cutting task",
        "3. Gemeinsame Erklärung",
        "4. Ehrenamtskarte NRW or a comparable instrument",
        "5. Continuous participation in the network",
    ):
        assert heading in page
    assert "Erika Engagiert" in page
    assert "Querschnittsaufgabe" in page
    form = response.context["adminform"].form
    assert list(form.fields) == [], "staff edit neither the evidence nor the status"
    assert 'name="_save"' not in page
    assert "Ratsbeschluss.pdf" in page
    assert "History" in page  # the transitions inline: draft → submitted
    assert response.context["review_steps"] == [
        (Status.IN_REVIEW, "Start review"),
        (Status.QUERY, "Ask the applicant a question"),
        (Status.APPROVED, "Approve"),
        (Status.REJECTED, "Reject"),
    ]

    download = staff_client.get(f"{APPLICATIONS}{application.pk}/attachment/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.7 test"
    assert "Ratsbeschluss.pdf" in download["Content-Disposition"]


def test_staff_cannot_add_applications_in_admin(staff_client):
    assert staff_client.get(f"{APPLICATIONS}add/").status_code == 403


# --- Review steps from the list ---------------------------------------------------------------


def test_a_step_from_the_list_asks_for_confirmation_before_anything_changes(staff_client):
    application = submitted_application()
    response = run_action(staff_client, APPLICATIONS, "approve", [application])
    assert response.status_code == 200
    assert response.templates[0].name == "admin/members/application/step_confirmation.html"
    assert str(application.organisation) in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_staff_can_approve_a_submitted_application_from_the_list(staff_client, staff_user):
    application = submitted_application(with_contact=True)
    response = run_action(
        staff_client, APPLICATIONS, "approve", [application], apply="1", note="Willkommen!"
    )
    assert response.status_code == 200
    assert texts(response) == ["1 application has been approved."]
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert application.decided_at is not None
    membership = Membership.objects.get(organisation=application.organisation)
    assert membership.application == application
    assert membership.until is None
    step = application.transitions.last()
    assert (step.to_status, step.actor, step.note) == (Status.APPROVED, staff_user, "Willkommen!")
    assert OutboundEmail.objects.filter(kind="members/application_approved").count() == 1


def test_staff_can_start_the_review_of_several_applications_at_once(staff_client):
    applications = [submitted_application(), submitted_application()]
    response = run_action(staff_client, APPLICATIONS, "start_review", applications, apply="1")
    assert texts(response) == ["The review of 2 applications has started."]
    assert {a.status for a in Application.objects.all()} == {Status.IN_REVIEW}


def test_rejecting_without_a_reason_shows_an_error_and_changes_nothing(staff_client):
    application = submitted_application(with_contact=True)
    emails_before = OutboundEmail.objects.count()
    response = run_action(staff_client, APPLICATIONS, "reject", [application], apply="1", note=" ")
    assert response.status_code == 200
    assert "Please give the reason." in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.decided_at is None
    assert not application.transitions.filter(to_status=Status.REJECTED).exists()
    assert OutboundEmail.objects.count() == emails_before


def test_rejecting_with_a_reason_records_the_note_and_queues_an_e_mail(staff_client, staff_user):
    application = submitted_application(with_contact=True)
    contact = application.organisation.affiliations.get().user
    reason = "Die Engagementförderung ist noch nicht als Querschnittsaufgabe verankert."
    response = run_action(
        staff_client, APPLICATIONS, "reject", [application], apply="1", note=reason
    )
    assert texts(response) == ["1 application has been rejected."]
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    step = ApplicationTransition.objects.filter(application=application).last()
    assert (step.from_status, step.to_status) == (Status.SUBMITTED, Status.REJECTED)
    assert (step.actor, step.note) == (staff_user, reason)
    email = OutboundEmail.objects.get(kind="members/application_rejected")
    assert email.to == contact.email
    assert reason in email.body_text
    assert not Membership.objects.exists()


def test_asking_a_question_needs_the_question(staff_client):
    application = submitted_application()
    response = run_action(staff_client, APPLICATIONS, "ask_question", [application], apply="1")
    assert "Please write your question." in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    run_action(
        staff_client,
        APPLICATIONS,
        "ask_question",
        [application],
        apply="1",
        note="Wer ist die Ansprechperson?",
    )
    application.refresh_from_db()
    assert application.status == Status.QUERY
    assert application.transitions.last().note == "Wer ist die Ansprechperson?"


def test_approving_a_draft_shows_an_error_message_not_a_server_error(staff_client):
    draft = ApplicationFactory()
    waiting = submitted_application()
    response = run_action(staff_client, APPLICATIONS, "approve", [draft, waiting], apply="1")
    assert response.status_code == 200
    messages = texts(response)
    assert len(messages) == 2
    assert "cannot go from “draft” to “approved”" in messages[0]
    assert str(draft.organisation) in messages[0]
    assert messages[1] == "1 application has been approved."
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not Membership.objects.filter(organisation=draft.organisation).exists()


# --- Review steps from the application page ---------------------------------------------------


def test_staff_can_approve_from_the_application_page(staff_client):
    application = submitted_application()
    response = staff_client.post(
        f"{APPLICATIONS}{application.pk}/step/", {"to_status": "approved"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{APPLICATIONS}{application.pk}/change/"
    assert texts(response) == ["1 application has been approved."]
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert Membership.objects.filter(application=application).exists()


def test_a_bad_step_on_the_application_page_is_shown_as_an_error(staff_client):
    application = submitted_application()
    url = f"{APPLICATIONS}{application.pk}/step/"
    response = staff_client.post(url, {"to_status": "rejected", "note": ""}, follow=True)
    assert texts(response) == ["Please give the reason."]
    response = staff_client.post(url, {"to_status": "nonsense"}, follow=True)
    assert response.status_code == 200
    assert staff_client.get(url).status_code == 405
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    draft = ApplicationFactory()
    response = staff_client.post(
        f"{APPLICATIONS}{draft.pk}/step/", {"to_status": "approved"}, follow=True
    )
    assert response.status_code == 200
    assert "cannot go from" in texts(response)[0]
    page = staff_client.get(f"{APPLICATIONS}{draft.pk}/change/")
    assert page.context["review_steps"] == []
    assert "No review step is possible in this status." in page.content.decode()


# --- Who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "member of a municipality"])
def test_only_staff_reach_the_applications_in_admin(client, who, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    application = submitted_application()
    if who != "anonymous":
        client.force_login(AffiliationFactory().user)
    for response in (
        client.get(APPLICATIONS),
        client.get(f"{APPLICATIONS}{application.pk}/change/"),
        client.post(f"{APPLICATIONS}{application.pk}/step/", {"to_status": "approved"}),
        run_action(client, APPLICATIONS, "approve", [application], follow=False, apply="1"),
    ):
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/?next=/admin/members/application/")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_staff_without_change_permission_can_read_and_export_but_not_decide(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    reader = UserFactory(is_staff=True, language="en")
    reader.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(reader)
    application = submitted_application()

    listing = client.get(APPLICATIONS)
    assert listing.status_code == 200
    offered = [name for name, _label in listing.context["action_form"].fields["action"].choices]
    assert offered == ["", "export_csv"]

    run_action(client, APPLICATIONS, "approve", [application], apply="1")
    page = client.get(f"{APPLICATIONS}{application.pk}/change/")
    assert page.status_code == 200
    assert "review_steps" not in page.context
    step = client.post(f"{APPLICATIONS}{application.pk}/step/", {"to_status": "approved"})
    assert step.status_code == 403
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not Membership.objects.exists()
    export = run_action(client, APPLICATIONS, "export_csv", [application])
    assert export.status_code == 200


# --- CSV ---------------------------------------------------------------------------------------


def test_the_csv_export_of_applications_is_ready_for_excel_and_free_of_formulas(staff_client):
    application = submitted_application(
        organisation=OrganisationFactory(authority=Authority.objects.get(ags="05515000")),
        contact_name='=HYPERLINK("http://evil.example";"Klick")',
        contact_office="+49 251 4920",
        contact_email="@erika@kommune.example",
        ehrenamtskarte_status=Application.EhrenamtskarteStatus.PLANNED,
        ehrenamtskarte_planned_for=datetime.date(2026, 1, 1),
        comparable_instrument="-",
    )
    response = run_action(staff_client, APPLICATIONS, "export_csv", [application])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b";" in response.content.splitlines()[0]
    header, row = read_csv(response)
    assert header == [
        "Organisation",
        "AGS",
        "Type",
        "Government region",
        "Status",
        "Created",
        "Submitted",
        "Decided",
        "Contact person",
        "Office or department",
        "E-mail",
        "Ehrenamtskarte NRW",
    ]
    submitted = timezone.localtime(application.submitted_at).strftime("%d.%m.%Y %H:%M")
    assert row[:8] == [
        "Münster",
        "05515000",
        "independent city",
        "Münster",
        "submitted",
        timezone.localtime(application.created_at).strftime("%d.%m.%Y %H:%M"),
        submitted,
        "",
    ]
    assert row[8] == '\'=HYPERLINK("http://evil.example";"Klick")'
    assert row[9] == "'+49 251 4920"
    assert row[10] == "'@erika@kommune.example"
    assert row[11] == "We plan to introduce the Ehrenamtskarte NRW."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Köln; Bonn", "Köln; Bonn"),
        (None, ""),
        (-3, "-3"),
        (datetime.date(2025, 3, 9), "09.03.2025"),
    ],
)
def test_a_csv_cell_never_starts_a_formula(value, expected):
    assert cell(value) == expected
